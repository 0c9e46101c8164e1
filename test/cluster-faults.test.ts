// Faults in a cluster of real Parley processes: a node killed with SIGKILL while clients send with
// receipts (they move to the survivor and resume with since-seq: nothing acknowledged is lost or
// duplicated), a node drained with SIGTERM, a Redis restart (a private redis-server, never the shared
// one), and PostgreSQL refusing connections for a while (storage_unavailable, /readyz 503, recovery).
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../src/chat/model.js';
import {
  type Cluster,
  clusterSkipReason,
  connectRoomClient,
  newRoom,
  newSession,
  type RoomClient,
  range1,
  startCluster,
  startPrivateRedis,
  statusOf,
} from './support/cluster.js';
import { eventually, within } from './support/eventually.js';
import { getJson } from './support/parley.js';
import type { ParleyProcess } from './support/parley-process.js';

const skip = (await clusterSkipReason()) !== undefined;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function cluster(nodes: number, redisUrl?: string): Promise<[Cluster, ParleyProcess, ParleyProcess]> {
  const started = await startCluster({ nodes, ...(redisUrl === undefined ? {} : { redisUrl }) });
  cleanups.push(() => started.dispose());
  const [a, b] = started.nodes;
  if (a === undefined || b === undefined) throw new Error('two nodes expected');
  return [started, a, b];
}

async function client(
  node: ParleyProcess,
  token: string,
  roomId: string | undefined,
  options: Parameters<typeof connectRoomClient>[3] = {},
): Promise<RoomClient> {
  const connected = await connectRoomClient(node, token, roomId, options);
  cleanups.push(() => connected.close());
  return connected;
}

async function storedMessages(node: ParleyProcess, roomId: string): Promise<Message[]> {
  const all: Message[] = [];
  for (let after = 0; ; ) {
    const { messages } = await getJson<{ messages: Message[] }>(
      `${node.url}/api/rooms/${roomId}/messages?after=${after}&limit=200`,
    );
    all.push(...messages);
    const last = messages.at(-1);
    if (last === undefined || messages.length < 200) return all;
    after = last.seq;
  }
}

/** Resubscribes on `node` where `subscriber` left off, appending to the same message list. */
async function resume(subscriber: RoomClient, node: ParleyProcess, token: string, roomId: string) {
  const lastSeq = Math.max(0, ...subscriber.seqs());
  return client(node, token, roomId, { sinceSeq: lastSeq, messages: subscriber.messages });
}

describe.skipIf(skip)('cluster faults', () => {
  it('kill -9 of a node: clients resume on the survivor; no acknowledged message lost or duplicated', async () => {
    const [, a, b] = await cluster(2);
    const owner = await newSession(b, 'owner');
    const room = await newRoom(b, owner.token, 'crash');
    const watchers = [await newSession(a, 'watch-a'), await newSession(b, 'watch-b')];
    const [watcherA, watcherB] = watchers;
    if (watcherA === undefined || watcherB === undefined) throw new Error('two watchers expected');
    const onA = await client(a, watcherA.token, room.id);
    const onB = await client(b, watcherB.token, room.id);

    const perSender = 100;
    const senders = await Promise.all(
      [0, 1].map(async (i) => {
        const session = await newSession(a, `sender${i}`);
        const ids = range1(perSender).map((k) => `s${i}-${k}`);
        return { session, ids, connection: await client(a, session.token, room.id) };
      }),
    );
    const acked = new Set<string>();
    let killAt: () => void = () => undefined;
    const killNow = new Promise<void>((resolve) => {
      killAt = resolve;
    });
    // Every SEND of both senders in flight at once; the node dies when 60 have been acknowledged.
    for (const { ids, connection } of senders) {
      for (const id of ids) {
        void Promise.race([
          connection.send(room.id, id, 20_000),
          connection.closed.then(() => 'closed'),
        ]).then(
          (outcome) => {
            if (outcome === 'closed') return;
            acked.add(id);
            if (acked.size >= 60) killAt();
          },
          () => undefined,
        );
      }
    }
    await within(killNow, 15_000, '60 receipts');
    a.kill('SIGKILL');
    await a.exited;
    const ackedAtKill = new Set(acked);
    await within(
      Promise.all([onA.closed, ...senders.map((s) => s.connection.closed)]),
      5000,
      'sockets to drop',
    );
    expect(ackedAtKill.size).toBeLessThan(2 * perSender);

    // Nothing acknowledged is lost, before anyone retries.
    const storedAtKill = new Set((await storedMessages(b, room.id)).map((m) => m.body));
    for (const id of ackedAtKill) expect(storedAtKill.has(id)).toBe(true);

    // Clients move to the survivor: subscribers resume with since-seq, senders retry what was not
    // acknowledged (same clientMsgId, so a message stored just before the crash is not stored twice).
    const resumedA = await resume(onA, b, watcherA.token, room.id);
    await Promise.all(
      senders.map(async ({ session, ids }) => {
        const again = await client(b, session.token, room.id);
        for (const id of ids.filter((id) => !ackedAtKill.has(id))) await again.send(room.id, id);
      }),
    );

    const stored = await storedMessages(b, room.id);
    const total = 2 * perSender;
    expect(stored.map((m) => m.seq)).toEqual(range1(total));
    expect(new Set(stored.map((m) => m.body))).toEqual(new Set(senders.flatMap((s) => s.ids)));
    for (const subscriber of [resumedA, onB]) {
      await subscriber.waitForCount(total);
      expect(subscriber.seqs()).toEqual(range1(total));
    }
  }, 60_000);

  it('SIGTERM drains a node: clients are closed with 1001 and resume on another node', async () => {
    const [, a, b] = await cluster(2);
    const user = await newSession(a, 'mover');
    const room = await newRoom(a, user.token, 'drain');
    const subscriber = await client(a, user.token, room.id);
    const writer = await client(b, user.token, room.id);
    await writer.send(room.id, 'before');
    await subscriber.waitForCount(1);
    const closeCode = new Promise<number | undefined>((resolve) => {
      subscriber.client.onWebSocketClose = (event: { code?: number }) => resolve(event.code);
    });
    a.kill('SIGTERM');
    expect(await within(closeCode, 8000, 'close on SIGTERM')).toBe(1001);
    expect(await within(a.exited, 8000, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
    await writer.send(room.id, 'while-moving');
    const resumed = await resume(subscriber, b, user.token, room.id);
    await writer.send(room.id, 'after');
    await resumed.waitForCount(3);
    expect(resumed.messages.map((m) => (JSON.parse(m.body) as Message).body)).toEqual([
      'before',
      'while-moving',
      'after',
    ]);
  });

  it('Redis restart: nodes report not ready, reconnect by themselves, fill gaps and carry on', async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.dispose());
    const [, a, b] = await cluster(2, redis.url);
    const user = await newSession(a, 'steady');
    const room = await newRoom(a, user.token, 'redis-restart');
    const onA = await client(a, user.token, room.id);
    const onB = await client(b, user.token, room.id);
    for (const k of range1(5)) await onA.send(room.id, `before-${k}`);

    await redis.stop();
    await eventually(
      async () => expect([await statusOf(a, '/readyz'), await statusOf(b, '/readyz')]).toEqual([503, 503]),
      {
        timeoutMs: 10_000,
      },
    );
    // SENDs during the outage wait for Redis (the rate limiter lives there) and complete after it.
    const during = range1(5).map((k) => onB.send(room.id, `during-${k}`, 30_000));
    await redis.start();
    await within(Promise.all(during), 30_000, 'SENDs made during the outage');
    await eventually(
      async () => expect([await statusOf(a, '/readyz'), await statusOf(b, '/readyz')]).toEqual([200, 200]),
      {
        timeoutMs: 15_000,
      },
    );
    for (const k of range1(5)) await onA.send(room.id, `after-${k}`);

    for (const subscriber of [onA, onB]) {
      await subscriber.waitForCount(15, 15_000);
      expect(subscriber.seqs()).toEqual(range1(15));
      const bodies = subscriber.messages.map((m) => (JSON.parse(m.body) as Message).body);
      expect(bodies.slice(0, 5)).toEqual(range1(5).map((k) => `before-${k}`));
      expect(bodies.slice(10)).toEqual(range1(5).map((k) => `after-${k}`));
    }
  }, 60_000);

  it('PostgreSQL briefly down: SENDs fail with storage_unavailable and no RECEIPT, then service resumes', async () => {
    const [cluster2, a, b] = await cluster(2);
    const user = await newSession(a, 'patient');
    const room = await newRoom(a, user.token, 'pg-down');
    const onA = await client(a, user.token, room.id);
    const onB = await client(b, user.token, room.id);
    await onA.send(room.id, 'first');

    const restore = await cluster2.breakDatabase();
    let restored = false;
    cleanups.push(async () => {
      if (!restored) await restore();
    });
    await expect(onA.send(room.id, 'lost')).rejects.toThrow('storage_unavailable');
    expect(onA.errors).toContainEqual({ code: 'storage_unavailable', receiptId: 'lost' });
    await eventually(
      async () => expect([await statusOf(a, '/readyz'), await statusOf(b, '/readyz')]).toEqual([503, 503]),
      {
        timeoutMs: 10_000,
      },
    );

    await restore();
    restored = true;
    await eventually(
      async () => expect([await statusOf(a, '/readyz'), await statusOf(b, '/readyz')]).toEqual([200, 200]),
      {
        timeoutMs: 15_000,
      },
    );
    await onB.send(room.id, 'second');
    for (const subscriber of [onA, onB]) {
      await subscriber.waitForCount(2);
      expect(subscriber.messages.map((m) => (JSON.parse(m.body) as Message).body)).toEqual([
        'first',
        'second',
      ]);
      expect(subscriber.seqs()).toEqual([1, 2]);
    }
    expect((await storedMessages(a, room.id)).map((m) => m.body)).toEqual(['first', 'second']);
  }, 60_000);
});
