// The tables as Kysely sees them, and the mapping between rows and the chat model. Shared by both
// engines; knows nothing of connections or transactions. Epoch-ms columns come back from PostgreSQL
// as strings (int8) and from SQLite as numbers, hence `Int` and `toInt`.
import type { ColumnType, Selectable } from 'kysely';
import * as z from 'zod/mini';
import type {
  Message,
  MessageId,
  Notice,
  Pin,
  Reaction,
  ReplyQuote,
  RoomId,
  StoredRoom,
  User,
  UserId,
} from '../chat/model.js';
import { ParleyError } from '../errors.js';
import { decodeJsonValue, NoticeSchema, PinSchema, UserSchema, type WordFilter } from '../protocol/index.js';

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
  /** JSON array of users, in appointment order. */
  moderators: ColumnType<string, string | undefined, string>;
  member_cap: ColumnType<number | null, number | null | undefined, number | null>;
  slow_mode_seconds: ColumnType<number, number | undefined, number>;
  /** `scrypt$<salt hex>$<hash hex>`, or null: no password. */
  password_hash: ColumnType<string | null, string | null | undefined, string | null>;
  /** A random string naming this run of the room's history (see StoredRoom.epoch). */
  epoch: ColumnType<string, string, never>;
  newcomer_minutes: ColumnType<number, number | undefined, number>;
  newcomer_messages: ColumnType<number, number | undefined, number>;
  /** 0 or 1 (portable boolean). */
  approve_newcomers: ColumnType<number, number | undefined, number>;
  /** Epoch ms an operator took the room down; null: open. */
  closed_at: ColumnType<number | string | null, number | null | undefined, number | null>;
  /** JSON {"mode","words"} (WordFilter); null: no room list. */
  word_filter: ColumnType<string | null, string | null | undefined, string | null>;
  /** Distinct reporters that hide a message; null: the server default. */
  report_hide_threshold: ColumnType<number | null, number | null | undefined, number | null>;
  /** The owner now: the creator until ownership moves (transfer, claim). */
  owner_id: ColumnType<string, string, string>;
  /** When the owner was last seen entering or leaving the room (epoch ms). */
  owner_seen_at: ColumnType<number | string, number, number>;
  /** JSON {"body","by","at"} (Notice); null: none. */
  notice: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON array of pins (Pin), oldest first; quotes kept current by the room log's events. */
  pins: ColumnType<string, string | undefined, string>;
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
  edited_at: ColumnType<number | string | null, number | null | undefined, number | null>;
  /** 0 or 1 (portable boolean). */
  deleted: ColumnType<number, number | undefined, number>;
  reply_to_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON array of users, or null: no mentions. */
  mentions: ColumnType<string | null, string | null | undefined, string | null>;
  /** 0 or 1: hidden pending review (the body is kept). */
  hidden: ColumnType<number, number | undefined, number>;
}

export interface RoomEventsTable {
  room_id: string;
  seq: Int;
  type: string;
  /** The event body JSON as delivered. */
  body: string;
  created_at: Int;
}

export interface ReactionsTable {
  message_id: string;
  emoji: string;
  user_id: string;
  user_nick: string;
  user_tag: string;
  created_at: Int;
  /** The seq of the event that added it: reactions list in the order they were made. */
  seq: ColumnType<number | string, number | undefined, number>;
}

export interface SanctionsTable {
  room_id: string;
  user_id: string;
  /** 'mute' | 'ban' */
  kind: string;
  user_nick: string;
  user_tag: string;
  /** Epoch ms; null: forever (bans only). */
  until_at: ColumnType<number | string | null, number | null, number | null>;
  reason: string | null;
  by_id: string;
  by_nick: string;
  by_tag: string;
  created_at: Int;
  /** Bans: 1 when the ban covers the addresses in ban_addresses too (identity + address), else 0. */
  address_scope: ColumnType<number, number | undefined, number>;
}

/** The keyed hashes of the networks a user was seen from (src/net/address-hash.ts); never an address. */
export interface AddressSightingsTable {
  user_id: string;
  address_hash: string;
  first_seen_at: Int;
  last_seen_at: Int;
}

/** The address hashes an address ban (a `sanctions` row of kind 'ban', address_scope 1) covers. */
export interface BanAddressesTable {
  room_id: string;
  user_id: string;
  address_hash: string;
}

/** When a member first entered a room (the newcomer gate counts the room's messages from then). */
export interface RoomArrivalsTable {
  room_id: string;
  user_id: string;
  /** The room's last seq when they arrived: messages after it count. */
  first_seq: Int;
  arrived_at: Int;
  /** Epoch ms the member passed the gate (or had spoken in the room before it); null: not yet. */
  passed_at: ColumnType<number | string | null, number | null | undefined, number | null>;
  /** Rooms that approve newcomers: null (never asked), 'asked', 'approved' or 'denied'. */
  approval: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AuditLogTable {
  room_id: string;
  /** The seq of the room event the action produced: the entry's id. */
  seq: Int;
  action: string;
  actor_id: string;
  actor_nick: string;
  actor_tag: string;
  target_id: string | null;
  target_nick: string | null;
  target_tag: string | null;
  message_id: string | null;
  /** JSON object. */
  details: string;
  created_at: Int;
}

export interface ReportsTable {
  id: string;
  room_id: string;
  message_id: string;
  reporter_id: string;
  reporter_nick: string;
  reporter_tag: string;
  reason: string;
  created_at: Int;
  resolved_at: ColumnType<number | string | null, number | null | undefined, number | null>;
  resolved_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** 'dismissed' | 'deleted'; null while open. */
  resolution: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ServerBansTable {
  /** 'user' (subject: user id) | 'address' (subject: keyed address hash). */
  kind: string;
  subject: string;
  user_id: string;
  user_nick: string;
  user_tag: string;
  until_at: ColumnType<number | string | null, number | null, number | null>;
  reason: string | null;
  by_operator: string;
  created_at: Int;
}

export interface ServerSettingsTable {
  key: string;
  /** JSON. */
  value: string;
  updated_at: Int;
}

export interface OperatorAuditTable {
  id: string;
  operator_id: string;
  action: string;
  room_id: string | null;
  message_id: string | null;
  target_id: string | null;
  /** JSON object. */
  details: string;
  created_at: Int;
}

export interface UsersTable {
  id: string;
  nickname: string;
  tag: string;
  /** `foldName(nickname)#tag`: what a mention resolves against. */
  handle_key: string;
  created_at: Int;
  /** Epoch ms of the last refresh, recovery, link or rename; null: none since migration 7. */
  seen_at: ColumnType<number | string | null, number | null | undefined, number | null>;
}

/** One recovery code per user, as a keyed hash (src/chat/identity-codes.ts). */
export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: Int;
}

/** Single-use device link codes (keyed hashes), at most one live per user. */
export interface DeviceLinksTable {
  code_hash: string;
  user_id: string;
  expires_at: Int;
}

export interface IdentityTagsTable {
  /** nameKey(nickname): look-alike nicknames share one tag space. */
  name_key: string;
  tag: string;
  user_id: string;
  expires_at: Int;
}

export interface ReadMarkersTable {
  user_id: string;
  room_id: string;
  last_read_seq: Int;
}

/** Per user: tokens issued before `valid_after` (epoch ms) are refused ("sign out everywhere"). */
export interface TokenRevocationsTable {
  user_id: string;
  valid_after: Int;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: Int;
}

export interface Database {
  rooms: RoomsTable;
  messages: MessagesTable;
  room_events: RoomEventsTable;
  reactions: ReactionsTable;
  sanctions: SanctionsTable;
  audit_log: AuditLogTable;
  reports: ReportsTable;
  users: UsersTable;
  read_markers: ReadMarkersTable;
  token_revocations: TokenRevocationsTable;
  identity_tags: IdentityTagsTable;
  recovery_codes: RecoveryCodesTable;
  device_links: DeviceLinksTable;
  address_sightings: AddressSightingsTable;
  ban_addresses: BanAddressesTable;
  room_arrivals: RoomArrivalsTable;
  server_bans: ServerBansTable;
  server_settings: ServerSettingsTable;
  operator_audit: OperatorAuditTable;
  schema_migrations: SchemaMigrationsTable;
}

export type RoomRow = Selectable<RoomsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type RoomEventRow = Selectable<RoomEventsTable>;

export function toInt(value: number | string | bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n))
    throw new ParleyError('internal_error', `not a safe integer: ${String(value)}`);
  return n;
}

export const iso = (ms: number | string): string => new Date(toInt(ms)).toISOString();

export function roomFromRow(row: RoomRow): StoredRoom {
  return {
    id: row.id as RoomId,
    name: row.name,
    topic: row.topic,
    createdAt: iso(row.created_at),
    createdBy: { id: row.created_by_id as UserId, nickname: row.created_by_nick, tag: row.created_by_tag },
    lastMessageAt: row.last_message_at === null ? null : iso(row.last_message_at),
    lastSeq: toInt(row.last_seq),
    ownerId: row.owner_id as UserId,
    moderators: parseUsers(row.moderators),
    memberCap: row.member_cap === null ? null : toInt(row.member_cap),
    slowModeSeconds: toInt(row.slow_mode_seconds),
    hasPassword: row.password_hash !== null,
    newcomerMinutes: toInt(row.newcomer_minutes),
    newcomerMessages: toInt(row.newcomer_messages),
    approveNewcomers: toInt(row.approve_newcomers) !== 0,
    notice: row.notice === null ? null : parseNotice(row.notice),
    pins: parsePins(row.pins),
    epoch: row.epoch,
    ...(row.closed_at === null ? {} : { closedAt: iso(row.closed_at) }),
    ...(row.word_filter === null ? {} : { wordFilter: parseWordFilter(row.word_filter) }),
    ...(row.report_hide_threshold === null ? {} : { reportHideThreshold: toInt(row.report_hide_threshold) }),
  };
}

const StoredWordFilterSchema = z.object({
  mode: z.enum(['refuse', 'mask']),
  words: z.array(z.string()),
});

/** A room's word list as stored by this module; anything else reads as an empty refusing list. */
export function parseWordFilter(json: string): WordFilter {
  const decoded = decodeJsonValue(StoredWordFilterSchema, json);
  return decoded.ok ? decoded.value : { mode: 'refuse', words: [] };
}

/** A room's notice as stored by this module; anything else reads as none. */
export function parseNotice(json: string): Notice | null {
  const decoded = decodeJsonValue(NoticeSchema, json);
  // Checked by the schema; the ids in it are ours (brands are inward).
  return decoded.ok ? (decoded.value as Notice) : null;
}

const StoredPinsSchema = z.array(PinSchema);

/** A room's pins as stored by this module; anything else reads as none. */
export function parsePins(json: string): Pin[] {
  const decoded = decodeJsonValue(StoredPinsSchema, json);
  return decoded.ok ? (decoded.value as Pin[]) : [];
}

const StoredUsersSchema = z.array(UserSchema);

/** A JSON array of users as stored by this module; anything else reads as none. */
export function parseUsers(json: string | null): User[] {
  if (json === null) return [];
  const decoded = decodeJsonValue(StoredUsersSchema, json);
  // Checked by the schema; the ids in it are ours (brands are inward).
  return decoded.ok ? (decoded.value as User[]) : [];
}

export function usersJson(users: readonly User[]): string {
  return JSON.stringify(users.map((u) => ({ id: u.id, nickname: u.nickname, tag: u.tag })));
}

/** A user from three columns. */
export function userOf(id: string, nickname: string, tag: string): User {
  return { id: id as UserId, nickname, tag };
}

/** The mention key of a nickname and tag (case- and width-insensitive nickname). */
export function handleKey(nickname: string, tag: string): string {
  return `${foldName(nickname)}#${tag}`;
}

/** What a message row alone cannot tell: the quoted message and the reactions (other tables). */
export interface MessageExtras {
  readonly replyTo?: ReplyQuote | undefined;
  readonly reactions?: readonly Reaction[] | undefined;
}

export function messageFromRow(row: MessageRow, extras: MessageExtras = {}): Message {
  const message: Message = {
    id: row.id as MessageId,
    roomId: row.room_id as RoomId,
    seq: toInt(row.seq),
    author: { id: row.author_id as UserId, nickname: row.author_nick, tag: row.author_tag },
    // Hidden pending review: nobody reads the body from here (staff read it from the report).
    body: toInt(row.hidden) !== 0 ? '' : row.body,
    createdAt: iso(row.created_at),
  };
  const deleted = toInt(row.deleted) !== 0;
  const hidden = !deleted && toInt(row.hidden) !== 0;
  const mentions = deleted ? [] : parseUsers(row.mentions);
  const reactions = deleted ? [] : (extras.reactions ?? []);
  // Key order is the documented one: clients and tests read the JSON as it is.
  return {
    ...message,
    ...(row.client_msg_id === null ? {} : { clientMsgId: row.client_msg_id }),
    ...(extras.replyTo === undefined ? {} : { replyTo: extras.replyTo }),
    ...(row.edited_at === null ? {} : { editedAt: iso(row.edited_at) }),
    ...(deleted ? { deleted: true as const } : {}),
    ...(hidden ? { hidden: true as const } : {}),
    ...(reactions.length === 0 ? {} : { reactions }),
    ...(mentions.length === 0 ? {} : { mentions }),
  };
}

/** The quote of a message a reply points to: the first 200 characters, "" once deleted. */
export function quoteOf(
  row: Pick<MessageRow, 'id' | 'seq' | 'author_id' | 'author_nick' | 'author_tag' | 'body' | 'deleted'> & {
    readonly hidden?: number;
  },
): ReplyQuote {
  return {
    id: row.id as MessageId,
    seq: toInt(row.seq),
    author: userOf(row.author_id, row.author_nick, row.author_tag),
    body:
      toInt(row.deleted) === 0 && toInt(row.hidden ?? 0) === 0
        ? Array.from(row.body).slice(0, 200).join('')
        : '',
  };
}

/** Case- and width-insensitive form of a room name; SQLite's LIKE folds ASCII only, so we fold in JS. */
export function foldName(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

/** A LIKE pattern matching `text` anywhere, with `\`, `%` and `_` from user input taken literally. */
export function containsPattern(text: string): string {
  return `%${foldName(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const RoomCursorSchema = z.tuple([
  z.number().check(z.int(), z.minimum(Number.MIN_SAFE_INTEGER), z.maximum(Number.MAX_SAFE_INTEGER)),
  z.string(),
]);

/** Room list cursor: the sort key of the last room on a page, opaque to clients. */
export function encodeRoomCursor(activeAt: number, id: string): string {
  return Buffer.from(JSON.stringify([activeAt, id]), 'utf8').toString('base64url');
}

export function decodeRoomCursor(cursor: string): { readonly activeAt: number; readonly id: string } {
  const decoded = decodeJsonValue(RoomCursorSchema, Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!decoded.ok) throw new ParleyError('invalid_request', 'The room list cursor is not valid.');
  const [activeAt, id] = decoded.value;
  return { activeAt, id };
}
