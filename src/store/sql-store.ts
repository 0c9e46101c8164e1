// What SqliteStore and PostgresStore share: the read queries (one Kysely query layer for both engines),
// input checks, error mapping and the group-commit front of appendMessage. Each engine supplies only
// its batch transaction, migrate locking and ping. Knows nothing of STOMP or HTTP.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
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
import { ParleyError } from '../errors.js';
import type { AddressHash } from '../net/address-hash.js';
import * as sightings from './address-sightings-sql.js';
import * as audit from './audit-sql.js';
import { GroupCommitter, type Outcome } from './group-commit.js';
import * as codes from './identity-codes-sql.js';
import * as tags from './identity-tags-sql.js';
import { applyMigrations, type Engine } from './migrations.js';
import * as operators from './operators-sql.js';
import * as markers from './read-markers-sql.js';
import * as reports from './reports-sql.js';
import * as arrivals from './room-arrivals-sql.js';
import * as log from './room-log-sql.js';
import * as rooms from './rooms-sql.js';
import * as sanctions from './sanctions-sql.js';
import { type Database, decodeRoomCursor } from './schema.js';
import * as search from './search-sql.js';
import type {
  AppendResult,
  AuditEntry,
  Ban,
  BannedAddress,
  IssuedCodeRecord,
  MarkedRead,
  MemberSanctions,
  MessageRange,
  MessageSearchPage,
  MessageSearchQuery,
  Mute,
  NewcomerStanding,
  NewMessage,
  NewReport,
  NewRoom,
  NewRoomEvent,
  OperatorAuditRecord,
  OperatorRoom,
  ReadSummary,
  Report,
  ReportQueueItem,
  RoomPage,
  RoomQuery,
  ServerBan,
  StaffRoom,
  Store,
  TagClaim,
  UnreadRoom,
  UserState,
} from './store.js';
import * as tokens from './tokens-sql.js';
import * as users from './users-sql.js';

/** The slice of a pino logger the store uses. */
export interface StoreLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const silentLogger: StoreLogger = { warn: () => {}, error: () => {} };

export interface SqlStoreOptions {
  /** Most appends in one transaction (default 1000). */
  readonly maxBatch?: number | undefined;
  readonly logger?: StoreLogger | undefined;
  /** Epoch ms, for migration records only; message and room times come from the caller. */
  readonly now?: (() => number) | undefined;
}

export abstract class SqlStore implements Store {
  abstract readonly kind: Engine;
  protected readonly db: Kysely<Database>;
  protected readonly logger: StoreLogger;
  readonly #now: () => number;
  readonly #appends: GroupCommitter<NewMessage, AppendResult>;
  #closing: Promise<void> | undefined;
  /**
   * Serialises this process's write transactions: message batches and room events. On SQLite the
   * batch bypasses Kysely's connection lock, so an event transaction must never overlap it; on
   * PostgreSQL the room row lock already orders them and this only keeps the order local.
   */
  #writes: Promise<unknown> = Promise.resolve();

  protected constructor(db: Kysely<Database>, options: SqlStoreOptions) {
    this.db = db;
    this.logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#appends = new GroupCommitter((items) => this.#flush(items), { maxBatch: options.maxBatch ?? 1000 });
  }

  /** Stores one batch in one transaction; resolves after commit. Throwing fails the whole batch. */
  protected abstract flushAppends(items: readonly NewMessage[]): Promise<readonly Outcome<AppendResult>[]>;
  abstract ping(): Promise<void>;
  /** Releases connections; called once, after pending appends settled. */
  protected abstract destroy(): Promise<void>;

  async migrate(): Promise<void> {
    await this.#guard(() => applyMigrations(this.db, this.kind, this.#now));
  }

  async createRoom(room: NewRoom): Promise<StoredRoom> {
    this.#assertOpen();
    return this.#guard(() => rooms.createRoom(this.db, { ...room, epoch: room.epoch ?? newEpoch() }));
  }

  async findRoom(id: RoomId): Promise<StoredRoom | undefined> {
    this.#assertOpen();
    return this.#guard(() => rooms.findRoom(this.db, id));
  }

  async listRooms(query: RoomQuery): Promise<RoomPage> {
    this.#assertOpen();
    const limit = checkLimit(query.limit);
    const after = query.cursor === undefined ? undefined : decodeRoomCursor(query.cursor);
    if (limit === 0) return { rooms: [], nextCursor: null };
    return this.#guard(() => rooms.listRooms(this.db, { ...query, limit }, after));
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageSearchPage> {
    this.#assertOpen();
    const limit = checkLimit(query.limit);
    return this.#guard(() => search.searchMessages(this.db, this.kind, { ...query, limit }));
  }

  appendMessage(message: NewMessage): Promise<AppendResult> {
    if (this.#closing !== undefined) {
      return Promise.reject(new ParleyError('storage_unavailable', 'The store is closed.'));
    }
    // PostgreSQL refuses NUL in text, which would fail every append of the batch; refuse it up front
    // (on both engines, so they agree).
    if (message.body.includes('\u0000') || message.clientMsgId?.includes('\u0000')) {
      return Promise.reject(new ParleyError('invalid_message', 'The message contains a NUL character.'));
    }
    // An invalid date would violate NOT NULL and fail everyone else's appends in the batch.
    if (!Number.isFinite(message.createdAt.getTime())) {
      return Promise.reject(new ParleyError('invalid_message', 'The message time is not a valid date.'));
    }
    return this.#appends.submit(message);
  }

  async listMessages(roomId: RoomId, range: MessageRange): Promise<Message[]> {
    this.#assertOpen();
    const limit = checkLimit(range.limit);
    if (range.afterSeq !== undefined && range.beforeSeq !== undefined) {
      throw new ParleyError('invalid_request', 'Give at most one of before and after.');
    }
    for (const seq of [range.afterSeq, range.beforeSeq]) {
      if (seq !== undefined && !Number.isSafeInteger(seq)) {
        throw new ParleyError('invalid_request', 'A seq must be an integer.');
      }
    }
    if (limit === 0) return [];
    const rows = await this.#guard(() => {
      const q = this.db.selectFrom('messages').selectAll().where('room_id', '=', roomId).limit(limit);
      if (range.afterSeq !== undefined)
        return q.where('seq', '>', range.afterSeq).orderBy('seq', 'asc').execute();
      const before = range.beforeSeq === undefined ? q : q.where('seq', '<', range.beforeSeq);
      return before.orderBy('seq', 'desc').execute();
    });
    const messages = await this.#guard(() => log.hydrate(this.db, rows));
    return range.afterSeq === undefined ? messages.reverse() : messages;
  }

  async appendEvent(event: NewRoomEvent): Promise<StoredRoomEvent | undefined> {
    this.#assertOpen();
    return this.#exclusive(() =>
      this.#guard(() => this.db.transaction().execute((trx) => log.applyEvent(trx, event))),
    );
  }

  async listEntries(roomId: RoomId, range: { afterSeq: number; limit: number }): Promise<RoomEntry[]> {
    this.#assertOpen();
    const limit = checkLimit(range.limit);
    if (!Number.isSafeInteger(range.afterSeq))
      throw new ParleyError('invalid_request', 'A seq must be an integer.');
    if (limit === 0) return [];
    return this.#guard(() => log.listEntries(this.db, roomId, { afterSeq: range.afterSeq, limit }));
  }

  async findMessage(roomId: RoomId, id: MessageId): Promise<Message | undefined> {
    this.#assertOpen();
    return this.#guard(() => log.findMessage(this.db, roomId, id));
  }

  async rememberUser(user: User, at: Date): Promise<void> {
    this.#assertOpen();
    await this.#guard(() => users.rememberUser(this.db, user, at));
  }

  async findUser(id: UserId): Promise<User | undefined> {
    this.#assertOpen();
    return this.#guard(() => users.findUser(this.db, id));
  }

  async findUserState(id: UserId): Promise<UserState> {
    this.#assertOpen();
    return this.#guard(() => users.findUserState(this.db, id));
  }

  async renameUser(user: User, at: Date): Promise<void> {
    this.#assertOpen();
    await this.#guard(() => users.renameUser(this.db, user, at));
  }

  async touchUser(id: UserId, at: Date): Promise<void> {
    this.#assertOpen();
    await this.#guard(() => users.touchUser(this.db, id, at));
  }

  async findUserSeenAt(id: UserId): Promise<Date | undefined> {
    this.#assertOpen();
    return this.#guard(() => users.findUserSeenAt(this.db, id));
  }

  async listStaffRooms(id: UserId, limit: number): Promise<StaffRoom[]> {
    this.#assertOpen();
    return this.#guard(() => users.listStaffRooms(this.db, id, checkLimit(limit)));
  }

  async setRecoveryCode(userId: UserId, codeHash: string, at: Date): Promise<void> {
    this.#assertOpen();
    await this.#guard(() => codes.setRecoveryCode(this.db, userId, codeHash, at));
  }

  async findRecoveryCodeCreatedAt(userId: UserId): Promise<Date | undefined> {
    this.#assertOpen();
    return this.#guard(() => codes.findRecoveryCodeCreatedAt(this.db, userId));
  }

  async findRecoveryCode(codeHash: string): Promise<IssuedCodeRecord | undefined> {
    this.#assertOpen();
    return this.#guard(() => codes.findRecoveryCode(this.db, codeHash));
  }

  async createDeviceLink(userId: UserId, codeHash: string, expiresAt: Date, now: Date): Promise<void> {
    this.#assertOpen();
    await this.#guard(() => codes.createDeviceLink(this.db, userId, codeHash, expiresAt, now));
  }

  async redeemDeviceLink(codeHash: string, now: Date): Promise<IssuedCodeRecord | undefined> {
    this.#assertOpen();
    return this.#guard(() => codes.redeemDeviceLink(this.db, codeHash, now));
  }

  async reserveTag(claim: TagClaim): Promise<string> {
    this.#assertOpen();
    return this.#guard(() => tags.reserveTag(this.db, claim));
  }

  async renewTag(claim: TagClaim & { readonly tag: string }): Promise<boolean> {
    this.#assertOpen();
    return this.#guard(() => tags.renewTag(this.db, claim));
  }

  async findUsersByHandle(handles: readonly { nickname: string; tag: string }[]): Promise<User[]> {
    this.#assertOpen();
    return this.#guard(() => users.findUsersByHandle(this.db, handles));
  }

  async findSanctions(roomId: RoomId, userId: UserId, now: Date): Promise<MemberSanctions> {
    this.#assertOpen();
    return this.#guard(() => sanctions.findSanctions(this.db, roomId, userId, now));
  }

  async findPasswordHash(roomId: RoomId): Promise<string | null | undefined> {
    this.#assertOpen();
    return this.#guard(() => rooms.findPasswordHash(this.db, roomId));
  }

  async markOwnerSeen(roomId: RoomId, ownerId: UserId, at: Date): Promise<void> {
    this.#assertOpen();
    return this.#guard(() => rooms.markOwnerSeen(this.db, roomId, ownerId, at));
  }

  async findOwnerSeenAt(roomId: RoomId): Promise<Date | undefined> {
    this.#assertOpen();
    return this.#guard(() => rooms.findOwnerSeenAt(this.db, roomId));
  }

  async listBans(roomId: RoomId, now: Date): Promise<Ban[]> {
    this.#assertOpen();
    return this.#guard(() => sanctions.listBans(this.db, roomId, now));
  }

  async listMutes(roomId: RoomId, now: Date): Promise<Mute[]> {
    this.#assertOpen();
    return this.#guard(() => sanctions.listMutes(this.db, roomId, now));
  }

  async recordSighting(userId: UserId, hash: AddressHash, at: Date): Promise<void> {
    this.#assertOpen();
    await this.#guard(() => sightings.recordSighting(this.db, userId, hash, at));
  }

  async listRecentHashes(userId: UserId, since: Date, limit: number): Promise<AddressHash[]> {
    this.#assertOpen();
    return this.#guard(() => sightings.listRecentHashes(this.db, userId, since, checkLimit(limit)));
  }

  async countIdentitiesFrom(hashes: readonly AddressHash[], since: Date): Promise<number> {
    this.#assertOpen();
    return this.#guard(() => sightings.countIdentitiesFrom(this.db, hashes, since));
  }

  async pruneSightings(before: Date): Promise<number> {
    this.#assertOpen();
    return this.#guard(() => sightings.pruneSightings(this.db, before));
  }

  async listBannedAddresses(roomId: RoomId, now: Date): Promise<BannedAddress[]> {
    this.#assertOpen();
    return this.#guard(() => sanctions.listBannedAddresses(this.db, roomId, now));
  }

  async recordArrival(roomId: RoomId, userId: UserId, at: Date): Promise<void> {
    this.#assertOpen();
    await this.#guard(() => arrivals.recordArrival(this.db, roomId, userId, at));
  }

  async findNewcomerStanding(roomId: RoomId, userId: UserId, countUpTo: number): Promise<NewcomerStanding> {
    this.#assertOpen();
    return this.#guard(() => arrivals.findNewcomerStanding(this.db, roomId, userId, Math.max(0, countUpTo)));
  }

  async markNewcomerPassed(roomId: RoomId, userId: UserId, at: Date): Promise<void> {
    this.#assertOpen();
    await this.#guard(() => arrivals.markNewcomerPassed(this.db, roomId, userId, at));
  }

  async listAudit(roomId: RoomId, range: { beforeId?: number; limit: number }): Promise<AuditEntry[]> {
    this.#assertOpen();
    checkLimit(range.limit);
    return this.#guard(() => audit.listAudit(this.db, roomId, range));
  }

  async addReport(report: NewReport): Promise<Report> {
    this.#assertOpen();
    if (report.reason.includes('\u0000'))
      throw new ParleyError('invalid_request', 'The reason contains a NUL character.');
    return this.#guard(() => reports.addReport(this.db, report));
  }

  async listReports(roomId: RoomId, limit: number): Promise<Report[]> {
    this.#assertOpen();
    return this.#guard(() => reports.listReports(this.db, roomId, checkLimit(limit)));
  }

  async listRoomsForOperators(query: {
    readonly order: 'activity' | 'reports';
    readonly limit: number;
  }): Promise<OperatorRoom[]> {
    this.#assertOpen();
    const limit = checkLimit(query.limit);
    return this.#guard(() => operators.listRoomsForOperators(this.db, { order: query.order, limit }));
  }

  async listReportQueue(limit: number): Promise<ReportQueueItem[]> {
    this.#assertOpen();
    return this.#guard(() => operators.listReportQueue(this.db, checkLimit(limit)));
  }

  async countOpenReports(roomId: RoomId): Promise<number> {
    this.#assertOpen();
    return this.#guard(() => operators.countOpenReports(this.db, roomId));
  }

  async countOpenReporters(roomId: RoomId, messageId: MessageId): Promise<number> {
    this.#assertOpen();
    return this.#guard(() => operators.countOpenReporters(this.db, roomId, messageId));
  }

  async resolveReports(resolution: {
    readonly roomId: RoomId;
    readonly messageId: MessageId;
    readonly how: 'dismissed' | 'deleted';
    readonly by: string;
    readonly at: Date;
  }): Promise<number> {
    this.#assertOpen();
    return this.#guard(() => operators.resolveReports(this.db, resolution));
  }

  async addServerBans(bans: readonly ServerBan[]): Promise<void> {
    this.#assertOpen();
    for (const ban of bans) {
      if (
        !Number.isFinite(ban.createdAt.getTime()) ||
        (ban.until !== null && !Number.isFinite(ban.until.getTime()))
      )
        throw new ParleyError('invalid_request', 'A ban time is not a valid date.');
    }
    await this.#exclusive(() => this.#guard(() => operators.addServerBans(this.db, bans)));
  }

  async liftServerBans(userId: UserId): Promise<number> {
    this.#assertOpen();
    return this.#guard(() => operators.liftServerBans(this.db, userId));
  }

  async listServerBans(now: Date): Promise<ServerBan[]> {
    this.#assertOpen();
    return this.#guard(() => operators.listServerBans(this.db, now));
  }

  async listServerSettings(): Promise<Record<string, string>> {
    this.#assertOpen();
    return this.#guard(() => operators.listServerSettings(this.db));
  }

  async saveServerSetting(key: string, json: string, at: Date): Promise<void> {
    this.#assertOpen();
    if (json.includes('\u0000'))
      throw new ParleyError('invalid_request', 'The setting contains a NUL character.');
    await this.#guard(() => operators.saveServerSetting(this.db, key, json, at));
  }

  async addOperatorAudit(record: OperatorAuditRecord): Promise<void> {
    this.#assertOpen();
    await this.#guard(() => operators.addOperatorAudit(this.db, record));
  }

  async listOperatorAudit(limit: number): Promise<OperatorAuditRecord[]> {
    this.#assertOpen();
    return this.#guard(() => operators.listOperatorAudit(this.db, checkLimit(limit)));
  }

  async markRead(userId: UserId, roomId: RoomId, seq: number): Promise<MarkedRead> {
    this.#assertOpen();
    if (!Number.isSafeInteger(seq) || seq < 0)
      throw new ParleyError('invalid_request', 'A seq must be a non-negative integer.');
    return this.#guard(() => markers.markRead(this.db, userId, roomId, seq));
  }

  async listUnread(userId: UserId): Promise<UnreadRoom[]> {
    this.#assertOpen();
    return this.#guard(() => markers.listUnread(this.db, userId));
  }

  async forgetRead(userId: UserId, roomId: RoomId): Promise<boolean> {
    this.#assertOpen();
    return this.#guard(() => markers.forgetRead(this.db, userId, roomId));
  }

  async listReaders(roomId: RoomId, limit: number): Promise<UserId[]> {
    this.#assertOpen();
    return this.#guard(() => markers.listReaders(this.db, roomId, checkLimit(limit)));
  }

  async readSummary(roomId: RoomId, maxMarkers: number, fromSeq: number): Promise<ReadSummary> {
    this.#assertOpen();
    return this.#guard(() => markers.readSummary(this.db, roomId, checkLimit(maxMarkers), fromSeq));
  }

  async countReaders(roomId: RoomId): Promise<number> {
    this.#assertOpen();
    return this.#guard(() => markers.countReaders(this.db, roomId));
  }

  async findTokensValidAfter(userId: UserId): Promise<Date | undefined> {
    this.#assertOpen();
    return this.#guard(() => tokens.findTokensValidAfter(this.db, userId));
  }

  async revokeTokens(userId: UserId, validAfter: Date): Promise<Date> {
    this.#assertOpen();
    if (!Number.isFinite(validAfter.getTime()))
      throw new ParleyError('invalid_request', 'The stamp is not a valid date.');
    return this.#guard(() => tokens.revokeTokens(this.db, userId, validAfter));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#appends.drain();
      await this.destroy();
    })();
    return this.#closing;
  }

  async #flush(items: readonly NewMessage[]): Promise<readonly Outcome<AppendResult>[]> {
    try {
      return await this.#exclusive(() => this.flushAppends(items));
    } catch (error) {
      this.logger.error({ err: error, batch: items.length }, 'append batch failed; nothing of it was stored');
      throw error;
    }
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(work, work);
    this.#writes = run.catch(() => undefined);
    return run;
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new ParleyError('storage_unavailable', 'The store is closed.');
  }

  /** Database failures become storage_unavailable (cause kept); our own errors pass through. */
  async #guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ParleyError) throw error;
      throw new ParleyError('storage_unavailable', undefined, { cause: error });
    }
  }
}

/** 72 random bits, URL- and header-safe. */
function newEpoch(): string {
  return randomBytes(9).toString('base64url');
}

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new ParleyError('invalid_request', 'The limit must be a non-negative integer.');
  }
  return limit;
}
