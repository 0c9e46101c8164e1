// Message search's SQL for both engines: a room's messages, or those of every room a user follows,
// whose current body holds the query as a case-insensitive substring, newest first, keyset-paged.
// SQLite matches through the FTS5 trigram table of migration 12, PostgreSQL with ILIKE over the
// pg_trgm GIN index; queries too short for a trigram scan a bounded window. Knows nothing of who may search.
// On SQLite a room's matches are read from the FTS table in descending rowid order, which stops after a
// page whether the word is common or rare: messages are only ever inserted with a rowid above every
// existing one, and a room's seqs are taken in insertion order, so within a room rowid order is seq order.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import * as z from 'zod/mini';
import type { RoomId } from '../chat/model.js';
import { ParleyError } from '../errors.js';
import { decodeJsonValue, type Wire } from '../protocol/index.js';
import type { Engine } from './migrations.js';
import { hydrate } from './room-log-sql.js';
import { type Database, type MessageRow, toInt } from './schema.js';
import type { MessageSearchPage, MessageSearchQuery } from './store.js';

type Db = Kysely<Database>;

/** A trigram index finds queries of at least this many code points; shorter ones cannot use it. */
export const SEARCH_TRIGRAM_CHARS = 3;

/** True when the query is too short for the trigram index (counted in code points, not UTF-16 units). */
export function isShortQuery(text: string): boolean {
  return Array.from(text).length < SEARCH_TRIGRAM_CHARS;
}

/** A LIKE pattern finding `text` anywhere, with `\`, `%` and `_` taken literally (ESCAPE '\'). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** An FTS5 query of one phrase: the text between double quotes (doubled inside), so no operator applies. */
export function ftsPhrase(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

const safeInt = () =>
  z.number().check(z.int(), z.minimum(Number.MIN_SAFE_INTEGER), z.maximum(Number.MAX_SAFE_INTEGER));
const RoomCursorSchema = z.tuple([z.literal('r'), safeInt()]);
const MemberCursorSchema = z.tuple([z.literal('m'), safeInt(), z.string(), safeInt()]);

function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor<S extends z.ZodMiniType>(schema: S, cursor: string): Wire<S> {
  const decoded = decodeJsonValue(schema, Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!decoded.ok) throw new ParleyError('invalid_request', 'The search cursor is not valid.');
  return decoded.value;
}

/** PostgreSQL's match of the body against the query (three code points or more): the GIN index serves it. */
function bodyMatches(text: string): RawBuilder<boolean> {
  return sql<boolean>`m.body ILIKE ${likeContains(text)} ESCAPE '\\'`;
}

/**
 * The bounded match of a short query: SQLite's LIKE folds ASCII case only (no ICU), PostgreSQL's
 * ILIKE folds by the database's locale.
 */
function bodyContainsShort(engine: Engine, text: string): RawBuilder<boolean> {
  return engine === 'sqlite'
    ? sql<boolean>`w.body LIKE ${likeContains(text)} ESCAPE '\\'`
    : sql<boolean>`w.body ILIKE ${likeContains(text)} ESCAPE '\\'`;
}

export async function searchMessages(
  db: Db,
  engine: Engine,
  query: MessageSearchQuery,
): Promise<MessageSearchPage> {
  // No stored body holds NUL (appends refuse it), and PostgreSQL would refuse it as a parameter.
  if (query.text === '' || query.text.includes('\u0000') || query.limit === 0) {
    return { messages: [], nextCursor: null };
  }
  const { scope } = query;
  switch (scope.kind) {
    case 'room':
      return isShortQuery(query.text)
        ? searchRoomShort(db, engine, scope.roomId, query)
        : searchRoom(db, engine, scope.roomId, query);
    case 'member':
      if (isShortQuery(query.text)) {
        throw new ParleyError(
          'query_too_short',
          `Searching all your rooms needs at least ${SEARCH_TRIGRAM_CHARS} characters.`,
        );
      }
      return searchMember(db, engine, scope.userId, query);
  }
}

async function page(
  db: Db,
  rows: readonly MessageRow[],
  limit: number,
  cursorOf: (row: MessageRow) => string,
): Promise<MessageSearchPage> {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    messages: await hydrate(db, shown),
    nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null,
  };
}

const roomCursor = (row: MessageRow): string => encodeCursor(['r', toInt(row.seq)]);

async function searchRoom(
  db: Db,
  engine: Engine,
  roomId: RoomId,
  query: MessageSearchQuery,
): Promise<MessageSearchPage> {
  const before = query.cursor === undefined ? undefined : decodeCursor(RoomCursorSchema, query.cursor)[1];
  const { rows } =
    engine === 'sqlite'
      ? await sql<MessageRow>`
          SELECT m.* FROM messages_fts f CROSS JOIN messages m ON m.rowid = f.rowid
          WHERE messages_fts MATCH ${ftsPhrase(query.text)}
            AND ${
              before === undefined
                ? sql`1 = 1`
                : sql`f.rowid <= (SELECT rowid FROM messages
              WHERE room_id = ${roomId} AND seq < ${before} ORDER BY seq DESC LIMIT 1)`
            }
            AND m.room_id = ${roomId} AND m.deleted = 0 AND m.hidden = 0
          ORDER BY f.rowid DESC
          LIMIT ${query.limit + 1}`.execute(db)
      : await sql<MessageRow>`
          SELECT m.* FROM messages m
          WHERE m.room_id = ${roomId} AND m.deleted = 0 AND m.hidden = 0
            AND ${before === undefined ? sql`1 = 1` : sql`m.seq < ${before}`}
            AND ${bodyMatches(query.text)}
          ORDER BY m.seq DESC
          LIMIT ${query.limit + 1}`.execute(db);
  return page(db, rows, query.limit, roomCursor);
}

/**
 * Newest `shortQueryScanMax` messages below the cursor, filtered: the cost of a page is bounded
 * whatever the room holds. When the window is full and yields no full page, the cursor points past it.
 */
async function searchRoomShort(
  db: Db,
  engine: Engine,
  roomId: RoomId,
  query: MessageSearchQuery,
): Promise<MessageSearchPage> {
  const before = query.cursor === undefined ? undefined : decodeCursor(RoomCursorSchema, query.cursor)[1];
  const scan = Math.max(1, Math.trunc(query.shortQueryScanMax));
  const below = before === undefined ? sql`1 = 1` : sql`m.seq < ${before}`;
  const { rows } = await sql<MessageRow>`
    SELECT w.* FROM (
      SELECT m.* FROM messages m WHERE m.room_id = ${roomId} AND ${below}
      ORDER BY m.seq DESC LIMIT ${scan}
    ) w
    WHERE w.deleted = 0 AND w.hidden = 0 AND ${bodyContainsShort(engine, query.text)}
    ORDER BY w.seq DESC
    LIMIT ${query.limit + 1}`.execute(db);
  if (rows.length > query.limit) return page(db, rows, query.limit, roomCursor);
  // Fewer than a page: go on below the window's oldest row, if the window was full.
  const { rows: edge } = await sql<{ seq: number | string }>`
    SELECT m.seq FROM messages m WHERE m.room_id = ${roomId} AND ${below}
    ORDER BY m.seq DESC LIMIT 1 OFFSET ${scan - 1}`.execute(db);
  const oldest = edge[0];
  return {
    messages: await hydrate(db, rows),
    nextCursor: oldest === undefined ? null : encodeCursor(['r', toInt(oldest.seq)]),
  };
}

async function searchMember(
  db: Db,
  engine: Engine,
  userId: string,
  query: MessageSearchQuery,
): Promise<MessageSearchPage> {
  const after = query.cursor === undefined ? undefined : decodeCursor(MemberCursorSchema, query.cursor);
  const older =
    after === undefined
      ? sql`1 = 1`
      : sql`(m.created_at < ${after[1]} OR (m.created_at = ${after[1]} AND (m.room_id < ${after[2]}
          OR (m.room_id = ${after[2]} AND m.seq < ${after[3]}))))`;
  // A read marker is the membership of "my rooms"; rooms taken down are no longer anyone's.
  // SQLite: from the FTS matches (CROSS JOIN fixes the order), not from the user's rooms' messages,
  // which a rare word would have the planner scan whole.
  const from =
    engine === 'sqlite' ? sql`messages_fts f CROSS JOIN messages m ON m.rowid = f.rowid` : sql`messages m`;
  const match =
    engine === 'sqlite' ? sql`messages_fts MATCH ${ftsPhrase(query.text)}` : bodyMatches(query.text);
  const { rows } = await sql<MessageRow>`
    SELECT m.* FROM ${from}
    JOIN read_markers r ON r.room_id = m.room_id AND r.user_id = ${userId}
    JOIN rooms room ON room.id = m.room_id AND room.closed_at IS NULL
    WHERE ${match} AND m.deleted = 0 AND m.hidden = 0 AND ${older}
    ORDER BY m.created_at DESC, m.room_id DESC, m.seq DESC
    LIMIT ${query.limit + 1}`.execute(db);
  return page(db, rows, query.limit, (row) =>
    encodeCursor(['m', toInt(row.created_at), row.room_id, toInt(row.seq)]),
  );
}
