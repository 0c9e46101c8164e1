// One contract for every Bus: delivery across nodes and to self, per-channel order, unsubscribe,
// isolation of a throwing listener, resync after a forced reconnect, close. Run against MemoryBus
// and RedisBus (on the machine's Redis, a unique prefix per test).
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RoomId, UserId } from '../src/chat/model.js';
import type { Bus } from '../src/cluster/bus.js';
import { MemoryBus, MemoryBusHub } from '../src/cluster/memory-bus.js';
import {
  type ClusterMessage,
  MENTIONS_CHANNEL,
  POLICY_CHANNEL,
  REVOCATIONS_CHANNEL,
  type RoomEntryMessage,
  roomEntriesChannel,
  roomPresenceChannel,
} from '../src/cluster/messages.js';
import { RedisBus } from '../src/cluster/redis-bus.js';
import { openRedisConnections, type RedisConnections } from '../src/cluster/redis-client.js';
import { loadConfig } from '../src/config.js';
import { ParleyError } from '../src/errors.js';
import {
  clientIdsNamed,
  killClientsNamed,
  REDIS_TEST_URL,
  redisAvailable,
  startRedisProxy,
  uniqueKeyPrefix,
  withRedis as withRedisAdmin,
} from './support/redis.js';

/** One deployment: every node made from it shares the medium; nodes are closed by `teardown`. */
interface BusDeployment {
  node(options?: { onError?: (error: unknown) => void }): Promise<Bus>;
  /** Drops a node's subscriber connection as a network failure would; undefined if it cannot happen. */
  readonly forceReconnect: ((bus: Bus) => Promise<void>) | undefined;
  teardown(): Promise<void>;
}

const waitOpts = { timeout: 5_000, interval: 10 };

// Contract messages are room entries whose JSON carries a text, so tests read as strings.
const channel = (room: string) => roomEntriesChannel(room as RoomId);
let seq = 0;
function say(room: string, text: string): ClusterMessage {
  seq += 1;
  return { kind: 'room.entry', roomId: room as RoomId, seq, storedAtMs: 0, entry: JSON.stringify({ text }) };
}
const textOf = (message: RoomEntryMessage): string => (JSON.parse(message.entry) as { text: string }).text;

function collector(): { received: string[]; listener: (message: RoomEntryMessage) => void } {
  const received: string[] = [];
  return { received, listener: (message) => received.push(textOf(message)) };
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
      await bus.subscribe(channel('room-1'), listener);
      await bus.publish(say('room-1', 'hello'));
      await vi.waitFor(() => expect(received).toEqual(['hello']), waitOpts);
    });

    it('delivers across nodes, in publish order per channel', async () => {
      const deployment = await deploy();
      const [a, b] = await Promise.all([deployment.node(), deployment.node()]);
      const { received, listener } = collector();
      await b.subscribe(channel('room-1'), listener);
      const sent = Array.from({ length: 300 }, (_, i) => `m${i}`);
      // Fired without awaiting each, as a busy node would.
      await Promise.all(sent.map((payload) => a.publish(say('room-1', payload))));
      await vi.waitFor(() => expect(received).toHaveLength(sent.length), waitOpts);
      expect(received).toEqual(sent);
    });

    it('keeps channels apart and reaches every listener of a channel', async () => {
      const deployment = await deploy();
      const [a, b] = await Promise.all([deployment.node(), deployment.node()]);
      const one = collector();
      const two = collector();
      const other = collector();
      await a.subscribe(channel('room-1'), one.listener);
      await b.subscribe(channel('room-1'), two.listener);
      await b.subscribe(channel('room-2'), other.listener);
      await a.publish(say('room-1', 'x'));
      await a.publish(say('room-2', 'y'));
      await vi.waitFor(() => expect(other.received).toEqual(['y']), waitOpts);
      await vi.waitFor(() => expect(one.received).toEqual(['x']), waitOpts);
      await vi.waitFor(() => expect(two.received).toEqual(['x']), waitOpts);
    });

    it('stops delivering to an unsubscribed listener and keeps the others', async () => {
      const deployment = await deploy();
      const bus = await deployment.node();
      const gone = collector();
      const kept = collector();
      const unsubscribe = await bus.subscribe(channel('room-1'), gone.listener);
      await bus.subscribe(channel('room-1'), kept.listener);
      await bus.publish(say('room-1', 'before'));
      await vi.waitFor(() => expect(gone.received).toEqual(['before']), waitOpts);
      await unsubscribe();
      await unsubscribe(); // a second call is harmless
      await bus.publish(say('room-1', 'after'));
      await vi.waitFor(() => expect(kept.received).toEqual(['before', 'after']), waitOpts);
      // Both listeners are served from the same delivery, so 'after' has been dispatched already.
      expect(gone.received).toEqual(['before']);
    });

    it('stops the channel once its last listener left, and can subscribe again', async () => {
      const deployment = await deploy();
      const [a, b] = await Promise.all([deployment.node(), deployment.node()]);
      const first = collector();
      const unsubscribe = await b.subscribe(channel('room-1'), first.listener);
      await unsubscribe();
      const marker = collector();
      await b.subscribe(channel('marker'), marker.listener);
      await a.publish(say('room-1', 'lost'));
      await a.publish(say('marker', 'done'));
      await vi.waitFor(() => expect(marker.received).toEqual(['done']), waitOpts);
      expect(first.received).toEqual([]);
      const again = collector();
      await b.subscribe(channel('room-1'), again.listener);
      await a.publish(say('room-1', 'back'));
      await vi.waitFor(() => expect(again.received).toEqual(['back']), waitOpts);
    });

    it('isolates a throwing listener: the others still receive, and the error is reported', async () => {
      const deployment = await deploy();
      const errors: unknown[] = [];
      const bus = await deployment.node({ onError: (error) => errors.push(error) });
      const { received, listener } = collector();
      await bus.subscribe(channel('room-1'), () => {
        throw new Error('listener bug');
      });
      await bus.subscribe(channel('room-1'), listener);
      await bus.publish(say('room-1', 'a'));
      await bus.publish(say('room-1', 'b'));
      await vi.waitFor(() => expect(received).toEqual(['a', 'b']), waitOpts);
      expect(errors.length).toBeGreaterThanOrEqual(2);
      expect(String(errors[0])).toContain('listener bug');
    });

    it('answers ping, refuses use after close, and closes twice without harm', async () => {
      const bus = await (await deploy()).node();
      await expect(bus.ping()).resolves.toBeUndefined();
      await bus.close();
      await bus.close();
      await expect(bus.publish(say('room-1', 'late'))).rejects.toBeInstanceOf(ParleyError);
      await expect(bus.subscribe(channel('room-1'), () => undefined)).rejects.toMatchObject({
        code: 'shutting_down',
      });
    });

    it('does not cross deployments', async () => {
      const [one, two] = await Promise.all([deploy(), deploy()]);
      const [a, b] = await Promise.all([one.node(), two.node()]);
      const seenByB = collector();
      const seenByA = collector();
      await b.subscribe(channel('room-1'), seenByB.listener);
      await a.subscribe(channel('room-1'), seenByA.listener);
      await a.publish(say('room-1', 'private'));
      await vi.waitFor(() => expect(seenByA.received).toEqual(['private']), waitOpts);
      await b.publish(say('room-1', 'own'));
      await vi.waitFor(() => expect(seenByB.received).toEqual(['own']), waitOpts);
    });

    it('delivers every kind of message on its own channel, as it was published', async () => {
      const deployment = await deploy();
      const [a, b] = await Promise.all([deployment.node(), deployment.node()]);
      const seen: ClusterMessage[] = [];
      await b.subscribe(MENTIONS_CHANNEL, (m) => seen.push(m));
      await b.subscribe(POLICY_CHANNEL, (m) => seen.push(m));
      await b.subscribe(REVOCATIONS_CHANNEL, (m) => seen.push(m));
      await b.subscribe(roomPresenceChannel('room-1' as RoomId), (m) => seen.push(m));
      const sent: ClusterMessage[] = [
        { kind: 'mention', roomId: 'room-1' as RoomId, userIds: ['u1' as UserId], message: '{"id":"m"}' },
        { kind: 'policy', roomId: 'room-1' as RoomId },
        { kind: 'revocation', userId: 'u1' as UserId, validAfterMs: 1_700_000_000_000 },
        {
          kind: 'presence',
          roomId: 'room-1' as RoomId,
          event: { type: 'join', user: { id: 'u1' as UserId, nickname: 'ann', tag: '0001' } },
        },
      ];
      for (const message of sent) await a.publish(message);
      await vi.waitFor(() => expect(seen).toHaveLength(sent.length), waitOpts);
      expect(seen).toEqual(sent);
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
      await b.subscribe(channel('room-1'), listener);
      await a.publish(say('room-1', 'one'));
      await vi.waitFor(() => expect(received).toEqual(['one']), waitOpts);
      expect(resyncs).toBe(0);
      await deployment.forceReconnect(b);
      await vi.waitFor(() => expect(resyncs).toBe(1), waitOpts);
      // onResync promises the subscription is live again: the very next publication must arrive.
      await a.publish(say('room-1', 'two'));
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

interface RedisNode {
  readonly bus: RedisBus;
  readonly connections: RedisConnections;
  /** The connections' name: `<name>:cmd` and `<name>:sub` in `CLIENT LIST`. */
  readonly name: string;
  close(): Promise<void>;
}

/** A node as the app builds one: its two connections, and the bus borrowing them. */
async function redisNode(options: {
  redis?: string;
  keyPrefix: string;
  onError?: (error: unknown) => void;
  onDropped?: (channel: string, reason: string) => void;
}): Promise<RedisNode> {
  const name = `parley-test-${randomUUID().slice(0, 8)}`;
  const onError = options.onError;
  const connections = await openRedisConnections({
    redis: options.redis ?? REDIS_TEST_URL,
    name,
    ...(onError === undefined ? {} : { onError }),
  });
  const bus = new RedisBus({
    publisher: connections.command,
    subscriber: connections.subscriber,
    pingTimeoutMs: loadConfig({}).redisPingTimeoutMs,
    keyPrefix: options.keyPrefix,
    ...(onError === undefined ? {} : { onError }),
    ...(options.onDropped === undefined ? {} : { onDropped: options.onDropped }),
  });
  return {
    bus,
    connections,
    name,
    close: async () => {
      await bus.close();
      await connections.close();
    },
  };
}

describeBusContract(
  'RedisBus',
  async () => {
    const keyPrefix = uniqueKeyPrefix('bus');
    const nodes = new Map<Bus, RedisNode>();
    return {
      async node(options) {
        const node = await redisNode({
          keyPrefix,
          ...(options?.onError === undefined ? {} : { onError: options.onError }),
        });
        nodes.set(node.bus, node);
        return node.bus;
      },
      async forceReconnect(bus) {
        const node = nodes.get(bus);
        if (node === undefined) throw new Error('not a node of this deployment');
        expect(await killClientsNamed(`${node.name}:sub`)).toBe(1);
      },
      async teardown() {
        await Promise.all([...nodes.values()].map((node) => node.close()));
      },
    };
  },
  withRedis,
);

describe.skipIf(!withRedis)('RedisBus specifics', () => {
  it('gives up connecting after the bounded attempts with a coded error', async () => {
    await expect(
      openRedisConnections({
        redis: 'redis://127.0.0.1:1',
        name: 'parley-test-unreachable',
        connectAttempts: 2,
        connectDelayMs: 10,
        onError: () => undefined,
      }),
    ).rejects.toMatchObject({ code: 'internal_error' });
  });

  it('rides out an outage: resyncs once Redis is back, and closes while it is away', async () => {
    const proxy = await startRedisProxy();
    const keyPrefix = uniqueKeyPrefix('bus');
    const errors: unknown[] = [];
    const onError = (error: unknown): void => {
      errors.push(error);
    };
    const through = await redisNode({ redis: proxy.url, keyPrefix, onError });
    const direct = await redisNode({ keyPrefix });
    try {
      let resyncs = 0;
      through.bus.onResync(() => {
        resyncs += 1;
      });
      const { received, listener } = collector();
      await through.bus.subscribe(channel('room-1'), listener);
      await proxy.cut();
      await vi.waitFor(
        () => expect(through.bus.ping()).rejects.toMatchObject({ code: 'internal_error' }),
        waitOpts,
      );
      expect(resyncs).toBe(0);
      await direct.bus.publish(say('room-1', 'lost while away'));
      await proxy.restore();
      await vi.waitFor(() => expect(resyncs).toBe(1), waitOpts);
      await direct.bus.publish(say('room-1', 'after'));
      await vi.waitFor(() => expect(received).toEqual(['after']), waitOpts);
      // Away again, for good: close must not wait for a Redis that is not coming back.
      await proxy.cut();
      await vi.waitFor(
        () => expect(through.bus.ping()).rejects.toMatchObject({ code: 'internal_error' }),
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

  it('leaves no connection behind once the bus and then its connections are closed', async () => {
    const node = await redisNode({ keyPrefix: uniqueKeyPrefix('bus') });
    await node.bus.subscribe(channel('room-1'), () => undefined);
    expect(await clientIdsNamed(`${node.name}:sub`)).toHaveLength(1);
    expect(await clientIdsNamed(`${node.name}:cmd`)).toHaveLength(1);
    await node.close();
    await vi.waitFor(async () => {
      expect(await clientIdsNamed(`${node.name}:sub`)).toHaveLength(0);
      expect(await clientIdsNamed(`${node.name}:cmd`)).toHaveLength(0);
    }, waitOpts);
  });

  it('drops what a peer sends malformed or on the wrong channel, and keeps delivering', async () => {
    const keyPrefix = uniqueKeyPrefix('bus');
    const dropped: string[] = [];
    const node = await redisNode({
      keyPrefix,
      onDropped: (name, reason) => dropped.push(`${name}: ${reason}`),
    });
    try {
      const { received, listener } = collector();
      await node.bus.subscribe(channel('room-1'), listener);
      const raw = (payload: string) =>
        withRedisAdmin((redis) => redis.publish(`${keyPrefix}room.room-1`, payload));
      await raw('not json');
      await raw(
        JSON.stringify({ kind: 'room.entry', roomId: 'room-1', seq: -1, storedAtMs: 0, entry: '{}' }),
      );
      // Well-formed, but a policy message has no business on a room's entry channel.
      await raw(JSON.stringify({ kind: 'policy', roomId: 'room-1' }));
      // Well-formed, but for another room.
      await raw(JSON.stringify({ kind: 'room.entry', roomId: 'room-2', seq: 1, storedAtMs: 0, entry: '{}' }));
      await node.bus.publish(say('room-1', 'fine'));
      await vi.waitFor(() => expect(received).toEqual(['fine']), waitOpts);
      expect(dropped).toHaveLength(4);
      expect(dropped.every((line) => line.startsWith('room.room-1: '))).toBe(true);
    } finally {
      await node.close();
    }
  });
});
