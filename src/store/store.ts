// The storage ports by job: the room log (room-log.ts) and small record stores (rooms, identities,
// moderation, reports, read markers), composed as `Store`. Implementations: SqliteStore (embedded
// default) and PostgresStore (shared by many nodes). Both pass test/store-contract.ts. Knows nothing of STOMP.
import type { Message, MessageId, RoomId, StoredRoom, User, UserId } from '../chat/model.js';
import type { RoomLog } from './room-log.js';

export type {
  AppendResult,
  MessageRange,
  NewMessage,
  NewRoomEvent,
  ReactionCaps,
  RoomEventEffect,
  RoomLog,
} from './room-log.js';

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

/** Rooms and their settings and staff (roles change through room events: moderator.*, owner.changed). */
export interface RoomRecords {
  createRoom(room: NewRoom): Promise<StoredRoom>;
  findRoom(id: RoomId): Promise<StoredRoom | undefined>;
  /** Most recently active first (last message, else creation), then id. */
  listRooms(query: RoomQuery): Promise<RoomPage>;
  /** The scrypt hash; null: no password; undefined: no room. */
  findPasswordHash(roomId: RoomId): Promise<string | null | undefined>;
  /**
   * Records that the owner was seen (entered or left the room) at `at`: only while `ownerId` still owns
   * the room, and never moving the time back. A room's creation counts as its owner being seen.
   */
  markOwnerSeen(roomId: RoomId, ownerId: UserId, at: Date): Promise<void>;
  /** When the room's current owner was last seen; undefined: no room. */
  findOwnerSeenAt(roomId: RoomId): Promise<Date | undefined>;
}

/** Who an id is, the tags that tell equal nicknames apart, and sign-out-everywhere stamps. */
export interface IdentityRecords {
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
  /** Tokens of the user issued before this are revoked; undefined: none ever was. */
  findTokensValidAfter(userId: UserId): Promise<Date | undefined>;
  /**
   * Revokes the user's tokens issued before `validAfter` (the stamp only ever moves forward, also when
   * two nodes revoke at once); resolves with the stamp now stored.
   */
  revokeTokens(userId: UserId, validAfter: Date): Promise<Date>;
}

/** Sanctions in force (laid and lifted by room events) and the staff audit log. */
export interface ModerationRecords {
  findSanctions(roomId: RoomId, userId: UserId, now: Date): Promise<MemberSanctions>;
  /** Bans in force at `now`, newest first. */
  listBans(roomId: RoomId, now: Date): Promise<Ban[]>;
  /** Newest first. */
  listAudit(
    roomId: RoomId,
    range: { readonly beforeId?: number; readonly limit: number },
  ): Promise<AuditEntry[]>;
}

export interface ReportRecords {
  addReport(report: NewReport): Promise<Report>;
  /** Newest first. */
  listReports(roomId: RoomId, limit: number): Promise<Report[]>;
}

export interface ReadMarkers {
  /** Raises the user's last read seq in the room (never lowers it); returns the stored value. */
  markRead(userId: UserId, roomId: RoomId, seq: number): Promise<number>;
  listUnread(userId: UserId): Promise<UnreadRoom[]>;
}

/**
 * Everything durable, as one object for the call sites: the room log and the record stores by job.
 * Where the SQL of each lives: room-log-sql.ts (+ the engines' message batches), rooms-sql.ts,
 * users-sql.ts / identity-tags-sql.ts / tokens-sql.ts, sanctions-sql.ts, audit-sql.ts, reports-sql.ts,
 * read-markers-sql.ts.
 */
export interface Store
  extends RoomLog,
    RoomRecords,
    IdentityRecords,
    ModerationRecords,
    ReportRecords,
    ReadMarkers {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending migrations; called once at start-up before anything else. */
  migrate(): Promise<void>;
  /** Resolves when the database answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  /** Flushes pending appends, then releases connections. */
  close(): Promise<void>;
}
