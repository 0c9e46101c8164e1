// The storage ports by job: the room log (room-log.ts) and small record stores (rooms, identities,
// moderation, reports, read markers), composed as `Store`. Implementations: SqliteStore (embedded
// default) and PostgresStore (shared by many nodes). Both pass test/store-contract.ts. Knows nothing of STOMP.
import type { BanScope, Message, MessageId, RoomId, StoredRoom, User, UserId } from '../chat/model.js';
import type { AddressHash } from '../net/address-hash.js';
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
  readonly scope: BanScope;
  /** The address hashes an `address` ban covers (empty for `identity`); never leaves the server. */
  readonly addressHashes: readonly AddressHash[];
}

/** A mute in force: staff see who is muted until when, so Unmute is offered for them alone. */
export interface Mute {
  readonly user: User;
  /** ISO; a mute always ends. */
  readonly until: string;
  readonly reason: string | null;
  readonly by: User;
  readonly createdAt: string;
}

/** One address hash a room's ban in force covers. */
export interface BannedAddress {
  readonly hash: AddressHash;
  /** ISO; null: forever. */
  readonly until: string | null;
}

/** What the newcomer gate weighs for one member of one room. */
export interface NewcomerStanding {
  /** When the identity was first recorded (users.created_at); undefined: never recorded. */
  readonly identityCreatedAt: Date | undefined;
  /** Undefined: the member never entered the room. */
  readonly arrivedAt: Date | undefined;
  /** Messages by others stored after the member arrived, counted up to the caller's `countUpTo`. */
  readonly messagesSince: number;
  /** The member passed the gate before (or had spoken in the room when the gate first saw them). */
  readonly passed: boolean;
  /** Rooms that approve newcomers: where the member's request stands. */
  readonly approval: 'none' | 'asked' | 'approved' | 'denied';
}

/** A user's standing sanctions in a room, as of a given time. */
export interface MemberSanctions {
  /** ISO time the mute ends; absent: not muted. */
  readonly mutedUntil?: string;
  /** Present when banned; `until` null: forever. */
  readonly ban?: { readonly until: string | null };
  /** ISO time a kick's cool-down ends; absent: not kicked (or the cool-down is over). */
  readonly kickedUntil?: string;
}

/** One of the user's rooms (one they hold a read marker in, not taken down) and what is new in it. */
export interface UnreadRoom {
  readonly roomId: RoomId;
  readonly name: string;
  readonly lastReadSeq: number;
  /** Messages (not events, not deleted, not the user's own) after lastReadSeq. */
  readonly unread: number;
  /** Of those, the ones that mention the user. */
  readonly mentions: number;
}

export interface RoomQuery {
  /** Case-insensitive substring of the room name or topic. */
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
  /** Records who an id is (once: later only renameUser changes it), so mentions and moderation can name it. */
  rememberUser(user: User, at: Date): Promise<void>;
  findUser(id: UserId): Promise<User | undefined>;
  /** The current name and revocation stamp of an id, read in one statement (a CONNECT's cache miss). */
  findUserState(id: UserId): Promise<UserState>;
  /** The id now goes by this nickname and tag; also records that it was used at `at`. */
  renameUser(user: User, at: Date): Promise<void>;
  /** The identity was used at `at` (never moves back). */
  touchUser(id: UserId, at: Date): Promise<void>;
  /** When the identity was last used (or first recorded); undefined: an unknown id. */
  findUserSeenAt(id: UserId): Promise<Date | undefined>;
  /** Rooms the user owns or moderates, most recently active first, at most `limit`. */
  listStaffRooms(id: UserId, limit: number): Promise<StaffRoom[]>;
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

/** What a node needs to know of a user on every CONNECT: the current name and the revocation stamp. */
export interface UserState {
  /** Absent: the id was never recorded (an identity from before users were). */
  readonly user?: User;
  /** Tokens issued before this are revoked; absent: none ever was. */
  readonly validAfter?: Date;
}

/** A room in which a user holds a role (what starting over would give up). */
export interface StaffRoom {
  readonly id: RoomId;
  readonly name: string;
  readonly role: 'owner' | 'moderator';
}

/** Whose a code is, and its time: a recovery code's making, a link code's expiry. */
export interface IssuedCodeRecord {
  readonly userId: UserId;
  readonly at: Date;
}

/** The secrets that bring an identity to another browser, kept only as keyed hashes. */
export interface IdentityCodeRecords {
  /** The user's recovery code is now this one (replacing any other). */
  setRecoveryCode(userId: UserId, codeHash: string, at: Date): Promise<void>;
  /** When the user's current recovery code was made; undefined: none. */
  findRecoveryCodeCreatedAt(userId: UserId): Promise<Date | undefined>;
  /** The recovery code with this hash: its user and when it was made. */
  findRecoveryCode(codeHash: string): Promise<IssuedCodeRecord | undefined>;
  /** The user's one live device link code is now this one, until `expiresAt`. */
  createDeviceLink(userId: UserId, codeHash: string, expiresAt: Date, now: Date): Promise<void>;
  /** Uses a link code up (atomically, also across nodes): its user and expiry when it was live. */
  redeemDeviceLink(codeHash: string, now: Date): Promise<IssuedCodeRecord | undefined>;
}

/** Sanctions in force (laid and lifted by room events) and the staff audit log. */
export interface ModerationRecords {
  findSanctions(roomId: RoomId, userId: UserId, now: Date): Promise<MemberSanctions>;
  /** Bans in force at `now`, newest first. */
  listBans(roomId: RoomId, now: Date): Promise<Ban[]>;
  /** Mutes in force at `now`, those ending soonest first. */
  listMutes(roomId: RoomId, now: Date): Promise<Mute[]>;
  /** Newest first. */
  listAudit(
    roomId: RoomId,
    range: { readonly beforeId?: number; readonly limit: number },
  ): Promise<AuditEntry[]>;
}

/**
 * Where users were seen from, as keyed hashes of their networks (never an address): what an address ban
 * copies and what "N identities from this address" counts. Sightings older than the retention are pruned.
 */
export interface AddressRecords {
  /** The user was seen from this network at `at`: first seen kept, last seen moved forward. */
  recordSighting(userId: UserId, hash: AddressHash, at: Date): Promise<void>;
  /** The user's hashes last seen at or after `since`, most recently seen first, at most `limit`. */
  listRecentHashes(userId: UserId, since: Date, limit: number): Promise<AddressHash[]>;
  /** Distinct users seen from any of these hashes at or after `since`. */
  countIdentitiesFrom(hashes: readonly AddressHash[], since: Date): Promise<number>;
  /** Deletes sightings last seen before `before`; resolves with how many went. */
  pruneSightings(before: Date): Promise<number>;
  /** The address hashes the room's bans in force at `now` cover (laid by `member.banned` events). */
  listBannedAddresses(roomId: RoomId, now: Date): Promise<BannedAddress[]>;
}

/** When members arrived in rooms and whether they passed the newcomer gate. */
export interface NewcomerRecords {
  /**
   * Records the user's first arrival in the room (later calls change nothing); a user who has messages
   * in the room already (they spoke before the gate existed) is recorded as passed.
   */
  recordArrival(roomId: RoomId, userId: UserId, at: Date): Promise<void>;
  /** The member's standing; `countUpTo` bounds the messages counted (the gate's threshold). */
  findNewcomerStanding(roomId: RoomId, userId: UserId, countUpTo: number): Promise<NewcomerStanding>;
  /** The member passed the gate: later checks need no count (a raised threshold does not re-gate them). */
  markNewcomerPassed(roomId: RoomId, userId: UserId, at: Date): Promise<void>;
}

export interface ReportRecords {
  addReport(report: NewReport): Promise<Report>;
  /** Newest first. */
  listReports(roomId: RoomId, limit: number): Promise<Report[]>;
}

/** A room as operators list it: closed ones too, with its open reports. */
export interface OperatorRoom {
  readonly room: StoredRoom;
  /** Open (not yet dismissed or acted on) reports of its messages. */
  readonly openReports: number;
}

/** One reported message in the operators' queue, with its open reports (oldest first). */
export interface ReportQueueItem {
  readonly roomId: RoomId;
  readonly roomName: string;
  /** As stored: a hidden message's body is included (operators review it). */
  readonly message: Message;
  readonly reports: readonly {
    readonly id: string;
    readonly reporter: User;
    readonly reason: string;
    readonly createdAt: string;
  }[];
}

export type ServerBanKind = 'user' | 'address';

export interface ServerBan {
  readonly kind: ServerBanKind;
  /** A user id (kind `user`) or a keyed address hash (kind `address`). */
  readonly subject: string;
  /** The identity the ban was laid on (an address ban names the identity it came from). */
  readonly user: User;
  /** null: for good. */
  readonly until: Date | null;
  readonly reason: string | null;
  /** The operator's id (never the secret). */
  readonly byOperator: string;
  readonly createdAt: Date;
}

export interface OperatorAuditRecord {
  readonly id: string;
  readonly operatorId: string;
  readonly action: string;
  readonly roomId?: string | undefined;
  readonly messageId?: string | undefined;
  readonly targetId?: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

/**
 * What operators act on across rooms: the room list with closed rooms, the report queue and its
 * resolution, server-wide bans, where identities were seen from (address hashes), server settings and
 * the operator audit log.
 */
export interface OperatorRecords {
  listRoomsForOperators(query: {
    readonly order: 'activity' | 'reports';
    readonly limit: number;
  }): Promise<OperatorRoom[]>;
  /** Messages with open reports, most recently reported first. */
  listReportQueue(limit: number): Promise<ReportQueueItem[]>;
  countOpenReports(roomId: RoomId): Promise<number>;
  /** Distinct members with an open report of the message. */
  countOpenReporters(roomId: RoomId, messageId: MessageId): Promise<number>;
  /** Closes every open report of the message; resolves with how many were open. */
  resolveReports(resolution: {
    readonly roomId: RoomId;
    readonly messageId: MessageId;
    readonly how: 'dismissed' | 'deleted';
    readonly by: string;
    readonly at: Date;
  }): Promise<number>;
  /** Lays (or replaces) bans, one per subject, in one transaction. */
  addServerBans(bans: readonly ServerBan[]): Promise<void>;
  /** Lifts every ban laid on the identity (its address bans too); resolves with how many. */
  liftServerBans(userId: UserId): Promise<number>;
  /** Bans in force at `now`, newest first. */
  listServerBans(now: Date): Promise<ServerBan[]>;
  /** Every server setting: key → JSON text. */
  listServerSettings(): Promise<Record<string, string>>;
  saveServerSetting(key: string, json: string, at: Date): Promise<void>;
  addOperatorAudit(record: OperatorAuditRecord): Promise<void>;
  /** Newest first. */
  listOperatorAudit(limit: number): Promise<OperatorAuditRecord[]>;
}

export interface ReadMarkers {
  /** Raises the user's last read seq in the room (never lowers it); returns the stored value. */
  markRead(userId: UserId, roomId: RoomId, seq: number): Promise<MarkedRead>;
  listUnread(userId: UserId): Promise<UnreadRoom[]>;
  /** Leaves a room: forgets the user's read marker there. True when there was one. */
  forgetRead(userId: UserId, roomId: RoomId): Promise<boolean>;
  /** Up to `limit` users holding a read marker in the room (its followers), in user id order. */
  listReaders(roomId: RoomId, limit: number): Promise<UserId[]>;
  /** How far the room has been read (see ReadSummary): each marker up to `maxMarkers`, else counts per seq. */
  readSummary(roomId: RoomId, maxMarkers: number, fromSeq: number): Promise<ReadSummary>;
  countReaders(roomId: RoomId): Promise<number>;
}

/** The marker after a read: its value, and whether this read raised it (or made it). */
export interface MarkedRead {
  readonly lastReadSeq: number;
  readonly raised: boolean;
}

/**
 * How far a room has been read, for read counts: with at most a configured number of members, each
 * member's marker (`markers`); above it, how many markers stand at each seq from a given one (`readBy`,
 * highest first; markers below it are only in `members`).
 */
export interface ReadSummary {
  readonly members: number;
  readonly markers?: readonly { readonly userId: UserId; readonly seq: number }[];
  readonly readBy?: readonly { readonly seq: number; readonly count: number }[];
}

/** Where a search looks: one room, or every room the user follows (holds a read marker in, not taken down). */
export type SearchScope =
  | { readonly kind: 'room'; readonly roomId: RoomId }
  | { readonly kind: 'member'; readonly userId: UserId };

export interface MessageSearchQuery {
  readonly scope: SearchScope;
  /** Found as a case-insensitive substring of the current body, taken literally (never a pattern). */
  readonly text: string;
  readonly limit: number;
  /** Opaque, from a previous page's `nextCursor` of the same scope. */
  readonly cursor?: string;
  /**
   * A room query under SEARCH_TRIGRAM_CHARS code points has no trigram to look up: each page scans at
   * most this many of the room's messages (newest first) instead, and its cursor goes on from there.
   */
  readonly shortQueryScanMax: number;
}

export interface MessageSearchPage {
  /** Newest first (room: by seq; member: by time, then room, then seq); never deleted or hidden ones. */
  readonly messages: Message[];
  /** Null: nothing older matches. A short query's page may hold fewer than `limit` and still go on. */
  readonly nextCursor: string | null;
}

/** Substring search of message bodies that needs no dictionary (Hangul included): search-sql.ts. */
export interface MessageSearch {
  /**
   * One page of matches. A member-scope query under SEARCH_TRIGRAM_CHARS code points is refused with
   * ParleyError('query_too_short') (its scan would have no bound); a bad cursor with 'invalid_request'.
   */
  searchMessages(query: MessageSearchQuery): Promise<MessageSearchPage>;
}

/**
 * Everything durable, as one object for the call sites: the room log and the record stores by job.
 * Where the SQL of each lives: room-log-sql.ts (+ the engines' message batches), rooms-sql.ts,
 * users-sql.ts / identity-tags-sql.ts / tokens-sql.ts, sanctions-sql.ts, audit-sql.ts, reports-sql.ts,
 * read-markers-sql.ts, search-sql.ts.
 */
export interface Store
  extends RoomLog,
    RoomRecords,
    IdentityRecords,
    IdentityCodeRecords,
    ModerationRecords,
    AddressRecords,
    NewcomerRecords,
    ReportRecords,
    OperatorRecords,
    ReadMarkers,
    MessageSearch {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending migrations; called once at start-up before anything else. */
  migrate(): Promise<void>;
  /** Resolves when the database answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  /** Flushes pending appends, then releases connections. */
  close(): Promise<void>;
}
