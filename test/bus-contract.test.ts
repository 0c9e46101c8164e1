// One contract for every Bus: delivery across nodes and to self, per-channel order, unsubscribe,
// isolation of a throwing listener, resync after a forced reconnect, close. Run against MemoryBus
// and RedisBus (on the machine's Redis, a unique prefix per test).
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bus } from '../src/cluster/bus.js';
import { MemoryBus, MemoryBusHub } from '../src/cluster/memory-bus.js';
import { RedisBus } from '../src/cluster/redis-bus.js';
import { ParleyError } from '../src/errors.js';
import {
  clientIdsNamed,
  killClientsNamed,
  REDIS_TEST_URL,
  redisAvailable,
  startRedisProxy,
  uniqueKeyPrefix,
} from './support/redis.js';

/** One deployment: every node made from it shares the medium; nodes are closed by `teardown`. */
interface BusDeployment {
  node(options?: { onError?: (error: unknown) => void }): Promise<Bus>;
  /** Drops a node's subscriber connection as a network failure would; undefined if it cannot happen. */
  readonly forceReconnect: ((bus: Bus) => Promise<void>) | undefined;
  teardown(): Promise<void>;
}

const waitOpts = { timeout: 5_000, interval: 10 };

function collector(): { received: string[]; listener: (payload: string) => void } {
  const received: string[] = [];
  return { received, listener: (payload) => received.push(payload) };
}

function describeBusContract(name: string, make: () => Promise<BusDeployment>, enabled = true): void {
  describe.skipIf(!enabled)(`Bus contract: ${name}`, () => {
    const deployments: BusDeployment[] = [];
    const deploy = async (): Promise<BusDeployment> => {
      const deployment = await make();
      deployments.push(deployment);
      return deployment;
    };
    afterEach(async () => {
      await Promise.all(deployments.splice(0).map((d) => d.teardown()));
    });

    it('delivers a publication to the publishing node itself', async () => {
      const bus = await (await deploy()).node();
      const { received, listener } = collector();
      await bus.subscribe('room.1', listener);
      await bus.publish('room.1', 'hello');
      await vi.waitFor(() => expect(received).toEqual(['hello']), waitOpts);
    });

    it('delivers across nodes, in publish order per channel', async () => {
      const deployment = await deploy();
      const [a, b] = await Promise.all([deployment.node(), deployment.node()]);
      const { received, listener } = collector();
      await b.subscribe('room.1', listener);
      const sent = Array.from({ length: 300 }, (_, i) => `m${i}`);
      // Fired without awaiting each, as a busy node would.
      await Promise.all(sent.map((payload) => a.publish('room.1', payload)));
      await vi.waitFor(() => expect(received).toHaveLength(sent.length), waitOpts);
      expect(received).toEqual(sent);
    });

    it('keeps channels apart and reaches every listener of a channel', async () => {
      const deployment = await deploy();
      const [a, b] = await Promise.all([deployment.node(), deployment.node()]);
      const one = collector();
      const two = collector();
      const other = collector();
      await a.subscribe('room.1', one.listener);
      await b.subscribe('room.1', two.listener);
      await b.subscribe('room.2', other.listener);
      await a.publish('room.1', 'x');
      await a.publish('room.2', 'y');
      await vi.waitFor(() => expect(other.received).toEqual(['y']), waitOpts);
      await vi.waitFor(() => expect(one.received).toEqual(['x']), waitOpts);
      await vi.waitFor(() => expect(two.received).toEqual(['x']), waitOpts);
    });

    it('stops delivering to an unsubscribed listener and keeps the others', async () => {
      const deployment = await deploy();
      const bus = await deployment.node();
      const gone = collector();
      const kept = collector();
      const unsubscribe = await bus.subscribe('room.1', gone.listener);
      await bus.subscribe('room.1', kept.listener);
      await bus.publish('room.1', 'before');
      await vi.waitFor(() => expect(gone.received).toEqual(['before']), waitOpts);
      await unsubscribe();
      await unsubscribe(); // a second call is harmless
      await bus.publish('room.1', 'after');
      await vi.waitFor(() => expect(kept.received).toEqual(['before', 'after']), waitOpts);
      // Both listeners are served from the same delivery, so 'after' has been dispatched already.
      expect(gone.received).toEqual(['before']);
    });

    it('stops the channel once its last listener left, and can subscribe again', async () => {
      const deployment = await deploy();
      const [a, b] = await Promise.all([deployment.node(), deployment.node()]);
      const first = collector();
      const unsubscribe = await b.subscribe('room.1', first.listener);
      await unsubscribe();
      const marker = collector();
      await b.subscribe('marker', marker.listener);
      await a.publish('room.1', 'lost');
      await a.publish('marker', 'done');
      await vi.waitFor(() => expect(marker.received).toEqual(['done']), waitOpts);
      expect(first.received).toEqual([]);
      const again = collector();
      await b.subscribe('room.1', again.listener);
      await a.publish('room.1', 'back');
      await vi.waitFor(() => expect(again.received).toEqual(['back']), waitOpts);
    });

    it('isolates a throwing listener: the others still receive, and the error is reported', async () => {
      const deployment = await deploy();
      const errors: unknown[] = [];
      const bus = await deployment.node({ onError: (error) => errors.push(error) });
      const { received, listener } = collector();
      await bus.subscribe('room.1', () => {
        throw new Error('listener bug');
      });
      await bus.subscribe('room.1', listener);
      await bus.publish('room.1', 'a');
      await bus.publish('room.1', 'b');
      await vi.waitFor(() => expect(received).toEqual(['a', 'b']), waitOpts);
      expect(errors.length).toBeGreaterThanOrEqual(2);
      expect(String(errors[0])).toContain('listener bug');
    });

    it('answers ping, refuses use after close, and closes twice without harm', async () => {
      const bus = await (await deploy()).node();
      await expect(bus.ping()).resolves.toBeUndefined();
      await bus.close();
      await bus.close();
      await expect(bus.publish('room.1', 'late')).rejects.toBeInstanceOf(ParleyError);
      await expect(bus.subscribe('room.1', () => undefined)).rejects.toMatchObject({ code: 'shutting_down' });
    });

    it('does not cross deployments', async () => {
      const [one, two] = await Promise.all([deploy(), deploy()]);
      const [a, b] = await Promise.all([one.node(), two.node()]);
      const seenByB = collector();
      const seenByA = collector();
      await b.subscribe('room.1', seenByB.listener);
      await a.subscribe('room.1', seenByA.listener);
      await a.publish('room.1', 'private');
      await vi.waitFor(() => expect(seenByA.received).toEqual(['private']), waitOpts);
      await b.publish('room.1', 'own');
      await vi.waitFor(() => expect(seenByB.received).toEqual(['own']), waitOpts);
    });

    it('fires onResync after a reconnect (not on first connect) with subscriptions active again', async (ctx) => {
      const deployment = await deploy();
      if (deployment.forceReconnect === undefined) {
        ctx.skip(`${name} never disconnects`);
        return;
      }
      const [a, b] = await Promise.all([deployment.node(), deployment.node()]);
      let resyncs = 0;
      b.onResync(() => {
        resyncs += 1;
      });
      const { received, listener } = collector();
      await b.subscribe('room.1', listener);
      await a.publish('room.1', 'one');
      await vi.waitFor(() => expect(received).toEqual(['one']), waitOpts);
      expect(resyncs).toBe(0);
      await deployment.forceReconnect(b);
      await vi.waitFor(() => expect(resyncs).toBe(1), waitOpts);
      // onResync promises the subscription is live again: the very next publication must arrive.
      await a.publish('room.1', 'two');
      await vi.waitFor(() => expect(received).toEqual(['one', 'two']), waitOpts);
    });
  });
}

describeBusContract('MemoryBus', async () => {
  const hub = new MemoryBusHub();
  const nodes: Bus[] = [];
  return {
    async node(options) {
      const bus = new MemoryBus({
        hub,
        ...(options?.onError === undefined ? {} : { onError: options.onError }),
      });
      nodes.push(bus);
      return bus;
    },
    forceReconnect: undefined,
    async teardown() {
      await Promise.all(nodes.map((bus) => bus.close()));
    },
  };
});

const withRedis = await redisAvailable();

describeBusContract(
  'RedisBus',
  async () => {
    const keyPrefix = uniqueKeyPrefix('bus');
    const nodes: RedisBus[] = [];
    const names = new Map<Bus, string>();
    return {
      async node(options) {
        const connectionName = `parley-test-${randomUUID().slice(0, 8)}`;
        const bus = new RedisBus({
          redis: REDIS_TEST_URL,
          keyPrefix,
          connectionName,
          ...(options?.onError === undefined ? {} : { onError: options.onError }),
        });
        nodes.push(bus);
        names.set(bus, connectionName);
        await bus.connect();
        return bus;
      },
      async forceReconnect(bus) {
        const name = names.get(bus);
        if (name === undefined) throw new Error('not a node of this deployment');
        expect(await killClientsNamed(`${name}:sub`)).toBe(1);
      },
      async teardown() {
        await Promise.all(nodes.map((bus) => bus.close()));
      },
    };
  },
  withRedis,
);

describe.skipIf(!withRedis)('RedisBus specifics', () => {
  it('gives up connecting after the bounded attempts with a coded error', async () => {
    const bus = new RedisBus({
      redis: 'redis://127.0.0.1:1',
      connectAttempts: 2,
      connectDelayMs: 10,
      onError: () => undefined,
    });
    try {
      await expect(bus.connect()).rejects.toMatchObject({ code: 'internal_error' });
    } finally {
      await bus.close();
    }
  });

  it('rides out an outage: resyncs once Redis is back, and closes while it is away', async () => {
    const proxy = await startRedisProxy();
    const keyPrefix = uniqueKeyPrefix('bus');
    const errors: unknown[] = [];
    const onError = (error: unknown): void => {
      errors.push(error);
    };
    const through = new RedisBus({ redis: proxy.url, keyPrefix, onError });
    const direct = new RedisBus({ redis: REDIS_TEST_URL, keyPrefix });
    try {
      await Promise.all([through.connect(), direct.connect()]);
      let resyncs = 0;
      through.onResync(() => {
        resyncs += 1;
      });
      const { received, listener } = collector();
      await through.subscribe('room.1', listener);
      await proxy.cut();
      await vi.waitFor(
        () => expect(through.ping()).rejects.toMatchObject({ code: 'internal_error' }),
        waitOpts,
      );
      expect(resyncs).toBe(0);
      await direct.publish('room.1', 'lost while away');
      await proxy.restore();
      await vi.waitFor(() => expect(resyncs).toBe(1), waitOpts);
      await direct.publish('room.1', 'after');
      await vi.waitFor(() => expect(received).toEqual(['after']), waitOpts);
      // Away again, for good: close must not wait for a Redis that is not coming back.
      await proxy.cut();
      await vi.waitFor(
        () => expect(through.ping()).rejects.toMatchObject({ code: 'internal_error' }),
        waitOpts,
      );
      await through.close();
      // The failed reconnects went to the error sink, not to an unhandled 'error' event.
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([through.close(), direct.close()]);
      await proxy.close();
    }
  });

  it('leaves no connection behind after close', async () => {
    const connectionName = `parley-test-${randomUUID().slice(0, 8)}`;
    const bus = new RedisBus({ redis: REDIS_TEST_URL, keyPrefix: uniqueKeyPrefix('bus'), connectionName });
    await bus.connect();
    await bus.subscribe('room.1', () => undefined);
    expect(await clientIdsNamed(`${connectionName}:sub`)).toHaveLength(1);
    await bus.close();
    await vi.waitFor(async () => {
      expect(await clientIdsNamed(`${connectionName}:sub`)).toHaveLength(0);
      expect(await clientIdsNamed(`${connectionName}:pub`)).toHaveLength(0);
    }, waitOpts);
  });
});
