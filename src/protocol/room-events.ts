// Room events: the changes that take a room's next seq beside messages (MESSAGE frames on
// `/topic/rooms.<id>` whose `event` header names the type). One discriminated union, used by the
// domain, the store, the fan-out and the web client alike.
import * as z from 'zod/mini';
import { MessageSchema, NoticeSchema, PinSchema, RoomStateSchema, UserSchema } from './values.js';
import type { Wire } from './wire-type.js';

const by = UserSchema;
/** Null when none was given (an empty reason is no reason). */
const reason = z.nullable(z.string());

export const RoomEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message.edited'), message: MessageSchema }),
  z.object({ type: z.literal('message.deleted'), message: MessageSchema, by }),
  /** Enough distinct members reported it: hidden pending review (`message.hidden`, body ""). */
  z.object({ type: z.literal('message.hidden'), message: MessageSchema, by }),
  /** Its reports were dismissed: shown again, whole. */
  z.object({ type: z.literal('message.restored'), message: MessageSchema, by }),
  z.object({
    type: z.literal('reaction.changed'),
    messageId: z.string(),
    by,
    emoji: z.string(),
    /** True: `by` added `emoji`; false: removed it. */
    added: z.boolean(),
    /** How many have `emoji` on the message now (0: gone). */
    count: z.number().check(z.int(), z.minimum(0)),
  }),
  z.object({ type: z.literal('room.updated'), room: RoomStateSchema, by }),
  z.object({ type: z.literal('member.muted'), user: UserSchema, until: z.string(), reason, by }),
  z.object({ type: z.literal('member.unmuted'), user: UserSchema, by }),
  z.object({
    type: z.literal('member.kicked'),
    user: UserSchema,
    /** When they may join again; null: at once (no cool-down). */
    until: z.nullable(z.string()),
    reason,
    by,
  }),
  z.object({
    type: z.literal('member.banned'),
    user: UserSchema,
    /** Null: for good. */
    until: z.nullable(z.string()),
    /** `address`: the networks the user was recently seen from are banned too (never named here). */
    scope: z.enum(['identity', 'address']),
    reason,
    by,
  }),
  z.object({ type: z.literal('member.unbanned'), user: UserSchema, by }),
  /** A newcomer asks staff to let them post (rooms that approve newcomers). */
  z.object({ type: z.literal('member.asked'), user: UserSchema }),
  z.object({ type: z.literal('member.approved'), user: UserSchema, by }),
  z.object({ type: z.literal('member.denied'), user: UserSchema, by }),
  z.object({ type: z.literal('moderator.added'), user: UserSchema, by }),
  z.object({ type: z.literal('moderator.removed'), user: UserSchema, by }),
  /** An operator took the room down: every subscription ends; history is kept for the audit. */
  z.object({ type: z.literal('room.closed'), reason, by }),
  z.object({ type: z.literal('room.reopened'), by }),
  z.object({
    type: z.literal('owner.changed'),
    /** The owner from now on. */
    owner: UserSchema,
    /** The owner until now, a moderator from now on. */
    previous: UserSchema,
    /** True: a moderator claimed the room of an absent owner; false: the owner handed it over. */
    claimed: z.boolean(),
    by,
  }),
  /** Staff pinned the message: `pin` is its entry at the end of the room's `pins`. */
  z.object({ type: z.literal('message.pinned'), pin: PinSchema, by }),
  /**
   * Staff unpinned the message. A deleted message leaves the pins with its `message.deleted` (in the
   * same transaction, no event of its own); an edit, hide or restore updates its pin's `body` likewise.
   */
  z.object({ type: z.literal('message.unpinned'), messageId: z.string(), by }),
  /** Staff set the room's notice, or cleared it (null). */
  z.object({ type: z.literal('notice.changed'), notice: z.nullable(NoticeSchema), by }),
]);
export type RoomEvent = Wire<typeof RoomEventSchema>;
export type RoomEventType = RoomEvent['type'];
export type RoomEventOf<T extends RoomEventType> = Extract<RoomEvent, { readonly type: T }>;

export const ROOM_EVENT_TYPES = [
  'message.edited',
  'message.deleted',
  'message.hidden',
  'message.restored',
  'reaction.changed',
  'room.updated',
  'member.muted',
  'member.unmuted',
  'member.kicked',
  'member.banned',
  'member.unbanned',
  'member.asked',
  'member.approved',
  'member.denied',
  'moderator.added',
  'moderator.removed',
  'room.closed',
  'room.reopened',
  'owner.changed',
  'message.pinned',
  'message.unpinned',
  'notice.changed',
] as const satisfies readonly RoomEventType[];

/** Compile-time: the list above names every member of the union. */
type Missing = Exclude<RoomEventType, (typeof ROOM_EVENT_TYPES)[number]>;
const everyTypeListed: Missing extends never ? true : Missing = true;
void everyTypeListed;
