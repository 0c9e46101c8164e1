// Migrations: ordered, recorded once per version, and the same tables on both engines.

import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../src/store/migrations.js';
import type { Database } from '../src/store/schema.js';
import { makePostgresFixture, makeSqliteFixture, shouldSkipPostgres } from './fixtures/store-fixtures.js';
import type { StoreFixture } from './store-contract.js';

const skipPostgres = await shouldSkipPostgres();
const versions = MIGRATIONS.map((m) => m.version);

describe('migrations', () => {
  let fixture: StoreFixture | undefined;
  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  /** A migration check on a fresh SQLite file, through Kysely. */
  const onSqlite = async (check: (db: Kysely<Database>) => Promise<void>): Promise<void> => {
    const sqlite = await makeSqliteFixture();
    fixture = sqlite;
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(sqlite.file) }),
    });
    try {
      await check(db);
    } finally {
      await db.destroy();
    }
  };

  /** A migration check on a fresh PostgreSQL database, through Kysely. */
  const onPostgres = async (check: (db: Kysely<Database>) => Promise<void>): Promise<void> => {
    const postgres = await makePostgresFixture();
    fixture = postgres;
    const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      await check(db);
    } finally {
      await db.destroy();
    }
  };

  it('are numbered 1..n in order', () => {
    expect(versions).toEqual(Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1));
  });

  it('SQLite: records each version once, applies nothing the second time', () =>
    onSqlite(async (db) => {
      expect(await applyMigrations(db, 'sqlite', () => 42)).toEqual(versions);
      expect(await applyMigrations(db, 'sqlite', () => 43)).toEqual([]);
      const rows = await db.selectFrom('schema_migrations').selectAll().orderBy('version').execute();
      expect(rows.map((r) => [r.version, Number(r.applied_at)])).toEqual(versions.map((v) => [v, 42]));
    }));

  const roomsGetEpochs = async (db: Kysely<Database>, engine: 'sqlite' | 'postgres'): Promise<void> => {
    await applyMigrations(db, engine, () => 42, 5);
    for (const id of ['r1', 'r2']) {
      await sql`INSERT INTO rooms (id, name, name_key, created_at, created_by_id, created_by_nick, created_by_tag,
        active_at) VALUES (${id}, ${id}, ${id}, 1, 'u', 'n', '0001', 1)`.execute(db);
    }
    expect(await applyMigrations(db, engine, () => 43, 6)).toEqual([6]);
    const epochs = (await db.selectFrom('rooms').select('epoch').orderBy('id').execute()).map((r) => r.epoch);
    expect(epochs).toHaveLength(2);
    for (const epoch of epochs) expect(epoch).toMatch(/^[0-9a-f]{18}$/);
    expect(epochs[0]).not.toBe(epochs[1]);
  };

  /** Rooms from before version 10 are owned by their creator, seen at the upgrade (not at creation). */
  const roomsKeepTheirCreatorAsOwner = async (
    db: Kysely<Database>,
    engine: 'sqlite' | 'postgres',
  ): Promise<void> => {
    await applyMigrations(db, engine, () => 42, 9);
    await sql`INSERT INTO rooms (id, name, name_key, created_at, created_by_id, created_by_nick, created_by_tag,
      active_at) VALUES ('r1', 'r1', 'r1', 1, 'creator-id', 'n', '0001', 1)`.execute(db);
    const before = Date.now();
    expect(await applyMigrations(db, engine, () => 43, 10)).toEqual([10]);
    const after = Date.now();
    const row = await db.selectFrom('rooms').select(['owner_id', 'owner_seen_at']).executeTakeFirstOrThrow();
    expect(row.owner_id).toBe('creator-id');
    expect(Number(row.owner_seen_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Number(row.owner_seen_at)).toBeLessThanOrEqual(after + 1000);
  };

  /** Messages stored before version 12 are searchable after it, through the engine's trigram index. */
  const messagesGetIndexed = async (db: Kysely<Database>, engine: 'sqlite' | 'postgres'): Promise<void> => {
    await applyMigrations(db, engine, () => 42, 11);
    await sql`INSERT INTO rooms (id, name, name_key, created_at, created_by_id, created_by_nick, created_by_tag,
      active_at) VALUES ('r1', 'r1', 'r1', 1, 'u', 'n', '0001', 1)`.execute(db);
    for (const [seq, body] of [
      [1, 'older 안녕하세요 text'],
      [2, 'nothing to see'],
    ] as const) {
      await sql`INSERT INTO messages (id, room_id, seq, author_id, author_nick, author_tag, body, created_at)
        VALUES (${`m${seq}`}, 'r1', ${seq}, 'u', 'n', '0001', ${body}, 1)`.execute(db);
    }
    expect(await applyMigrations(db, engine, () => 43, 12)).toEqual([12]);
    if (engine === 'sqlite') {
      const found = await sql<{
        id: string;
      }>`SELECT m.id FROM messages_fts f JOIN messages m ON m.rowid = f.rowid
        WHERE messages_fts MATCH '"녕하세"'`.execute(db);
      expect(found.rows.map((r) => r.id)).toEqual(['m1']);
      // Kept in step from now on: an edit is found by its new text only.
      await sql`UPDATE messages SET body = 'renamed text' WHERE id = 'm1'`.execute(db);
      const after = await sql<{
        n: number;
      }>`SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH '"녕하세"'`.execute(db);
      expect(Number(after.rows[0]?.n)).toBe(0);
    } else {
      const index = await sql<{ indexdef: string }>`SELECT indexdef FROM pg_indexes
        WHERE indexname = 'messages_body_trgm_idx'`.execute(db);
      expect(index.rows[0]?.indexdef).toContain('gin_trgm_ops');
      const found = await sql<{ id: string }>`SELECT id FROM messages WHERE body ILIKE '%녕하세%'`.execute(
        db,
      );
      expect(found.rows.map((r) => r.id)).toEqual(['m1']);
    }
  };

  it('SQLite: version 12 indexes the messages already stored (FTS5 trigram), and keeps the index in step', () =>
    onSqlite((db) => messagesGetIndexed(db, 'sqlite')));

  it.skipIf(skipPostgres)(
    'PostgreSQL: version 12 installs pg_trgm and a GIN trigram index on the bodies',
    () => onPostgres((db) => messagesGetIndexed(db, 'postgres')),
  );

  it('SQLite: version 10 makes every existing room owned by its creator, seen at the upgrade', () =>
    onSqlite((db) => roomsKeepTheirCreatorAsOwner(db, 'sqlite')));

  it.skipIf(skipPostgres)(
    'PostgreSQL: version 10 makes every existing room owned by its creator, seen at the upgrade',
    () => onPostgres((db) => roomsKeepTheirCreatorAsOwner(db, 'postgres')),
  );

  it('SQLite: version 6 gives every existing room its own random epoch', () =>
    onSqlite((db) => roomsGetEpochs(db, 'sqlite')));

  it.skipIf(skipPostgres)('PostgreSQL: version 6 gives every existing room its own random epoch', () =>
    onPostgres((db) => roomsGetEpochs(db, 'postgres')),
  );

  it.skipIf(skipPostgres)('PostgreSQL: concurrent migrators apply each version exactly once', async () => {
    const postgres = await makePostgresFixture();
    fixture = postgres;
    const dbs = Array.from({ length: 4 }, () => {
      const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
      pool.on('error', () => {});
      return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    });
    try {
      const applied = await Promise.all(dbs.map((db) => applyMigrations(db, 'postgres', () => 42)));
      expect(applied.flat().sort()).toEqual([...versions].sort());
      const [db] = dbs;
      if (db === undefined) throw new Error('no db');
      const rows = await db.selectFrom('schema_migrations').select('version').orderBy('version').execute();
      expect(rows.map((r) => r.version)).toEqual(versions);
      const columns = await sql<{ table_name: string; column_name: string }>`
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name IN ('rooms', 'messages') ORDER BY table_name, column_name`.execute(
        db,
      );
      const sqlite = new BetterSqlite3(':memory:');
      const lite = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
      await applyMigrations(lite, 'sqlite', () => 42);
      const liteColumns = ['messages', 'rooms'].flatMap((t) =>
        sqlite
          .prepare<[], { name: string }>(`PRAGMA table_info(${t})`)
          .all()
          .map((c) => `${t}.${c.name}`)
          .sort(),
      );
      await lite.destroy();
      const trigram = await sql<{ indexname: string }>`
        SELECT indexname FROM pg_indexes WHERE indexname = 'rooms_name_key_trgm_idx'`.execute(db);
      expect(trigram.rows).toHaveLength(1);
      expect(columns.rows.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(liteColumns);
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
    }
  });
});
