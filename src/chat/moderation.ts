// Staff actions in a room: mute, kick, ban and lifting them, appointing and dismissing moderators,
// changing the room's settings, handing the room over or claiming it (decided by Ownership), and the
// staff's reads (audit log, reports, bans). Each action is one
// typed ModerationAction, checked by the Permissions on the current roles and stored as a room event
// (with an audit entry) through the RoomWriter. Knows nothing of frames, HTTP or SQL.

import type { Clock } from '../clock.js';
import type { RateLimiter, RateRule } from '../cluster/bus.js';
import { assertNever, ParleyError } from '../errors.js';
import type { AuditEntry, Ban, Report, RoomEventEffect, Store } from '../store/store.js';
import { checkReason } from './body-rules.js';
import type { ModerationAction } from './commands.js';
import type { RoomId, StoredRoom, User, UserId } from './model.js';
import { parseRoomTopic } from './nickname.js';
import type { Ownership } from './ownership.js';
import type { PasswordHasher } from './password-hasher.js';
import {
  type Permissions,
  type Role,
  refuseOwnerAsModerator,
  refuseSanctionTarget,
  refuseSelfLift,
  refuseUnlessOwner,
} from './permissions.js';
import { takeOrRefuse } from './rate-limit.js';
import type { RoomWriter } from './room-writer.js';

const MODERATE_RULE: RateRule = { capacity: 60, refillPerSecond: 2 };
type SettingsAction = Extract<ModerationAction, { readonly action: 'settings' }>;
type RoomUpdate = Omit<Extract<RoomEventEffect, { type: 'room.updated' }>, 'type'>;

export interface ModerationDependencies {
  readonly store: Store;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  readonly permissions: Permissions;
  readonly writer: RoomWriter;
  readonly hasher: PasswordHasher;
  /** Handing the room over and claiming it. */
  readonly ownership: Ownership;
  /** Most combining marks on one character of a reason (MAX_COMBINING_MARKS). */
  readonly maxCombiningMarks: number;
}

export class Moderation {
  readonly #deps: ModerationDependencies;

  constructor(deps: ModerationDependencies) {
    this.#deps = deps;
  }

  async moderate(actor: User, roomId: RoomId, command: ModerationAction): Promise<void> {
    const deps = this.#deps;
    const { room, role } = await deps.permissions.actingStaff(
      actor,
      roomId,
      'Only the owner and moderators may moderate.',
    );
    const now = new Date(deps.clock.now());
    await takeOrRefuse(deps.rateLimiter, `moderate:${actor.id}`, MODERATE_RULE);
    // Acting in the room is being seen in it, as entering and leaving it are.
    await deps.ownership.ownerActed(room, actor, now);
    const marks = deps.maxCombiningMarks;
    let effect: RoomEventEffect;
    let details: Record<string, unknown>;
    switch (command.action) {
      case 'mute': {
        const target = await this.#sanctionTarget(room, role, command.userId);
        const reason = checkReason(command.reason, false, marks);
        const until = new Date(now.getTime() + command.seconds * 1000);
        effect = { type: 'member.muted', user: target, until, reason };
        details = { seconds: command.seconds, until: until.toISOString(), reason };
        break;
      }
      case 'kick': {
        const target = await this.#sanctionTarget(room, role, command.userId);
        const reason = checkReason(command.reason, false, marks);
        effect = { type: 'member.kicked', user: target, reason };
        details = { reason };
        break;
      }
      case 'ban': {
        const target = await this.#sanctionTarget(room, role, command.userId);
        const seconds = command.seconds ?? null;
        const reason = checkReason(command.reason, false, marks);
        const until = seconds === null ? null : new Date(now.getTime() + seconds * 1000);
        effect = { type: 'member.banned', user: target, until, reason };
        details = { seconds, until: until?.toISOString() ?? null, reason };
        break;
      }
      case 'unmute':
      case 'unban': {
        refuseSelfLift(actor.id, command.userId);
        // Lifting is sanctioning in reverse: a moderator may not undo the owner's word on a moderator.
        // The store refuses `not_muted`/`not_banned` in the event's transaction, against the current rows.
        const target = await this.#sanctionTarget(room, role, command.userId);
        effect = { type: command.action === 'unmute' ? 'member.unmuted' : 'member.unbanned', user: target };
        details = {};
        break;
      }
      case 'appoint':
      case 'dismiss': {
        refuseUnlessOwner(role, 'Only the owner appoints and dismisses moderators.');
        const target = await this.#user(command.userId);
        refuseOwnerAsModerator(room, target.id);
        effect = {
          type: command.action === 'appoint' ? 'moderator.added' : 'moderator.removed',
          user: target,
        };
        details = {};
        break;
      }
      case 'settings': {
        const settings = await this.#settings(command);
        effect = { type: 'room.updated', ...settings.update };
        details = settings.details;
        break;
      }
      case 'transfer':
      case 'claim': {
        const change =
          command.action === 'transfer'
            ? await deps.ownership.transfer(actor, room, role, command.userId, now)
            : await deps.ownership.claim(actor, room, role, now);
        effect = change.effect;
        details = change.details;
        break;
      }
      default:
        return assertNever(command);
    }
    await deps.writer.appendEvent({ roomId: room.id, actor, at: now, effect, audit: { details } });
  }

  async audit(
    user: User,
    roomId: RoomId,
    range: { beforeId?: number; limit: number },
  ): Promise<AuditEntry[]> {
    const room = await this.#deps.permissions.owner(user, roomId, 'Only the owner reads the audit log.');
    return this.#deps.store.listAudit(room.id, range);
  }

  async reports(user: User, roomId: RoomId, limit: number): Promise<Report[]> {
    const { room } = await this.#deps.permissions.actingStaff(user, roomId, STAFF_READS);
    return this.#deps.store.listReports(room.id, limit);
  }

  async bans(user: User, roomId: RoomId): Promise<Ban[]> {
    const { room } = await this.#deps.permissions.actingStaff(user, roomId, STAFF_READS);
    return this.#deps.store.listBans(room.id, new Date(this.#deps.clock.now()));
  }

  async #settings(
    command: SettingsAction,
  ): Promise<{ update: RoomUpdate; details: Record<string, unknown> }> {
    let update: RoomUpdate = {};
    const details: Record<string, unknown> = {};
    if (command.topic !== undefined) {
      const topic = parseRoomTopic(command.topic);
      update = { ...update, topic };
      details.topic = topic;
    }
    if (command.memberCap !== undefined) {
      update = { ...update, memberCap: command.memberCap };
      details.memberCap = command.memberCap;
    }
    if (command.slowModeSeconds !== undefined) {
      update = { ...update, slowModeSeconds: command.slowModeSeconds };
      details.slowModeSeconds = command.slowModeSeconds;
    }
    if (command.password !== undefined) {
      if (command.password === null) {
        update = { ...update, passwordHash: null };
        details.password = 'cleared';
      } else {
        update = { ...update, passwordHash: await this.#deps.hasher.hash(command.password) };
        details.password = 'set';
      }
    }
    return { update, details };
  }

  /** A user staff may sanction (see refuseSanctionTarget). */
  async #sanctionTarget(room: StoredRoom, role: Role, userId: string): Promise<User> {
    const target = await this.#user(userId);
    refuseSanctionTarget(room, role, target.id);
    return target;
  }

  async #user(userId: string): Promise<User> {
    const user = await this.#deps.store.findUser(userId as UserId);
    if (user === undefined) throw new ParleyError('invalid_request', 'No such user.');
    return user;
  }
}

const STAFF_READS = 'Only the owner and moderators may see this.';
