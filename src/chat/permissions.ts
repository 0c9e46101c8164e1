// May this user do X in this room? The one answer, for STOMP and HTTP alike: roles (owner, moderator,
// member), sanctions (mute, ban, a kick's cool-down), address bans, password and room grants, member
// cap, slow mode, the newcomer gate. The rules are pure
// functions of a room's roles, settings and a user's sanctions (tested without I/O); the Permissions
// class loads those (cached per node, invalidated across nodes on the `policy` channel) and applies
// them. Knows nothing of frames, HTTP or SQL, and changes nothing in a room.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Bus, PresenceRegistry, RateLimiter } from '../cluster/bus.js';
import { ChannelFollower } from '../cluster/channel-follower.js';
import { POLICY_CHANNEL } from '../cluster/messages.js';
import { ParleyError } from '../errors.js';
import type { MemberSanctions, NewcomerStanding, Store } from '../store/store.js';
import type { AddressBans } from './address-bans.js';
import {
  type Message,
  ROOM_EVENT_TYPES,
  type RoomEventType,
  type RoomId,
  type StoredRoom,
  type User,
  type UserId,
} from './model.js';
import type { IssuedGrant, RoomAccess } from './room-access.js';
import { type RoomPolicy, RoomPolicyCache, toBannedHashes } from './room-policy-cache.js';
import type { Appended } from './room-writer.js';

export type Role = 'owner' | 'moderator' | 'member';
type Roles = Pick<StoredRoom, 'ownerId' | 'moderators'>;

/** Events that change who may do what in a room (settings, roles, sanctions): every room event but
 *  those about messages and their reactions. */
const POLICY_EVENTS: ReadonlySet<RoomEventType> = new Set<RoomEventType>(
  ROOM_EVENT_TYPES.filter((type) => !type.startsWith('message.') && !type.startsWith('reaction.')),
);

// The rules ----------------------------------------------------------------------------------------

export function roleOf(room: Roles, userId: UserId): Role {
  if (room.ownerId === userId) return 'owner';
  return room.moderators.some((m) => m.id === userId) ? 'moderator' : 'member';
}

/** A room an operator took down is closed to everyone in it, staff included (operators act from above). */
export function refuseClosed(room: Pick<StoredRoom, 'closedAt'>): void {
  if (room.closedAt !== undefined) throw new ParleyError('room_closed');
}

/** Speaking (posting, editing) is refused to the banned and the muted. */
export function refuseSanctioned(sanctions: MemberSanctions): void {
  if (sanctions.ban !== undefined) throw new ParleyError('banned');
  if (sanctions.mutedUntil !== undefined) {
    throw new ParleyError('muted', `You are muted in this room until ${sanctions.mutedUntil}.`);
  }
}

/** Being in the room at all (subscribing, reading, reacting) is refused to the banned. */
export function refuseBanned(sanctions: MemberSanctions): void {
  if (sanctions.ban !== undefined) throw new ParleyError('banned');
}

/** Joining again during a kick's cool-down is refused with when it ends (retry-after). */
export function refuseKicked(sanctions: MemberSanctions, nowMs: number): void {
  if (sanctions.kickedUntil === undefined) return;
  const seconds = Math.max(1, Math.ceil((Date.parse(sanctions.kickedUntil) - nowMs) / 1000));
  throw new ParleyError(
    'kicked',
    `You were removed from this room; you may join again at ${sanctions.kickedUntil}.`,
    {
      retryAfterSeconds: seconds,
    },
  );
}

/**
 * The newcomer gate: a member whose identity is younger than `newcomerMinutes`, or who has seen fewer
 * than `newcomerMessages` messages of the room since arriving, may read but not post. Staff are exempt;
 * a member who passed once stays passed. Undefined when the member may post; otherwise what remains.
 */
export function newcomerWait(
  room: Pick<StoredRoom, 'newcomerMinutes' | 'newcomerMessages'>,
  standing: NewcomerStanding,
  nowMs: number,
): { readonly seconds: number; readonly messages: number } | undefined {
  if (standing.passed) return undefined;
  const bornMs = standing.identityCreatedAt?.getTime() ?? nowMs;
  const ageEndsMs = bornMs + room.newcomerMinutes * 60_000;
  const seconds = ageEndsMs > nowMs ? Math.ceil((ageEndsMs - nowMs) / 1000) : 0;
  const messages = Math.max(0, room.newcomerMessages - standing.messagesSince);
  return seconds === 0 && messages === 0 ? undefined : { seconds, messages };
}

/** The refusal of a gated newcomer, saying what remains (in the message and as fields). */
export function newcomerRefusal(wait: { readonly seconds: number; readonly messages: number }): ParleyError {
  const parts = [
    ...(wait.seconds > 0 ? [`wait ${Math.ceil(wait.seconds / 60)} min`] : []),
    ...(wait.messages > 0 ? [`let ${wait.messages} more messages be said here`] : []),
  ];
  return new ParleyError(
    'newcomer_wait',
    `New here: you may read this room; to post, ${parts.join(' and ')}.`,
    {
      ...(wait.seconds > 0 ? { retryAfterSeconds: wait.seconds } : {}),
      ...(wait.messages > 0 ? { messagesLeft: wait.messages } : {}),
    },
  );
}

/** The refusal of a newcomer staff have not approved (yet): where their request stands. */
export function approvalRefusal(approval: NewcomerStanding['approval']): ParleyError {
  switch (approval) {
    case 'asked':
      return new ParleyError('newcomer_wait', 'New here: staff have not approved you yet.', {
        approval: 'asked',
      });
    case 'denied':
      return new ParleyError('newcomer_wait', 'Staff declined to let you post here.', { approval: 'denied' });
    default:
      return new ParleyError('newcomer_wait', 'New here: ask staff to approve you (SEND .ask) to post.', {
        approval: 'needed',
      });
  }
}

/** Seconds of slow mode a message must respect (0: none); staff and empty bodies are exempt. */
export function slowModeSeconds(
  room: Pick<StoredRoom, 'slowModeSeconds'> & Roles,
  userId: UserId,
  body: string,
): number {
  if (room.slowModeSeconds <= 0 || roleOf(room, userId) !== 'member' || body.trim().length === 0) return 0;
  return room.slowModeSeconds;
}

/**
 * Staff powers: held by the owner and moderators, and suspended while a moderator is muted or banned
 * in the room (`sanctions` are the actor's, read fresh; the owner can never be sanctioned).
 */
export function refuseUnlessActingStaff(role: Role, sanctions: MemberSanctions, what: string): void {
  if (role === 'member') throw new ParleyError('forbidden', what);
  if (role === 'moderator') refuseSanctioned(sanctions);
}

/** Appointing and dismissing moderators, reading the audit log: the owner's alone. */
export function refuseUnlessOwner(role: Role, what: string): void {
  if (role !== 'owner') throw new ParleyError('forbidden', what);
}

/** Whom staff may sanction (or lift a sanction from): never the owner; moderators only by the owner. */
export function refuseSanctionTarget(room: Roles, actorRole: Role, targetId: UserId): void {
  const targetRole = roleOf(room, targetId);
  if (targetRole === 'owner') throw new ParleyError('forbidden', 'Nobody can sanction the owner.');
  if (targetRole === 'moderator' && actorRole !== 'owner') {
    throw new ParleyError('forbidden', 'Moderators cannot sanction moderators.');
  }
}

/** Nobody lifts their own mute or ban. */
export function refuseSelfLift(actorId: UserId, targetId: string): void {
  if (actorId === targetId) throw new ParleyError('forbidden', 'Nobody lifts their own sanction.');
}

/** The owner is not one of the moderators: they can be neither appointed nor dismissed. */
export function refuseOwnerAsModerator(room: Roles, targetId: UserId): void {
  if (targetId === room.ownerId) throw new ParleyError('invalid_request', 'The owner is not a moderator.');
}

/**
 * Handing the room over: the owner's alone, to someone else who is in the room now (a live subscription
 * on any node) and under no sanction there.
 */
export function refuseTransfer(
  role: Role,
  actorId: UserId,
  target: { readonly id: UserId; readonly present: boolean; readonly sanctions: MemberSanctions },
): void {
  refuseUnlessOwner(role, 'Only the owner hands the room over.');
  if (target.id === actorId) throw new ParleyError('invalid_request', 'You own the room already.');
  if (target.sanctions.ban !== undefined || target.sanctions.mutedUntil !== undefined) {
    throw new ParleyError('forbidden', 'Lift their mute or ban before handing them the room.');
  }
  if (!target.present) throw new ParleyError('not_present');
}

/** Until when an owner last seen at `ownerSeenAt` still counts as around (claims come after). */
export function ownerAwayFrom(ownerSeenAt: Date, absenceDays: number): Date {
  return new Date(ownerSeenAt.getTime() + absenceDays * 86_400_000);
}

/**
 * Claiming the room of an absent owner: a moderator's (acting: not muted or banned, see actingStaff),
 * once the owner is not in the room and was last seen (entering or leaving it) `absenceDays` ago or more.
 */
export function refuseClaim(
  role: Role,
  owner: { readonly present: boolean; readonly seenAt: Date },
  now: Date,
  absenceDays: number,
): void {
  if (role === 'owner') throw new ParleyError('invalid_request', 'You own the room already.');
  if (role !== 'moderator')
    throw new ParleyError('forbidden', "Only a moderator may claim an absent owner's room.");
  if (owner.present) throw new ParleyError('owner_not_absent', 'The owner is in the room now.');
  const from = ownerAwayFrom(owner.seenAt, absenceDays);
  if (now.getTime() < from.getTime()) {
    throw new ParleyError(
      'owner_not_absent',
      `The room may be claimed from ${from.toISOString()} if its owner stays away.`,
    );
  }
}

/** Whether `now` is still within the author's edit window of `message`. */
export function inEditWindow(message: Pick<Message, 'createdAt'>, now: Date, windowSeconds: number): boolean {
  return now.getTime() - Date.parse(message.createdAt) <= windowSeconds * 1000;
}

/** Editing: the author's own message, within the edit window. */
export function refuseEdit(message: Message, userId: UserId, now: Date, windowSeconds: number): void {
  if (message.author.id !== userId) throw new ParleyError('forbidden', 'Only the author may edit a message.');
  if (!inEditWindow(message, now, windowSeconds)) throw new ParleyError('edit_window_closed');
}

/** What a user may delete in a room: anyone's messages (acting staff) or only their own. */
export interface DeleteRights {
  readonly staff: boolean;
  /** A muted moderator: may still remove their own words, like any muted member, but not others'. */
  readonly mutedStaff: boolean;
  readonly sanctions: MemberSanctions;
}

export function deleteRights(role: Role, sanctions: MemberSanctions): DeleteRights {
  refuseBanned(sanctions);
  const mutedStaff = role !== 'member' && sanctions.mutedUntil !== undefined;
  return { staff: role !== 'member' && !mutedStaff, mutedStaff, sanctions };
}

/** Deleting: acting staff delete anything; others their own messages within the edit window. */
export function refuseDelete(
  message: Message,
  userId: UserId,
  rights: DeleteRights,
  now: Date,
  windowSeconds: number,
): void {
  if (rights.staff) return;
  if (message.author.id !== userId) {
    if (rights.mutedStaff) refuseSanctioned(rights.sanctions);
    throw new ParleyError('forbidden', 'Only the author or staff may delete a message.');
  }
  if (!inEditWindow(message, now, windowSeconds)) throw new ParleyError('edit_window_closed');
}

/** What entering a room's messages (or presence) asks of a user who is not banned. */
export interface JoinNeeds {
  /** A room grant of the user or the password. */
  readonly password: boolean;
  /** The most distinct users online at once this user is held to; undefined: none. */
  readonly memberCap: number | undefined;
}

/**
 * Staff are exempt from the password and the cap. The presence of a room this connection is in needs
 * no second proof; the cap counts the messages subscription only.
 */
export function joinNeeds(
  room: Pick<StoredRoom, 'hasPassword' | 'memberCap'> & Roles,
  userId: UserId,
  subscription: { readonly presenceOnly: boolean; readonly joined: boolean },
): JoinNeeds {
  if (roleOf(room, userId) !== 'member') return { password: false, memberCap: undefined };
  return {
    password: room.hasPassword && !(subscription.presenceOnly && subscription.joined),
    memberCap: subscription.presenceOnly || room.memberCap === null ? undefined : room.memberCap,
  };
}

/** Refuses the last-but-one place: `members` are online now (the join enforces the cap atomically). */
export function refuseFull(cap: number, members: readonly Pick<User, 'id'>[], userId: UserId): void {
  if (!members.some((m) => m.id === userId) && members.length >= cap) {
    throw new ParleyError('room_full', `The room allows ${cap} members online at once.`);
  }
}

/**
 * What an HTTP reader sees of a room: `full` or `outline` (a password room to someone with neither its
 * grant nor a staff role). `readers` are the identities the request names (bearer and/or grant holder),
 * each with their sanctions: if any is banned the answer is `banned`.
 */
export function readLevel(
  room: Pick<StoredRoom, 'hasPassword'> & Roles,
  readers: readonly { readonly id: UserId; readonly sanctions: MemberSanctions }[],
  grantHolder: UserId | undefined,
): 'full' | 'outline' {
  for (const reader of readers) refuseBanned(reader.sanctions);
  if (!room.hasPassword || grantHolder !== undefined) return 'full';
  return readers.some((r) => roleOf(room, r.id) !== 'member') ? 'full' : 'outline';
}

// Applying them ------------------------------------------------------------------------------------

/** Who reads a room over HTTP: a bearer identity and/or a room grant, both optional. */
export interface RoomViewer {
  readonly user?: User | undefined;
  readonly grant?: string | undefined;
  /** Where the request comes from: a reader from a banned network reads nothing (staff excepted). */
  readonly address?: string | undefined;
}

export interface PermissionsDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly rateLimiter: RateLimiter;
  readonly presence: PresenceRegistry;
  /** Room passwords: guess limits and room grants. */
  readonly access: RoomAccess;
  /** Address sightings and hashing: what address bans are checked with. */
  readonly addressBans: AddressBans;
  readonly clock: Clock;
  readonly logger: Logger;
  /** ROOM_POLICY_CACHE_TTL_MS: how long a room's policy is kept without an invalidation. */
  readonly policyCacheTtlMs: number;
}

export class Permissions {
  readonly #deps: PermissionsDependencies;
  readonly #cache: RoomPolicyCache;
  /** The cache is used only while invalidations from other nodes are being received. */
  readonly #invalidations: ChannelFollower<'policy'>;
  /** `${roomId} ${userId}` of members this node knows have passed the newcomer gate (never un-passed). */
  readonly #passed = new Set<string>();
  /** `${roomId} ${userId}` of arrivals this node recorded (recording again changes nothing). */
  readonly #arrived = new Set<string>();

  constructor(deps: PermissionsDependencies) {
    this.#deps = deps;
    this.#cache = new RoomPolicyCache({ store: deps.store, clock: deps.clock, ttlMs: deps.policyCacheTtlMs });
    // Invalidations published while the bus was away are lost: forget everything.
    this.#invalidations = new ChannelFollower(
      deps.bus,
      POLICY_CHANNEL,
      (message) => this.#cache.invalidate(message.roomId),
      () => this.#cache.clear(),
    );
  }

  /** Listens for policy invalidations published by any node; the cache serves reads from then on. */
  async start(): Promise<void> {
    await this.#invalidations.start();
  }

  async close(): Promise<void> {
    await this.#invalidations.close();
  }

  /**
   * Hook on the room's append path: a stored event that changes the policy is forgotten here at once
   * and on the other nodes once the invalidation reaches them (published before the event itself, so a
   * node that delivers the event already dropped its copy; a lost one is covered by the resync clear and
   * the cache's TTL).
   */
  readonly onAppended = (entry: Appended): Promise<void> | undefined => {
    if (entry.kind !== 'event' || !POLICY_EVENTS.has(entry.event.event.type)) return undefined;
    const { roomId } = entry.event;
    this.#cache.invalidate(roomId);
    return this.#deps.bus.publish({ kind: 'policy', roomId }).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error, roomId }, 'publishing a policy invalidation failed');
    });
  };

  /** The room's settings and roles for a permission check (cached; no lastSeq), or room_not_found. */
  async policyRoom(id: RoomId): Promise<RoomPolicy> {
    const room = await (this.#invalidations.live ? this.#cache.room(id) : this.#deps.store.findRoom(id));
    if (room === undefined) throw new ParleyError('room_not_found');
    refuseClosed(room);
    return room;
  }

  /** The room as stored now (current roles, lastSeq), or room_not_found (room_closed once taken down). */
  async currentRoom(id: RoomId): Promise<StoredRoom> {
    const room = await this.#deps.store.findRoom(id);
    if (room === undefined) throw new ParleyError('room_not_found');
    refuseClosed(room);
    return room;
  }

  /** The user's sanctions in force now (cached, expiry evaluated now). */
  sanctions(roomId: RoomId, userId: UserId): Promise<MemberSanctions> {
    return this.#invalidations.live
      ? this.#cache.sanctions(roomId, userId)
      : this.#deps.store.findSanctions(roomId, userId, new Date(this.#deps.clock.now()));
  }

  /** The address hashes the room's bans in force cover (cached like the rest of the policy). */
  #bannedHashes(roomId: RoomId) {
    return this.#invalidations.live
      ? this.#cache.addressBans(roomId)
      : this.#deps.store.listBannedAddresses(roomId, new Date(this.#deps.clock.now())).then(toBannedHashes);
  }

  /**
   * Refuses with `banned` a member coming from a network one of the room's address bans covers. Staff
   * are never caught by it (an owner behind the same NAT as the banned must keep their room).
   */
  async #refuseAddressBanned(room: RoomPolicy, userId: UserId | undefined, address: string | undefined) {
    if (address === undefined) return;
    if (userId !== undefined && roleOf(room, userId) !== 'member') return;
    const banned = await this.#bannedHashes(room.id);
    if (this.#deps.addressBans.covers(banned, address, this.#deps.clock.now())) {
      throw new ParleyError('banned', 'Your network is banned from this room.');
    }
  }

  /** Refuses with `banned` when the user (or, given, their network) is banned from the room. */
  async refuseBannedFrom(user: User, roomId: RoomId, address?: string): Promise<void> {
    refuseBanned(await this.sanctions(roomId, user.id));
    if (address !== undefined)
      await this.#refuseAddressBanned(await this.policyRoom(roomId), user.id, address);
  }

  /**
   * The user entered the room's messages: the newcomer gate counts the room's messages from here. Once
   * per user and room (recorded again it changes nothing, so this node remembers it did).
   */
  async arrived(user: User, roomId: RoomId): Promise<void> {
    const key = `${roomId} ${user.id}`;
    if (this.#arrived.has(key)) return;
    await this.#deps.store.recordArrival(roomId, user.id, new Date(this.#deps.clock.now()));
    bounded(this.#arrived, key);
  }

  /** The newcomer gate (see newcomerWait); staff and members who passed it once go straight through. */
  async #refuseNewcomer(room: RoomPolicy, user: User): Promise<void> {
    if (room.newcomerMinutes <= 0 && room.newcomerMessages <= 0 && !room.approveNewcomers) return;
    if (roleOf(room, user.id) !== 'member') return;
    const key = `${room.id} ${user.id}`;
    if (this.#passed.has(key)) return;
    const standing = await this.#deps.store.findNewcomerStanding(room.id, user.id, room.newcomerMessages);
    const now = this.#deps.clock.now();
    // Staff approval is the whole gate in rooms that ask for it (approving lets them past the rest).
    if (room.approveNewcomers && !standing.passed) throw approvalRefusal(standing.approval);
    const wait = newcomerWait(room, standing, now);
    if (wait !== undefined) throw newcomerRefusal(wait);
    if (!standing.passed) await this.#deps.store.markNewcomerPassed(room.id, user.id, new Date(now));
    bounded(this.#passed, key);
  }

  /**
   * A new message: sanctions, the sender's network, the newcomer gate, then slow mode (which spends from
   * the author's slow-mode bucket).
   */
  async checkPost(author: User, roomId: RoomId, body: string, address?: string): Promise<RoomPolicy> {
    const [room, sanctions] = await Promise.all([this.policyRoom(roomId), this.sanctions(roomId, author.id)]);
    refuseSanctioned(sanctions);
    await this.#refuseAddressBanned(room, author.id, address);
    await this.#refuseNewcomer(room, author);
    const seconds = slowModeSeconds(room, author.id, body);
    if (seconds > 0) {
      const decision = await this.#deps.rateLimiter.take(`slow:${room.id}:${author.id}:${seconds}`, {
        capacity: 1,
        refillPerSecond: 1 / seconds,
      });
      if (!decision.allowed) {
        const wait = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
        throw new ParleyError('slow_mode', `Slow mode: wait ${wait} s before your next message.`, {
          retryAfterSeconds: wait,
        });
      }
    }
    return room;
  }

  /** An edit is speaking: refused to the muted and the banned. */
  async checkSpeaking(user: User, roomId: RoomId): Promise<RoomPolicy> {
    const room = await this.policyRoom(roomId);
    refuseSanctioned(await this.sanctions(room.id, user.id));
    return room;
  }

  /** Reacting, and the like: refused to the banned. */
  async checkPresent(user: User, roomId: RoomId): Promise<RoomPolicy> {
    const room = await this.policyRoom(roomId);
    refuseBanned(await this.sanctions(room.id, user.id));
    return room;
  }

  /**
   * Typing notices from a member the room has muted or banned are dropped, quietly: "is typing…" from
   * someone who may not post, or who was shown the door, is noise the room asked not to have.
   */
  async mayShowTyping(user: User, roomId: RoomId): Promise<boolean> {
    const sanctions = await this.sanctions(roomId, user.id);
    return sanctions.ban === undefined && sanctions.mutedUntil === undefined;
  }

  /** Deleting: members' rights from the cache, staff's from the store (see #actingStaff). */
  async deleteRights(
    user: User,
    roomId: RoomId,
    now: Date,
  ): Promise<{ room: RoomPolicy; rights: DeleteRights }> {
    const room = await this.policyRoom(roomId);
    const role = roleOf(room, user.id);
    const sanctions =
      role === 'member'
        ? await this.sanctions(room.id, user.id)
        : await this.#deps.store.findSanctions(room.id, user.id, now);
    return { room, rights: deleteRights(role, sanctions) };
  }

  /**
   * May the user subscribe to the room? Bans apply to every room destination; the password to the
   * messages and the presence (a room grant of the user, or the password itself); the member cap to the
   * messages only (see joinNeeds).
   */
  async checkJoin(
    user: User,
    roomId: RoomId,
    options: {
      readonly password?: string | undefined;
      readonly grant?: string | undefined;
      /** Where the connection comes from: password guesses are limited per address too. */
      readonly address: string;
      /** This connection already holds a live subscription to the room's messages. */
      readonly joined: boolean;
      readonly presenceOnly: boolean;
    },
  ): Promise<{ readonly maxUsers?: number }> {
    const room = await this.policyRoom(roomId);
    const sanctions = await this.sanctions(room.id, user.id);
    refuseBanned(sanctions);
    await this.#refuseAddressBanned(room, user.id, options.address);
    if (roleOf(room, user.id) === 'member') refuseKicked(sanctions, this.#deps.clock.now());
    const needs = joinNeeds(room, user.id, options);
    if (needs.password)
      await this.#passPassword(user, room.id, options.password, options.grant, options.address);
    if (needs.memberCap === undefined) return {};
    // Refused early, before any replay; the join itself enforces the cap atomically (two users taking
    // the last place at once both pass this check), so it gets the cap too.
    refuseFull(needs.memberCap, await this.#deps.presence.members(room.id), user.id);
    return { maxUsers: needs.memberCap };
  }

  /**
   * `POST /api/rooms/:id/join`: the room grant HTTP reads (and SUBSCRIBE) accept instead of the
   * password. Refused to the banned; staff and open rooms need no password; guesses are limited.
   */
  async grantFor(
    user: User,
    roomId: RoomId,
    password: string | undefined,
    address: string,
  ): Promise<IssuedGrant> {
    const room = await this.policyRoom(roomId);
    const sanctions = await this.sanctions(room.id, user.id);
    refuseBanned(sanctions);
    await this.#refuseAddressBanned(room, user.id, address);
    if (roleOf(room, user.id) === 'member') refuseKicked(sanctions, this.#deps.clock.now());
    const hash = room.hasPassword ? await this.#deps.store.findPasswordHash(room.id) : null;
    const staff = roleOf(room, user.id) !== 'member';
    if (typeof hash === 'string' && !staff) {
      await this.#deps.access.checkPassword(user, address, room.id, password, hash);
    }
    // Staff enter without the password by role: their grant lasts only while they are staff.
    return this.#deps.access.issueGrant(
      user.id,
      room.id,
      typeof hash === 'string' ? hash : null,
      typeof hash === 'string' && staff,
    );
  }

  /**
   * What an HTTP reader may see of a room (see readLevel). The banned read nothing, whichever identity
   * (bearer or grant) names them; anonymous readers of an open room read it as before.
   */
  async readAccess(roomId: RoomId, viewer: RoomViewer): Promise<'full' | 'outline'> {
    const room = await this.policyRoom(roomId);
    const hash =
      viewer.grant !== undefined && room.hasPassword
        ? await this.#deps.store.findPasswordHash(room.id)
        : null;
    const holder =
      viewer.grant === undefined
        ? undefined
        : await this.#deps.access.grantHolder(
            viewer.grant,
            room.id,
            typeof hash === 'string' ? hash : null,
            (id) => roleOf(room, id) !== 'member',
          );
    const ids = new Set<UserId>();
    if (viewer.user !== undefined) ids.add(viewer.user.id);
    if (holder !== undefined) ids.add(holder);
    const readers = await Promise.all(
      [...ids].map(async (id) => ({ id, sanctions: await this.sanctions(room.id, id) })),
    );
    const level = readLevel(room, readers, holder);
    // A banned network reads nothing, whoever asks from it (anonymously too), unless staff do.
    if (![...ids].some((id) => roleOf(room, id) !== 'member')) {
      await this.#refuseAddressBanned(room, undefined, viewer.address);
    }
    return level;
  }

  /**
   * Staff powers, decided on the current roles and sanctions (the store, never a cached copy: a
   * sanction just laid on a moderator must stop their very next action on any node).
   */
  async actingStaff(user: User, roomId: RoomId, what: string): Promise<{ room: StoredRoom; role: Role }> {
    const room = await this.currentRoom(roomId);
    const role = roleOf(room, user.id);
    if (role === 'member') throw new ParleyError('forbidden', what);
    const sanctions =
      role === 'moderator'
        ? await this.#deps.store.findSanctions(room.id, user.id, new Date(this.#deps.clock.now()))
        : {};
    refuseUnlessActingStaff(role, sanctions, what);
    return { room, role };
  }

  /** The owner's reads (the audit log), on the current roles. */
  async owner(user: User, roomId: RoomId, what: string): Promise<StoredRoom> {
    const room = await this.currentRoom(roomId);
    refuseUnlessOwner(roleOf(room, user.id), what);
    return room;
  }

  /** A room grant of this user, or else the password (each guess limited); wrong_password otherwise. */
  async #passPassword(
    user: User,
    roomId: RoomId,
    password: string | undefined,
    grant: string | undefined,
    address: string,
  ): Promise<void> {
    const hash = await this.#deps.store.findPasswordHash(roomId);
    if (typeof hash !== 'string') return;
    if (grant !== undefined && (await this.#deps.access.grantHolder(grant, roomId, hash)) === user.id) return;
    await this.#deps.access.checkPassword(user, address, roomId, password, hash);
  }
}

/** Adds to a set that forgets its oldest member beyond 100,000 (a node-local memo, never the truth). */
function bounded(set: Set<string>, key: string): void {
  set.add(key);
  if (set.size <= 100_000) return;
  const oldest = set.values().next();
  if (oldest.done !== true) set.delete(oldest.value);
}
