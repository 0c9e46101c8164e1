// Who is speaking: anonymous identities (a nickname and a tag reserved for the token's life), their
// bearer tokens (issued by TokenService, checked and revoked by Sessions) and who a connection or a
// request speaks for. Every adapter authenticates here; the identities it hands in are remembered so
// mentions and moderation can name them. Knows nothing of HTTP headers or STOMP frames.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { RateLimiter, RateRule } from '../cluster/bus.js';
import { addressKey } from '../net/client-address.js';
import type { Store, TagClaim } from '../store/store.js';
import type { User } from './model.js';
import { nameKey } from './name-scripts.js';
import { parseNickname } from './nickname.js';
import { takeOrRefuse } from './rate-limit.js';
import type { RevocationListener, Sessions } from './sessions.js';
import type { IssuedToken, TokenService } from './tokens.js';

/** Tags are four digits: each look-alike nickname has 10,000 ("0000"–"9999"). */
export const TAGS_PER_NICKNAME = 10_000;

export interface IdentityDependencies {
  readonly store: Store;
  readonly rateLimiter: RateLimiter;
  readonly tokens: TokenService;
  readonly sessions: Sessions;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sessionsPerIpPerMinute: number;
  readonly maxCombiningMarks: number;
  /**
   * Told where each identity is seen from (session creation, refresh, CONNECT, authenticated requests):
   * address bans copy and count these sightings (src/chat/address-bans.ts).
   */
  readonly sightings?: { seen(userId: User['id'], address: string): void };
}

export class Identity {
  readonly #deps: IdentityDependencies;
  readonly #sessionRule: RateRule;
  /** When each connected principal's token was issued, so a revocation ends only the connections it revokes. */
  readonly #issuedAtMs = new WeakMap<User, number>();

  constructor(deps: IdentityDependencies) {
    this.#deps = deps;
    this.#sessionRule = {
      capacity: deps.sessionsPerIpPerMinute,
      refillPerSecond: deps.sessionsPerIpPerMinute / 60,
    };
  }

  /** A new identity with a token; rationed per address; remembered so it can be mentioned. */
  async createSession(rawNickname: unknown, remoteAddress: string): Promise<IssuedToken> {
    const nickname = parseNickname(rawNickname, { maxCombiningMarks: this.#deps.maxCombiningMarks });
    await takeOrRefuse(this.#deps.rateLimiter, `session:${addressKey(remoteAddress)}`, this.#sessionRule);
    // newUser's random tag is only a draft: the store reserves the real one, unique among live holders.
    const draft = this.#deps.tokens.newUser(nickname);
    const tag = await this.#deps.store.reserveTag(this.#tagClaim(draft));
    const issued = await this.#deps.tokens.issue({ ...draft, tag });
    await this.#remember(issued.user);
    this.#deps.sightings?.seen(issued.user.id, remoteAddress);
    return issued;
  }

  /** A fresh token for the same identity, rationed per user and per address. */
  async refreshSession(user: User, remoteAddress: string): Promise<IssuedToken> {
    await this.#deps.sessions.admitRefresh(user, remoteAddress);
    this.#deps.sightings?.seen(user.id, remoteAddress);
    return this.#reissue(user);
  }

  /** Sign out everywhere: every token of the user issued until now stops working; a fresh one for this client. */
  async revokeAll(user: User, remoteAddress: string): Promise<IssuedToken> {
    await this.#deps.sessions.revokeAll(user, remoteAddress);
    this.#deps.sightings?.seen(user.id, remoteAddress);
    return this.#reissue(user);
  }

  /** The user a bearer token speaks for, or `unauthorized`; seen from `remoteAddress` when given. */
  async authenticate(token: string | undefined, remoteAddress?: string): Promise<User> {
    const { user } = await this.#deps.sessions.authenticate(token);
    if (remoteAddress !== undefined) this.#deps.sightings?.seen(user.id, remoteAddress);
    return user;
  }

  /**
   * A connection opens with this token: the user it speaks for, remembered with the token's issue time
   * (see issuedBefore) and as an identity (those issued before users were recorded become mentionable).
   */
  async connect(token: string | undefined, remoteAddress?: string): Promise<User> {
    const { user, issuedAtMs } = await this.#deps.sessions.authenticate(token);
    this.#issuedAtMs.set(user, issuedAtMs);
    if (remoteAddress !== undefined) this.#deps.sightings?.seen(user.id, remoteAddress);
    void this.#remember(user).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error }, 'remembering a user failed');
    });
    return user;
  }

  /** Whether a connected principal's token was issued before `validAfterMs` (it is revoked). */
  issuedBefore(principal: User, validAfterMs: number): boolean {
    return (this.#issuedAtMs.get(principal) ?? 0) < validAfterMs;
  }

  /** Told on every node when a user's older tokens are revoked. */
  onRevoked(listener: RevocationListener): () => void {
    return this.#deps.sessions.onRevoked(listener);
  }

  async #reissue(user: User): Promise<IssuedToken> {
    // A refreshed identity keeps its tag for the new token's life. False only for an identity older
    // than tag reservations whose pair a newer identity holds: it keeps working, as it did before.
    await this.#deps.store.renewTag({ ...this.#tagClaim(user), tag: user.tag });
    return this.#deps.tokens.issue(user);
  }

  #remember(user: User): Promise<void> {
    return this.#deps.store.rememberUser(user, new Date(this.#deps.clock.now()));
  }

  #tagClaim(user: User): TagClaim {
    const now = this.#deps.clock.now();
    return {
      userId: user.id,
      nameKey: nameKey(user.nickname),
      expiresAt: new Date(now + this.#deps.tokens.ttlSeconds * 1000),
      now: new Date(now),
      tagSpace: TAGS_PER_NICKNAME,
    };
  }
}
