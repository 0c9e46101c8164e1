// This node's in-memory cache of what decides whether a room allows an action: the room's settings
// and roles, and each user's sanctions, so a chat SEND needs no store read. Owns freshness (explicit
// invalidation, a TTL, an LRU bound) and evaluates sanction expiry at use. Knows nothing of the bus,
// STOMP or SQL: the caller decides when a room changed (see Permissions) and calls invalidate.
import type { Clock } from '../clock.js';
import type { AddressHash } from '../net/address-hash.js';
import type { MemberSanctions, Store } from '../store/store.js';
import type { BannedHashes } from './address-bans.js';
import type { RoomId, StoredRoom, UserId } from './model.js';

/**
 * A room's policy: everything of StoredRoom except `lastSeq`, which moves with every message and so is
 * never current in a cache (read it from the store).
 */
export type RoomPolicy = Omit<StoredRoom, 'lastSeq'>;

export interface RoomPolicyCacheOptions {
  readonly store: Pick<Store, 'findRoom' | 'findSanctions' | 'listBannedAddresses'>;
  readonly clock: Clock;
  /** A safety net for a lost invalidation: an entry is reloaded once this old (ROOM_POLICY_CACHE_TTL_MS). */
  readonly ttlMs: number;
  /** Rooms kept; the least recently used is dropped beyond it. Default 10,000. */
  readonly maxRooms?: number;
  /** Users whose sanctions are kept per room (least recently used dropped). Default 1,000. */
  readonly maxUsersPerRoom?: number;
  /** Users' sanctions kept over all rooms; least recently used rooms are dropped beyond it. Default 100,000. */
  readonly maxSanctions?: number;
}

/** Sanctions as loaded, with their end times parsed once; `null` ban end: forever. */
interface LoadedSanctions {
  readonly mutedUntil?: { readonly iso: string; readonly ms: number };
  readonly ban?: { readonly until: string | null; readonly ms: number | null };
  readonly kickedUntil?: { readonly iso: string; readonly ms: number };
}

/**
 * One room's cached policy. The entry object is the room's generation: invalidation replaces it, so a
 * load that started before lands in the dropped entry and can never be read by a later caller.
 */
interface Entry {
  readonly createdAtMs: number;
  room: Promise<RoomPolicy | undefined> | undefined;
  /** The address hashes the room's bans cover, each with its ban's end (expiry evaluated at use). */
  addressBans: Promise<BannedHashes> | undefined;
  readonly sanctions: Map<UserId, Promise<LoadedSanctions>>;
}

const NO_SANCTIONS: MemberSanctions = Object.freeze({});

export class RoomPolicyCache {
  readonly #store: Pick<Store, 'findRoom' | 'findSanctions' | 'listBannedAddresses'>;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #maxRooms: number;
  readonly #maxUsersPerRoom: number;
  readonly #maxSanctions: number;
  /** In least recently used order (a Map iterates in insertion order; a hit re-inserts). */
  readonly #entries = new Map<RoomId, Entry>();
  /** Sanctions held by the entries in #entries (dropped entries no longer count). */
  #sanctionCount = 0;

  constructor(options: RoomPolicyCacheOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs;
    this.#maxRooms = options.maxRooms ?? 10_000;
    this.#maxUsersPerRoom = options.maxUsersPerRoom ?? 1_000;
    this.#maxSanctions = options.maxSanctions ?? 100_000;
  }

  /** The room's policy, or undefined when there is no such room (absence is not cached). */
  room(id: RoomId): Promise<RoomPolicy | undefined> {
    const entry = this.#entry(id);
    const cached = entry.room;
    if (cached !== undefined) return cached;
    const load = this.#store.findRoom(id).then(toPolicy);
    entry.room = load;
    // A room created after this miss must be found by the next caller, and a failure retried.
    const forget = (): void => {
      if (entry.room === load) entry.room = undefined;
    };
    load.then((room) => {
      if (room === undefined) forget();
    }, forget);
    return load;
  }

  /** The address hashes the room's bans in force cover (a ban that runs out stops covering on time). */
  addressBans(id: RoomId): Promise<BannedHashes> {
    const entry = this.#entry(id);
    const cached = entry.addressBans;
    if (cached !== undefined) return cached;
    const load = this.#store.listBannedAddresses(id, new Date(this.#clock.now())).then(toBannedHashes);
    entry.addressBans = load;
    load.catch(() => {
      if (entry.addressBans === load) entry.addressBans = undefined;
    });
    return load;
  }

  /** The user's sanctions in force now (a cached mute or ban ends on time). */
  async sanctions(roomId: RoomId, userId: UserId): Promise<MemberSanctions> {
    return inForce(await this.#loadedSanctions(roomId, userId), this.#clock.now());
  }

  /** The room changed (settings, roles, sanctions): the next read of it goes to the store. */
  invalidate(id: RoomId): void {
    this.#drop(id);
  }

  /** Everything may have changed (invalidations may have been lost). */
  clear(): void {
    this.#entries.clear();
    this.#sanctionCount = 0;
  }

  /** Rooms currently cached. */
  get size(): number {
    return this.#entries.size;
  }

  #loadedSanctions(roomId: RoomId, userId: UserId): Promise<LoadedSanctions> {
    const entry = this.#entry(roomId);
    const { sanctions } = entry;
    const cached = sanctions.get(userId);
    if (cached !== undefined) {
      sanctions.delete(userId);
      sanctions.set(userId, cached);
      return cached;
    }
    const load = this.#store
      .findSanctions(roomId, userId, new Date(this.#clock.now()))
      .then(toLoadedSanctions);
    sanctions.set(userId, load);
    this.#sanctionCount++;
    if (sanctions.size > this.#maxUsersPerRoom) {
      const oldest = sanctions.keys().next();
      if (oldest.done !== true) {
        sanctions.delete(oldest.value);
        this.#sanctionCount--;
      }
    }
    this.#evict(roomId);
    load.catch(() => {
      if (sanctions.get(userId) !== load) return;
      sanctions.delete(userId);
      if (this.#entries.get(roomId) === entry) this.#sanctionCount--;
    });
    return load;
  }

  /** The room's live entry (a fresh one when missing or older than the TTL), marked most recent. */
  #entry(id: RoomId): Entry {
    const now = this.#clock.now();
    const found = this.#entries.get(id);
    if (found !== undefined && now - found.createdAtMs < this.#ttlMs) {
      this.#entries.delete(id);
      this.#entries.set(id, found);
      return found;
    }
    this.#drop(id);
    const entry: Entry = { createdAtMs: now, room: undefined, addressBans: undefined, sanctions: new Map() };
    this.#entries.set(id, entry);
    this.#evict(id);
    return entry;
  }

  /** Drops least recently used rooms (never `keep`) while over a bound. */
  #evict(keep: RoomId): void {
    while (this.#entries.size > this.#maxRooms || this.#sanctionCount > this.#maxSanctions) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true || oldest.value === keep) return;
      this.#drop(oldest.value);
    }
  }

  #drop(id: RoomId): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    this.#sanctionCount -= entry.sanctions.size;
  }
}

function toPolicy(room: StoredRoom | undefined): RoomPolicy | undefined {
  if (room === undefined) return undefined;
  const { lastSeq: _lastSeq, ...policy } = room;
  return policy;
}

/** One entry per hash; where two bans cover one hash, the later end wins (null: forever). */
export function toBannedHashes(
  rows: readonly { readonly hash: AddressHash; readonly until: string | null }[],
): BannedHashes {
  const banned = new Map<AddressHash, number | null>();
  for (const { hash, until } of rows) {
    const ms = until === null ? null : Date.parse(until);
    const known = banned.get(hash);
    if (known === null) continue;
    banned.set(hash, ms === null || known === undefined ? ms : Math.max(ms, known));
  }
  return banned;
}

function toLoadedSanctions(sanctions: MemberSanctions): LoadedSanctions {
  const { mutedUntil, ban, kickedUntil } = sanctions;
  return {
    ...(kickedUntil === undefined ? {} : { kickedUntil: { iso: kickedUntil, ms: Date.parse(kickedUntil) } }),
    ...(mutedUntil === undefined ? {} : { mutedUntil: { iso: mutedUntil, ms: Date.parse(mutedUntil) } }),
    ...(ban === undefined
      ? {}
      : { ban: { until: ban.until, ms: ban.until === null ? null : Date.parse(ban.until) } }),
  };
}

function inForce(loaded: LoadedSanctions, nowMs: number): MemberSanctions {
  const { mutedUntil, ban, kickedUntil } = loaded;
  const muted = mutedUntil !== undefined && mutedUntil.ms > nowMs;
  const banned = ban !== undefined && (ban.ms === null || ban.ms > nowMs);
  const kicked = kickedUntil !== undefined && kickedUntil.ms > nowMs;
  if (!muted && !banned && !kicked) return NO_SANCTIONS;
  return {
    ...(muted ? { mutedUntil: mutedUntil.iso } : {}),
    ...(banned ? { ban: { until: ban.until } } : {}),
    ...(kicked ? { kickedUntil: kickedUntil.iso } : {}),
  };
}
