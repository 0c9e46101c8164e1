// Staff actions in a room: mute, kick (with a cool-down), ban (of the identity, or also its recent
// networks) and lifting them, appointing and dismissing moderators, changing the room's settings,
// handing the room over or claiming it (decided by Ownership), pinning messages and setting the room's
// notice, and the staff's reads (audit log,
// reports, bans). Each action is one
// typed ModerationAction, checked by the Permissions on the current roles and stored as a room event
// (with an audit entry) through the RoomWriter. Knows nothing of frames, HTTP or SQL.

import type { Clock } from '../clock.js';
import type { RateLimiter, RateRule } from '../cluster/bus.js';
import { assertNever, ParleyError } from '../errors.js';
import type { AddressIdentities, Ban as WireBan, Mute as WireMute, WordFilter } from '../protocol/index.js';
import type { AuditEntry, Report, RoomEventEffect, Store } from '../store/store.js';
import type { AddressBans } from './address-bans.js';
import { checkMessageBody, checkReason } from './body-rules.js';
import type { ModerationAction } from './commands.js';
import type { MessageId, RoomId, StoredRoom, User, UserId } from './model.js';
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
  roleOf,
} from './permissions.js';
import { takeOrRefuse } from './rate-limit.js';
import type { Reports } from './reports.js';
import type { RoomWriter } from './room-writer.js';
import type { ServerPolicy } from './server-policy.js';

const MODERATE_RULE: RateRule = { capacity: 60, refillPerSecond: 2 };
/** Asking to be approved: a few at once, then one a minute (each is an event every member receives). */
const ASK_RULE: RateRule = { capacity: 3, refillPerSecond: 1 / 60 };
type SettingsAction = Extract<ModerationAction, { readonly action: 'settings' }>;
type RoomUpdate = Omit<Extract<RoomEventEffect, { type: 'room.updated' }>, 'type'>;

export interface ModerationDependencies {
  readonly store: Store;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  readonly permissions: Permissions;
  readonly writer: RoomWriter;
  readonly hasher: PasswordHasher;
  /** Where users were seen from: what an address ban copies and the count staff are shown. */
  readonly addressBans: AddressBans;
  /** Handing the room over and claiming it. */
  readonly ownership: Ownership;
  /** Most combining marks on one character of a reason (MAX_COMBINING_MARKS). */
  readonly maxCombiningMarks: number;
  /** The cool-down of a kick when staff pick none (KICK_COOLDOWN_SECONDS; 0: none). */
  readonly kickCooldownSeconds: number;
  readonly reports: Reports;
  readonly serverPolicy: ServerPolicy;
  /** WORD_FILTER_MAX_WORDS and WORD_FILTER_MAX_WORD_CHARS. */
  readonly wordFilterLimits: WordFilterLimits;
  /** MAX_PINS_PER_ROOM. */
  readonly maxPinsPerRoom: number;
  /** NOTICE_MAX_CHARS. */
  readonly noticeMaxChars: number;
}

export interface WordFilterLimits {
  readonly maxWords: number;
  readonly maxWordChars: number;
}

/** Refuses a list over the configured sizes; returns it trimmed, without empty or repeated words. */
export function checkWordList(
  words: readonly string[],
  limits: WordFilterLimits,
  what = 'word list',
): string[] {
  const cleaned = [...new Set(words.map((w) => w.normalize('NFC').trim()).filter((w) => w.length > 0))];
  if (cleaned.length > limits.maxWords) {
    throw new ParleyError('invalid_request', `A ${what} holds at most ${limits.maxWords} entries.`);
  }
  const long = cleaned.find((w) => Array.from(w).length > limits.maxWordChars);
  if (long !== undefined) {
    throw new ParleyError(
      'invalid_request',
      `An entry of a ${what} is at most ${limits.maxWordChars} characters.`,
    );
  }
  if (cleaned.some((w) => w.includes('\u0000')))
    throw new ParleyError('invalid_request', `A ${what} contains a NUL character.`);
  return cleaned;
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
        const seconds = command.seconds ?? deps.kickCooldownSeconds;
        const until = seconds > 0 ? new Date(now.getTime() + seconds * 1000) : null;
        effect = { type: 'member.kicked', user: target, until, reason };
        details = { seconds, until: until?.toISOString() ?? null, reason };
        break;
      }
      case 'ban': {
        const target = await this.#sanctionTarget(room, role, command.userId);
        const seconds = command.seconds ?? null;
        const reason = checkReason(command.reason, false, marks);
        const until = seconds === null ? null : new Date(now.getTime() + seconds * 1000);
        const scope = command.scope ?? 'identity';
        // The networks the target was recently seen from, copied now: the ban holds on them for its
        // whole duration, whatever the target does next. Staff learn how many, never which.
        const addressHashes =
          scope === 'address' ? await deps.addressBans.recentHashes(target.id) : undefined;
        effect = {
          type: 'member.banned',
          user: target,
          until,
          reason,
          ...(addressHashes === undefined ? {} : { addressHashes }),
        };
        details = {
          seconds,
          until: until?.toISOString() ?? null,
          reason,
          scope,
          ...(addressHashes === undefined ? {} : { addresses: addressHashes.length }),
        };
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
      case 'approve':
      case 'deny': {
        const target = await this.#user(command.userId);
        if (roleOf(room, target.id) !== 'member') {
          throw new ParleyError('invalid_request', 'Staff need no approval to post.');
        }
        effect = { type: command.action === 'approve' ? 'member.approved' : 'member.denied', user: target };
        details = {};
        break;
      }
      case 'settings': {
        const settings = await this.#settings(command, room);
        effect = { type: 'room.updated', ...settings.update };
        details = settings.details;
        break;
      }
      case 'dismissReports':
        // Recorded on the reports (who, when); a hidden message comes back with an audited event.
        await deps.reports.resolve(room, command.messageId as MessageId, actor, 'dismissed');
        return;
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
      case 'pin':
        // The cap is checked under the room's lock, so two staff pinning at once cannot pass it.
        effect = {
          type: 'message.pinned',
          messageId: command.messageId as MessageId,
          maxPins: deps.maxPinsPerRoom,
        };
        details = {};
        break;
      case 'unpin':
        effect = { type: 'message.unpinned', messageId: command.messageId as MessageId };
        details = {};
        break;
      case 'notice': {
        // Everyone in the room reads the notice: the rules of a message apply, with its own length.
        const body =
          command.body === null
            ? null
            : deps.serverPolicy.filterText(
                checkMessageBody(command.body, {
                  messageMaxChars: deps.noticeMaxChars,
                  maxCombiningMarks: marks,
                }),
                room.wordFilter,
              );
        effect = { type: 'notice.changed', body };
        // The text itself is in the event; the audit entry says whether it was set or cleared.
        details = { notice: body === null ? 'cleared' : 'set' };
        break;
      }
      default:
        return assertNever(command);
    }
    await deps.writer.appendEvent({ roomId: room.id, actor, at: now, effect, audit: { details } });
  }

  /**
   * A newcomer asks to be let in to post (rooms that approve newcomers): a `member.asked` event staff see
   * live. Asking again while asked changes nothing; the declined may not ask again (staff may still
   * approve them).
   */
  async askToPost(user: User, roomId: RoomId): Promise<void> {
    const deps = this.#deps;
    const room = await deps.permissions.policyRoom(roomId);
    if (!room.approveNewcomers)
      throw new ParleyError('invalid_request', 'This room does not approve newcomers.');
    if (roleOf(room, user.id) !== 'member')
      throw new ParleyError('invalid_request', 'Staff need no approval.');
    await takeOrRefuse(deps.rateLimiter, `ask:${user.id}`, ASK_RULE);
    await deps.writer.appendEvent({
      roomId: room.id,
      actor: user,
      at: new Date(deps.clock.now()),
      effect: { type: 'member.asked', user },
    });
  }

  async audit(
    user: User,
    roomId: RoomId,
    range: { beforeId?: number; limit: number },
  ): Promise<AuditEntry[]> {
    const room = await this.#deps.permissions.owner(user, roomId, 'Only the owner reads the audit log.');
    return this.#deps.store.listAudit(room.id, range);
  }

  /** Open reports, newest first, and how many are open in all. */
  async reports(user: User, roomId: RoomId, limit: number): Promise<{ reports: Report[]; open: number }> {
    const { room } = await this.#deps.permissions.actingStaff(user, roomId, STAFF_READS);
    const [reports, open] = await Promise.all([
      this.#deps.store.listReports(room.id, limit),
      this.#deps.store.countOpenReports(room.id),
    ]);
    return { reports, open };
  }

  /** The room's own banned words and report threshold (staff only: members never see the list). */
  async wordFilter(
    user: User,
    roomId: RoomId,
  ): Promise<{ wordFilter: WordFilter | null; reportHideThreshold: number | null }> {
    const { room } = await this.#deps.permissions.actingStaff(user, roomId, STAFF_READS);
    return { wordFilter: room.wordFilter ?? null, reportHideThreshold: room.reportHideThreshold ?? null };
  }

  /** Bans in force, newest first; address bans say how many identities their networks were seen with. */
  async bans(user: User, roomId: RoomId): Promise<WireBan[]> {
    const deps = this.#deps;
    const { room } = await deps.permissions.actingStaff(user, roomId, STAFF_READS);
    const bans = await deps.store.listBans(room.id, new Date(deps.clock.now()));
    return Promise.all(
      bans.map(async ({ addressHashes, ...ban }) =>
        ban.scope === 'address'
          ? { ...ban, identitiesFromAddress: await deps.addressBans.identitiesFrom(addressHashes) }
          : ban,
      ),
    );
  }

  /** Mutes in force, soonest ending first: staff offer Unmute for these members alone. */
  async mutes(user: User, roomId: RoomId): Promise<WireMute[]> {
    const { room } = await this.#deps.permissions.actingStaff(user, roomId, STAFF_READS);
    return this.#deps.store.listMutes(room.id, new Date(this.#deps.clock.now()));
  }

  /**
   * Member info for staff: how many identities were seen from the networks this user was recently seen
   * from (what an address ban of them would cover), so staff can judge a shared network before banning it.
   */
  async addressIdentities(user: User, roomId: RoomId, userId: string): Promise<AddressIdentities> {
    const deps = this.#deps;
    await deps.permissions.actingStaff(user, roomId, STAFF_READS);
    const target = await this.#user(userId);
    const hashes = await deps.addressBans.recentHashes(target.id);
    return { identities: await deps.addressBans.identitiesFrom(hashes), addresses: hashes.length };
  }

  async #settings(
    command: SettingsAction,
    room: StoredRoom,
  ): Promise<{ update: RoomUpdate; details: Record<string, unknown> }> {
    let update: RoomUpdate = {};
    const details: Record<string, unknown> = {};
    if (command.wordFilter !== undefined) {
      const wordFilter =
        command.wordFilter === null
          ? null
          : {
              mode: command.wordFilter.mode,
              words: checkWordList(command.wordFilter.words, this.#deps.wordFilterLimits),
            };
      update = { ...update, wordFilter };
      // The words themselves stay out of the audit log (it would repeat them to every reader of it).
      details.wordFilter =
        wordFilter === null ? null : { mode: wordFilter.mode, words: wordFilter.words.length };
    }
    if (command.reportHideThreshold !== undefined) {
      update = { ...update, reportHideThreshold: command.reportHideThreshold };
      details.reportHideThreshold = command.reportHideThreshold;
    }
    if (command.topic !== undefined) {
      const topic = parseRoomTopic(command.topic);
      if (topic !== null) {
        const roomFilter =
          update.wordFilter === undefined ? room.wordFilter : (update.wordFilter ?? undefined);
        this.#deps.serverPolicy.checkName(topic, {
          reserved: false,
          ...(roomFilter === undefined ? {} : { roomFilter }),
        });
      }
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
    if (command.newcomerMinutes !== undefined) {
      update = { ...update, newcomerMinutes: command.newcomerMinutes };
      details.newcomerMinutes = command.newcomerMinutes;
    }
    if (command.newcomerMessages !== undefined) {
      update = { ...update, newcomerMessages: command.newcomerMessages };
      details.newcomerMessages = command.newcomerMessages;
    }
    if (command.approveNewcomers !== undefined) {
      update = { ...update, approveNewcomers: command.approveNewcomers };
      details.approveNewcomers = command.approveNewcomers;
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
