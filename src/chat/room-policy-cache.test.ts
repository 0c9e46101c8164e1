import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { loadConfig } from '../config.js';
import type { AddressHash } from '../net/address-hash.js';
import type { BannedAddress, MemberSanctions } from '../store/store.js';
import type { RoomId, StoredRoom, User, UserId } from './model.js';
import { RoomPolicyCache, toBannedHashes } from './room-policy-cache.js';

const owner: User = { id: 'owner' as UserId, nickname: 'olga', tag: '0001' };
const alice = 'alice' as UserId;
const bob = 'bob' as UserId;
const R1 = 'room1' as RoomId;
const R2 = 'room2' as RoomId;
const R3 = 'room3' as RoomId;

function storedRoom(id: RoomId, slowModeSeconds = 0): StoredRoom {
  return {
    id,
    name: `name-${id}`,
    topic: null,
    createdAt: '2023-11-14T22:13:20.000Z',
    createdBy: owner,
    lastMessageAt: null,
    lastSeq: 7,
    ownerId: owner.id,
    moderators: [],
    memberCap: null,
    slowModeSeconds,
    hasPassword: false,
    newcomerMinutes: 0,
    newcomerMessages: 0,
    approveNewcomers: false,
    notice: null,
    pins: [],
    epoch: 'epoch1',
  };
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A store whose answers the test sets, counting reads; `hold` makes the next reads wait. */
class FakeStore {
  rooms = new Map<RoomId, StoredRoom>();
  sanctionsOf = new Map<string, MemberSanctions>();
  roomReads = 0;
  sanctionReads = 0;
  held: Deferred<void> | undefined;
  failNext = false;

  async findRoom(id: RoomId): Promise<StoredRoom | undefined> {
    this.roomReads++;
    const answer = this.rooms.get(id);
    await this.held?.promise;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store down');
    }
    return answer;
  }

  readonly bannedAddresses = new Map<RoomId, BannedAddress[]>();
  addressReads = 0;

  async listBannedAddresses(roomId: RoomId, _now: Date): Promise<BannedAddress[]> {
    this.addressReads++;
    return this.bannedAddresses.get(roomId) ?? [];
  }

  async findSanctions(roomId: RoomId, userId: UserId, _now: Date): Promise<MemberSanctions> {
    this.sanctionReads++;
    const answer = this.sanctionsOf.get(`${roomId}/${userId}`) ?? {};
    await this.held?.promise;
    return answer;
  }
}

function setup(
  options: { ttlMs?: number; maxRooms?: number; maxUsersPerRoom?: number; maxSanctions?: number } = {},
) {
  const clock = new ManualClock();
  const store = new FakeStore();
  const cache = new RoomPolicyCache({
    store,
    clock,
    ttlMs: loadConfig({}).caches.roomPolicyTtlMs,
    ...options,
  });
  return { clock, store, cache };
}

const iso = (ms: number): string => new Date(ms).toISOString();

describe('RoomPolicyCache', () => {
  it('answers repeated reads from memory, without lastSeq', async () => {
    const { store, cache } = setup();
    store.rooms.set(R1, storedRoom(R1, 5));
    const first = await cache.room(R1);
    const second = await cache.room(R1);
    expect(second).toBe(first);
    expect(first?.slowModeSeconds).toBe(5);
    expect(first).not.toHaveProperty('lastSeq');
    await cache.sanctions(R1, alice);
    await cache.sanctions(R1, alice);
    expect([store.roomReads, store.sanctionReads]).toEqual([1, 1]);
  });

  it('shares one store read between concurrent misses', async () => {
    const { store, cache } = setup();
    store.rooms.set(R1, storedRoom(R1));
    await Promise.all([
      cache.room(R1),
      cache.room(R1),
      cache.sanctions(R1, alice),
      cache.sanctions(R1, alice),
    ]);
    expect([store.roomReads, store.sanctionReads]).toEqual([1, 1]);
  });

  it('reads the store again after invalidate, and only for that room', async () => {
    const { store, cache } = setup();
    store.rooms.set(R1, storedRoom(R1));
    store.rooms.set(R2, storedRoom(R2));
    await Promise.all([cache.room(R1), cache.room(R2), cache.sanctions(R1, alice)]);
    store.rooms.set(R1, storedRoom(R1, 30));
    store.sanctionsOf.set(`${R1}/${alice}`, { ban: { until: null } });
    cache.invalidate(R1);
    expect((await cache.room(R1))?.slowModeSeconds).toBe(30);
    expect(await cache.sanctions(R1, alice)).toEqual({ ban: { until: null } });
    await cache.room(R2);
    expect([store.roomReads, store.sanctionReads]).toEqual([3, 2]);
  });

  it('clear drops every room', async () => {
    const { store, cache } = setup();
    store.rooms.set(R1, storedRoom(R1));
    store.rooms.set(R2, storedRoom(R2));
    await Promise.all([cache.room(R1), cache.room(R2)]);
    cache.clear();
    expect(cache.size).toBe(0);
    await Promise.all([cache.room(R1), cache.room(R2)]);
    expect(store.roomReads).toBe(4);
  });

  it('never keeps a value read before an invalidation (generation race)', async () => {
    const { store, cache } = setup();
    store.rooms.set(R1, storedRoom(R1, 0));
    store.held = deferred<void>();
    const held = store.held;
    // The read starts with the old settings and the old (absent) sanctions...
    const staleRoom = cache.room(R1);
    const staleSanctions = cache.sanctions(R1, alice);
    // ...then the room changes and is invalidated while that read is still in flight.
    store.rooms.set(R1, storedRoom(R1, 60));
    store.sanctionsOf.set(`${R1}/${alice}`, { mutedUntil: iso(Date.UTC(2100, 0, 1)) });
    cache.invalidate(R1);
    store.held = undefined;
    held.resolve();
    expect((await staleRoom)?.slowModeSeconds).toBe(0);
    expect(await staleSanctions).toEqual({});
    // The late answer did not refill the cache: the next caller sees the change.
    expect((await cache.room(R1))?.slowModeSeconds).toBe(60);
    expect((await cache.sanctions(R1, alice)).mutedUntil).toBe(iso(Date.UTC(2100, 0, 1)));
  });

  it('reloads after the TTL', async () => {
    const { clock, store, cache } = setup({ ttlMs: 3_000 });
    store.rooms.set(R1, storedRoom(R1));
    await Promise.all([cache.room(R1), cache.sanctions(R1, alice)]);
    clock.advance(2_999);
    await Promise.all([cache.room(R1), cache.sanctions(R1, alice)]);
    expect([store.roomReads, store.sanctionReads]).toEqual([1, 1]);
    store.sanctionsOf.set(`${R1}/${alice}`, { ban: { until: null } });
    clock.advance(1);
    expect(await cache.sanctions(R1, alice)).toEqual({ ban: { until: null } });
    await cache.room(R1);
    expect([store.roomReads, store.sanctionReads]).toEqual([2, 2]);
  });

  it('ends a cached mute and a cached ban on time, without a store read', async () => {
    const { clock, store, cache } = setup({ ttlMs: 60_000 });
    const now = clock.now();
    store.sanctionsOf.set(`${R1}/${alice}`, { mutedUntil: iso(now + 2_000) });
    store.sanctionsOf.set(`${R1}/${bob}`, { ban: { until: iso(now + 5_000) }, mutedUntil: iso(now + 1_000) });
    expect(await cache.sanctions(R1, alice)).toEqual({ mutedUntil: iso(now + 2_000) });
    expect(await cache.sanctions(R1, bob)).toEqual({
      ban: { until: iso(now + 5_000) },
      mutedUntil: iso(now + 1_000),
    });
    clock.advance(1_000);
    expect(await cache.sanctions(R1, bob)).toEqual({ ban: { until: iso(now + 5_000) } });
    clock.advance(999);
    expect(await cache.sanctions(R1, alice)).toEqual({ mutedUntil: iso(now + 2_000) });
    clock.advance(1);
    expect(await cache.sanctions(R1, alice)).toEqual({});
    clock.advance(3_000);
    expect(await cache.sanctions(R1, bob)).toEqual({});
    expect(store.sanctionReads).toBe(2);
  });

  it('keeps a ban without end', async () => {
    const { clock, store, cache } = setup({ ttlMs: Number.POSITIVE_INFINITY });
    store.sanctionsOf.set(`${R1}/${alice}`, { ban: { until: null } });
    await cache.sanctions(R1, alice);
    clock.advance(10 * 365 * 24 * 3600 * 1000);
    expect(await cache.sanctions(R1, alice)).toEqual({ ban: { until: null } });
  });

  it('drops the least recently used room beyond maxRooms', async () => {
    const { store, cache } = setup({ maxRooms: 2 });
    for (const id of [R1, R2, R3]) store.rooms.set(id, storedRoom(id));
    await cache.room(R1);
    await cache.room(R2);
    await cache.room(R1); // R1 is now more recent than R2
    await cache.room(R3); // evicts R2
    expect(cache.size).toBe(2);
    expect(store.roomReads).toBe(3);
    await cache.room(R1);
    await cache.room(R3);
    expect(store.roomReads).toBe(3);
    await cache.room(R2);
    expect(store.roomReads).toBe(4);
  });

  it('drops the least recently used user beyond maxUsersPerRoom', async () => {
    const { store, cache } = setup({ maxUsersPerRoom: 1 });
    await cache.sanctions(R1, alice);
    await cache.sanctions(R1, bob);
    await cache.sanctions(R1, bob);
    expect(store.sanctionReads).toBe(2);
    await cache.sanctions(R1, alice);
    expect(store.sanctionReads).toBe(3);
  });

  it('drops least recently used rooms beyond maxSanctions over all rooms', async () => {
    const { store, cache } = setup({ maxSanctions: 3 });
    await cache.sanctions(R1, alice);
    await cache.sanctions(R1, bob);
    await cache.sanctions(R2, alice);
    await cache.sanctions(R2, alice);
    expect(store.sanctionReads).toBe(3);
    await cache.sanctions(R3, alice); // four held: R1 (the least recently used) goes
    expect(cache.size).toBe(2);
    await cache.sanctions(R2, alice);
    await cache.sanctions(R3, alice);
    expect(store.sanctionReads).toBe(4);
    cache.invalidate(R2);
    await cache.sanctions(R1, alice);
    await cache.sanctions(R1, bob);
    expect(cache.size).toBe(2); // R3 and R1 fit within the bound after the invalidation freed R2's
    expect(store.sanctionReads).toBe(6);
    await cache.sanctions(R3, alice);
    expect(store.sanctionReads).toBe(6);
  });

  it('does not cache a missing room or a failed read', async () => {
    const { store, cache } = setup();
    expect(await cache.room(R1)).toBeUndefined();
    store.rooms.set(R1, storedRoom(R1));
    store.failNext = true;
    await expect(cache.room(R1)).rejects.toThrow('store down');
    expect((await cache.room(R1))?.id).toBe(R1);
    expect(store.roomReads).toBe(3);
  });

  it("caches a room's banned address hashes until the room is invalidated", async () => {
    const { store, cache } = setup();
    const h = 'hash-a' as AddressHash;
    store.bannedAddresses.set(R1, [{ hash: h, until: null }]);
    expect([...(await cache.addressBans(R1))]).toEqual([[h, null]]);
    store.bannedAddresses.set(R1, []);
    expect([...(await cache.addressBans(R1))]).toEqual([[h, null]]);
    expect(store.addressReads).toBe(1);
    cache.invalidate(R1);
    expect([...(await cache.addressBans(R1))]).toEqual([]);
    expect(store.addressReads).toBe(2);
  });

  it('ends a cached kick cool-down on time', async () => {
    const { clock, store, cache } = setup();
    store.sanctionsOf.set(`${R1}/${alice}`, { kickedUntil: iso(clock.now() + 10_000) });
    expect(await cache.sanctions(R1, alice)).toEqual({ kickedUntil: iso(clock.now() + 10_000) });
    clock.advance(10_000);
    expect(await cache.sanctions(R1, alice)).toEqual({});
  });
});

describe('toBannedHashes', () => {
  it('keeps one end per hash: the later one, and forever over any time', () => {
    const a = 'a' as AddressHash;
    const b = 'b' as AddressHash;
    const banned = toBannedHashes([
      { hash: a, until: iso(1000) },
      { hash: a, until: iso(5000) },
      { hash: b, until: null },
      { hash: b, until: iso(9000) },
    ]);
    expect(banned.get(a)).toBe(5000);
    expect(banned.get(b)).toBeNull();
  });
});
