// One contract for every RateLimiter: burst capacity, refill, retryAfterMs, cost, key isolation,
// buckets shared by two nodes. Run against MemoryRateLimiter and RedisRateLimiter (unique prefix per
// test), both on a ManualClock; then what only one of them promises (memory bounds, Redis TIME, expiry).
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Clock, ManualClock } from '../src/clock.js';
import type { BackoffRule, RateLimiter, RateRule } from '../src/cluster/bus.js';
import { MemoryBuckets, MemoryRateLimiter } from '../src/cluster/memory-rate-limiter.js';
import type { RedisConnections } from '../src/cluster/redis-client.js';
import { RedisRateLimiter } from '../src/cluster/redis-rate-limiter.js';
import {
  deleteKeys,
  openTestConnections,
  redisAvailable,
  uniqueKeyPrefix,
  withRedis,
} from './support/redis.js';

/** Limiters made from one deployment share their buckets; `teardown` closes them and removes data. */
interface RateDeployment {
  node(clock: Clock): Promise<RateLimiter>;
  teardown(): Promise<void>;
}

const RULE: RateRule = { capacity: 3, refillPerSecond: 1 };

async function takeMany(limiter: RateLimiter, key: string, n: number, rule = RULE): Promise<boolean[]> {
  const allowed: boolean[] = [];
  for (let i = 0; i < n; i++) allowed.push((await limiter.take(key, rule)).allowed);
  return allowed;
}

function describeRateLimiterContract(
  name: string,
  make: () => Promise<RateDeployment>,
  enabled = true,
): void {
  describe.skipIf(!enabled)(`RateLimiter contract: ${name}`, () => {
    const deployments: RateDeployment[] = [];
    const deploy = async (): Promise<RateDeployment> => {
      const deployment = await make();
      deployments.push(deployment);
      return deployment;
    };
    afterEach(async () => {
      await Promise.all(deployments.splice(0).map((d) => d.teardown()));
    });

    it('allows a burst of `capacity`, then refuses with the time until the next token', async () => {
      const limiter = await (await deploy()).node(new ManualClock());
      expect(await takeMany(limiter, 'send:u1', 3)).toEqual([true, true, true]);
      expect(await limiter.take('send:u1', RULE)).toEqual({ allowed: false, retryAfterMs: 1000 });
    });

    it('refills at refillPerSecond and reports an exact retryAfterMs', async () => {
      const clock = new ManualClock();
      const limiter = await (await deploy()).node(clock);
      await takeMany(limiter, 'k', 3);
      clock.advance(400);
      expect(await limiter.take('k', RULE)).toEqual({ allowed: false, retryAfterMs: 600 });
      clock.advance(599);
      expect(await limiter.take('k', RULE)).toEqual({ allowed: false, retryAfterMs: 1 });
      clock.advance(1);
      expect(await limiter.take('k', RULE)).toEqual({ allowed: true, retryAfterMs: 0 });
      expect(await limiter.take('k', RULE)).toEqual({ allowed: false, retryAfterMs: 1000 });
    });

    it('never holds more than capacity, however long it was idle', async () => {
      const clock = new ManualClock();
      const limiter = await (await deploy()).node(clock);
      await takeMany(limiter, 'k', 1);
      clock.advance(3_600_000);
      expect(await takeMany(limiter, 'k', 4)).toEqual([true, true, true, false]);
    });

    it('charges `cost` tokens and tells how long until that many are there', async () => {
      const clock = new ManualClock();
      const limiter = await (await deploy()).node(clock);
      const rule: RateRule = { capacity: 10, refillPerSecond: 4 };
      expect(await limiter.take('k', rule, 8)).toEqual({ allowed: true, retryAfterMs: 0 });
      expect(await limiter.take('k', rule, 5)).toEqual({ allowed: false, retryAfterMs: 750 });
      clock.advance(750);
      expect(await limiter.take('k', rule, 5)).toEqual({ allowed: true, retryAfterMs: 0 });
    });

    it('keeps keys apart', async () => {
      const limiter = await (await deploy()).node(new ManualClock());
      await takeMany(limiter, 'send:u1', 3);
      expect((await limiter.take('send:u1', RULE)).allowed).toBe(false);
      expect((await limiter.take('send:u2', RULE)).allowed).toBe(true);
    });

    it('shares one bucket between two nodes', async () => {
      const deployment = await deploy();
      const clock = new ManualClock();
      const [a, b] = await Promise.all([deployment.node(clock), deployment.node(clock)]);
      expect(await takeMany(a, 'send:u1', 2)).toEqual([true, true]);
      expect(await takeMany(b, 'send:u1', 2)).toEqual([true, false]);
      expect((await a.take('send:u1', RULE)).allowed).toBe(false);
    });

    it('grants exactly `capacity` of many concurrent takes across two nodes', async () => {
      const deployment = await deploy();
      const clock = new ManualClock();
      const [a, b] = await Promise.all([deployment.node(clock), deployment.node(clock)]);
      const rule: RateRule = { capacity: 7, refillPerSecond: 1 };
      const decisions = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).take('burst', rule)),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    });

    it('attempt: free attempts pass, then each one starts a doubling delay (capped) that refuses', async () => {
      const clock = new ManualClock();
      const limiter = await (await deploy()).node(clock);
      const rule: BackoffRule = {
        freeAttempts: 2,
        baseDelayMs: 1000,
        maxDelayMs: 3000,
        resetAfterMs: 60_000,
      };
      expect(await limiter.attempt('guess:u1', rule)).toEqual({ allowed: true, retryAfterMs: 0 });
      expect(await limiter.attempt('guess:u1', rule)).toEqual({ allowed: true, retryAfterMs: 0 });
      // The third starts a 1 s delay; attempts refused during it are not counted.
      expect(await limiter.attempt('guess:u1', rule)).toEqual({ allowed: true, retryAfterMs: 0 });
      expect(await limiter.attempt('guess:u1', rule)).toEqual({ allowed: false, retryAfterMs: 1000 });
      clock.advance(999);
      expect(await limiter.attempt('guess:u1', rule)).toEqual({ allowed: false, retryAfterMs: 1 });
      clock.advance(1);
      expect((await limiter.attempt('guess:u1', rule)).allowed).toBe(true);
      expect(await limiter.attempt('guess:u1', rule)).toEqual({ allowed: false, retryAfterMs: 2000 });
      clock.advance(2000);
      expect((await limiter.attempt('guess:u1', rule)).allowed).toBe(true);
      expect(await limiter.attempt('guess:u1', rule)).toEqual({ allowed: false, retryAfterMs: 3000 });
      expect((await limiter.attempt('guess:u2', rule)).allowed).toBe(true);
    });

    it('attempt: forgive and a quiet resetAfterMs start a key over', async () => {
      const clock = new ManualClock();
      const limiter = await (await deploy()).node(clock);
      const rule: BackoffRule = { freeAttempts: 1, baseDelayMs: 500, maxDelayMs: 500, resetAfterMs: 10_000 };
      await limiter.attempt('k', rule);
      await limiter.attempt('k', rule);
      expect((await limiter.attempt('k', rule)).allowed).toBe(false);
      await limiter.forgive('k');
      expect((await limiter.attempt('k', rule)).allowed).toBe(true);
      expect((await limiter.attempt('k', rule)).allowed).toBe(true);
      expect((await limiter.attempt('k', rule)).allowed).toBe(false);
      clock.advance(10_000);
      expect((await limiter.attempt('k', rule)).allowed).toBe(true);
      expect((await limiter.attempt('k', rule)).allowed).toBe(true);
      await limiter.forgive('never-seen');
    });

    it('refund takes one attempt back and ends a delay once the count is within the free ones', async () => {
      const clock = new ManualClock();
      const limiter = await (await deploy()).node(clock);
      const rule: BackoffRule = {
        freeAttempts: 2,
        baseDelayMs: 1000,
        maxDelayMs: 8000,
        resetAfterMs: 60_000,
      };
      for (let i = 0; i < 3; i++) expect((await limiter.attempt('room:r', rule)).allowed).toBe(true);
      expect((await limiter.attempt('room:r', rule)).allowed).toBe(false);
      await limiter.refund('room:r', rule);
      // Two counted now, within the free ones: the delay is over and the next attempt starts a new one.
      expect((await limiter.attempt('room:r', rule)).allowed).toBe(true);
      expect(await limiter.attempt('room:r', rule)).toEqual({ allowed: false, retryAfterMs: 1000 });
      clock.advance(1000);
      expect((await limiter.attempt('room:r', rule)).allowed).toBe(true);
      await limiter.refund('room:r', rule);
      // Four counted, still past the free ones: the running 2 s delay stays.
      expect(await limiter.attempt('room:r', rule)).toEqual({ allowed: false, retryAfterMs: 2000 });
      await limiter.refund('never-seen', rule);
      expect((await limiter.attempt('never-seen', rule)).allowed).toBe(true);
    });

    it('attempt: concurrent attempts on two nodes pass only the free ones and one more', async () => {
      const deployment = await deploy();
      const clock = new ManualClock();
      const [a, b] = await Promise.all([deployment.node(clock), deployment.node(clock)]);
      const rule: BackoffRule = {
        freeAttempts: 5,
        baseDelayMs: 1000,
        maxDelayMs: 60_000,
        resetAfterMs: 60_000,
      };
      const decisions = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).attempt('room:r1', rule)),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(6);
      await expect(a.attempt('k', { ...rule, baseDelayMs: 0 })).rejects.toMatchObject({
        code: 'internal_error',
      });
    });

    it('rejects a rule or cost that can never be met, and use after close', async () => {
      const limiter = await (await deploy()).node(new ManualClock());
      await expect(limiter.take('k', { capacity: 0, refillPerSecond: 1 })).rejects.toMatchObject({
        code: 'internal_error',
      });
      await expect(limiter.take('k', RULE, 4)).rejects.toMatchObject({ code: 'internal_error' });
      await limiter.close();
      await expect(limiter.take('k', RULE)).rejects.toMatchObject({ code: 'shutting_down' });
    });
  });
}

describeRateLimiterContract('MemoryRateLimiter', async () => {
  const buckets = new MemoryBuckets();
  const nodes: RateLimiter[] = [];
  return {
    async node(clock) {
      const limiter = new MemoryRateLimiter({ clock, buckets });
      nodes.push(limiter);
      return limiter;
    },
    async teardown() {
      await Promise.all(nodes.map((limiter) => limiter.close()));
    },
  };
});

const redisUp = await redisAvailable();

describeRateLimiterContract(
  'RedisRateLimiter',
  async () => {
    const keyPrefix = uniqueKeyPrefix('rate');
    const nodes: RateLimiter[] = [];
    const connections: RedisConnections[] = [];
    return {
      async node(clock) {
        const opened = await openTestConnections();
        connections.push(opened);
        const limiter = new RedisRateLimiter({ client: opened.command, keyPrefix, clock });
        nodes.push(limiter);
        await limiter.prepare();
        return limiter;
      },
      async teardown() {
        await Promise.all(nodes.map((limiter) => limiter.close()));
        await Promise.all(connections.map((c) => c.close()));
        await deleteKeys(keyPrefix);
      },
    };
  },
  redisUp,
);

describe('MemoryRateLimiter bounds', () => {
  it('drops refilled buckets on its sweep and the stalest past maxBuckets', async () => {
    const clock = new ManualClock();
    const buckets = new MemoryBuckets(3);
    const limiter = new MemoryRateLimiter({ clock, buckets, sweepIntervalMs: 1_000 });
    try {
      for (let i = 0; i < 10; i++) await limiter.take(`k${i}`, RULE);
      expect(buckets.size).toBe(3);
      // The stalest went; the newest are still being charged.
      expect(buckets.find('k0')).toBeUndefined();
      expect(buckets.find('k9')?.tokens).toBe(2);
      clock.advance(1_000);
      expect(buckets.size).toBe(0);
    } finally {
      await limiter.close();
    }
  });
});

describe.skipIf(!redisUp)('RedisRateLimiter specifics', () => {
  it('uses Redis TIME without a clock, and lets keys expire once they would be full', async () => {
    const keyPrefix = uniqueKeyPrefix('rate');
    const connections = await openTestConnections();
    const limiter = new RedisRateLimiter({ client: connections.command, keyPrefix });
    const key = `send:${randomUUID()}`;
    const rule: RateRule = { capacity: 1, refillPerSecond: 20 };
    try {
      await limiter.prepare();
      expect((await limiter.take(key, rule)).allowed).toBe(true);
      const refused = await limiter.take(key, rule);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(50);
      const ttl = await withRedis((redis) => redis.pttl(`${keyPrefix}rate:${key}`));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(51);
      await vi.waitFor(async () => expect((await limiter.take(key, rule)).allowed).toBe(true), {
        timeout: 2_000,
        interval: 20,
      });
      await vi.waitFor(
        async () => expect(await withRedis((redis) => redis.exists(`${keyPrefix}rate:${key}`))).toBe(0),
        { timeout: 2_000, interval: 20 },
      );
    } finally {
      await limiter.close();
      await connections.close();
      await deleteKeys(keyPrefix);
    }
  });

  it('expires a bucket key exactly when it would be full again', async () => {
    const keyPrefix = uniqueKeyPrefix('rate');
    const connections = await openTestConnections();
    const limiter = new RedisRateLimiter({
      client: connections.command,
      keyPrefix,
      clock: new ManualClock(),
    });
    try {
      await limiter.prepare();
      await takeMany(limiter, 'k', 3);
      const ttl = await withRedis((redis) => redis.pttl(`${keyPrefix}rate:k`));
      // Three tokens short at 1/s: full in 3 s (+1 ms of slack in the script).
      expect(ttl).toBeGreaterThan(2_500);
      expect(ttl).toBeLessThanOrEqual(3_001);
    } finally {
      await limiter.close();
      await connections.close();
      await deleteKeys(keyPrefix);
    }
  });
});
