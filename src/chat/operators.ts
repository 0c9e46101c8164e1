// Operators: the deployment's own people, above every room's owner. Who is one is configured
// (OPERATOR_TOKENS, kept as SHA-256 hashes); a request proves it with the secret itself. What they do:
// list rooms by activity or by open reports, take a room down and restore it, delete any message, work
// the cross-room report queue, ban identities and their addresses server-wide, and set the server's
// reserved names and banned words. Every action is written to the operator audit log (and, when it
// changes a room, to that room's log and audit log as a room event). Knows nothing of HTTP.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Bus, RateLimiter } from '../cluster/bus.js';
import type { OperatorConfig } from '../config.js';
import { ParleyError } from '../errors.js';
import { addressKey } from '../net/client-address.js';
import type { WordFilter } from '../protocol/index.js';
import type { OperatorAuditRecord, OperatorRoom, ReportQueueItem, ServerBan, Store } from '../store/store.js';
import type { AddressBans } from './address-bans.js';
import { checkReason } from './body-rules.js';
import type { MessageId, RoomId, StoredRoom, User, UserId } from './model.js';
import { checkWordList } from './moderation.js';
import type { Reports } from './reports.js';
import type { RoomWriter } from './room-writer.js';
import { SETTING_KEYS, type ServerPolicy, type ServerSettings } from './server-policy.js';

/** An operator, named by a digest of their secret (never the secret). */
export interface Operator {
  /** `op-` and 12 hex digits of the secret's SHA-256: stable, and useless to a reader of the logs. */
  readonly id: string;
  /** How room events and audit entries name the operator. */
  readonly actor: User;
}

export interface OperatorsDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: OperatorConfig;
  readonly policy: ServerPolicy;
  /** Where identities were seen from: a server-wide ban copies the same recent networks a room ban does. */
  readonly addressBans: Pick<AddressBans, 'recentHashes'>;
  readonly writer: RoomWriter;
  readonly reports: Reports;
  readonly maxCombiningMarks: number;
}

export interface ServerBanRequest {
  readonly userId: string;
  /** Also ban the addresses the identity was seen from (keyed hashes); default true. */
  readonly addresses?: boolean | undefined;
  /** Absent or null: for good. */
  readonly seconds?: number | null | undefined;
  readonly reason?: string | null | undefined;
}

const MAX_NAME_CHARS = 64;

export class Operators {
  readonly #deps: OperatorsDependencies;
  readonly #hashes: readonly Buffer[];

  constructor(deps: OperatorsDependencies) {
    this.#deps = deps;
    this.#hashes = deps.config.tokenHashes.map((h) => Buffer.from(h, 'hex'));
  }

  /** Whether any operator is configured (without one, the operator API refuses everything). */
  get configured(): boolean {
    return this.#hashes.length > 0;
  }

  /**
   * The operator a secret names, or `not_operator`. Wrong secrets are counted per address: past
   * OPERATOR_AUTH_FAILURES_PER_IP_PER_MINUTE the address is refused with `rate_limited`.
   */
  async authenticate(secret: string | undefined, address: string): Promise<Operator> {
    if (secret !== undefined && secret.length > 0 && secret.length <= 1024) {
      const digest = createHash('sha256').update(secret, 'utf8').digest();
      // Compared in constant time with every configured hash, so timing tells nothing about which.
      let match = false;
      for (const hash of this.#hashes) if (timingSafeEqual(hash, digest)) match = true;
      if (match) {
        const id = `op-${digest.toString('hex').slice(0, 12)}`;
        return {
          id,
          actor: { id: id as UserId, nickname: 'Operator', tag: digest.toString('hex').slice(0, 4) },
        };
      }
    }
    const perMinute = this.#deps.config.authFailuresPerIpPerMinute;
    const decision = await this.#deps.rateLimiter.take(`operator-auth:${addressKey(address)}`, {
      capacity: perMinute,
      refillPerSecond: perMinute / 60,
    });
    if (!decision.allowed) {
      const wait = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new ParleyError('rate_limited', `Too many wrong operator secrets; wait ${wait} s.`, {
        retryAfterSeconds: wait,
      });
    }
    throw new ParleyError('not_operator');
  }

  listRooms(order: 'activity' | 'reports', limit: number): Promise<OperatorRoom[]> {
    return this.#deps.store.listRoomsForOperators({ order, limit });
  }

  /** Takes a room down: closed to everyone (subscriptions end on every node), hidden from lists. */
  async closeRoom(
    operator: Operator,
    roomId: RoomId,
    reason: string | null | undefined,
  ): Promise<StoredRoom> {
    const room = await this.#room(roomId);
    const checked = checkReason(reason ?? null, false, this.#deps.maxCombiningMarks);
    await this.#deps.writer.appendEvent({
      roomId: room.id,
      actor: operator.actor,
      at: this.#now(),
      effect: { type: 'room.closed', reason: checked },
      audit: { details: { reason: checked, operator: operator.id } },
    });
    await this.#audit(operator, 'room.closed', { roomId: room.id, details: { reason: checked } });
    return this.#room(roomId);
  }

  async reopenRoom(operator: Operator, roomId: RoomId): Promise<StoredRoom> {
    const room = await this.#room(roomId);
    await this.#deps.writer.appendEvent({
      roomId: room.id,
      actor: operator.actor,
      at: this.#now(),
      effect: { type: 'room.reopened' },
      audit: { details: { operator: operator.id } },
    });
    await this.#audit(operator, 'room.reopened', { roomId: room.id });
    return this.#room(roomId);
  }

  /** Deletes any message of any room (a closed one too); its open reports close as `deleted`. */
  async deleteMessage(operator: Operator, roomId: RoomId, messageId: MessageId): Promise<void> {
    const room = await this.#room(roomId);
    await this.#deps.writer.appendEvent({
      roomId: room.id,
      actor: operator.actor,
      at: this.#now(),
      effect: { type: 'message.deleted', messageId },
      audit: { details: { operator: operator.id } },
    });
    await this.#deps.reports.resolve(room, messageId, operator.actor, 'deleted');
    await this.#audit(operator, 'message.deleted', { roomId: room.id, messageId });
  }

  reportQueue(limit: number): Promise<ReportQueueItem[]> {
    return this.#deps.store.listReportQueue(limit);
  }

  /** Dismisses every open report of a message (a hidden one is shown again); not_found when none is open. */
  async dismissReports(operator: Operator, roomId: RoomId, messageId: MessageId): Promise<number> {
    const room = await this.#room(roomId);
    const count = await this.#deps.reports.resolve(room, messageId, operator.actor, 'dismissed');
    if (count === 0) throw new ParleyError('not_found', 'No open report of that message.');
    await this.#audit(operator, 'reports.dismissed', { roomId: room.id, messageId, details: { count } });
    return count;
  }

  /**
   * Bans an identity from the whole server, and (by default) the addresses it was seen from: it can
   * neither sign in, connect nor call the API, and a fresh identity from those addresses cannot either.
   * Its connections end on every node.
   */
  async ban(operator: Operator, request: ServerBanRequest): Promise<ServerBan[]> {
    const deps = this.#deps;
    const user = await deps.store.findUser(request.userId as UserId);
    if (user === undefined) throw new ParleyError('invalid_request', 'No such user.');
    const reason = checkReason(request.reason ?? null, false, deps.maxCombiningMarks);
    const now = this.#now();
    const until = request.seconds == null ? null : new Date(now.getTime() + request.seconds * 1000);
    const addresses = request.addresses === false ? [] : await deps.addressBans.recentHashes(user.id);
    const common = { user, until, reason, byOperator: operator.id, createdAt: now };
    const bans: ServerBan[] = [
      { kind: 'user', subject: user.id, ...common },
      ...addresses.map((hash): ServerBan => ({ kind: 'address', subject: hash, ...common })),
    ];
    await deps.store.addServerBans(bans);
    await this.#audit(operator, 'server.banned', {
      targetId: user.id,
      details: { addresses: addresses.length, until: until?.toISOString() ?? null, reason },
    });
    await this.#announce('bans', [user.id]);
    return bans;
  }

  async liftBan(operator: Operator, userId: string): Promise<number> {
    const lifted = await this.#deps.store.liftServerBans(userId as UserId);
    if (lifted === 0) throw new ParleyError('not_banned', 'That identity is not banned from the server.');
    await this.#audit(operator, 'server.unbanned', { targetId: userId, details: { lifted } });
    await this.#announce('bans', []);
    return lifted;
  }

  listBans(): Promise<ServerBan[]> {
    return this.#deps.store.listServerBans(this.#now());
  }

  /** Replaces the given settings (sizes checked against the configured limits); every node reloads. */
  async updateSettings(
    operator: Operator,
    update: {
      readonly reservedNames?: readonly string[] | undefined;
      readonly wordFilter?: WordFilter | null | undefined;
    },
  ): Promise<ServerSettings> {
    const deps = this.#deps;
    const now = this.#now();
    const details: Record<string, unknown> = {};
    if (update.reservedNames !== undefined) {
      const names = checkWordList(
        update.reservedNames,
        { maxWords: deps.config.reservedNamesMax, maxWordChars: MAX_NAME_CHARS },
        'reserved name list',
      );
      await deps.store.saveServerSetting(SETTING_KEYS.reservedNames, JSON.stringify(names), now);
      details.reservedNames = names.length;
    }
    if (update.wordFilter !== undefined) {
      const filter =
        update.wordFilter === null
          ? null
          : {
              mode: update.wordFilter.mode,
              words: checkWordList(update.wordFilter.words, {
                maxWords: deps.config.wordFilterMaxWords,
                maxWordChars: deps.config.wordFilterMaxWordChars,
              }),
            };
      await deps.store.saveServerSetting(SETTING_KEYS.wordFilter, JSON.stringify(filter), now);
      details.wordFilter = filter === null ? null : { mode: filter.mode, words: filter.words.length };
    }
    await this.#audit(operator, 'settings.updated', { details });
    await this.#announce('settings', []);
    return deps.policy.settings;
  }

  get settings(): ServerSettings {
    return this.#deps.policy.settings;
  }

  listAudit(limit: number): Promise<OperatorAuditRecord[]> {
    return this.#deps.store.listOperatorAudit(limit);
  }

  /** Reloads here at once (the answer reflects the change), then tells every node. */
  async #announce(change: 'settings' | 'bans', userIds: readonly UserId[]): Promise<void> {
    await this.#deps.policy.reload(change);
    await this.#deps.bus.publish({ kind: 'operator', change, userIds }).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error, change }, 'publishing an operator change failed');
    });
  }

  async #room(roomId: RoomId): Promise<StoredRoom> {
    const room = await this.#deps.store.findRoom(roomId);
    if (room === undefined) throw new ParleyError('room_not_found');
    return room;
  }

  async #audit(
    operator: Operator,
    action: string,
    on: {
      readonly roomId?: string;
      readonly messageId?: string;
      readonly targetId?: string;
      readonly details?: Readonly<Record<string, unknown>>;
    },
  ): Promise<void> {
    await this.#deps.store.addOperatorAudit({
      id: randomUUID(),
      operatorId: operator.id,
      action,
      roomId: on.roomId,
      messageId: on.messageId,
      targetId: on.targetId,
      details: on.details ?? {},
      createdAt: this.#now(),
    });
  }

  #now(): Date {
    return new Date(this.#deps.clock.now());
  }
}
