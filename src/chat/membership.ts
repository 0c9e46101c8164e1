// Who is in a room from this node: a connection joins with its first live subscription to the room
// (after the permissions admitted it) and leaves with its last; presence (join, leave, typing) is
// announced to the room. Talking needs joining: the room commands of a connection are taken only
// while it is in. Owns the per-connection join state; knows nothing of frames or passwords.
import type { Bus, PresenceRegistry, RateLimiter, RateRule } from '../cluster/bus.js';
import { ParleyError } from '../errors.js';
import type { PresenceEvent, RoomId, User } from './model.js';
import { takeOrRefuse } from './rate-limit.js';
import type { Rooms } from './rooms.js';

export interface MembershipDependencies {
  readonly bus: Bus;
  readonly presence: PresenceRegistry;
  readonly rateLimiter: RateLimiter;
  readonly rooms: Rooms;
  /** Told of every entry and exit once presence has it (the owner's last-seen time); must not throw. */
  readonly seen: (roomId: RoomId, user: User) => Promise<void>;
  /** Entries per user per room and minute: each one is announced to the room (ROOM_JOINS_PER_USER_PER_MINUTE). */
  readonly joinsPerMinute: number;
  /** TYPING_BURST and TYPING_RATE_PER_SECOND. */
  readonly typingRule: RateRule;
}

export class Membership {
  readonly #deps: MembershipDependencies;
  readonly #joinRule: RateRule;
  /**
   * Per connection and room: how many subscriptions are in, and the presence join they all wait for.
   * A second subscription shares the first's join, so a refusal (room_full) refuses both. `in` turns
   * true once the join succeeded: from then on the connection is a member and may talk in the room.
   */
  readonly #joined = new Map<string, { count: number; readonly entered: Promise<void>; in: boolean }>();

  constructor(deps: MembershipDependencies) {
    this.#deps = deps;
    this.#joinRule = { capacity: deps.joinsPerMinute, refillPerSecond: deps.joinsPerMinute / 60 };
  }

  /** `maxUsers`: the room's member cap for this user (none for staff); refused with room_full. */
  async join(roomId: RoomId, user: User, connectionId: string, maxUsers?: number): Promise<void> {
    const key = `${connectionId}/${roomId}`;
    let entry = this.#joined.get(key);
    if (entry === undefined) {
      const created = { count: 0, entered: this.#enter(roomId, user, connectionId, maxUsers), in: false };
      created.entered.then(
        () => {
          created.in = true;
        },
        () => undefined,
      );
      entry = created;
      this.#joined.set(key, entry);
    }
    entry.count += 1;
    try {
      await entry.entered;
    } catch (error) {
      // Not in the room after all: this subscription is refused, and no leave will come for it.
      entry.count -= 1;
      if (entry.count <= 0 && this.#joined.get(key) === entry) this.#joined.delete(key);
      throw error;
    }
  }

  async #enter(
    roomId: RoomId,
    user: User,
    connectionId: string,
    maxUsers: number | undefined,
  ): Promise<void> {
    // Each entry and exit is broadcast to the room: churning subscriptions must not flood its members.
    await takeOrRefuse(this.#deps.rateLimiter, `join:${user.id}:${roomId}`, this.#joinRule);
    const { firstForUser } = await this.#deps.presence.join(roomId, { user, connectionId }, { maxUsers });
    await this.#deps.seen(roomId, user);
    if (firstForUser) await this.#announce(roomId, { type: 'join', user });
  }

  /**
   * Talking needs joining: SEND, typing, edits, reactions… come only from a connection whose
   * subscription to the room's messages is live (which passed the password, ban and member cap).
   */
  async requireJoined(connectionId: string, roomId: string): Promise<void> {
    // Read now, synchronously: what counts is the subscriptions in place when the frame arrived.
    if (this.#joined.get(`${connectionId}/${roomId}`)?.in === true) return;
    const id = await this.#deps.rooms.requireRoom(roomId);
    throw new ParleyError('not_joined', `Subscribe to /topic/rooms.${id} before sending to the room.`);
  }

  isJoined(connectionId: string, roomId: RoomId): boolean {
    return this.#joined.get(`${connectionId}/${roomId}`)?.in === true;
  }

  async leave(roomId: RoomId, connectionId: string): Promise<void> {
    const key = `${connectionId}/${roomId}`;
    const entry = this.#joined.get(key);
    if (entry === undefined) return;
    if (entry.count > 1) {
      entry.count -= 1;
      return;
    }
    this.#joined.delete(key);
    // A join still in flight would otherwise land after this leave and stay.
    await entry.entered.catch(() => undefined);
    const { lastForUser, user } = await this.#deps.presence.leave(roomId, connectionId);
    if (user !== undefined) await this.#deps.seen(roomId, user);
    if (lastForUser && user !== undefined) await this.#announce(roomId, { type: 'leave', user });
  }

  /** "Is typing…": a hint, so extra ones are dropped quietly rather than reported as errors. */
  async typing(user: User, roomId: RoomId): Promise<void> {
    const decision = await this.#deps.rateLimiter.take(`typing:${user.id}`, this.#deps.typingRule);
    if (!decision.allowed) return;
    await this.#deps.rooms.requireRoom(roomId);
    await this.#announce(roomId, { type: 'typing', user });
  }

  /** Distinct users online in an existing room. */
  async members(roomId: string): Promise<User[]> {
    return this.#deps.presence.members(await this.#deps.rooms.requireRoom(roomId));
  }

  async #announce(roomId: RoomId, event: PresenceEvent): Promise<void> {
    await this.#deps.bus.publish({ kind: 'presence', roomId, event });
  }
}
