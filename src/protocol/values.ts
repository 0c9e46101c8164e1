// The chat's nouns as they appear on the wire (HTTP bodies and STOMP MESSAGE bodies): user, room,
// message, reaction, presence. One schema per value; the server's own types (src/chat/model.ts) must
// stay assignable to these (src/protocol/server-types.test.ts holds them together).
import * as z from 'zod/mini';
import { ERROR_CODES } from './error-codes.js';
import type { Wire } from './wire-type.js';

/** Room ids are URL- and destination-safe and never contain a dot (`/app/rooms.<id>.<action>`). */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Message ids: UUIDv7 today; any id of this shape is accepted so older ids stay addressable. */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** A client's own id for a message it sends (echoed back so it can match its optimistic copy). */
export const CLIENT_MSG_ID_PATTERN = /^[\x21-\x7e]{1,100}$/;

const isoTime = z.string();
const positiveSeq = z.number().check(z.int(), z.minimum(1));

export const UserSchema = z.object({
  id: z.string(),
  nickname: z.string(),
  /** Four digits that tell two people with the same nickname apart: `alice#0412`. */
  tag: z.string(),
});
export type User = Wire<typeof UserSchema>;

/** The room's notice: one text staff set, shown at the top of the room to everyone in it. */
export const NoticeSchema = z.object({
  body: z.string(),
  by: UserSchema,
  at: isoTime,
});
export type Notice = Wire<typeof NoticeSchema>;

/**
 * A pinned message as the room's state carries it: what a reply quotes (the message as it is now, its
 * first 200 characters; "" while hidden), who pinned it and when. A deleted message leaves the pins
 * with its `message.deleted` event.
 */
export const PinSchema = z.object({
  id: z.string(),
  seq: positiveSeq,
  author: UserSchema,
  body: z.string(),
  pinnedBy: UserSchema,
  pinnedAt: isoTime,
});
export type Pin = Wire<typeof PinSchema>;

/** A room's state as stored: what `room.updated` carries (presence is not part of the log). */
export const RoomStateSchema = z.object({
  id: z.string(),
  name: z.string(),
  topic: z.nullable(z.string()),
  createdAt: isoTime,
  createdBy: UserSchema,
  lastMessageAt: z.nullable(isoTime),
  ownerId: z.string(),
  moderators: z.array(UserSchema),
  /** Most distinct users online at once; null: no cap. */
  memberCap: z.nullable(z.number().check(z.int(), z.minimum(1))),
  /** 0: off. */
  slowModeSeconds: z.number().check(z.int(), z.minimum(0)),
  hasPassword: z.boolean(),
  /** Newcomer gate: identities younger than this many minutes may read but not post; 0: off. */
  newcomerMinutes: z.number().check(z.int(), z.minimum(0)),
  /** Newcomer gate: members may post once this many messages were said in the room since they
   *  arrived in it; 0: off. */
  newcomerMessages: z.number().check(z.int(), z.minimum(0)),
  /** Newcomers (who have not passed the gate) may post only once staff approve them. */
  approveNewcomers: z.boolean(),
  /** Null: none set (`notice.changed` events change it). */
  notice: z.nullable(NoticeSchema),
  /** Pinned messages, oldest pin first, at most MAX_PINS_PER_ROOM (`message.pinned`/`.unpinned`). */
  pins: z.array(PinSchema),
});
export type RoomState = Wire<typeof RoomStateSchema>;

/** A room as listed and fetched: its state and how many distinct users are online now. */
export const RoomSchema = z.extend(RoomStateSchema, {
  online: z.number().check(z.int(), z.minimum(0)),
  /** Names this run of the room's history: send it with `since-seq` when resuming. */
  epoch: z.string(),
  /**
   * Only in `GET /api/rooms/:id` asked with a Bearer token: when the asker's own mute in the room ends
   * (absent: not muted), so a client says so before its member tries to post.
   */
  mutedUntil: z.optional(isoTime),
});
export type Room = Wire<typeof RoomSchema>;

export const ReplyQuoteSchema = z.object({
  id: z.string(),
  seq: positiveSeq,
  author: UserSchema,
  /** The first 200 characters of the quoted message as it is now ("" once deleted). */
  body: z.string(),
});
export type ReplyQuote = Wire<typeof ReplyQuoteSchema>;

export const ReactionSchema = z.object({
  emoji: z.string(),
  count: z.number().check(z.int(), z.minimum(0)),
  /** Some of them (at most REACTION_USERS_SHOWN), in the order they reacted. */
  users: z.array(UserSchema),
});
export type Reaction = Wire<typeof ReactionSchema>;

/**
 * A message's JSON names at most this many users per emoji (`count` is exact): a popular message must
 * not grow every history page and every subscriber's copy without bound.
 */
export const REACTION_USERS_SHOWN = 10;

export const MessageSchema = z.object({
  id: z.string(),
  roomId: z.string(),
  /** Dense over messages and room events together, so the messages alone may have gaps. */
  seq: positiveSeq,
  author: UserSchema,
  /** The current body: edits applied, "" once deleted. */
  body: z.string(),
  createdAt: isoTime,
  clientMsgId: z.optional(z.string()),
  replyTo: z.optional(ReplyQuoteSchema),
  editedAt: z.optional(isoTime),
  deleted: z.optional(z.literal(true)),
  /** Hidden pending review (enough distinct members reported it): body "" until staff restore it. */
  hidden: z.optional(z.literal(true)),
  /** Absent when there are none. */
  reactions: z.optional(z.array(ReactionSchema)),
  /** Users mentioned as `@nickname#1234`; absent when none. */
  mentions: z.optional(z.array(UserSchema)),
});
export type Message = Wire<typeof MessageSchema>;

/**
 * On `/topic/rooms.<id>` (header `event:history.reset`, no seq) instead of a replay, when a SUBSCRIBE's
 * `since-seq`/`epoch` do not describe this room's history: another epoch, or a seq past the head.
 * Nothing older is replayed; the client reloads history and resumes from `lastSeq` in `epoch`.
 */
export const HistoryResetSchema = z.object({
  type: z.literal('history.reset'),
  epoch: z.string(),
  lastSeq: z.number().check(z.int(), z.minimum(0)),
});
export type HistoryReset = Wire<typeof HistoryResetSchema>;

/** `/topic/rooms.<id>.presence`: not stored, not sequenced. */
export const PresenceEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('join'), user: UserSchema }),
  z.object({ type: z.literal('leave'), user: UserSchema }),
  z.object({ type: z.literal('typing'), user: UserSchema }),
  /**
   * A member read up to `seq` (rooms up to READ_COUNTS_MAX_MEMBERS): `reader` names the member for this
   * room alone (a keyed hash), so clients count readers without learning who read what.
   */
  z.object({ type: z.literal('read'), reader: z.string(), seq: z.number().check(z.int(), z.minimum(0)) }),
]);
export type PresenceEvent = Wire<typeof PresenceEventSchema>;

/** `/user/queue/errors` bodies, and `{"error": …}` in HTTP responses; the code is one of the catalogue. */
export const WireErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  /** When waiting ends the refusal (rate limits, slow mode, a kick's cool-down, the newcomer gate). */
  retryAfterSeconds: z.optional(z.number().check(z.int(), z.minimum(0))),
  /** `newcomer_wait`: messages the room must still see before this member may post. */
  messagesLeft: z.optional(z.number().check(z.int(), z.minimum(0))),
  /** `newcomer_wait` in a room that approves newcomers: where this member's request stands. */
  approval: z.optional(z.enum(['needed', 'asked', 'denied'])),
});
export type WireError = Wire<typeof WireErrorSchema>;
