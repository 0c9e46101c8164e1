// Three real Parley processes on one PostgreSQL database and one Redis (unique key prefix): messages
// from senders on different nodes reach every subscriber on every node once, in seq order; presence
// spans nodes and heals after a SIGKILL; rate limits hold across nodes; cached reads stay correct.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Room, User } from '../src/chat/model.js';
import {
  type Cluster,
  clusterSkipReason,
  connectRoomClient,
  newRoom,
  newSession,
  type RoomClient,
  range1,
  startCluster,
  statusOf,
} from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { getJson } from './support/parley.js';
import type { ParleyProcess } from './support/parley-process.js';

const skip = (await clusterSkipReason()) !== undefined;

describe.skipIf(skip)('cluster of three nodes', () => {
  let cluster: Cluster;
  let nodes: ParleyProcess[];
  const clients: RoomClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
    nodes = [...cluster.nodes];
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await cluster?.dispose();
  });

  const node = (i: number): ParleyProcess => {
    const found = nodes[i];
    if (found === undefined) throw new Error(`no node ${i}`);
    return found;
  };

  it('answers /healthz and /readyz on every node', async () => {
    for (const n of nodes) {
      expect(await statusOf(n, '/healthz')).toBe(200);
      expect(await statusOf(n, '/readyz')).toBe(200);
    }
  });

  it('delivers every message from senders on every node to subscribers on every node, in seq order, once', async () => {
    const owner = await newSession(node(0), 'owner');
    const room = await newRoom(node(0), owner.token, 'fan-out');
    const perSender = 40;
    const senders = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const session = await newSession(node(i), `sender${i}`);
        const client = await connectRoomClient(node(i), session.token, room.id);
        clients.push(client);
        return { i, client };
      }),
    );
    // Senders are subscribers too: each node has local subscribers and local writers at once.
    await Promise.all(
      senders.map(async ({ i, client }) => {
        for (let k = 1; k <= perSender; k++) await client.send(room.id, `n${i}-${k}`);
      }),
    );
    const total = 3 * perSender;
    for (const { client } of senders) {
      await client.waitForCount(total);
      expect(client.seqs()).toEqual(range1(total));
      const bodies = client.messages.map((m) => (JSON.parse(m.body) as Message).body);
      // Each sender's messages arrive in the order they were sent.
      for (const i of [0, 1, 2]) {
        expect(bodies.filter((b) => b.startsWith(`n${i}-`))).toEqual(
          range1(perSender).map((k) => `n${i}-${k}`),
        );
      }
    }
    const { messages } = await getJson<{ messages: Message[] }>(
      `${node(2).url}/api/rooms/${room.id}/messages?limit=200`,
    );
    expect(messages.map((m) => m.seq)).toEqual(range1(total));
  });

  it('shows members across nodes, and drops a SIGKILLed node’s members within PRESENCE_TTL_MS', async () => {
    const owner = await newSession(node(0), 'host');
    const room = await newRoom(node(0), owner.token, 'presence');
    const extra = await cluster.startNode();
    const alice = await newSession(node(0), 'alice');
    const bob = await newSession(extra, 'bob');
    clients.push(await connectRoomClient(node(0), alice.token, room.id));
    const bobClient = await connectRoomClient(extra, bob.token, room.id);
    clients.push(bobClient);

    const names = async (n: ParleyProcess): Promise<string[]> => {
      const { members } = await getJson<{ members: User[] }>(`${n.url}/api/rooms/${room.id}/members`);
      return members.map((m) => m.nickname).sort();
    };
    for (const n of [node(1), node(2)]) expect(await names(n)).toEqual(['alice', 'bob']);
    expect((await getJson<Room>(`${node(2).url}/api/rooms/${room.id}`)).online).toBe(2);

    const killedAt = Date.now();
    extra.kill('SIGKILL');
    await extra.exited;
    await eventually(async () => expect(await names(node(1))).toEqual(['alice']), { timeoutMs: 8000 });
    // PRESENCE_TTL_MS is 2000 in this cluster; allow for the poll and process scheduling.
    expect(Date.now() - killedAt).toBeLessThan(2000 + 3000);
    expect((await getJson<Room>(`${node(0).url}/api/rooms/${room.id}`)).online).toBe(1);
  });

  it('keeps cached room and history reads correct on every node right after each RECEIPT', async () => {
    const owner = await newSession(node(0), 'cacher');
    const room = await newRoom(node(0), owner.token, 'cached');
    // Warm every node's view of the empty room (cache fill), and give node 1 a live feed too.
    for (const n of nodes.slice(0, 3)) {
      expect(
        (await getJson<{ messages: Message[] }>(`${n.url}/api/rooms/${room.id}/messages`)).messages,
      ).toEqual([]);
      expect((await getJson<Room>(`${n.url}/api/rooms/${room.id}`)).lastMessageAt).toBeNull();
    }
    const watcher = await newSession(node(1), 'watcher');
    clients.push(await connectRoomClient(node(1), watcher.token, room.id));
    const writers = await Promise.all(
      [0, 1, 2].map(async (i) => {
        // In the room, since talking needs joining.
        const client = await connectRoomClient(node(i), owner.token, room.id);
        clients.push(client);
        return client;
      }),
    );
    for (let k = 1; k <= 24; k++) {
      const writer = writers[k % 3];
      if (writer === undefined) throw new Error('no writer');
      await writer.send(room.id, `c${k}`);
      // Read on another node than the writer's, immediately after the RECEIPT.
      const reader = node((k + 1) % 3);
      const latest = await getJson<{ messages: Message[] }>(
        `${reader.url}/api/rooms/${room.id}/messages?limit=5`,
      );
      expect(latest.messages.map((m) => m.body)).toEqual(
        range1(k)
          .slice(-5)
          .map((j) => `c${j}`),
      );
      const after = await getJson<{ messages: Message[] }>(
        `${reader.url}/api/rooms/${room.id}/messages?after=${k - 1}`,
      );
      expect(after.messages.map((m) => m.seq)).toEqual([k]);
      const shown = await getJson<Room>(`${reader.url}/api/rooms/${room.id}`);
      expect(shown.lastMessageAt).toBe(latest.messages.at(-1)?.createdAt);
    }
    const older = await getJson<{ messages: Message[] }>(
      `${node(2).url}/api/rooms/${room.id}/messages?before=10&limit=3`,
    );
    expect(older.messages.map((m) => m.seq)).toEqual([7, 8, 9]);
  });
});

describe.skipIf(skip)('rate limits across nodes', () => {
  let cluster: Cluster | undefined;
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('gives one user one bucket, however many nodes it connects to', async () => {
    // A burst of 6 and (practically) no refill: the sum over both nodes must stay at 6.
    cluster = await startCluster({ nodes: 2, env: { SEND_BURST: '6', SEND_RATE_PER_SECOND: '0.001' } });
    const [a, b] = cluster.nodes;
    if (a === undefined || b === undefined) throw new Error('two nodes expected');
    const user = await newSession(a, 'flooder');
    const room = await newRoom(a, user.token, 'limited');
    const onA = await connectRoomClient(a, user.token, room.id);
    const onB = await connectRoomClient(b, user.token, room.id);
    try {
      const outcomes = await Promise.all(
        range1(8).flatMap((k) => [
          onA.send(room.id, `a${k}`, 5000).then(
            () => 'ok',
            () => 'refused',
          ),
          onB.send(room.id, `b${k}`, 5000).then(
            () => 'ok',
            () => 'refused',
          ),
        ]),
      );
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(6);
      const refused = [...onA.errors, ...onB.errors];
      expect(refused).toHaveLength(10);
      expect(refused.every((e) => e.code === 'rate_limited' && e.receiptId !== undefined)).toBe(true);
      const { messages } = await getJson<{ messages: Message[] }>(`${b.url}/api/rooms/${room.id}/messages`);
      expect(messages).toHaveLength(6);
    } finally {
      await Promise.allSettled([onA.close(), onB.close()]);
    }
  });
});
