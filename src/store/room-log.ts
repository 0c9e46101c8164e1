// The room log port: what takes a room's seq (messages and room events, dense together) and reads it
// back in seq order. SqliteStore and PostgresStore implement it (test/room-log-contract.ts on both).
// Knows nothing of STOMP, delivery or who may do what.
import type { Message, MessageId, RoomEntry, RoomId, StoredRoomEvent, User } from '../chat/model.js';
import type { AddressHash } from '../net/address-hash.js';
import type { WordFilter } from '../protocol/index.js';

export interface NewMessage {
  readonly id: MessageId;
  readonly roomId: RoomId;
  readonly author: User;
  readonly body: string;
  readonly createdAt: Date;
  readonly clientMsgId?: string;
  /** A message of the same room; the append fails with `message_not_found` otherwise. */
  readonly replyTo?: MessageId;
  readonly mentions?: readonly User[];
}

/**
 * What a room event changes, applied in the transaction that gives the event its seq. `by` in the
 * event body is the actor of the NewRoomEvent.
 */
export type RoomEventEffect =
  | {
      readonly type: 'message.edited';
      readonly messageId: MessageId;
      readonly body: string;
      /** The users the new body mentions (replacing the old ones); none when absent or empty. */
      readonly mentions?: readonly User[];
    }
  | { readonly type: 'message.deleted'; readonly messageId: MessageId }
  /** Hidden pending review (reports); `message.restored` shows it again. */
  | { readonly type: 'message.hidden'; readonly messageId: MessageId }
  | { readonly type: 'message.restored'; readonly messageId: MessageId }
  | {
      readonly type: 'reaction.changed';
      readonly messageId: MessageId;
      readonly emoji: string;
      readonly added: boolean;
      /**
       * Refuses an addition (`too_many_reactions`) that would give the message more distinct emojis, or
       * the actor more reactions on it, than this; checked under the room's lock. Absent: no cap.
       */
      readonly caps?: ReactionCaps;
    }
  | {
      readonly type: 'room.updated';
      readonly topic?: string | null;
      readonly memberCap?: number | null;
      readonly slowModeSeconds?: number;
      readonly newcomerMinutes?: number;
      readonly newcomerMessages?: number;
      readonly approveNewcomers?: boolean;
      /** Already hashed; null clears the password. */
      readonly passwordHash?: string | null;
      /** Null: no room list. */
      readonly wordFilter?: WordFilter | null;
      /** Null: the server default. */
      readonly reportHideThreshold?: number | null;
    }
  | {
      readonly type: 'member.muted';
      readonly user: User;
      readonly until: Date;
      readonly reason: string | null;
    }
  | { readonly type: 'member.unmuted'; readonly user: User }
  | {
      readonly type: 'member.kicked';
      readonly user: User;
      /** The end of the cool-down before they may join again; null: none. */
      readonly until: Date | null;
      readonly reason: string | null;
    }
  | {
      readonly type: 'member.banned';
      readonly user: User;
      /** null: forever. */
      readonly until: Date | null;
      readonly reason: string | null;
      /**
       * Present: an address ban (scope `address`) covering these hashes of the networks the user was
       * recently seen from (may be empty when none is known); they replace any the user's earlier ban
       * had. Absent: the identity alone.
       */
      readonly addressHashes?: readonly AddressHash[];
    }
  | { readonly type: 'member.unbanned'; readonly user: User }
  /**
   * A newcomer asks to be approved (the actor is the user); refused with `invalid_request` when they
   * have no arrival in the room, passed already or were denied.
   */
  | { readonly type: 'member.asked'; readonly user: User }
  /** Staff let the newcomer post (they pass the gate) or decline them (refused once they passed). */
  | { readonly type: 'member.approved' | 'member.denied'; readonly user: User }
  | { readonly type: 'moderator.added'; readonly user: User }
  | { readonly type: 'moderator.removed'; readonly user: User }
  /** Taken down by an operator; `room.reopened` restores it. */
  | { readonly type: 'room.closed'; readonly reason: string | null }
  | { readonly type: 'room.reopened' }
  | {
      readonly type: 'owner.changed';
      /** The new owner (leaves the moderators if they were one). */
      readonly user: User;
      /** The owner until now, who becomes a moderator; refused (`forbidden`) if they no longer own the room. */
      readonly previous: User;
      /**
       * A claim: refused with `owner_not_absent` unless the previous owner was last seen at or before
       * this time, checked in the transaction. Absent: a transfer by the owner.
       */
      readonly absentBefore?: Date;
    }
  | {
      readonly type: 'message.pinned';
      readonly messageId: MessageId;
      /**
       * Refuses (`too_many_pins`) a pin that would give the room more than this many, checked under the
       * room's lock. Pinning a pinned message changes nothing (no seq).
       */
      readonly maxPins: number;
    }
  /** Refused with `invalid_request` when the message is not pinned. */
  | { readonly type: 'message.unpinned'; readonly messageId: MessageId }
  /** The notice's text (checked by the caller), or null to clear it (refused when there is none). */
  | { readonly type: 'notice.changed'; readonly body: string | null };

export interface ReactionCaps {
  readonly emojisPerMessage: number;
  readonly perUserPerMessage: number;
}

export interface NewRoomEvent {
  readonly roomId: RoomId;
  readonly actor: User;
  readonly at: Date;
  readonly effect: RoomEventEffect;
  /**
   * For message effects: runs inside the transaction on the target message as it is then (authorship,
   * edit window); throw ParleyError to refuse. A missing or deleted target is `message_not_found`.
   */
  readonly checkMessage?: (message: Message) => void;
  /** Staff actions are also written to the audit log, with these details. */
  readonly audit?: { readonly details: Readonly<Record<string, unknown>> };
}

export interface AppendResult {
  readonly message: Message;
  /** True when (roomId, author.id, clientMsgId) was stored before: `message` is the stored original. */
  readonly duplicate: boolean;
}

/** At most one of beforeSeq/afterSeq. None: the latest `limit`. Result always ascending by seq. */
export interface MessageRange {
  readonly beforeSeq?: number;
  readonly afterSeq?: number;
  readonly limit: number;
}

export interface RoomLog {
  /**
   * Assigns the room's next `seq` atomically (also across processes sharing the database), stores the
   * message and resolves only after the transaction has committed. Calls are group-committed: many
   * concurrent appends share one transaction, yet each promise settles only with its own outcome.
   * Appends issued in order by one caller get increasing seqs in that order.
   * Rejects with ParleyError('room_not_found') or ParleyError('storage_unavailable').
   */
  appendMessage(message: NewMessage): Promise<AppendResult>;
  /** Messages in their current state (edits, deletions, reactions, reply quotes), never events. */
  listMessages(roomId: RoomId, range: MessageRange): Promise<Message[]>;
  /**
   * Takes the room's next seq (serialised with appendMessage, also across processes), applies the
   * effect and stores the event as given (typed), in one transaction; resolves after commit. Resolves
   * undefined when the effect changes nothing (a reaction already in that state): no seq is taken.
   * Rejects with room_not_found, message_not_found, the checkMessage refusal or storage_unavailable.
   */
  appendEvent(event: NewRoomEvent): Promise<StoredRoomEvent | undefined>;
  /** Messages (current state) and typed events with seq > afterSeq, ascending by seq, at most `limit`. */
  listEntries(
    roomId: RoomId,
    range: { readonly afterSeq: number; readonly limit: number },
  ): Promise<RoomEntry[]>;
  findMessage(roomId: RoomId, id: MessageId): Promise<Message | undefined>;
}
