// Versioned, ordered schema migrations, recorded in `schema_migrations`, the same tables on SQLite and
// PostgreSQL (portable DDL; timestamps are integer epoch ms). Owns the schema; knows nothing of rooms
// or messages beyond it. On PostgreSQL a transaction-scoped advisory lock serialises nodes starting
// at once: the second waits, then finds the work done.
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Run on both engines, in order. */
  readonly statements: readonly string[];
  /** Extra statements for one engine only (indexes the other engine cannot have). */
  readonly only?: Partial<Record<Engine, readonly string[]>>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'rooms and messages',
    statements: [
      `CREATE TABLE rooms (
        id text PRIMARY KEY,
        name text NOT NULL,
        name_key text NOT NULL,
        topic text,
        created_at bigint NOT NULL,
        created_by_id text NOT NULL,
        created_by_nick text NOT NULL,
        created_by_tag text NOT NULL,
        last_message_at bigint,
        last_seq bigint NOT NULL DEFAULT 0,
        active_at bigint NOT NULL
      )`,
      // Serves the room list (most recently active first) and its keyset cursor.
      'CREATE INDEX rooms_activity_idx ON rooms (active_at DESC, id DESC)',
      `CREATE TABLE messages (
        id text PRIMARY KEY,
        room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        author_id text NOT NULL,
        author_nick text NOT NULL,
        author_tag text NOT NULL,
        body text NOT NULL,
        created_at bigint NOT NULL,
        client_msg_id text,
        CONSTRAINT messages_room_seq_key UNIQUE (room_id, seq)
      )`,
      // Idempotent retries: one message per (room, author, clientMsgId).
      `CREATE UNIQUE INDEX messages_client_msg_id_key ON messages (room_id, author_id, client_msg_id)
        WHERE client_msg_id IS NOT NULL`,
    ],
  },
  {
    version: 2,
    name: 'room name search index',
    statements: [],
    only: {
      // A substring LIKE cannot use a B-tree on either engine. PostgreSQL can use a trigram index when
      // pg_trgm may be installed; without it (no privilege, no contrib) the search filters the activity
      // index scan instead, which is what SQLite always does.
      postgres: [
        `DO $$ BEGIN
           CREATE EXTENSION IF NOT EXISTS pg_trgm;
         EXCEPTION WHEN OTHERS THEN
           RAISE NOTICE 'pg_trgm unavailable: room search will scan';
         END $$`,
        `DO $$ BEGIN
           IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
             CREATE INDEX rooms_name_key_trgm_idx ON rooms USING gin (name_key gin_trgm_ops);
           END IF;
         END $$`,
      ],
    },
  },
  {
    version: 3,
    name: 'owners, moderation and message features',
    statements: [
      `ALTER TABLE rooms ADD COLUMN moderators text NOT NULL DEFAULT '[]'`,
      'ALTER TABLE rooms ADD COLUMN member_cap integer',
      'ALTER TABLE rooms ADD COLUMN slow_mode_seconds integer NOT NULL DEFAULT 0',
      'ALTER TABLE rooms ADD COLUMN password_hash text',
      'ALTER TABLE messages ADD COLUMN edited_at bigint',
      'ALTER TABLE messages ADD COLUMN deleted integer NOT NULL DEFAULT 0',
      'ALTER TABLE messages ADD COLUMN reply_to_id text',
      'ALTER TABLE messages ADD COLUMN mentions text',
      // Events take seqs from rooms.last_seq like messages do: (room_id, seq) is unique across both.
      `CREATE TABLE room_events (
        room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        type text NOT NULL,
        body text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (room_id, seq)
      )`,
      `CREATE TABLE reactions (
        message_id text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        emoji text NOT NULL,
        user_id text NOT NULL,
        user_nick text NOT NULL,
        user_tag text NOT NULL,
        created_at bigint NOT NULL,
        seq bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (message_id, emoji, user_id)
      )`,
      `CREATE TABLE sanctions (
        room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id text NOT NULL,
        kind text NOT NULL,
        user_nick text NOT NULL,
        user_tag text NOT NULL,
        until_at bigint,
        reason text,
        by_id text NOT NULL,
        by_nick text NOT NULL,
        by_tag text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (room_id, user_id, kind)
      )`,
      `CREATE TABLE audit_log (
        room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        action text NOT NULL,
        actor_id text NOT NULL,
        actor_nick text NOT NULL,
        actor_tag text NOT NULL,
        target_id text,
        target_nick text,
        target_tag text,
        message_id text,
        details text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (room_id, seq)
      )`,
      `CREATE TABLE reports (
        id text PRIMARY KEY,
        room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        message_id text NOT NULL,
        reporter_id text NOT NULL,
        reporter_nick text NOT NULL,
        reporter_tag text NOT NULL,
        reason text NOT NULL,
        created_at bigint NOT NULL
      )`,
      'CREATE INDEX reports_room_idx ON reports (room_id, created_at)',
      `CREATE TABLE users (
        id text PRIMARY KEY,
        nickname text NOT NULL,
        tag text NOT NULL,
        handle_key text NOT NULL,
        created_at bigint NOT NULL
      )`,
      'CREATE INDEX users_handle_idx ON users (handle_key)',
      `CREATE TABLE read_markers (
        user_id text NOT NULL,
        room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        last_read_seq bigint NOT NULL,
        PRIMARY KEY (user_id, room_id)
      )`,
    ],
  },
  {
    version: 4,
    name: 'token revocation stamps',
    statements: [
      `CREATE TABLE token_revocations (
        user_id text PRIMARY KEY,
        valid_after bigint NOT NULL
      )`,
    ],
  },
  {
    version: 5,
    name: 'tags unique among live identities',
    statements: [
      // One row per (look-alike nickname, tag) ever handed out; the holder keeps it until expires_at
      // (the token's expiry, pushed on by refreshes). A new identity may take the pair only once it
      // has expired, checked in the same upsert, so two nodes can never hand out one pair twice.
      `CREATE TABLE identity_tags (
        name_key text NOT NULL,
        tag text NOT NULL,
        user_id text NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (name_key, tag)
      )`,
      'CREATE INDEX identity_tags_expiry_idx ON identity_tags (expires_at)',
    ],
  },
  {
    version: 6,
    name: 'room epochs',
    // A room's epoch names one run of its history: a resuming client that names another epoch (or a
    // seq past the head) is told the history was reset instead of being replayed the wrong messages.
    // Rooms that exist get a random one here; new rooms get theirs from createRoom.
    statements: [`ALTER TABLE rooms ADD COLUMN epoch text NOT NULL DEFAULT ''`],
    only: {
      sqlite: [`UPDATE rooms SET epoch = lower(hex(randomblob(9)))`],
      postgres: [`UPDATE rooms SET epoch = substr(md5(random()::text || id), 1, 18)`],
    },
  },
  {
    version: 7,
    name: 'durable identities: renames, recovery codes, device links',
    statements: [
      // When the identity last renewed its token (or was recovered, linked, renamed): how long an
      // unused identity stays recoverable is counted from it. Null: not since this migration.
      'ALTER TABLE users ADD COLUMN seen_at bigint',
      // One recovery code per identity, kept only as a keyed hash (HMAC-SHA-256 of the normalised
      // code); a new code replaces the row, so the old one stops working.
      `CREATE TABLE recovery_codes (
        user_id text PRIMARY KEY,
        code_hash text NOT NULL,
        created_at bigint NOT NULL
      )`,
      'CREATE UNIQUE INDEX recovery_codes_hash_key ON recovery_codes (code_hash)',
      // Short-lived, single-use device link codes (keyed hash too), at most one live per identity.
      `CREATE TABLE device_links (
        code_hash text PRIMARY KEY,
        user_id text NOT NULL,
        expires_at bigint NOT NULL
      )`,
      'CREATE UNIQUE INDEX device_links_user_key ON device_links (user_id)',
      'CREATE INDEX device_links_expiry_idx ON device_links (expires_at)',
    ],
  },
  {
    version: 8,
    name: 'address bans, kick cool-downs and the newcomer gate',
    statements: [
      // Keyed hashes (HMAC, src/net/address-hash.ts) of the networks each user was seen from, never an
      // address; rows not seen for ADDRESS_SIGHTING_RETENTION_DAYS are pruned.
      `CREATE TABLE address_sightings (
        user_id text NOT NULL,
        address_hash text NOT NULL,
        first_seen_at bigint NOT NULL,
        last_seen_at bigint NOT NULL,
        PRIMARY KEY (user_id, address_hash)
      )`,
      // "N identities from this address" and the ban-time copy of a user's recent hashes.
      'CREATE INDEX address_sightings_hash_idx ON address_sightings (address_hash, last_seen_at)',
      'CREATE INDEX address_sightings_seen_idx ON address_sightings (last_seen_at)',
      // Bans may cover addresses too; kicks are sanctions of kind 'kick' whose until_at ends the cool-down.
      'ALTER TABLE sanctions ADD COLUMN address_scope integer NOT NULL DEFAULT 0',
      `CREATE TABLE ban_addresses (
        room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id text NOT NULL,
        address_hash text NOT NULL,
        PRIMARY KEY (room_id, user_id, address_hash)
      )`,
      'ALTER TABLE rooms ADD COLUMN newcomer_minutes integer NOT NULL DEFAULT 0',
      'ALTER TABLE rooms ADD COLUMN newcomer_messages integer NOT NULL DEFAULT 0',
      'ALTER TABLE rooms ADD COLUMN approve_newcomers integer NOT NULL DEFAULT 0',
      `CREATE TABLE room_arrivals (
        room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id text NOT NULL,
        first_seq bigint NOT NULL,
        arrived_at bigint NOT NULL,
        passed_at bigint,
        approval text,
        PRIMARY KEY (room_id, user_id)
      )`,
    ],
  },
  {
    version: 9,
    name: 'operators, word filters and reports with teeth',
    statements: [
      // Taken down by an operator (epoch ms); null: open. The room and its history stay for the audit.
      'ALTER TABLE rooms ADD COLUMN closed_at bigint',
      // The room's banned words, JSON {"mode","words"}; null: none.
      'ALTER TABLE rooms ADD COLUMN word_filter text',
      // Distinct reporters that hide a message; null: the server default (REPORT_HIDE_THRESHOLD).
      'ALTER TABLE rooms ADD COLUMN report_hide_threshold integer',
      // Hidden pending review: the body is kept (staff see it; dismissing restores it).
      'ALTER TABLE messages ADD COLUMN hidden integer NOT NULL DEFAULT 0',
      // A report is open until dismissed or acted on: when, by whom, how ('dismissed', 'deleted').
      'ALTER TABLE reports ADD COLUMN resolved_at bigint',
      'ALTER TABLE reports ADD COLUMN resolved_by text',
      'ALTER TABLE reports ADD COLUMN resolution text',
      'CREATE INDEX reports_message_idx ON reports (message_id, reporter_id)',
      // Server-wide bans: one row per banned identity (kind 'user') or address hash (kind 'address', copied
      // from the identity's recent address_sightings when the ban is laid).
      `CREATE TABLE server_bans (
        kind text NOT NULL,
        subject text NOT NULL,
        user_id text NOT NULL,
        user_nick text NOT NULL,
        user_tag text NOT NULL,
        until_at bigint,
        reason text,
        by_operator text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (kind, subject)
      )`,
      // Server-wide settings shared by every node: key → JSON value.
      `CREATE TABLE server_settings (
        key text PRIMARY KEY,
        value text NOT NULL,
        updated_at bigint NOT NULL
      )`,
      // Every operator action: who (the operator's id, never the secret), what, on what.
      `CREATE TABLE operator_audit (
        id text PRIMARY KEY,
        operator_id text NOT NULL,
        action text NOT NULL,
        room_id text,
        message_id text,
        target_id text,
        details text NOT NULL,
        created_at bigint NOT NULL
      )`,
      'CREATE INDEX operator_audit_time_idx ON operator_audit (created_at, id)',
    ],
  },
  {
    version: 10,
    name: 'room owners apart from creators, and when the owner was last seen',
    // Ownership moves (transfer, claim after the owner's absence); the creator stays the creator. The
    // owner's last-seen time is written when they enter or leave the room, never per message. Rooms
    // that exist count their owner as seen at the upgrade, so nobody can claim one the day it lands.
    statements: [
      `ALTER TABLE rooms ADD COLUMN owner_id text NOT NULL DEFAULT ''`,
      'ALTER TABLE rooms ADD COLUMN owner_seen_at bigint NOT NULL DEFAULT 0',
      'UPDATE rooms SET owner_id = created_by_id',
    ],
    only: {
      sqlite: [`UPDATE rooms SET owner_seen_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`],
      postgres: ['UPDATE rooms SET owner_seen_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint'],
    },
  },
  {
    version: 11,
    name: 'read markers by room: who follows a room',
    // A read marker is the membership of "my rooms"; each new message looks up the room's followers
    // to push their unread counts, so the markers are found by room as well as by user.
    statements: ['CREATE INDEX read_markers_room_idx ON read_markers (room_id, user_id)'],
  },
  {
    version: 12,
    name: 'message search: trigram indexes of message bodies',
    // Substring search that needs no dictionary (Hangul included). Every row is indexed, deleted ones
    // too (their body is '' and has no trigram); hidden ones are left out by the query, since a review
    // may restore them. search-sql.ts reads these.
    statements: [],
    only: {
      // An external-content FTS5 table over messages.body, kept in step by triggers on every write path
      // (the append batch, edits, deletion, a room's cascade). It names rows by messages' rowid, which
      // VACUUM may renumber (the table has a text key): after a VACUUM run
      // INSERT INTO messages_fts(messages_fts) VALUES ('rebuild') (docs/storage.md).
      sqlite: [
        `CREATE VIRTUAL TABLE messages_fts USING fts5(
          body, content='messages', content_rowid='rowid', tokenize='trigram case_sensitive 0'
        )`,
        `CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
          INSERT INTO messages_fts (rowid, body) VALUES (new.rowid, new.body);
        END`,
        `CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
          INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
        END`,
        `CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
          INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
          INSERT INTO messages_fts (rowid, body) VALUES (new.rowid, new.body);
        END`,
        `INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')`,
      ],
      // pg_trgm's GIN index serves ILIKE '%…%' (three characters or more). Without the extension (no
      // privilege, no contrib) the same ILIKE scans the room's messages instead.
      postgres: [
        `DO $$ BEGIN
           CREATE EXTENSION IF NOT EXISTS pg_trgm;
         EXCEPTION WHEN OTHERS THEN
           RAISE NOTICE 'pg_trgm unavailable: message search will scan';
         END $$`,
        `DO $$ BEGIN
           IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
             CREATE INDEX messages_body_trgm_idx ON messages USING gin (body gin_trgm_ops);
           END IF;
         END $$`,
      ],
    },
  },
  {
    version: 13,
    name: 'room notices and pinned messages',
    // Both are part of the room's state (a newcomer reads them with the room), a few small values each,
    // so they live on the room's row as JSON, written in the transaction of the event that changes them.
    statements: [
      'ALTER TABLE rooms ADD COLUMN notice text',
      `ALTER TABLE rooms ADD COLUMN pins text NOT NULL DEFAULT '[]'`,
    ],
  },
];

/** An arbitrary constant naming Parley's migration lock among other advisory-lock users. */
const MIGRATION_LOCK_KEY = 7_240_113_571;

/** Applies every pending migration in one transaction; returns the versions it applied. */
export async function applyMigrations(
  db: Kysely<Database>,
  engine: Engine,
  now: () => number,
  /** Stop after this version (tests of an upgrade from an older schema); default: all. */
  upTo = Number.POSITIVE_INFINITY,
): Promise<number[]> {
  return db.transaction().execute(async (trx) => {
    if (engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at bigint NOT NULL
    )`.execute(trx);
    const done = new Set(
      (await trx.selectFrom('schema_migrations').select('version').execute()).map((r) => r.version),
    );
    const applied: number[] = [];
    for (const migration of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version) || migration.version > upTo) continue;
      for (const statement of [...migration.statements, ...(migration.only?.[engine] ?? [])]) {
        await sql.raw(statement).execute(trx);
      }
      await trx
        .insertInto('schema_migrations')
        .values({ version: migration.version, name: migration.name, applied_at: now() })
        .execute();
      applied.push(migration.version);
    }
    return applied;
  });
}
