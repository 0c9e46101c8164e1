// Tokens after they are issued: who a bearer token speaks for (TokenService's signature, claim and
// clock-skew checks, then the user's revocation stamp), how often a user may refresh, and "sign out
// everywhere". Owns the per-node cache of revocation stamps, kept in step across nodes over the bus.
// Knows nothing of HTTP or STOMP: callers close the connections of users whose tokens were revoked.

import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Bus, RateLimiter, RateRule } from '../cluster/bus.js';
import { ChannelFollower } from '../cluster/channel-follower.js';
import { REVOCATIONS_CHANNEL } from '../cluster/messages.js';
import { ParleyError } from '../errors.js';
import { addressKey } from '../net/client-address.js';
import type { Store } from '../store/store.js';
import type { User, UserId } from './model.js';
import { takeOrRefuse } from './rate-limit.js';
import type { TokenService, VerifiedToken } from './tokens.js';

/** Stamps remembered per node; beyond it the oldest entries are dropped (and read again when needed). */
const MAX_CACHED_STAMPS = 10_000;

export interface SessionLimits {
  readonly refreshesPerUserPerHour: number;
  readonly refreshesPerIpPerMinute: number;
  /**
   * How long a node trusts its copy of a user's stamp. Revocations reach other nodes over the bus at
   * once; this bounds how long a lost bus message can leave a revoked token working elsewhere.
   */
  readonly revocationCacheMs: number;
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

export class Sessions {
  readonly #deps: SessionsDependencies;
  readonly #userRule: RateRule;
  readonly #ipRule: RateRule;
  readonly #stamps = new Map<UserId, { readonly validAfterMs: number; readonly readAtMs: number }>();
  readonly #listeners = new Set<RevocationListener>();
  /** The cache is used only while revocations from other nodes are being received. */
  readonly #revocations: ChannelFollower<'revocation'>;

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
    // Revocations published while the bus was away are lost: forget every copy.
    this.#revocations = new ChannelFollower(
      deps.bus,
      REVOCATIONS_CHANNEL,
      (message) => this.#revoked(message.userId, message.validAfterMs),
      () => this.#stamps.clear(),
    );
  }

  async start(): Promise<void> {
    await this.#revocations.start();
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#revocations.close();
  }

  onRevoked(listener: RevocationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The user a bearer token speaks for, or `unauthorized` (missing, forged, expired, future, revoked). */
  async authenticate(token: string | undefined): Promise<VerifiedToken> {
    if (token === undefined || token === '') throw new ParleyError('unauthorized', 'A token is required.');
    const verified = await this.#deps.tokens.verifyClaims(token);
    if (verified.issuedAtMs < (await this.validAfterMs(verified.user.id))) {
      throw new ParleyError('unauthorized', 'The token was revoked (signed out everywhere).');
    }
    return verified;
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
    const now = this.#deps.clock.now();
    const cached = this.#stamps.get(userId);
    if (
      this.#revocations.live &&
      cached !== undefined &&
      now - cached.readAtMs < this.#deps.limits.revocationCacheMs
    ) {
      return cached.validAfterMs;
    }
    const stored = (await this.#deps.store.findTokensValidAfter(userId))?.getTime() ?? 0;
    // A revocation may have arrived over the bus while the store was read: keep the later stamp.
    const validAfterMs = Math.max(stored, this.#stamps.get(userId)?.validAfterMs ?? 0);
    if (this.#revocations.live) this.#remember(userId, validAfterMs, now);
    return validAfterMs;
  }

  #remember(userId: UserId, validAfterMs: number, readAtMs: number): void {
    this.#stamps.delete(userId);
    this.#stamps.set(userId, { validAfterMs, readAtMs });
    if (this.#stamps.size > MAX_CACHED_STAMPS) {
      const oldest = this.#stamps.keys().next();
      if (oldest.done !== true) this.#stamps.delete(oldest.value);
    }
  }

  #revoked(userId: UserId, validAfterMs: number): void {
    const known = this.#stamps.get(userId)?.validAfterMs ?? 0;
    if (this.#revocations.live) this.#remember(userId, Math.max(known, validAfterMs), this.#deps.clock.now());
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
