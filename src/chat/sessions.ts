// Tokens after they are issued: who a bearer token speaks for (TokenService's signature, claim and
// clock-skew checks, then the user's revocation stamp and current name), how often a user may refresh,
// and "sign out everywhere". Owns the per-node cache of what each user is now (revocation stamp and
// nickname#tag, one store read on a miss), kept in step across nodes over the bus: a token issued
// before a rename speaks with the new name. Knows nothing of HTTP or STOMP: callers close the
// connections of users whose tokens were revoked or whose name changed.

import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Bus, RateLimiter, RateRule } from '../cluster/bus.js';
import { ChannelFollower } from '../cluster/channel-follower.js';
import { IDENTITIES_CHANNEL, REVOCATIONS_CHANNEL } from '../cluster/messages.js';
import { ParleyError } from '../errors.js';
import { addressKey } from '../net/client-address.js';
import type { Store } from '../store/store.js';
import type { User, UserId } from './model.js';
import { takeOrRefuse } from './rate-limit.js';
import type { TokenService, VerifiedToken } from './tokens.js';

/** Users remembered per node; beyond it the oldest entries are dropped (and read again when needed). */
const MAX_CACHED_USERS = 10_000;

export interface SessionLimits {
  readonly refreshesPerUserPerHour: number;
  readonly refreshesPerIpPerMinute: number;
  /**
   * How long a node trusts its copy of a user's stamp and name. Revocations and renames reach other
   * nodes over the bus at once; this bounds how long a lost bus message can leave a revoked token
   * working, or a stale name speaking, elsewhere.
   */
  readonly revocationCacheMs: number;
}

/** A verified token and what the store says of its user now. */
export interface AuthenticatedToken extends VerifiedToken {
  /** Whether the store has a row for the user (otherwise the caller records them). */
  readonly recorded: boolean;
}

/** What a node keeps of a user: the revocation stamp and the current name (absent: never recorded). */
interface KnownUser {
  readonly validAfterMs: number;
  readonly name: { readonly nickname: string; readonly tag: string } | undefined;
  readonly readAtMs: number;
}

export interface SessionsDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly rateLimiter: RateLimiter;
  readonly tokens: TokenService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: SessionLimits;
}

/** Told on every node when a user's tokens issued before `validAfterMs` stop working. */
export type RevocationListener = (userId: UserId, validAfterMs: number) => void;

/** Told on every node when a user now goes by another nickname or tag. */
export type RenameListener = (user: User) => void;

export class Sessions {
  readonly #deps: SessionsDependencies;
  readonly #userRule: RateRule;
  readonly #ipRule: RateRule;
  readonly #known = new Map<UserId, KnownUser>();
  readonly #listeners = new Set<RevocationListener>();
  readonly #renameListeners = new Set<RenameListener>();
  /** The cache is used only while revocations and renames from other nodes are being received. */
  readonly #revocations: ChannelFollower<'revocation'>;
  readonly #renames: ChannelFollower<'identity'>;
  /** Counts renames heard: a store read that a rename overtook must not be cached (it may be stale). */
  #renamesHeard = 0;

  constructor(deps: SessionsDependencies) {
    this.#deps = deps;
    const { limits } = deps;
    this.#userRule = {
      capacity: limits.refreshesPerUserPerHour,
      refillPerSecond: limits.refreshesPerUserPerHour / 3600,
    };
    this.#ipRule = {
      capacity: limits.refreshesPerIpPerMinute,
      refillPerSecond: limits.refreshesPerIpPerMinute / 60,
    };
    // Revocations and renames published while the bus was away are lost: forget every copy.
    this.#revocations = new ChannelFollower(
      deps.bus,
      REVOCATIONS_CHANNEL,
      (message) => this.#revoked(message.userId, message.validAfterMs),
      () => this.#known.clear(),
    );
    this.#renames = new ChannelFollower(
      deps.bus,
      IDENTITIES_CHANNEL,
      (message) => this.#renamed({ id: message.userId, nickname: message.nickname, tag: message.tag }),
      () => this.#known.clear(),
    );
  }

  async start(): Promise<void> {
    await this.#revocations.start();
    await this.#renames.start();
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#renameListeners.clear();
    await this.#revocations.close();
    await this.#renames.close();
  }

  onRevoked(listener: RevocationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onRenamed(listener: RenameListener): () => void {
    this.#renameListeners.add(listener);
    return () => this.#renameListeners.delete(listener);
  }

  /**
   * The user a bearer token speaks for, with the name the user goes by now, or `unauthorized`
   * (missing, forged, expired, future, revoked). For a refresh, a token expired less than the refresh
   * grace ago still counts.
   */
  async authenticate(
    token: string | undefined,
    purpose: 'use' | 'refresh' = 'use',
  ): Promise<AuthenticatedToken> {
    if (token === undefined || token === '') throw new ParleyError('unauthorized', 'A token is required.');
    const verified = await this.#deps.tokens.verifyClaims(token, purpose);
    const known = await this.#knownUser(verified.user.id);
    if (verified.issuedAtMs < known.validAfterMs) {
      throw new ParleyError('unauthorized', 'The token was revoked (signed out everywhere).');
    }
    const user = known.name === undefined ? verified.user : { id: verified.user.id, ...known.name };
    return { user, issuedAtMs: verified.issuedAtMs, recorded: known.name !== undefined };
  }

  /**
   * The user now goes by `user.nickname#user.tag` (already stored): every node forgets the old name
   * and tells its rename listeners (which close the user's connections, opened under the old name).
   */
  async renamed(user: User): Promise<void> {
    this.#renamed(user);
    await this.#deps.bus
      .publish({ kind: 'identity', userId: user.id, nickname: user.nickname, tag: user.tag })
      .catch((error: unknown) => {
        // The store holds the name: other nodes see it once their copy is older than the cache time.
        this.#deps.logger.warn({ err: error, userId: user.id }, 'publishing a rename failed');
      });
  }

  /**
   * A new token for an identity is rationed per user and per address: a stolen token must not mint an
   * endless supply, nor one address churn through identities' refreshes.
   */
  async admitRefresh(user: User, remoteAddress: string): Promise<void> {
    await this.#take(`refresh:${user.id}`, this.#userRule);
    await this.#take(`refresh-ip:${addressKey(remoteAddress)}`, this.#ipRule);
  }

  /**
   * Every token of the user issued until now stops working, on every node; the caller then issues the
   * fresh one (its `iatMs` is not before the stamp). Rationed like refreshes, per address in the same
   * budget, per user in a budget of its own (refreshes never starve it).
   */
  async revokeAll(user: User, remoteAddress: string): Promise<void> {
    // Its own per-user budget: a thief refreshing a stolen token must not use up the owner's way out.
    await this.#take(`revoke:${user.id}`, this.#userRule);
    await this.#take(`refresh-ip:${addressKey(remoteAddress)}`, this.#ipRule);
    const stamp = await this.#deps.store.revokeTokens(user.id, new Date(this.#deps.clock.now()));
    const validAfterMs = stamp.getTime();
    this.#revoked(user.id, validAfterMs);
    await this.#deps.bus
      .publish({ kind: 'revocation', userId: user.id, validAfterMs })
      .catch((error: unknown) => {
        // The store holds the stamp: other nodes see it once their copy is older than the cache time.
        this.#deps.logger.warn({ err: error, userId: user.id }, 'publishing a revocation failed');
      });
  }

  /** Tokens (and room grants) of the user issued before this instant (ms) are revoked; 0: none. */
  async validAfterMs(userId: UserId): Promise<number> {
    return (await this.#knownUser(userId)).validAfterMs;
  }

  get #cacheLive(): boolean {
    return this.#revocations.live && this.#renames.live;
  }

  /** The cached copy while fresh, else one store read (the stamp and the name together). */
  async #knownUser(userId: UserId): Promise<KnownUser> {
    const now = this.#deps.clock.now();
    const cached = this.#known.get(userId);
    if (
      this.#cacheLive &&
      cached !== undefined &&
      now - cached.readAtMs < this.#deps.limits.revocationCacheMs
    ) {
      return cached;
    }
    const renamesBefore = this.#renamesHeard;
    const state = await this.#deps.store.findUserState(userId);
    // A revocation may have arrived over the bus while the store was read: keep the later stamp.
    const validAfterMs = Math.max(
      state.validAfter?.getTime() ?? 0,
      this.#known.get(userId)?.validAfterMs ?? 0,
    );
    const name =
      state.user === undefined ? undefined : { nickname: state.user.nickname, tag: state.user.tag };
    const known: KnownUser = { validAfterMs, name, readAtMs: now };
    if (this.#cacheLive && renamesBefore === this.#renamesHeard) this.#remember(userId, known);
    return known;
  }

  #remember(userId: UserId, known: KnownUser): void {
    this.#known.delete(userId);
    this.#known.set(userId, known);
    if (this.#known.size > MAX_CACHED_USERS) {
      const oldest = this.#known.keys().next();
      if (oldest.done !== true) this.#known.delete(oldest.value);
    }
  }

  #renamed(user: User): void {
    // Forgotten rather than updated: a late message must not put back an older name; the next
    // authentication reads the store.
    this.#renamesHeard += 1;
    this.#known.delete(user.id);
    for (const listener of this.#renameListeners) {
      try {
        listener(user);
      } catch (error) {
        this.#deps.logger.error({ err: error, userId: user.id }, 'a rename listener failed');
      }
    }
  }

  #revoked(userId: UserId, validAfterMs: number): void {
    const cached = this.#known.get(userId);
    if (this.#cacheLive && cached !== undefined) {
      this.#remember(userId, { ...cached, validAfterMs: Math.max(cached.validAfterMs, validAfterMs) });
    } else if (this.#cacheLive) {
      // Kept as already stale: the next authentication reads the store, and keeps this stamp should
      // that read have started before the revocation was written.
      this.#remember(userId, { validAfterMs, name: undefined, readAtMs: Number.NEGATIVE_INFINITY });
    }
    for (const listener of this.#listeners) {
      try {
        listener(userId, validAfterMs);
      } catch (error) {
        this.#deps.logger.error({ err: error, userId }, 'a revocation listener failed');
      }
    }
  }

  #take(key: string, rule: RateRule): Promise<void> {
    return takeOrRefuse(this.#deps.rateLimiter, key, rule, 'token refreshes');
  }
}
