// Who is speaking: anonymous identities (a user id for good; a nickname and a tag unique among live
// holders of look-alike nicknames, changed by renaming), their bearer tokens (issued by TokenService,
// checked and revoked by Sessions, renewed while in use), the codes that bring an identity to another
// browser (recovery codes, device links) and who a connection or a request speaks for. Every adapter
// authenticates here. Knows nothing of HTTP headers or STOMP frames.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { RateLimiter, RateRule } from '../cluster/bus.js';
import { ParleyError } from '../errors.js';
import { addressKey } from '../net/client-address.js';
import type { StaffRoom, Store, TagClaim } from '../store/store.js';
import { type CodeHasher, type CodeKind, newCode, normalizeCode } from './identity-codes.js';
import type { User, UserId } from './model.js';
import { nameKey } from './name-scripts.js';
import { parseNickname } from './nickname.js';
import { takeOrRefuse } from './rate-limit.js';
import type { RenameListener, RevocationListener, Sessions } from './sessions.js';
import type { IssuedToken, TokenService } from './tokens.js';

/** Tags are four digits: each look-alike nickname has 10,000 ("0000"–"9999"). */
export const TAGS_PER_NICKNAME = 10_000;
/** Rooms named in an identity's description (what starting over would give up). */
export const STAFF_ROOMS_SHOWN = 100;

export interface IdentityLimits {
  readonly sessionsPerIpPerMinute: number;
  readonly maxCombiningMarks: number;
  /** Renames per identity per day (a rename is a new face for the same person; rationed). */
  readonly renamesPerUserPerDay: number;
  /** Recovery and link codes made per identity per hour. */
  readonly codesPerUserPerHour: number;
  /** Recovery and link codes tried per address per hour (right or wrong): guessing is rationed. */
  readonly codeAttemptsPerIpPerHour: number;
  /** LINK_CODE_ATTEMPTS_PER_MINUTE: link codes tried on the whole service. */
  readonly linkCodeAttemptsPerMinute: number;
  /** How long a device link code lives. */
  readonly linkCodeTtlSeconds: number;
  /** How long an unused identity can still be recovered with its recovery code. */
  readonly recoveryWindowSeconds: number;
}

export interface IdentityDependencies {
  readonly store: Store;
  readonly rateLimiter: RateLimiter;
  readonly tokens: TokenService;
  readonly sessions: Sessions;
  readonly codes: CodeHasher;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: IdentityLimits;
  /**
   * Told where each identity is seen from (session creation, refresh, sign-out everywhere, recovery,
   * device links, CONNECT, authenticated requests): room and server-wide address bans copy and count
   * these sightings (src/chat/address-bans.ts). Awaited, so a ban laid right after an answer covers the
   * address it came from; it resolves at once unless a write is due, and never rejects.
   */
  readonly sightings?: { seen(userId: UserId, address: string): Promise<void> };
}

/** A code shown once: the caller hands it to the person and forgets it. */
export interface IssuedCode {
  readonly code: string;
  readonly createdAt: string;
  /** Link codes only: when it stops working. */
  readonly expiresAt?: string;
}

export interface IdentityDescription {
  readonly user: User;
  /** When the current recovery code was made; null: none yet. */
  readonly recoveryCodeCreatedAt: string | null;
  /** Rooms the identity owns or moderates: what starting over as someone new gives up. */
  readonly rooms: readonly StaffRoom[];
}

const perHour = (n: number): RateRule => ({ capacity: n, refillPerSecond: n / 3600 });

export class Identity {
  readonly #deps: IdentityDependencies;
  readonly #sessionRule: RateRule;
  readonly #renameRule: RateRule;
  readonly #codeRule: RateRule;
  readonly #attemptRule: RateRule;
  readonly #linkAttemptRule: RateRule;
  /** When each connected principal's token was issued, so a revocation ends only the connections it revokes. */
  readonly #issuedAtMs = new WeakMap<User, number>();

  constructor(deps: IdentityDependencies) {
    this.#deps = deps;
    const { limits } = deps;
    this.#sessionRule = {
      capacity: limits.sessionsPerIpPerMinute,
      refillPerSecond: limits.sessionsPerIpPerMinute / 60,
    };
    this.#renameRule = {
      capacity: limits.renamesPerUserPerDay,
      refillPerSecond: limits.renamesPerUserPerDay / 86_400,
    };
    this.#codeRule = perHour(limits.codesPerUserPerHour);
    this.#attemptRule = perHour(limits.codeAttemptsPerIpPerHour);
    this.#linkAttemptRule = {
      capacity: limits.linkCodeAttemptsPerMinute,
      refillPerSecond: limits.linkCodeAttemptsPerMinute / 60,
    };
  }

  /** A new identity with a token; rationed per address; remembered so it can be mentioned. */
  async createSession(rawNickname: unknown, remoteAddress: string): Promise<IssuedToken> {
    const nickname = parseNickname(rawNickname, { maxCombiningMarks: this.#deps.limits.maxCombiningMarks });
    await takeOrRefuse(this.#deps.rateLimiter, `session:${addressKey(remoteAddress)}`, this.#sessionRule);
    // newUser's random tag is only a draft: the store reserves the real one, unique among live holders.
    const draft = this.#deps.tokens.newUser(nickname);
    const tag = await this.#deps.store.reserveTag(this.#tagClaim(draft));
    const issued = await this.#deps.tokens.issue({ ...draft, tag });
    await this.#remember(issued.user);
    await this.#seen(issued.user.id, remoteAddress);
    return issued;
  }

  /**
   * A fresh token for the same identity (sliding sessions): accepted up to the refresh grace past the
   * token's expiry, rationed per user and per address, and the identity's current name. `admit` may
   * refuse the identity (by throwing) before anything is counted or recorded.
   */
  async refreshSession(
    token: string | undefined,
    remoteAddress: string,
    admit?: (user: User) => void,
  ): Promise<IssuedToken> {
    const { user } = await this.#deps.sessions.authenticate(token, 'refresh');
    admit?.(user);
    await this.#deps.sessions.admitRefresh(user, remoteAddress);
    await this.#seen(user.id, remoteAddress);
    return this.#reissue(user);
  }

  /** Sign out everywhere: every token of the user issued until now stops working; a fresh one for this client. */
  async revokeAll(user: User, remoteAddress: string): Promise<IssuedToken> {
    await this.#deps.sessions.revokeAll(user, remoteAddress);
    await this.#seen(user.id, remoteAddress);
    return this.#reissue(user);
  }

  /**
   * The same identity (id, roles, sanctions) goes by a new nickname: a tag unique among live holders of
   * look-alike nicknames (kept when the nickname only changes case or width), every node told, the
   * user's open connections closed so they reconnect under the new name. Rationed per identity.
   */
  async rename(user: User, rawNickname: unknown): Promise<IssuedToken> {
    const nickname = parseNickname(rawNickname, { maxCombiningMarks: this.#deps.limits.maxCombiningMarks });
    // Rationed even when nothing changes: every answer is a fresh token, and this must not become a way
    // around the refresh limits.
    await takeOrRefuse(this.#deps.rateLimiter, `rename:${user.id}`, this.#renameRule, 'renames');
    if (nickname === user.nickname) return this.#deps.tokens.issue(user);
    const draft: User = { id: user.id, nickname, tag: user.tag };
    // The old pair stays held until it would have expired: nobody new can pose as the old name at once.
    const sameKey = nameKey(nickname) === nameKey(user.nickname);
    const tag =
      sameKey && (await this.#deps.store.renewTag({ ...this.#tagClaim(draft), tag: user.tag }))
        ? user.tag
        : await this.#deps.store.reserveTag(this.#tagClaim(draft));
    const renamed: User = { id: user.id, nickname, tag };
    await this.#deps.store.renameUser(renamed, this.#now());
    await this.#deps.sessions.renamed(renamed);
    return this.#deps.tokens.issue(renamed);
  }

  /** What the identity panel shows: the name, whether a recovery code exists, the rooms held. */
  async describe(user: User): Promise<IdentityDescription> {
    const [createdAt, rooms, validAfterMs] = await Promise.all([
      this.#deps.store.findRecoveryCodeCreatedAt(user.id),
      this.#deps.store.listStaffRooms(user.id, STAFF_ROOMS_SHOWN),
      this.#deps.sessions.validAfterMs(user.id),
    ]);
    // A code made before the last "sign out other devices" was retired by it (see recover).
    const live = createdAt !== undefined && createdAt.getTime() >= validAfterMs;
    return { user, recoveryCodeCreatedAt: live ? createdAt.toISOString() : null, rooms };
  }

  /** A new recovery code (shown once; the store keeps its keyed hash); the previous one stops working. */
  async createRecoveryCode(user: User): Promise<IssuedCode> {
    await takeOrRefuse(this.#deps.rateLimiter, `codes:${user.id}`, this.#codeRule, 'codes');
    const code = newCode('recovery');
    const now = this.#now();
    await this.#remember(user);
    await this.#deps.store.setRecoveryCode(user.id, this.#hash('recovery', code), now);
    return { code, createdAt: now.toISOString() };
  }

  /** A single-use device link code, live for minutes; making another replaces it. */
  async createLinkCode(user: User): Promise<IssuedCode> {
    await takeOrRefuse(this.#deps.rateLimiter, `codes:${user.id}`, this.#codeRule, 'codes');
    const code = newCode('link');
    const now = this.#now();
    const expiresAt = new Date(now.getTime() + this.#deps.limits.linkCodeTtlSeconds * 1000);
    await this.#remember(user);
    await this.#deps.store.createDeviceLink(user.id, this.#hash('link', code), expiresAt, now);
    return { code, createdAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
  }

  /** A token for the identity whose recovery code this is, if it has not lapsed unused. */
  async recover(rawCode: unknown, remoteAddress: string): Promise<IssuedToken> {
    const hash = await this.#attempt('recovery', rawCode, remoteAddress);
    const found = await this.#deps.store.findRecoveryCode(hash);
    if (found === undefined) throw invalidCode();
    // "Sign out other devices" retires codes made before it: a thief who held a token for a while
    // must not keep a way back in. The owner, still signed in, makes a new one.
    if (found.at.getTime() < (await this.#deps.sessions.validAfterMs(found.userId))) throw invalidCode();
    const seenAt = await this.#deps.store.findUserSeenAt(found.userId);
    const lapsed = this.#deps.clock.now() - this.#deps.limits.recoveryWindowSeconds * 1000;
    if (seenAt === undefined || seenAt.getTime() < lapsed) throw invalidCode();
    return this.#arrive(found.userId, remoteAddress);
  }

  /** A token for the identity that made this link code; the code is used up. */
  async redeemLink(rawCode: unknown, remoteAddress: string): Promise<IssuedToken> {
    const hash = await this.#attempt('link', rawCode, remoteAddress);
    const found = await this.#deps.store.redeemDeviceLink(hash, this.#now());
    if (found === undefined) throw invalidCode();
    // Made before the last "sign out other devices" (its expiry less its life): retired by it.
    const madeAtMs = found.at.getTime() - this.#deps.limits.linkCodeTtlSeconds * 1000;
    if (madeAtMs < (await this.#deps.sessions.validAfterMs(found.userId))) throw invalidCode();
    return this.#arrive(found.userId, remoteAddress);
  }

  /**
   * The user a bearer token speaks for (with the current name), or `unauthorized`; seen from
   * `remoteAddress` when given.
   */
  async authenticate(token: string | undefined, remoteAddress?: string): Promise<User> {
    const { user } = await this.#deps.sessions.authenticate(token);
    if (remoteAddress !== undefined) await this.#seen(user.id, remoteAddress);
    return user;
  }

  /**
   * A connection opens with this token: the user it speaks for (the current name, from the per-node
   * cache), remembered with the token's issue time (see issuedBefore); an identity the store has no
   * row for yet (issued before users were recorded) is recorded.
   */
  async connect(token: string | undefined, remoteAddress?: string): Promise<User> {
    const { user, issuedAtMs, recorded } = await this.#deps.sessions.authenticate(token);
    this.#issuedAtMs.set(user, issuedAtMs);
    if (remoteAddress !== undefined) await this.#seen(user.id, remoteAddress);
    if (!recorded) {
      void this.#remember(user).catch((error: unknown) => {
        this.#deps.logger.warn({ err: error }, 'remembering a user failed');
      });
    }
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

  /** Told on every node when a user was renamed (their connections speak with the old name). */
  onRenamed(listener: RenameListener): () => void {
    return this.#deps.sessions.onRenamed(listener);
  }

  /** Rations the attempt per address (right or wrong), then the code's hash, or `invalid_code`. */
  async #attempt(kind: CodeKind, rawCode: unknown, remoteAddress: string): Promise<string> {
    await takeOrRefuse(
      this.#deps.rateLimiter,
      `code-attempt:${addressKey(remoteAddress)}`,
      this.#attemptRule,
      'code attempts',
    );
    // Link codes are short (40 bits, minutes long): the whole service takes only so many guesses, so
    // an attacker spread over many networks gains nothing from their number. Recovery codes (140 bits)
    // need no such bound, and keep working while link guessing is throttled.
    if (kind === 'link') {
      await takeOrRefuse(
        this.#deps.rateLimiter,
        'link-attempts',
        this.#linkAttemptRule,
        'link code attempts',
      );
    }
    const normalized = typeof rawCode === 'string' ? normalizeCode(kind, rawCode) : undefined;
    if (normalized === undefined) throw invalidCode();
    return this.#deps.codes.hash(kind, normalized);
  }

  /**
   * A new browser takes the identity: its current name, a fresh token, the identity marked as used and
   * seen from the browser's address.
   */
  async #arrive(userId: UserId, remoteAddress: string): Promise<IssuedToken> {
    const { user } = await this.#deps.store.findUserState(userId);
    if (user === undefined) throw invalidCode();
    await this.#seen(user.id, remoteAddress);
    return this.#reissue(user);
  }

  async #reissue(user: User): Promise<IssuedToken> {
    const now = this.#now();
    // A renewed identity holds its tag for the new token's life (and its refresh grace). False only
    // when another live identity holds the pair (an identity older than reservations, or one unused
    // past its hold): then it gets a free tag of its nickname, as a rename would give it.
    const kept = await this.#deps.store.renewTag({ ...this.#tagClaim(user), tag: user.tag });
    let current = user;
    if (!kept) {
      const tag = await this.#deps.store.reserveTag(this.#tagClaim(user));
      current = { ...user, tag };
      await this.#deps.store.renameUser(current, now);
      await this.#deps.sessions.renamed(current);
    } else {
      await this.#deps.store.touchUser(user.id, now);
    }
    return this.#deps.tokens.issue(current);
  }

  #hash(kind: CodeKind, code: string): string {
    const normalized = normalizeCode(kind, code);
    if (normalized === undefined) throw new Error('a fresh code did not normalise');
    return this.#deps.codes.hash(kind, normalized);
  }

  #now(): Date {
    return new Date(this.#deps.clock.now());
  }

  #seen(userId: UserId, remoteAddress: string): Promise<void> {
    return this.#deps.sightings?.seen(userId, remoteAddress) ?? Promise.resolve();
  }

  #remember(user: User): Promise<void> {
    return this.#deps.store.rememberUser(user, this.#now());
  }

  #tagClaim(user: User): TagClaim {
    const now = this.#deps.clock.now();
    const { tokens } = this.#deps;
    return {
      userId: user.id,
      nameKey: nameKey(user.nickname),
      // Held as long as a token of the identity can still be refreshed.
      expiresAt: new Date(now + (tokens.ttlSeconds + tokens.refreshGraceSeconds) * 1000),
      now: new Date(now),
      tagSpace: TAGS_PER_NICKNAME,
    };
  }
}

function invalidCode(): ParleyError {
  return new ParleyError('invalid_code');
}
