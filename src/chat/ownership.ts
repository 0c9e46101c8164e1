// Who owns a room and how that changes: the owner hands it to someone in the room, or a moderator
// claims the room of an owner away OWNER_ABSENCE_DAYS; and when the owner is seen (entering or leaving
// the room, acting in it as owner). Builds the `owner.changed` effect that Moderation stores as a room
// event; the rules themselves are pure (refuseTransfer, refuseClaim in permissions.ts). Knows nothing
// of frames, HTTP or SQL.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { PresenceRegistry } from '../cluster/bus.js';
import { ParleyError } from '../errors.js';
import type { RoomEventEffect, Store } from '../store/store.js';
import type { RoomId, StoredRoom, User, UserId } from './model.js';
import { ownerAwayFrom, type Permissions, type Role, refuseClaim, refuseTransfer } from './permissions.js';

const DAY_MS = 86_400_000;

export interface OwnershipDependencies {
  readonly store: Store;
  /** Who is in a room now (all nodes): ownership goes only to someone present, never while the owner is. */
  readonly presence: PresenceRegistry;
  readonly permissions: Permissions;
  readonly clock: Clock;
  readonly logger: Logger;
  /** OWNER_ABSENCE_DAYS: how long an owner may be away before a moderator may claim the room. */
  readonly ownerAbsenceDays: number;
}

/** Whether a room's owner is away long enough to be claimed, and from when (see refuseClaim). */
export interface OwnerStanding {
  readonly ownerId: UserId;
  /** In the room now (on any node). */
  readonly present: boolean;
  /** True: a moderator may claim the room now. */
  readonly absent: boolean;
  /** When a claim becomes possible if the owner stays away; null while they are in the room. */
  readonly claimableFrom: string | null;
}

/** An ownership change to store, with its audit details. */
export interface OwnerChange {
  readonly effect: Extract<RoomEventEffect, { type: 'owner.changed' }>;
  readonly details: Record<string, unknown>;
}

export class Ownership {
  readonly #deps: OwnershipDependencies;

  constructor(deps: OwnershipDependencies) {
    this.#deps = deps;
  }

  /** The owner (`role` on the current roles) hands `room` to `userId`, who must be in it now. */
  async transfer(actor: User, room: StoredRoom, role: Role, userId: string, now: Date): Promise<OwnerChange> {
    const target = await this.#user(userId);
    const [online, sanctions] = await Promise.all([
      this.#deps.presence.members(room.id),
      this.#deps.store.findSanctions(room.id, target.id, now),
    ]);
    refuseTransfer(role, actor.id, {
      id: target.id,
      present: online.some((u) => u.id === target.id),
      sanctions,
    });
    return { effect: { type: 'owner.changed', user: target, previous: actor }, details: { claimed: false } };
  }

  /**
   * A moderator takes the room of an absent owner. The absence is checked again in the event's
   * transaction (`absentBefore`), so of two claims at once only the first is stored.
   */
  async claim(actor: User, room: StoredRoom, role: Role, now: Date): Promise<OwnerChange> {
    const { present, seenAt } = await this.#ownerPresence(room);
    refuseClaim(role, { present, seenAt }, now, this.#deps.ownerAbsenceDays);
    // Rooms older than the users table name their creator only, who is then the owner.
    const previous =
      (await this.#deps.store.findUser(room.ownerId)) ??
      (room.createdBy.id === room.ownerId ? room.createdBy : await this.#user(room.ownerId));
    const absentBefore = new Date(now.getTime() - this.#deps.ownerAbsenceDays * DAY_MS);
    return {
      effect: { type: 'owner.changed', user: actor, previous, absentBefore },
      details: { claimed: true, ownerSeenAt: seenAt.toISOString() },
    };
  }

  /** `GET /api/rooms/:id/ownership`, for staff: whether the owner is away long enough to be claimed. */
  async standing(user: User, roomId: RoomId): Promise<OwnerStanding> {
    const { room } = await this.#deps.permissions.actingStaff(
      user,
      roomId,
      'Only the owner and moderators may see this.',
    );
    const { present, seenAt } = await this.#ownerPresence(room);
    const from = ownerAwayFrom(seenAt, this.#deps.ownerAbsenceDays);
    return {
      ownerId: room.ownerId,
      present,
      absent: !present && this.#deps.clock.now() >= from.getTime(),
      claimableFrom: present ? null : from.toISOString(),
    };
  }

  /** The owner acting in the room (any moderation action, which needs no subscription) is seen. */
  async ownerActed(room: StoredRoom, actor: User, now: Date): Promise<void> {
    if (room.ownerId === actor.id) await this.#deps.store.markOwnerSeen(room.id, actor.id, now);
  }

  /**
   * Told of every entry into and exit from a room (Membership): when it is the owner's, their last-seen
   * time moves on. One policy read (cached) per entry, one write only for the owner; never per message.
   * A failure is logged, never turned into a refused join.
   */
  readonly noteSeen = async (roomId: RoomId, user: User): Promise<void> => {
    const deps = this.#deps;
    try {
      const room = await deps.permissions.policyRoom(roomId);
      if (room.ownerId === user.id)
        await deps.store.markOwnerSeen(room.id, user.id, new Date(deps.clock.now()));
    } catch (error) {
      deps.logger.warn({ err: error, roomId }, "recording the owner's last-seen time failed");
    }
  };

  async #ownerPresence(room: StoredRoom): Promise<{ present: boolean; seenAt: Date }> {
    const [online, seenAt] = await Promise.all([
      this.#deps.presence.members(room.id),
      this.#deps.store.findOwnerSeenAt(room.id),
    ]);
    if (seenAt === undefined) throw new ParleyError('room_not_found');
    return { present: online.some((u) => u.id === room.ownerId), seenAt };
  }

  async #user(userId: string): Promise<User> {
    const user = await this.#deps.store.findUser(userId as UserId);
    if (user === undefined) throw new ParleyError('invalid_request', 'No such user.');
    return user;
  }
}
