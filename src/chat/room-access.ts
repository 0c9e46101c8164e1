// Who may enter a password room, and the proof they did: room grants (short-lived signed tokens naming
// user, room and the password they were issued under) and the slowing of password guesses per user,
// per address and per room through the shared RateLimiter, so the limits hold across nodes. Knows no
// roles, bans or transport: Permissions decide when to ask, this decides whether the answer holds.

import { createHash, createHmac, webcrypto } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../clock.js';
import type { BackoffRule, RateDecision, RateLimiter } from '../cluster/bus.js';
import { ParleyError } from '../errors.js';
import { addressKey } from '../net/client-address.js';
import type { Room, RoomId, User, UserId } from './model.js';
import type { PasswordHasher } from './password-hasher.js';

const GRANT_ISSUER = 'parley';
// Never the identity tokens' audience: a grant is not an identity, and an identity is not a grant.
const GRANT_AUDIENCE = 'parley-room';
const ALGORITHM = 'HS256';

export interface PasswordLimits {
  readonly freeAttemptsPerUser: number;
  readonly freeAttemptsPerIp: number;
  readonly freeAttemptsPerRoom: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly resetAfterMs: number;
}

export interface RoomAccessOptions {
  /** The deployment's token secret; grants are signed with a key derived from it. */
  readonly secret: Uint8Array;
  readonly clock: Clock;
  readonly rateLimiter: RateLimiter;
  readonly hasher: PasswordHasher;
  readonly grantTtlSeconds: number;
  readonly limits: PasswordLimits;
  /**
   * When the user's identity tokens issued before it were revoked (sign out everywhere), in ms; their
   * grants issued before it are refused too, so a thief's grant ends with the thief's token.
   */
  readonly tokensValidAfterMs?: (userId: UserId) => Promise<number>;
}

export interface IssuedGrant {
  readonly grant: string;
  readonly expiresAt: string;
}

/** Names the password a grant was issued under, so a new password ends the grants of the old one. */
function passwordStamp(hash: string | null): string {
  return hash === null ? 'open' : createHash('sha256').update(hash).digest('base64url').slice(0, 16);
}

export class RoomAccess {
  readonly #options: RoomAccessOptions;
  readonly #key: Promise<webcrypto.CryptoKey>;
  readonly #userRule: BackoffRule;
  readonly #ipRule: BackoffRule;
  readonly #roomRule: BackoffRule;

  constructor(options: RoomAccessOptions) {
    this.#options = options;
    // Domain separation: the grant key is not the identity key, so neither token can pass as the other.
    const derived = createHmac('sha256', options.secret).update('parley room grant v1').digest();
    this.#key = webcrypto.subtle.importKey('raw', derived, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    this.#key.catch(() => undefined);
    const { limits } = options;
    const rule = (freeAttempts: number): BackoffRule => ({
      freeAttempts,
      baseDelayMs: limits.backoffBaseMs,
      maxDelayMs: limits.backoffMaxMs,
      resetAfterMs: limits.resetAfterMs,
    });
    this.#userRule = rule(limits.freeAttemptsPerUser);
    this.#ipRule = rule(limits.freeAttemptsPerIp);
    this.#roomRule = rule(limits.freeAttemptsPerRoom);
  }

  /**
   * Checks a password guess against the room's hash. Each guess first counts against the user, then
   * the address, then the room (a guess refused early does not count further on, so an attacker's
   * refused guesses do not lock the room for others); any running delay refuses it with
   * too_many_attempts and retry-after. The right password forgives the user and the address, and takes
   * back its own count on the room (whose delays are the defence against many identities on many
   * addresses: only wrong guesses add up there).
   */
  async checkPassword(
    user: User,
    address: string,
    roomId: RoomId,
    given: string | undefined,
    hash: string,
  ): Promise<void> {
    if (given === undefined || given === '' || given.length > 1024) throw new ParleyError('wrong_password');
    const userKey = `pw:user:${user.id}`;
    const ipKey = `pw:ip:${addressKey(address)}`;
    const roomKey = `pw:room:${roomId}`;
    refuseDelayed(await this.#options.rateLimiter.attempt(userKey, this.#userRule));
    refuseDelayed(await this.#options.rateLimiter.attempt(ipKey, this.#ipRule));
    refuseDelayed(await this.#options.rateLimiter.attempt(roomKey, this.#roomRule));
    const { rateLimiter } = this.#options;
    const right = await this.#options.hasher.verify(given, hash).catch(async (error: unknown) => {
      // Not checked at all (server_busy): it was no guess, so it counts nowhere.
      await Promise.all([
        rateLimiter.refund(userKey, this.#userRule),
        rateLimiter.refund(ipKey, this.#ipRule),
        rateLimiter.refund(roomKey, this.#roomRule),
      ]);
      throw error;
    });
    if (!right) throw new ParleyError('wrong_password');
    await Promise.all([
      rateLimiter.forgive(userKey),
      rateLimiter.forgive(ipKey),
      // A right password was no guess: members joining a busy room never pile up its count.
      rateLimiter.refund(roomKey, this.#roomRule),
    ]);
  }

  /**
   * `byRole`: issued to staff of a password room without the password; such a grant admits its holder
   * only while they are still staff (a dismissed moderator must not keep the room for the grant's TTL).
   */
  async issueGrant(
    userId: UserId,
    roomId: RoomId,
    passwordHash: string | null,
    byRole = false,
  ): Promise<IssuedGrant> {
    const nowSeconds = Math.floor(this.#options.clock.now() / 1000);
    const exp = nowSeconds + this.#options.grantTtlSeconds;
    const claims = {
      room: roomId,
      pw: passwordStamp(passwordHash),
      // Milliseconds, like identity tokens' iatMs: a grant issued just after a revocation stays good.
      iatMs: this.#options.clock.now(),
      ...(byRole ? { staff: true } : {}),
    };
    const grant = await new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(GRANT_ISSUER)
      .setAudience(GRANT_AUDIENCE)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(exp)
      .sign(await this.#key);
    return { grant, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /**
   * The user a grant admits to this room under its current password, or undefined when it is forged,
   * expired, for another room, or from before the password changed; a grant issued to staff without the
   * password, once its holder is no longer staff (`isStaff` says who is now).
   */
  async grantHolder(
    grant: string,
    roomId: RoomId,
    passwordHash: string | null,
    isStaff: (userId: UserId) => boolean = () => false,
  ): Promise<UserId | undefined> {
    if (grant.length > 2048) return undefined;
    try {
      const { payload } = await jwtVerify(grant, await this.#key, {
        algorithms: [ALGORITHM],
        issuer: GRANT_ISSUER,
        audience: GRANT_AUDIENCE,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.#options.clock.now()),
      });
      if (payload.room !== roomId || payload.pw !== passwordStamp(passwordHash)) return undefined;
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) return undefined;
      const holder = payload.sub as UserId;
      if (payload.staff !== undefined && !(payload.staff === true && isStaff(holder))) return undefined;
      const { tokensValidAfterMs } = this.#options;
      if (tokensValidAfterMs !== undefined) {
        const issuedAtMs =
          typeof payload.iatMs === 'number'
            ? payload.iatMs
            : typeof payload.iat === 'number'
              ? payload.iat * 1000
              : 0;
        if (issuedAtMs < (await tokensValidAfterMs(holder))) return undefined;
      }
      return holder;
    } catch {
      return undefined;
    }
  }
}

function refuseDelayed(decision: RateDecision): void {
  if (decision.allowed) return;
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  throw new ParleyError('too_many_attempts', `Too many password attempts; retry in ${seconds} s.`, {
    retryAfterSeconds: seconds,
  });
}

/**
 * A password room as shown to those without its grant (the room list, GET /api/rooms/:id): that it
 * exists and is protected, its name, owner and settings; nothing said or done inside it (no topic, no
 * moderators, no activity time, nobody online, no notice, no pins).
 */
export function outlineRoom(room: Room): Room {
  if (!room.hasPassword) return room;
  return { ...room, topic: null, moderators: [], lastMessageAt: null, online: 0, notice: null, pins: [] };
}
