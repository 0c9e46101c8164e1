import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomId, User } from '../src/chat/model.js';
import type { RoomDomain } from '../src/chat/room-domain.js';
import type { Cache } from '../src/cluster/bus.js';
import { MemoryBus } from '../src/cluster/memory-bus.js';
import { RedisCache } from '../src/cluster/redis-cache.js';
import type { RedisConnections } from '../src/cluster/redis-client.js';
import { loadConfig } from '../src/config.js';
import type { Store } from '../src/store/store.js';
import { makePostgresFixture } from './fixtures/store-fixtures.js';
import { clusterSkipReason } from './support/cluster.js';
import { deleteKeys, openTestConnections, uniqueKeyPrefix } from './support/redis.js';
import { makeRoomDomain } from './support/room-domain.js';
import { prng } from './support/seeded-random.js';

const skip = (await clusterSkipReason()) !== undefined;

/** Counts every call of every Store method, whatever the Store interface holds. */
function countingStore(store: Store): { store: Store; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]): unknown => {
        counts.set(property, (counts.get(property) ?? 0) + 1);
        return Reflect.apply(value, target, args);
      };
    },
  });
  return { store: proxy, counts };
}

interface Run {
  readonly reads: number;
  readonly writes: number;
  readonly counts: Map<string, number>;
}

describe.skipIf(skip)('the shared cache on a realistic read/write mix', () => {
  let fixture: Awaited<ReturnType<typeof makePostgresFixture>>;
  let reference: Store;
  const prefixes: string[] = [];

  beforeAll(async () => {
    fixture = await makePostgresFixture();
    reference = await fixture.open();
  });
  afterAll(async () => {
    await fixture?.dispose();
    for (const prefix of prefixes) await deleteKeys(prefix);
  });

  /** Two nodes, one database, optionally one cache; the same seeded mix of `operations`. */
  async function run(withCache: boolean, operations: number): Promise<Run> {
    const { store, counts } = countingStore(await fixture.open());
    const prefix = uniqueKeyPrefix('cache-measure');
    prefixes.push(prefix);
    const caches: RedisCache[] = [];
    const connections: RedisConnections[] = [];
    const bus = new MemoryBus();
    const node = async (): Promise<RoomDomain> => {
      let cache: Cache | undefined;
      if (withCache) {
        const opened = await openTestConnections();
        connections.push(opened);
        const redisCache = new RedisCache({
          client: opened.command,
          keyPrefix: prefix,
          commandTimeoutMs: loadConfig({}).redisCommandTimeoutMs,
        });
        await redisCache.prepare();
        caches.push(redisCache);
        cache = redisCache;
      }
      return makeRoomDomain(store, { bus, ...(cache === undefined ? {} : { cache }) });
    };
    const nodes = [await node(), await node()];
    try {
      const random = prng(42);
      const pick = <T>(items: readonly T[]): T => {
        const item = items[Math.floor(random() * items.length)];
        if (item === undefined) throw new Error('empty');
        return item;
      };
      const users: User[] = ['ana', 'ben', 'cho', 'dev'].map((nickname, i) => ({
        id: `00000000-0000-4000-8000-00000000000${i}` as User['id'],
        nickname,
        tag: `000${i}`,
      }));
      const rooms: RoomId[] = [];
      for (const name of ['lobby', 'news', 'help', 'random']) {
        rooms.push((await pick(nodes).rooms.createRoom(pick(users), { name })).id);
      }
      // Each room starts with some history, as a live deployment's rooms have.
      for (const roomId of rooms) {
        for (let k = 0; k < 60; k++)
          await pick(nodes).execute(pick(users), { kind: 'post', roomId, body: `seed ${k}` });
      }
      counts.clear();
      let writes = 0;
      for (let op = 0; op < operations; op++) {
        const chat = pick(nodes);
        const roomId = pick(rooms);
        const roll = random();
        if (roll < 0.1) {
          await chat.execute(pick(users), { kind: 'post', roomId, body: `message ${op}` });
          writes++;
          continue;
        }
        if (roll < 0.3) {
          expect((await chat.rooms.getRoom(roomId)).id).toBe(roomId);
          continue;
        }
        if (roll < 0.4) {
          await chat.membership.members(roomId);
          continue;
        }
        // History: mostly the latest page (opening a room), some scrolling back, some catching up.
        const head = (await reference.findRoom(roomId))?.lastSeq ?? 0;
        const kind = random();
        const range =
          kind < 0.7
            ? { limit: 50 }
            : kind < 0.85
              ? { beforeSeq: Math.max(1, head - Math.floor(random() * 120)), limit: 50 }
              : { afterSeq: Math.max(0, head - 1 - Math.floor(random() * 10)), limit: 50 };
        const answer = (await chat.rooms.history(roomId, range)).map((m) => m.seq);
        const truth = (await reference.listMessages(roomId, range)).map((m) => m.seq);
        expect(answer).toEqual(truth);
      }
      const reads = [...counts].reduce((sum, [method, n]) => (method === 'appendMessage' ? sum : sum + n), 0);
      return { reads, writes, counts: new Map(counts) };
    } finally {
      await Promise.all([...nodes.map((n) => n.close()), ...caches.map((c) => c.close()), bus.close()]);
      await Promise.all(connections.map((c) => c.close()));
    }
  }

  it('answers exactly as the store does, with fewer store reads', async () => {
    const operations = 1000;
    const without = await run(false, operations);
    const withCache = await run(true, operations);
    const saved = 1 - withCache.reads / without.reads;
    console.log(
      `[cache] ${operations} operations (10% posts, 20% room, 10% members, 60% history) on 2 nodes: ` +
        `store reads without cache ${without.reads} ${JSON.stringify(Object.fromEntries(without.counts))}, ` +
        `with cache ${withCache.reads} ${JSON.stringify(Object.fromEntries(withCache.counts))}; ` +
        `saved ${(saved * 100).toFixed(1)}%`,
    );
    expect(withCache.writes).toBe(without.writes);
    expect(withCache.reads).toBeLessThan(without.reads / 2);
  }, 60_000);
});
