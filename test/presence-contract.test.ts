// One contract for every PresenceRegistry: first/last answers per user (not per connection), distinct
// counts, several nodes sharing one registry, atomic answers under concurrency, and expiry of a node
// that stops heart-beating. Run against MemoryPresence and RedisPresence (unique key prefix per test).
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RoomId, User, UserId } from '../src/chat/model.js';
import { type Clock, ManualClock } from '../src/clock.js';
import type { HeartbeatPresence } from '../src/cluster/heartbeat-presence.js';
import { MemoryPresence, MemoryPresenceSpace } from '../src/cluster/memory-presence.js';
import type { RedisConnections } from '../src/cluster/redis-client.js';
import { RedisPresence } from '../src/cluster/redis-presence.js';
import { deleteKeys, openTestConnections, redisAvailable, uniqueKeyPrefix } from './support/redis.js';

interface NodeOptions {
  readonly clock: Clock;
  readonly ttlMs: number;
}

/** Nodes made from one deployment share their presence; `teardown` closes them and removes data. */
interface PresenceDeployment {
  node(options: NodeOptions): Promise<HeartbeatPresence>;
  teardown(): Promise<void>;
}

const TTL_MS = 30_000;

function user(nickname: string): User {
  return { id: randomUUID() as UserId, nickname, tag: '0412' };
}

function room(): RoomId {
  return randomUUID() as RoomId;
}

function ids(users: readonly User[]): string[] {
  return users.map((u) => u.id).sort();
}

function describePresenceContract(
  name: string,
  make: () => Promise<PresenceDeployment>,
  enabled = true,
): void {
  describe.skipIf(!enabled)(`PresenceRegistry contract: ${name}`, () => {
    const deployments: PresenceDeployment[] = [];
    const deploy = async (): Promise<PresenceDeployment> => {
      const deployment = await make();
      deployments.push(deployment);
      return deployment;
    };
    afterEach(async () => {
      await Promise.all(deployments.splice(0).map((d) => d.teardown()));
    });
    /** Two nodes of one deployment on one manual clock. */
    const twoNodes = async (clock = new ManualClock()): Promise<[HeartbeatPresence, HeartbeatPresence]> => {
      const deployment = await deploy();
      return Promise.all([
        deployment.node({ clock, ttlMs: TTL_MS }),
        deployment.node({ clock, ttlMs: TTL_MS }),
      ]);
    };

    it('answers first/last per user, not per connection', async () => {
      const node = await (await deploy()).node({ clock: new ManualClock(), ttlMs: TTL_MS });
      const r = room();
      const alice = user('alice');
      expect(await node.join(r, { user: alice, connectionId: 'c1' })).toEqual({ firstForUser: true });
      expect(await node.join(r, { user: alice, connectionId: 'c2' })).toEqual({ firstForUser: false });
      expect(await node.members(r)).toEqual([alice]);
      expect(await node.counts([r])).toEqual(new Map([[r, 1]]));
      expect(await node.leave(r, 'c1')).toEqual({ lastForUser: false, user: alice });
      expect(await node.members(r)).toEqual([alice]);
      expect(await node.leave(r, 'c2')).toEqual({ lastForUser: true, user: alice });
      expect(await node.members(r)).toEqual([]);
      expect(await node.counts([r])).toEqual(new Map([[r, 0]]));
    });

    it('counts distinct users per room and maps empty rooms to 0', async () => {
      const node = await (await deploy()).node({ clock: new ManualClock(), ttlMs: TTL_MS });
      const [r1, r2, empty] = [room(), room(), room()];
      const alice = user('alice');
      const bob = user('bob');
      await node.join(r1, { user: alice, connectionId: 'a1' });
      await node.join(r1, { user: alice, connectionId: 'a2' });
      await node.join(r1, { user: bob, connectionId: 'b1' });
      await node.join(r2, { user: bob, connectionId: 'b1' });
      expect(await node.counts([r1, r2, empty])).toEqual(
        new Map([
          [r1, 2],
          [r2, 1],
          [empty, 0],
        ]),
      );
      expect(await node.members(r1)).toEqual([alice, bob]);
      expect(await node.counts([])).toEqual(new Map());
    });

    it('keeps rooms apart for one connection and ignores unknown leaves', async () => {
      const node = await (await deploy()).node({ clock: new ManualClock(), ttlMs: TTL_MS });
      const [r1, r2] = [room(), room()];
      const alice = user('alice');
      await node.join(r1, { user: alice, connectionId: 'c1' });
      await node.join(r2, { user: alice, connectionId: 'c1' });
      expect(await node.leave(r1, 'c1')).toEqual({ lastForUser: true, user: alice });
      expect(await node.members(r2)).toEqual([alice]);
      expect(await node.leave(r1, 'c1')).toEqual({ lastForUser: false });
      expect(await node.leave(r2, 'nobody')).toEqual({ lastForUser: false });
    });

    it('treats a repeated join of one connection as the same entry', async () => {
      const node = await (await deploy()).node({ clock: new ManualClock(), ttlMs: TTL_MS });
      const r = room();
      const alice = user('alice');
      expect(await node.join(r, { user: alice, connectionId: 'c1' })).toEqual({ firstForUser: true });
      expect(await node.join(r, { user: alice, connectionId: 'c1' })).toEqual({ firstForUser: false });
      expect(await node.leave(r, 'c1')).toEqual({ lastForUser: true, user: alice });
      expect(await node.members(r)).toEqual([]);
    });

    it("shows every node's members and answers first/last across nodes", async () => {
      const [a, b] = await twoNodes();
      const r = room();
      const alice = user('alice');
      const bob = user('bob');
      expect(await a.join(r, { user: alice, connectionId: 'a-1' })).toEqual({ firstForUser: true });
      expect(await b.join(r, { user: bob, connectionId: 'b-1' })).toEqual({ firstForUser: true });
      expect(await b.join(r, { user: alice, connectionId: 'b-2' })).toEqual({ firstForUser: false });
      expect(await a.members(r)).toEqual([alice, bob]);
      expect(await b.counts([r])).toEqual(new Map([[r, 2]]));
      expect(await a.leave(r, 'a-1')).toEqual({ lastForUser: false, user: alice });
      expect(await b.leave(r, 'b-2')).toEqual({ lastForUser: true, user: alice });
      expect(await a.members(r)).toEqual([bob]);
    });

    it('gives exactly one first and one last under concurrent joins and leaves on two nodes', async () => {
      const [a, b] = await twoNodes();
      const r = room();
      const alice = user('alice');
      const connections = Array.from({ length: 20 }, (_, i) => ({ node: i % 2 === 0 ? a : b, id: `c${i}` }));
      const joins = await Promise.all(
        connections.map((c) => c.node.join(r, { user: alice, connectionId: c.id })),
      );
      expect(joins.filter((j) => j.firstForUser)).toHaveLength(1);
      expect(await a.counts([r])).toEqual(new Map([[r, 1]]));
      const leaves = await Promise.all(connections.map((c) => c.node.leave(r, c.id)));
      expect(leaves.filter((l) => l.lastForUser)).toHaveLength(1);
      expect(await b.members(r)).toEqual([]);
    });

    it('caps distinct users atomically across nodes; a user already in may add connections', async () => {
      const [a, b] = await twoNodes();
      const r = room();
      const people = Array.from({ length: 12 }, (_, i) => user(`u${i}`));
      const outcomes = await Promise.allSettled(
        people.map((person, i) =>
          (i % 2 === 0 ? a : b).join(r, { user: person, connectionId: `c${i}` }, { maxUsers: 3 }),
        ),
      );
      const admitted = people.filter((_, i) => outcomes[i]?.status === 'fulfilled');
      expect(admitted).toHaveLength(3);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'room_full' });
      }
      expect(ids(await a.members(r))).toEqual(ids(admitted));
      const [inside] = admitted;
      if (inside === undefined) throw new Error('nobody was admitted');
      // The room is full, but someone already in may open another connection.
      expect(await b.join(r, { user: inside, connectionId: 'second' }, { maxUsers: 3 })).toEqual({
        firstForUser: false,
      });
      const outsider = people.find((p) => !admitted.includes(p));
      if (outsider === undefined) throw new Error('everyone was admitted');
      await expect(
        a.join(r, { user: outsider, connectionId: 'late' }, { maxUsers: 3 }),
      ).rejects.toMatchObject({
        code: 'room_full',
      });
      // A refused join left nothing behind, and a place freed is a place taken.
      expect(await a.counts([r])).toEqual(new Map([[r, 3]]));
      const leaver = admitted.find((p) => p !== inside);
      const leaverIndex = people.indexOf(leaver as User);
      await (leaverIndex % 2 === 0 ? a : b).leave(r, `c${leaverIndex}`);
      expect(await a.join(r, { user: outsider, connectionId: 'late' }, { maxUsers: 3 })).toEqual({
        firstForUser: true,
      });
      expect(await b.counts([r])).toEqual(new Map([[r, 3]]));
    });

    it('drops the members of a node that stopped heart-beating, within ttlMs', async () => {
      const deployment = await deploy();
      // Separate clocks: the dead node's timers never fire while the living node's time moves on.
      const deadClock = new ManualClock();
      const liveClock = new ManualClock();
      const [dead, live] = await Promise.all([
        deployment.node({ clock: deadClock, ttlMs: TTL_MS }),
        deployment.node({ clock: liveClock, ttlMs: TTL_MS }),
      ]);
      const r = room();
      const alice = user('alice');
      const bob = user('bob');
      await dead.join(r, { user: alice, connectionId: 'd-1' });
      await live.join(r, { user: bob, connectionId: 'l-1' });
      liveClock.advance(TTL_MS / 3);
      await live.refresh();
      liveClock.advance(TTL_MS / 3);
      await live.refresh();
      expect(await live.members(r)).toEqual([alice, bob]);
      liveClock.advance(TTL_MS / 3);
      await live.refresh();
      expect(await live.members(r)).toEqual([bob]);
      expect(await live.counts([r])).toEqual(new Map([[r, 1]]));
      // The user is gone, so joining again elsewhere is a fresh join.
      expect(await live.join(r, { user: alice, connectionId: 'l-2' })).toEqual({ firstForUser: true });
    });

    it("keeps a heart-beating node's members well beyond ttlMs", async () => {
      const clock = new ManualClock();
      const [a, b] = await twoNodes(clock);
      const r = room();
      const alice = user('alice');
      await a.join(r, { user: alice, connectionId: 'a-1' });
      for (let step = 0; step < 9; step++) {
        clock.advance(TTL_MS / 3);
        // The interval started a refresh; wait for it (or run one) before time moves on.
        await a.refresh();
      }
      expect(ids(await b.members(r))).toEqual([alice.id]);
    });

    it('heart-beats on its own every ttlMs/3, without being asked', async () => {
      const deployment = await deploy();
      const ownClock = new ManualClock();
      const readerClock = new ManualClock();
      const [owner, reader] = await Promise.all([
        deployment.node({ clock: ownClock, ttlMs: TTL_MS }),
        deployment.node({ clock: readerClock, ttlMs: TTL_MS }),
      ]);
      const r = room();
      const alice = user('alice');
      await owner.join(r, { user: alice, connectionId: 'o-1' });
      ownClock.advance(TTL_MS / 3);
      // Past the first expiry: only the timer-driven refresh can have kept alice.
      readerClock.advance(TTL_MS + 1);
      await vi.waitFor(async () => expect(await reader.members(r)).toEqual([alice]), {
        timeout: 5_000,
        interval: 10,
      });
    });

    it("removes a node's entries when it closes, and refuses use afterwards", async () => {
      const [a, b] = await twoNodes();
      const r = room();
      const alice = user('alice');
      await a.join(r, { user: alice, connectionId: 'a-1' });
      expect(await b.members(r)).toEqual([alice]);
      await a.close();
      await a.close();
      expect(await b.members(r)).toEqual([]);
      await expect(a.members(r)).rejects.toMatchObject({ code: 'shutting_down' });
    });
  });
}

describePresenceContract('MemoryPresence', async () => {
  const space = new MemoryPresenceSpace();
  const nodes: MemoryPresence[] = [];
  return {
    async node(options) {
      const node = new MemoryPresence({ space, nodeId: `n${nodes.length}`, ...options });
      nodes.push(node);
      return node;
    },
    async teardown() {
      await Promise.all(nodes.map((node) => node.close()));
    },
  };
});

const withRedis = await redisAvailable();

describePresenceContract(
  'RedisPresence',
  async () => {
    const keyPrefix = uniqueKeyPrefix('presence');
    const nodes: RedisPresence[] = [];
    const connections: RedisConnections[] = [];
    return {
      async node(options) {
        const opened = await openTestConnections();
        connections.push(opened);
        const node = new RedisPresence({
          client: opened.command,
          keyPrefix,
          nodeId: `n${nodes.length}-${randomUUID().slice(0, 8)}`,
          ...options,
        });
        nodes.push(node);
        await node.prepare();
        return node;
      },
      async teardown() {
        await Promise.all(nodes.map((node) => node.close()));
        await Promise.all(connections.map((c) => c.close()));
        await deleteKeys(keyPrefix);
      },
    };
  },
  withRedis,
);
