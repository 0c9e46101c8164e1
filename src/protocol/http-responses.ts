// The bodies of the JSON HTTP API's answers, one schema per route (docs/protocol.md, "HTTP API").
// The web client reads every answer through these; test/protocol-http.test.ts drives a real server and
// holds each body to its schema with no field more or less, so server and contract cannot drift apart.
import * as z from 'zod/mini';
import { ROOM_EVENT_TYPES } from './room-events.js';
import { MessageSchema, RoomSchema, UserSchema, WireErrorSchema } from './values.js';
import type { Wire } from './wire-type.js';

const isoTime = z.string();
const count = z.number().check(z.int(), z.minimum(0));

/**
 * `POST /api/sessions`, `/api/sessions/recover`, `/api/sessions/link` (201); `/api/sessions/refresh`,
 * `/api/sessions/revoke` and `/api/sessions/rename` (200).
 */
export const SessionSchema = z.object({ token: z.string(), user: UserSchema, expiresAt: isoTime });
export type Session = Wire<typeof SessionSchema>;

/** `POST /api/sessions/recovery-code` (201): shown once; the server keeps only a keyed hash. */
export const RecoveryCodeSchema = z.object({ code: z.string(), createdAt: isoTime });
export type RecoveryCode = Wire<typeof RecoveryCodeSchema>;

/** `POST /api/sessions/link-code` (201): single-use, until `expiresAt`. */
export const LinkCodeSchema = z.object({ code: z.string(), createdAt: isoTime, expiresAt: isoTime });
export type LinkCode = Wire<typeof LinkCodeSchema>;

export const StaffRoomSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(['owner', 'moderator']),
});
export type StaffRoom = Wire<typeof StaffRoomSchema>;

/** `GET /api/sessions/identity`: who the token speaks for now, and what starting over would give up. */
export const IdentitySchema = z.object({
  user: UserSchema,
  /** When the current recovery code was made; null: none. */
  recoveryCodeCreatedAt: z.nullable(isoTime),
  /** Rooms the identity owns or moderates (at most 100), most recently active first. */
  rooms: z.array(StaffRoomSchema),
});
export type Identity = Wire<typeof IdentitySchema>;

/** `GET /api/limits`: what this server refuses, so a client can say so first. */
export const ClientLimitsSchema = z.object({
  messageMaxChars: z.number().check(z.int(), z.minimum(1)),
  editWindowSeconds: count,
  /** History pages: the most `limit` may ask for, and what a request without `limit` gets. */
  historyPageMax: z.number().check(z.int(), z.minimum(1)),
  historyPageDefault: z.number().check(z.int(), z.minimum(1)),
  /** Characters of a room's notice (NOTICE_MAX_CHARS). */
  noticeMaxChars: z.number().check(z.int(), z.minimum(1)),
  /** Pinned messages per room (MAX_PINS_PER_ROOM). */
  maxPinsPerRoom: z.number().check(z.int(), z.minimum(1)),
});
export type ClientLimits = Wire<typeof ClientLimitsSchema>;

/** `GET /api/rooms`: most recently active first; `nextCursor` is null on the last page. */
export const RoomPageSchema = z.object({ rooms: z.array(RoomSchema), nextCursor: z.nullable(z.string()) });
export type RoomPage = Wire<typeof RoomPageSchema>;

/** `POST /api/rooms/:id/join`: the room grant (send it as `X-Room-Grant` / `room-grant`). */
export const RoomGrantSchema = z.object({ grant: z.string(), expiresAt: isoTime });
export type RoomGrant = Wire<typeof RoomGrantSchema>;

/** `GET /api/rooms/:id/messages`: ascending by seq. */
export const MessagesPageSchema = z.object({ messages: z.array(MessageSchema) });
export type MessagesPage = Wire<typeof MessagesPageSchema>;

/** Where the query was found in a body: code point offsets, `start` inclusive, `end` exclusive. */
export const HighlightSchema = z.object({ start: count, end: count });
export type Highlight = Wire<typeof HighlightSchema>;

/** One match of a room's search: the message as history gives it, and where the query is in its body. */
export const SearchResultSchema = z.object({ message: MessageSchema, highlights: z.array(HighlightSchema) });
export type SearchResult = Wire<typeof SearchResultSchema>;

/** `GET /api/rooms/:id/search`: newest first; `nextCursor` is the next page's `before` (null: no more). */
export const SearchPageSchema = z.object({
  results: z.array(SearchResultSchema),
  nextCursor: z.nullable(z.string()),
});
export type SearchPage = Wire<typeof SearchPageSchema>;

/** `GET /api/search`: matches in every room the user follows, each with its room's name. */
export const MemberSearchPageSchema = z.object({
  results: z.array(z.extend(SearchResultSchema, { roomName: z.string() })),
  nextCursor: z.nullable(z.string()),
});
export type MemberSearchPage = Wire<typeof MemberSearchPageSchema>;

/** `GET /api/rooms/:id/members`: who is online now, across all nodes. */
export const MembersSchema = z.object({ members: z.array(UserSchema) });
export type Members = Wire<typeof MembersSchema>;

/**
 * `GET /api/rooms/:id/reads`: how far the room is read, for read counts. `live`: a small room (up to
 * READ_COUNTS_MAX_MEMBERS): `markers` has every member's marker under a key of this room, and each read
 * comes live on the presence topic. Else `readBy`: how many markers stand at each seq from `from` on,
 * highest first (markers below it count only in `members`); read again for news.
 */
export const ReadSummarySchema = z.object({
  members: count,
  live: z.boolean(),
  markers: z.optional(z.array(z.object({ reader: z.string(), seq: count }))),
  readBy: z.optional(z.array(z.object({ seq: count, count }))),
});
export type ReadSummary = Wire<typeof ReadSummarySchema>;

export const UnreadRoomSchema = z.object({
  roomId: z.string(),
  name: z.string(),
  lastReadSeq: count,
  /** Messages (not events, not deleted, not the user's own) after lastReadSeq. */
  unread: count,
  /** Of those, the ones mentioning the user. */
  mentions: count,
});
export type UnreadRoom = Wire<typeof UnreadRoomSchema>;

/** `GET /api/me/unread`: the user's rooms (those they have read in and not left), not taken down. */
export const UnreadSchema = z.object({ rooms: z.array(UnreadRoomSchema) });

/** `/user/queue/unread`: a message was stored in a room the user follows (re-read the counts). */
export const UnreadNoticeSchema = z.object({ roomId: z.string(), seq: z.number() });
export type UnreadNotice = Wire<typeof UnreadNoticeSchema>;
export type Unread = Wire<typeof UnreadSchema>;

export const AuditEntrySchema = z.object({
  /** The seq of the room event the action produced; `before` pages by it. */
  id: z.number().check(z.int(), z.minimum(1)),
  /** The room event type the action produced. */
  action: z.enum(ROOM_EVENT_TYPES),
  actor: UserSchema,
  target: z.optional(UserSchema),
  messageId: z.optional(z.string()),
  /** What the action set (seconds, until, reason, settings); never a password, only "set"/"cleared". */
  details: z.record(z.string(), z.unknown()),
  createdAt: isoTime,
});
export type AuditEntry = Wire<typeof AuditEntrySchema>;

/** `GET /api/rooms/:id/audit`: newest first. */
export const AuditPageSchema = z.object({ entries: z.array(AuditEntrySchema) });
export type AuditPage = Wire<typeof AuditPageSchema>;

export const ReportSchema = z.object({
  id: z.string(),
  message: MessageSchema,
  reporter: UserSchema,
  reason: z.string(),
  createdAt: isoTime,
});
export type Report = Wire<typeof ReportSchema>;

/** `GET /api/rooms/:id/reports`: open reports, newest first, and how many are open. */
export const ReportsSchema = z.object({ reports: z.array(ReportSchema), open: count });
export type Reports = Wire<typeof ReportsSchema>;

export const BanSchema = z.object({
  user: UserSchema,
  /** Null: for good. */
  until: z.nullable(isoTime),
  reason: z.nullable(z.string()),
  by: UserSchema,
  createdAt: isoTime,
  /** `address`: the networks the user was recently seen from are banned too. */
  scope: z.enum(['identity', 'address']),
  /**
   * Address bans: how many distinct identities were seen from the banned networks (the banned user
   * included) within the sighting retention; the addresses themselves are never shown.
   */
  identitiesFromAddress: z.optional(count),
});
export type Ban = Wire<typeof BanSchema>;

/** `GET /api/rooms/:id/bans`: bans in force, newest first. */
export const BansSchema = z.object({ bans: z.array(BanSchema) });
export type Bans = Wire<typeof BansSchema>;

export const MuteSchema = z.object({
  user: UserSchema,
  until: isoTime,
  reason: z.nullable(z.string()),
  by: UserSchema,
  createdAt: isoTime,
});
export type Mute = Wire<typeof MuteSchema>;

/** `GET /api/rooms/:id/mutes` (staff): mutes in force, soonest ending first. */
export const MutesSchema = z.object({ mutes: z.array(MuteSchema) });
export type Mutes = Wire<typeof MutesSchema>;

/**
 * `GET /api/rooms/:id/members/:userId/addresses` (staff): how many distinct identities were seen from
 * the networks this user was recently seen from (the user included), never the addresses.
 */
export const AddressIdentitiesSchema = z.object({ identities: count, addresses: count });
export type AddressIdentities = Wire<typeof AddressIdentitiesSchema>;

/** `GET /api/rooms/:id/ownership`, for staff: whether the owner is away long enough to be claimed. */
export const OwnershipSchema = z.object({
  ownerId: z.string(),
  /** The owner is in the room now (on any node). */
  present: z.boolean(),
  /** A moderator may claim the room now (`moderate` action `claim`). */
  absent: z.boolean(),
  /** When a claim becomes possible if the owner stays away; null while they are in the room. */
  claimableFrom: z.nullable(isoTime),
});
export type Ownership = Wire<typeof OwnershipSchema>;

/** `GET /healthz`: the process runs. */
export const HealthSchema = z.object({ status: z.literal('ok') });
export type Health = Wire<typeof HealthSchema>;

/** `GET /readyz`: 200 `ready`, or 503 `unavailable` when a named check failed. */
export const ReadinessSchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.record(z.string(), z.enum(['ok', 'unavailable'])),
});
export type Readiness = Wire<typeof ReadinessSchema>;

/** Every refusal, with the catalogue's status (docs/errors.md). */
export const ErrorBodySchema = z.object({ error: WireErrorSchema });
export type ErrorBody = Wire<typeof ErrorBodySchema>;
