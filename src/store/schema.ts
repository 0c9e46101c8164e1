// The tables as Kysely sees them, and the mapping between rows and the chat model. Shared by both
// engines; knows nothing of connections or transactions. Epoch-ms columns come back from PostgreSQL
// as strings (int8) and from SQLite as numbers, hence `Int` and `toInt`.
import type { ColumnType, Selectable } from 'kysely';
import type { Message, MessageId, RoomId, StoredRoom, UserId } from '../chat/model.js';
import { ParleyError } from '../errors.js';

type Int = ColumnType<number | string, number, number>;

export interface RoomsTable {
  id: string;
  name: string;
  /** `foldName(name)`: what name search matches against, identically on both engines. */
  name_key: string;
  topic: string | null;
  created_at: Int;
  created_by_id: string;
  created_by_nick: string;
  created_by_tag: string;
  last_message_at: ColumnType<number | string | null, number | null, number | null>;
  last_seq: ColumnType<number | string, number | undefined, number>;
  /** COALESCE(last_message_at, created_at), stored so one index serves the room list and its cursor. */
  active_at: Int;
}

export interface MessagesTable {
  id: string;
  room_id: string;
  seq: Int;
  author_id: string;
  author_nick: string;
  author_tag: string;
  body: string;
  created_at: Int;
  client_msg_id: string | null;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: Int;
}

export interface Database {
  rooms: RoomsTable;
  messages: MessagesTable;
  schema_migrations: SchemaMigrationsTable;
}

export type RoomRow = Selectable<RoomsTable>;
export type MessageRow = Selectable<MessagesTable>;

export function toInt(value: number | string | bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n))
    throw new ParleyError('internal_error', `not a safe integer: ${String(value)}`);
  return n;
}

const iso = (ms: number | string): string => new Date(toInt(ms)).toISOString();

export function roomFromRow(row: RoomRow): StoredRoom {
  return {
    id: row.id as RoomId,
    name: row.name,
    topic: row.topic,
    createdAt: iso(row.created_at),
    createdBy: { id: row.created_by_id as UserId, nickname: row.created_by_nick, tag: row.created_by_tag },
    lastMessageAt: row.last_message_at === null ? null : iso(row.last_message_at),
    lastSeq: toInt(row.last_seq),
  };
}

export function messageFromRow(row: MessageRow): Message {
  const message: Message = {
    id: row.id as MessageId,
    roomId: row.room_id as RoomId,
    seq: toInt(row.seq),
    author: { id: row.author_id as UserId, nickname: row.author_nick, tag: row.author_tag },
    body: row.body,
    createdAt: iso(row.created_at),
  };
  return row.client_msg_id === null ? message : { ...message, clientMsgId: row.client_msg_id };
}

/** Case- and width-insensitive form of a room name; SQLite's LIKE folds ASCII only, so we fold in JS. */
export function foldName(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

/** A LIKE pattern matching `text` anywhere, with `\`, `%` and `_` from user input taken literally. */
export function containsPattern(text: string): string {
  return `%${foldName(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Room list cursor: the sort key of the last room on a page, opaque to clients. */
export function encodeRoomCursor(activeAt: number, id: string): string {
  return Buffer.from(JSON.stringify([activeAt, id]), 'utf8').toString('base64url');
}

export function decodeRoomCursor(cursor: string): { readonly activeAt: number; readonly id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    Number.isSafeInteger(parsed[0]) &&
    typeof parsed[1] === 'string'
  ) {
    return { activeAt: parsed[0] as number, id: parsed[1] };
  }
  throw new ParleyError('invalid_request', 'The room list cursor is not valid.');
}
