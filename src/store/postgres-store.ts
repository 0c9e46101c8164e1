// The shared Store: PostgreSQL through a bounded pg.Pool, for several nodes on one database. Seq
// allocation takes the room rows FOR UPDATE inside the batch transaction, so nodes appending to the
// same room serialise on the row and seqs stay dense. Knows nothing of SQLite or of message meaning.

import type { Insertable } from 'kysely';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Outcome } from './group-commit.js';
import type { Database, MessagesTable } from './schema.js';
import { messageFromRow, quoteOf, toInt } from './schema.js';
import {
  dedupeKey,
  mentionsColumn,
  replyNotFound,
  roomNotFound,
  SqlStore,
  type SqlStoreOptions,
  storedMessage,
} from './sql-store.js';
import type { AppendResult, NewMessage } from './store.js';

export interface PostgresStoreOptions extends SqlStoreOptions {
  readonly connectionString: string;
  /** Pool size bound (default 10). */
  readonly poolMax?: number | undefined;
  /** How long to wait for a connection before an operation fails (default 5000). */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * Longest a statement may run, waiting for locks included, and longest a connection may sit idle in
   * an open transaction (default 10000). Without it, one stuck lock holder (another node frozen mid-
   * transaction, a manual session) would hold every SEND of the room, and their RECEIPTs, forever.
   */
  readonly statementTimeoutMs?: number | undefined;
}

interface RoomState {
  lastSeq: number;
  lastMessageAt: number | null;
  dirty: boolean;
}

export class PostgresStore extends SqlStore {
  readonly kind = 'postgres';
  constructor(options: PostgresStoreOptions) {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      // Sent as start-up parameters, so they hold for every statement on every pooled connection.
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      idle_in_transaction_session_timeout: options.statementTimeoutMs ?? 10_000,
    });
    super(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), {
      ...options,
      maxBatch: Math.min(options.maxBatch ?? 1000, 5000),
    });
    pool.on('error', (err) => this.logger.warn({ err }, 'idle PostgreSQL connection failed'));
    // pg-pool listens for errors on idle clients only; a checked-out client whose server goes away
    // would otherwise emit an unhandled 'error' and end the process. The failing query rejects anyway.
    pool.on('connect', (client) => {
      client.on('error', (err) => this.logger.warn({ err }, 'PostgreSQL connection failed'));
    });
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }

  protected async destroy(): Promise<void> {
    // Kysely's destroy ends the pool.
    await this.db.destroy();
  }

  protected async flushAppends(items: readonly NewMessage[]): Promise<readonly Outcome<AppendResult>[]> {
    return this.db.transaction().execute(async (trx) => {
      // One statement, rows locked in id order: two nodes with overlapping batches cannot deadlock.
      const roomIds = [...new Set(items.map((m) => m.roomId))].sort();
      const locked = await trx
        .selectFrom('rooms')
        .select(['id', 'last_seq', 'last_message_at'])
        .where('id', 'in', roomIds)
        .orderBy('id')
        .forUpdate()
        .execute();
      const rooms = new Map<string, RoomState>(
        locked.map((r) => [
          r.id,
          {
            lastSeq: toInt(r.last_seq),
            lastMessageAt: r.last_message_at === null ? null : toInt(r.last_message_at),
            dirty: false,
          },
        ]),
      );

      // Read after the lock: an append of the same clientMsgId by another node has committed by now.
      const keyed = items.filter((m) => m.clientMsgId !== undefined && rooms.has(m.roomId));
      const storedByKey = new Map<string, AppendResult>();
      if (keyed.length > 0) {
        const stored = await trx
          .selectFrom('messages')
          .selectAll()
          .where(({ eb, refTuple, tuple }) =>
            eb(
              refTuple('room_id', 'author_id', 'client_msg_id'),
              'in',
              keyed.map((m) => tuple(m.roomId, m.author.id, m.clientMsgId ?? '')),
            ),
          )
          .execute();
        for (const row of stored) {
          const message = messageFromRow(row);
          const key = dedupeKey(message);
          if (key !== undefined) storedByKey.set(key, { message, duplicate: true });
        }
      }

      const replyIds = [...new Set(items.flatMap((m) => (m.replyTo === undefined ? [] : [m.replyTo])))];
      const quoted =
        replyIds.length === 0
          ? []
          : await trx.selectFrom('messages').selectAll().where('id', 'in', replyIds).execute();
      const quotes = new Map(quoted.map((q) => [q.id, q]));

      const rows: Insertable<MessagesTable>[] = [];
      const outcomes = items.map((m): Outcome<AppendResult> => {
        const room = rooms.get(m.roomId);
        if (room === undefined) return roomNotFound(m.roomId);
        const key = dedupeKey(m);
        const earlier = key === undefined ? undefined : storedByKey.get(key);
        if (earlier !== undefined) return { ok: true, value: { message: earlier.message, duplicate: true } };
        const quotedRow = m.replyTo === undefined ? undefined : quotes.get(m.replyTo);
        if (m.replyTo !== undefined && (quotedRow === undefined || quotedRow.room_id !== m.roomId)) {
          return replyNotFound();
        }
        room.lastSeq += 1;
        const createdAt = m.createdAt.getTime();
        room.lastMessageAt = Math.max(room.lastMessageAt ?? createdAt, createdAt);
        room.dirty = true;
        rows.push({
          id: m.id,
          room_id: m.roomId,
          seq: room.lastSeq,
          author_id: m.author.id,
          author_nick: m.author.nickname,
          author_tag: m.author.tag,
          body: m.body,
          created_at: createdAt,
          client_msg_id: m.clientMsgId ?? null,
          reply_to_id: m.replyTo ?? null,
          mentions: mentionsColumn(m),
        });
        const message = storedMessage(
          m,
          room.lastSeq,
          quotedRow === undefined ? undefined : quoteOf(quotedRow),
        );
        if (key !== undefined) storedByKey.set(key, { message, duplicate: true });
        return { ok: true, value: { message, duplicate: false } };
      });

      // Multi-row INSERT: 11 parameters a row, so a batch of up to 5,000 stays below PostgreSQL's
      // 65,535-parameter limit (the store caps maxBatch accordingly).
      if (rows.length > 0) await trx.insertInto('messages').values(rows).execute();
      for (const [id, room] of rooms) {
        if (!room.dirty || room.lastMessageAt === null) continue;
        await trx
          .updateTable('rooms')
          .set({ last_seq: room.lastSeq, last_message_at: room.lastMessageAt, active_at: room.lastMessageAt })
          .where('id', '=', id)
          .execute();
      }
      return outcomes;
    });
  }
}
