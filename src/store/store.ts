// The storage port: rooms and messages, durable. Implementations: SqliteStore (embedded default) and
// PostgresStore (shared by many nodes). Both pass test/store-contract.ts. Knows nothing of STOMP.
import type {
  Message,
  MessageId,
  RoomEntry,
  RoomId,
  StoredRoom,
  StoredRoomEvent,
  User,
  UserId,
} from '../chat/model.js';

export interface NewRoom {
  readonly id: RoomId;
  readonly name: string;
  readonly topic: string | null;
  readonly createdBy: User;
  readonly createdAt: Date;
  /** The room's history epoch; the store draws a random one when absent. */
  readonly epoch?: string;
}

export interface TagClaim {
  readonly userId: UserId;
  /** Look-alike nicknames share a key, so they share one tag space (see nameKey in src/chat). */
  readonly nameKey: string;
  /** Usually the token's expiry: the identity is live, and holds its tag, until then. */
  readonly expiresAt: Date;
  /** Holds ending at or before this are expired. */
  readonly now: Date;
  /** How many tags a key has: 10,000 ("0000"–"9999"); smaller in tests. */
  readonly tagSpace: number;
}

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
      /** Already hashed; null clears the password. */
      readonly passwordHash?: string | null;
    }
  | {
      readonly type: 'member.muted';
      readonly user: User;
      readonly until: Date;
      readonly reason: string | null;
    }
  | { readonly type: 'member.unmuted'; readonly user: User }
  | { readonly type: 'member.kicked'; readonly user: User; readonly reason: string | null }
  | {
      readonly type: 'member.banned';
      readonly user: User;
      /** null: forever. */
      readonly until: Date | null;
      readonly reason: string | null;
    }
  | { readonly type: 'member.unbanned'; readonly user: User }
  | { readonly type: 'moderator.added'; readonly user: User }
  | { readonly type: 'moderator.removed'; readonly user: User };

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

export interface AuditEntry {
  /** The seq of the room event the action produced. */
  readonly id: number;
  readonly action: string;
  readonly actor: User;
  readonly target?: User;
  readonly messageId?: MessageId;
  readonly details: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

export interface NewReport {
  readonly id: string;
  readonly roomId: RoomId;
  readonly messageId: MessageId;
  readonly reporter: User;
  readonly reason: string;
  readonly createdAt: Date;
}

export interface Report {
  readonly id: string;
  readonly message: Message;
  readonly reporter: User;
  readonly reason: string;
  readonly createdAt: string;
}

export interface Ban {
  readonly user: User;
  /** ISO; null: forever. */
  readonly until: string | null;
  readonly reason: string | null;
  readonly by: User;
  readonly createdAt: string;
}

/** A user's standing sanctions in a room, as of a given time. */
export interface MemberSanctions {
  /** ISO time the mute ends; absent: not muted. */
  readonly mutedUntil?: string;
  /** Present when banned; `until` null: forever. */
  readonly ban?: { readonly until: string | null };
}

export interface UnreadRoom {
  readonly roomId: RoomId;
  readonly lastReadSeq: number;
  /** Messages (not events, not deleted, not the user's own) after lastReadSeq. */
  readonly unread: number;
}

export interface AppendResult {
  readonly message: Message;
  /** True when (roomId, author.id, clientMsgId) was stored before: `message` is the stored original. */
  readonly duplicate: boolean;
}

export interface RoomQuery {
  /** Case-insensitive substring of the room name. */
  readonly query?: string;
  readonly limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface RoomPage {
  readonly rooms: StoredRoom[];
  readonly nextCursor: string | null;
}

/** At most one of beforeSeq/afterSeq. None: the latest `limit`. Result always ascending by seq. */
export interface MessageRange {
  readonly beforeSeq?: number;
  readonly afterSeq?: number;
  readonly limit: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending migrations; called once at start-up before anything else. */
  migrate(): Promise<void>;
  createRoom(room: NewRoom): Promise<StoredRoom>;
  findRoom(id: RoomId): Promise<StoredRoom | undefined>;
  /** Most recently active first (last message, else creation), then id. */
  listRooms(query: RoomQuery): Promise<RoomPage>;
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
   * effect and stores the event, in one transaction; resolves after commit. Resolves undefined when the
   * effect changes nothing (a reaction already in that state): no seq is taken.
   * Rejects with room_not_found, message_not_found, the checkMessage refusal or storage_unavailable.
   */
  appendEvent(event: NewRoomEvent): Promise<StoredRoomEvent | undefined>;
  /** Messages (current state) and events with seq > afterSeq, ascending by seq, at most `limit`. */
  listEntries(
    roomId: RoomId,
    range: { readonly afterSeq: number; readonly limit: number },
  ): Promise<RoomEntry[]>;
  findMessage(roomId: RoomId, id: MessageId): Promise<Message | undefined>;
  /** Records who an id is (once: an id keeps its nickname and tag), so mentions and moderation can name it. */
  rememberUser(user: User, at: Date): Promise<void>;
  findUser(id: UserId): Promise<User | undefined>;
  /**
   * Hands a new identity a tag in 0..tagSpace-1 (4 digits) that no live identity holds under the same
   * name key, atomically also across nodes; an expired holder's tag may be reused. Rejects with
   * ParleyError('nickname_unavailable') when every tag of the key is held.
   */
  reserveTag(claim: TagClaim): Promise<string>;
  /**
   * Extends the identity's hold on its tag to `expiresAt` (never shortens it); claims the pair when
   * nobody live holds it (identities older than the reservations). False when another live identity
   * holds it.
   */
  renewTag(claim: TagClaim & { readonly tag: string }): Promise<boolean>;
  /** Every user with one of these nickname#tag handles (nickname compared case-insensitively). */
  findUsersByHandle(handles: readonly { readonly nickname: string; readonly tag: string }[]): Promise<User[]>;
  findSanctions(roomId: RoomId, userId: UserId, now: Date): Promise<MemberSanctions>;
  /** The scrypt hash; null: no password; undefined: no room. */
  findPasswordHash(roomId: RoomId): Promise<string | null | undefined>;
  /** Bans in force at `now`, newest first. */
  listBans(roomId: RoomId, now: Date): Promise<Ban[]>;
  /** Newest first. */
  listAudit(
    roomId: RoomId,
    range: { readonly beforeId?: number; readonly limit: number },
  ): Promise<AuditEntry[]>;
  addReport(report: NewReport): Promise<Report>;
  /** Newest first. */
  listReports(roomId: RoomId, limit: number): Promise<Report[]>;
  /** Raises the user's last read seq in the room (never lowers it); returns the stored value. */
  markRead(userId: UserId, roomId: RoomId, seq: number): Promise<number>;
  listUnread(userId: UserId): Promise<UnreadRoom[]>;
  /** Tokens of the user issued before this are revoked; undefined: none ever was. */
  findTokensValidAfter(userId: UserId): Promise<Date | undefined>;
  /**
   * Revokes the user's tokens issued before `validAfter` (the stamp only ever moves forward, also when
   * two nodes revoke at once); resolves with the stamp now stored.
   */
  revokeTokens(userId: UserId, validAfter: Date): Promise<Date>;
  /** Resolves when the database answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  /** Flushes pending appends, then releases connections. */
  close(): Promise<void>;
}
