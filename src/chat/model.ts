// The chat's nouns as they cross every seam (store, bus, HTTP, STOMP bodies). Plain data only.
import type { WordFilter } from '../protocol/index.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type UserId = Brand<string, 'UserId'>;
export type RoomId = Brand<string, 'RoomId'>;
export type MessageId = Brand<string, 'MessageId'>;

export interface User {
  readonly id: UserId;
  readonly nickname: string;
  /** Four digits that tell two people with the same nickname apart: `alice#0412`. */
  readonly tag: string;
}

/** Room ids are chosen by the server or by clients within this alphabet; nothing else names a room. */
const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isRoomId(value: string): value is RoomId {
  return ROOM_ID_PATTERN.test(value);
}

/** Who came, went or is typing in a room, as every subscriber of its presence topic reads it. */
export type PresenceEvent =
  | { readonly type: 'join' | 'leave' | 'typing'; readonly user: User }
  /**
   * A member read up to `seq` (read counts, in rooms up to READ_COUNTS_MAX_MEMBERS). `reader` is a key
   * of the member for this room alone: counts need to tell members apart, never who they are.
   */
  | { readonly type: 'read'; readonly reader: string; readonly seq: number };

/** A room as stored; `online` is added from presence when shown. Times are ISO-8601 strings. */
export interface StoredRoom {
  readonly id: RoomId;
  readonly name: string;
  readonly topic: string | null;
  readonly createdAt: string;
  readonly createdBy: User;
  readonly lastMessageAt: string | null;
  /** The highest `seq` stored in this room (0 when empty), over messages and room events. */
  readonly lastSeq: number;
  /**
   * Appoints and dismisses moderators, reads the audit log: the creator until ownership moves (handed
   * over by the owner, or claimed by a moderator after the owner's absence; see docs/identity.md).
   */
  readonly ownerId: UserId;
  readonly moderators: readonly User[];
  /** Most distinct users online at once; null: no cap. */
  readonly memberCap: number | null;
  /** 0: off. Otherwise one message per this many seconds per user (staff exempt). */
  readonly slowModeSeconds: number;
  /** The password itself (a scrypt hash) never leaves the store. */
  readonly hasPassword: boolean;
  /** Newcomer gate: identities younger than this many minutes may read but not post; 0: off. */
  readonly newcomerMinutes: number;
  /** Newcomer gate: a member may post once the room saw this many messages since they arrived; 0: off. */
  readonly newcomerMessages: number;
  /** Newcomers may post only once staff approve them (they read meanwhile). */
  readonly approveNewcomers: boolean;
  /** The text staff set to show at the top of the room; null: none. */
  readonly notice: Notice | null;
  /** Pinned messages, oldest pin first (MAX_PINS_PER_ROOM at most). */
  readonly pins: readonly Pin[];
  /**
   * Names this run of the room's history, set when it starts: seqs are meaningful within one epoch only
   * (a resuming client that names another is told the history was reset; see docs/protocol.md).
   */
  readonly epoch: string;
  /** Present when an operator took the room down (ISO time); the room is then closed to everyone. */
  readonly closedAt?: string;
  /** The room's own banned words (staff setting); never shown to members. */
  readonly wordFilter?: WordFilter;
  /** Distinct reporters that hide a message (0: never); absent: the server default. */
  readonly reportHideThreshold?: number;
}

export interface Room
  extends Omit<StoredRoom, 'lastSeq' | 'wordFilter' | 'reportHideThreshold' | 'closedAt'> {
  readonly online: number;
}

/** The message a reply quotes, as it is now (body "" once deleted). */
export interface ReplyQuote {
  readonly id: MessageId;
  readonly seq: number;
  readonly author: User;
  /** The first 200 characters. */
  readonly body: string;
}

/** The room's notice (one per room): its text, who set it and when. */
export interface Notice {
  readonly body: string;
  readonly by: User;
  readonly at: string;
}

/** A pinned message: its quote as it is now (body "" while hidden), who pinned it and when. */
export interface Pin extends ReplyQuote {
  readonly pinnedBy: User;
  readonly pinnedAt: string;
}

/**
 * A message's JSON names at most this many users per emoji (`count` is exact): a popular message must
 * not grow every history page and every subscriber's copy without bound.
 */
export const REACTION_USERS_SHOWN = 10;

export interface Reaction {
  readonly emoji: string;
  readonly count: number;
  /** Some of them (at most REACTION_USERS_SHOWN), in the order they reacted. */
  readonly users: readonly User[];
}

export interface Message {
  readonly id: MessageId;
  readonly roomId: RoomId;
  /**
   * Positive, strictly increasing within a room, never reused. Dense over messages and room events
   * together (see RoomEvent), so the messages alone may have gaps.
   */
  readonly seq: number;
  readonly author: User;
  /** The current body: edits applied, "" once deleted. */
  readonly body: string;
  readonly createdAt: string;
  readonly clientMsgId?: string;
  readonly replyTo?: ReplyQuote;
  readonly editedAt?: string;
  readonly deleted?: true;
  /** Hidden pending review: body "" for everyone reading the room (staff read it from the report). */
  readonly hidden?: true;
  /** Absent when there are none. */
  readonly reactions?: readonly Reaction[];
  /** Users mentioned as `@nickname#1234`; absent when none. */
  readonly mentions?: readonly User[];
}

/** A change of a room's state, as clients receive it (the `{"type", ...}` body; see docs/protocol.md). */
export type RoomEvent =
  | { readonly type: 'message.edited'; readonly message: Message }
  | { readonly type: 'message.deleted'; readonly message: Message; readonly by: User }
  | { readonly type: 'message.hidden'; readonly message: Message; readonly by: User }
  | { readonly type: 'message.restored'; readonly message: Message; readonly by: User }
  | {
      readonly type: 'reaction.changed';
      readonly messageId: MessageId;
      readonly by: User;
      readonly emoji: string;
      /** True: `by` added `emoji`; false: removed it. */
      readonly added: boolean;
      /** How many have `emoji` on the message now (0: gone). */
      readonly count: number;
    }
  | { readonly type: 'room.updated'; readonly room: RoomState; readonly by: User }
  | {
      readonly type: 'member.muted';
      readonly user: User;
      readonly until: string;
      readonly reason: string | null;
      readonly by: User;
    }
  | { readonly type: 'member.unmuted'; readonly user: User; readonly by: User }
  | {
      readonly type: 'member.kicked';
      readonly user: User;
      /** When they may join again; null: at once. */
      readonly until: string | null;
      readonly reason: string | null;
      readonly by: User;
    }
  | {
      readonly type: 'member.banned';
      readonly user: User;
      /** Null: for good. */
      readonly until: string | null;
      /** `address`: the networks the user was recently seen from are banned too. */
      readonly scope: BanScope;
      readonly reason: string | null;
      readonly by: User;
    }
  | { readonly type: 'member.unbanned'; readonly user: User; readonly by: User }
  | { readonly type: 'member.asked'; readonly user: User }
  | { readonly type: 'member.approved' | 'member.denied'; readonly user: User; readonly by: User }
  | { readonly type: 'moderator.added'; readonly user: User; readonly by: User }
  | { readonly type: 'moderator.removed'; readonly user: User; readonly by: User }
  | { readonly type: 'room.closed'; readonly reason: string | null; readonly by: User }
  | { readonly type: 'room.reopened'; readonly by: User }
  | {
      readonly type: 'owner.changed';
      readonly owner: User;
      readonly previous: User;
      readonly claimed: boolean;
      readonly by: User;
    }
  | { readonly type: 'message.pinned'; readonly pin: Pin; readonly by: User }
  | { readonly type: 'message.unpinned'; readonly messageId: MessageId; readonly by: User }
  | { readonly type: 'notice.changed'; readonly notice: Notice | null; readonly by: User };

/** What a ban covers: the identity alone, or also the networks it was recently used from. */
export type BanScope = 'identity' | 'address';

export type RoomEventType = RoomEvent['type'];
export type RoomEventOf<T extends RoomEventType> = Extract<RoomEvent, { readonly type: T }>;
export { ROOM_EVENT_TYPES } from '../protocol/room-events.js';

/** A room's stored state as `room.updated` carries it: no presence (not part of the log), no seq. */
export type RoomState = Omit<
  StoredRoom,
  'lastSeq' | 'epoch' | 'closedAt' | 'wordFilter' | 'reportHideThreshold'
>;

/** A room event as stored: it takes the room's next seq, like a message. */
export interface StoredRoomEvent {
  readonly roomId: RoomId;
  readonly seq: number;
  readonly createdAt: string;
  readonly event: RoomEvent;
}

/** What a room's seq counts, in seq order: for replay (since-seq) and live gap fill. */
export type RoomEntry =
  | { readonly kind: 'message'; readonly message: Message }
  | { readonly kind: 'event'; readonly event: StoredRoomEvent };

export const entrySeq = (entry: RoomEntry): number =>
  entry.kind === 'message' ? entry.message.seq : entry.event.seq;
