// One contract for every Cache: round trip, overwrite, expiry after ttlMs, multi-key delete, values
// shared by nodes of one deployment and kept apart from other deployments. Run against MemoryCache
// (ManualClock) and RedisCache (real Redis expiry, unique key prefix per test).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { Cache } from '../src/cluster/bus.js';
import { MemoryCache } from '../src/cluster/memory-cache.js';
import { RedisCache } from '../src/cluster/redis-cache.js';
import type { RedisConnections } from '../src/cluster/redis-client.js';
import { loadConfig } from '../src/config.js';
import {
  deleteKeys,
  openTestConnections,
  redisAvailable,
  startRedisProxy,
  uniqueKeyPrefix,
  withRedis,
} from './support/redis.js';

/** Nodes made from one deployment share their entries; `teardown` closes them and removes data. */
interface CacheDeployment {
  node(): Promise<Cache>;
  /** Lets `ms` of the cache's time pass (a manual clock moves; real time is simply waited for below). */
  elapse(ms: number): void;
  teardown(): Promise<void>;
}

const waitOpts = { timeout: 3_000, interval: 20 };

function describeCacheContract(name: string, make: () => Promise<CacheDeployment>, enabled = true): void {
  describe.skipIf(!enabled)(`Cache contract: ${name}`, () => {
    const deployments: CacheDeployment[] = [];
    const deploy = async (): Promise<CacheDeployment> => {
      const deployment = await make();
      deployments.push(deployment);
      return deployment;
    };
    afterEach(async () => {
      await Promise.all(deployments.splice(0).map((d) => d.teardown()));
    });

    it('misses an unknown key, returns what was set, and overwrites', async () => {
      const cache = await (await deploy()).node();
      expect(await cache.get('room:1')).toBeUndefined();
      await cache.set('room:1', '{"name":"한국어 🎉"}', 60_000);
      expect(await cache.get('room:1')).toBe('{"name":"한국어 🎉"}');
      await cache.set('room:1', 'v2', 60_000);
      expect(await cache.get('room:1')).toBe('v2');
      await cache.set('empty', '', 60_000);
      expect(await cache.get('empty')).toBe('');
    });

    it('forgets a value once its ttl has passed', async () => {
      const deployment = await deploy();
      const cache = await deployment.node();
      await cache.set('short', 'soon gone', 300);
      await cache.set('long', 'stays', 60_000);
      expect(await cache.get('short')).toBe('soon gone');
      deployment.elapse(300);
      await vi.waitFor(async () => expect(await cache.get('short')).toBeUndefined(), waitOpts);
      expect(await cache.get('long')).toBe('stays');
    });

    it('deletes several keys at once, ignoring missing ones', async () => {
      const cache = await (await deploy()).node();
      await cache.set('a', '1', 60_000);
      await cache.set('b', '2', 60_000);
      await cache.set('c', '3', 60_000);
      await cache.delete(['a', 'b', 'missing']);
      await cache.delete([]);
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.get('b')).toBeUndefined();
      expect(await cache.get('c')).toBe('3');
    });

    it('shares entries between the nodes of one deployment, and only there', async () => {
      const [one, two] = await Promise.all([deploy(), deploy()]);
      const [a, b, stranger] = await Promise.all([one.node(), one.node(), two.node()]);
      await a.set('history:r1:latest', '[1,2,3]', 60_000);
      expect(await b.get('history:r1:latest')).toBe('[1,2,3]');
      expect(await stranger.get('history:r1:latest')).toBeUndefined();
      await b.delete(['history:r1:latest']);
      expect(await a.get('history:r1:latest')).toBeUndefined();
    });

    it('moves a versioned value only forward, and reads it back with its version', async () => {
      const cache = await (await deploy()).node();
      expect(await cache.getVersioned('head:r1')).toBeUndefined();
      await cache.setIfNewer('head:r1', 5, '{"at":"5:00"}', 60_000);
      expect(await cache.getVersioned('head:r1')).toEqual({ version: 5, value: '{"at":"5:00"}' });
      await cache.setIfNewer('head:r1', 4, 'older', 60_000);
      await cache.setIfNewer('head:r1', 5, 'same version', 60_000);
      expect(await cache.getVersioned('head:r1')).toEqual({ version: 5, value: '{"at":"5:00"}' });
      await cache.setIfNewer('head:r1', 6, 'newer', 60_000);
      expect(await cache.getVersioned('head:r1')).toEqual({ version: 6, value: 'newer' });
      // A plain value under that key is no versioned value.
      await cache.set('plain', 'no version here', 60_000);
      expect(await cache.getVersioned('plain')).toBeUndefined();
    });

    it('keeps the highest version when nodes race', async () => {
      const deployment = await deploy();
      const [a, b] = await Promise.all([deployment.node(), deployment.node()]);
      const versions = Array.from({ length: 30 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
      await Promise.all(
        versions.map((v, i) => (i % 2 === 0 ? a : b).setIfNewer('head:r2', v, `v${v}`, 60_000)),
      );
      expect(await a.getVersioned('head:r2')).toEqual({ version: 30, value: 'v30' });
    });

    it('refuses use after close', async () => {
      const cache = await (await deploy()).node();
      await cache.close();
      await cache.close();
      await expect(cache.get('a')).rejects.toMatchObject({ code: 'shutting_down' });
      await expect(cache.set('a', '1', 1_000)).rejects.toMatchObject({ code: 'shutting_down' });
    });
  });
}

describeCacheContract('MemoryCache', async () => {
  const clock = new ManualClock();
  // One node is the whole deployment in process: every "node" is the same cache.
  const cache = new MemoryCache({ clock });
  return {
    async node() {
      return cache;
    },
    elapse: (ms) => clock.advance(ms),
    teardown: () => cache.close(),
  };
});

const redisUp = await redisAvailable();

describeCacheContract(
  'RedisCache',
  async () => {
    const keyPrefix = uniqueKeyPrefix('cache');
    const nodes: RedisCache[] = [];
    const connections: RedisConnections[] = [];
    return {
      async node() {
        const opened = await openTestConnections();
        connections.push(opened);
        const cache = new RedisCache({
          client: opened.command,
          keyPrefix,
          commandTimeoutMs: loadConfig({}).redisCommandTimeoutMs,
        });
        nodes.push(cache);
        await cache.prepare();
        return cache;
      },
      elapse: () => undefined,
      async teardown() {
        await Promise.all(nodes.map((cache) => cache.close()));
        await Promise.all(connections.map((c) => c.close()));
        await deleteKeys(keyPrefix);
      },
    };
  },
  redisUp,
);

describe('MemoryCache bounds', () => {
  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const cache = new MemoryCache({ clock: new ManualClock(), maxEntries: 2 });
    try {
      await cache.set('a', '1', 60_000);
      await cache.set('b', '2', 60_000);
      expect(await cache.get('a')).toBe('1'); // 'b' is now the least recently used
      await cache.set('c', '3', 60_000);
      expect(cache.size).toBe(2);
      expect(await cache.get('b')).toBeUndefined();
      expect(await cache.get('a')).toBe('1');
      expect(await cache.get('c')).toBe('3');
    } finally {
      await cache.close();
    }
  });
});

describe.skipIf(!redisUp)('RedisCache specifics', () => {
  it('stores under its prefix with a Redis expiry, so nothing outlives its ttl', async () => {
    const keyPrefix = uniqueKeyPrefix('cache');
    const connections = await openTestConnections();
    const cache = new RedisCache({
      client: connections.command,
      keyPrefix,
      commandTimeoutMs: loadConfig({}).redisCommandTimeoutMs,
    });
    try {
      await cache.prepare();
      await cache.set('room:1', 'x', 5_000);
      const ttl = await withRedis((redis) => redis.pttl(`${keyPrefix}cache:room:1`));
      expect(ttl).toBeGreaterThan(4_000);
      expect(ttl).toBeLessThanOrEqual(5_000);
    } finally {
      await cache.close();
      await connections.close();
      await deleteKeys(keyPrefix);
    }
  });

  it('misses instead of failing or waiting while the shared connection is away', async () => {
    const proxy = await startRedisProxy();
    const errors: unknown[] = [];
    const connections = await openTestConnections({ redis: proxy.url, onError: () => undefined });
    const cache = new RedisCache({
      client: connections.command,
      keyPrefix: uniqueKeyPrefix('cache'),
      commandTimeoutMs: 200,
      onError: (e) => errors.push(e),
    });
    try {
      await proxy.cut();
      const startedMs = Date.now();
      // The connection queues commands while it reconnects; the cache must not wait for it.
      expect(await cache.get('room:1')).toBeUndefined();
      expect(Date.now() - startedMs).toBeLessThan(2_000);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await cache.close();
      await connections.close();
      await proxy.close();
    }
  });
});
