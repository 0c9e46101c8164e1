// Floods against a real server: one user sending as fast as the socket allows (token bucket refuses the
// excess on /user/queue/errors while others are unaffected), many users chatting in one room at once
// (everyone gets everything, in seq order) and a connection storm (hundreds of sockets at once; all
// served, all released, memory back to where it was).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { eventually } from './support/eventually.js';
import { exposeGc } from './support/gc.js';
import { type Session, startTestParley, type TestParley } from './support/parley.js';
import { RawWebSocket } from './support/raw-ws.js';
import { stompText } from './support/stomp-text.js';

const SEND_BURST = 20;

let parley: TestParley;

beforeAll(async () => {
  parley = await startTestParley({
    env: {
      SEND_RATE_PER_SECOND: '5',
      SEND_BURST: String(SEND_BURST),
      MAX_CONNECTIONS_PER_IP: '1000',
      // The storm's 300 handshakes are plain HTTP connections until upgraded.
      MAX_HTTP_CONNECTIONS_PER_IP: '1000',
    },
  });
});

afterAll(async () => {
  await parley?.dispose();
});

async function connected(session: Session): Promise<RawWebSocket> {
  const ws = await RawWebSocket.open(parley.app.port, { protocols: ['v12.stomp'] });
  ws.send(stompText('CONNECT', { 'accept-version': '1.2', Authorization: `Bearer ${session.token}` }));
  await ws.waitFor((t) => t.startsWith('CONNECTED\n'), 'CONNECTED');
  return ws;
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${parley.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

describe('floods', () => {
  it('one user: the burst passes, the rest is refused with rate_limited, the connection and others carry on', async () => {
    const flooder = await parley.session('flooder');
    const bystander = await parley.session('bystander');
    const room: Room = await parley.createRoom(flooder.token, 'flooded');
    const ws = await connected(flooder);
    ws.send(stompText('SUBSCRIBE', { id: 'e', destination: '/user/queue/errors' }));
    // Talking needs joining: in the room first (frames are handled in order).
    ws.send(stompText('SUBSCRIBE', { id: 'r', destination: `/topic/rooms.${room.id}`, receipt: 'e' }));
    await ws.waitFor((t) => t.includes('receipt-id:e'), 'subscribed');
    const flood = 300;
    const frames: string[] = [];
    for (let i = 0; i < flood; i += 1) {
      frames.push(
        stompText(
          'SEND',
          { destination: `/app/rooms.${room.id}`, 'content-type': 'text/plain', receipt: `f${i}` },
          `flood ${i}`,
        ),
      );
    }
    // Pipelined in a few WebSocket messages: as fast as a client can possibly send.
    for (let i = 0; i < flood; i += 50) ws.send(frames.slice(i, i + 50).join(''));

    // The bystander, with a bucket of its own, is served at once while the flood is refused.
    const other = await connected(bystander);
    const startedAt = Date.now();
    other.send(
      stompText('SUBSCRIBE', { id: 'r', destination: `/topic/rooms.${room.id}` }) +
        stompText(
          'SEND',
          { destination: `/app/rooms.${room.id}`, 'content-type': 'text/plain', receipt: 'b' },
          'hi',
        ),
    );
    await other.waitFor((t) => t.includes('receipt-id:b'), 'bystander RECEIPT');
    expect(Date.now() - startedAt).toBeLessThan(1000);

    await ws.waitFor(
      (t) => count(t, 'RECEIPT\n') - 1 + count(t, '"code":"rate_limited"') === flood,
      'every SEND answered',
      15_000,
    );
    const accepted = count(ws.text, 'RECEIPT\n') - 1;
    // The burst, plus whatever refilled (5/s) while the flood was handled.
    expect(accepted).toBeGreaterThanOrEqual(SEND_BURST);
    expect(accepted).toBeLessThanOrEqual(SEND_BURST + 10);
    expect(ws.ended).toBe(false);
    const { messages } = (await (
      await fetch(`${parley.url}/api/rooms/${room.id}/messages?limit=200`)
    ).json()) as {
      messages: unknown[];
    };
    expect(messages).toHaveLength(accepted + 1);
    ws.destroy();
    other.destroy();
  }, 30_000);

  it('many users in one room: 40 senders × 5 messages reach all 40 subscribers once, in seq order', async () => {
    const users = await Promise.all(Array.from({ length: 40 }, (_, i) => parley.session(`crowd${i}`)));
    const room = await parley.createRoom(users[0]?.token ?? '', 'crowded');
    const sockets = await Promise.all(users.map((user) => connected(user)));
    await Promise.all(
      sockets.map(async (ws) => {
        ws.send(stompText('SUBSCRIBE', { id: 'r', destination: `/topic/rooms.${room.id}`, receipt: 'r' }));
        await ws.waitFor((t) => t.includes('receipt-id:r'), 'subscribed');
      }),
    );
    for (const [u, ws] of sockets.entries()) {
      const frames = Array.from({ length: 5 }, (_, i) =>
        stompText(
          'SEND',
          { destination: `/app/rooms.${room.id}`, 'content-type': 'text/plain' },
          `u${u} m${i}`,
        ),
      );
      ws.send(frames.join(''));
    }
    const total = 40 * 5;
    await Promise.all(
      sockets.map((ws) => ws.waitFor((t) => count(t, 'MESSAGE\n') === total, `${total} MESSAGEs`, 20_000)),
    );
    for (const ws of sockets) {
      const seqs = [...ws.text.matchAll(/\nseq:(\d+)\n/g)].map((m) => Number(m[1]));
      expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
    for (const ws of sockets) ws.destroy();
  }, 30_000);

  it('a connection storm: 300 sockets at once are all served and all released, memory comes back', async () => {
    const gc = exposeGc();
    const retained = (): number => {
      gc();
      const usage = process.memoryUsage();
      return usage.heapUsed + usage.arrayBuffers;
    };
    const user = await parley.session('stormer');
    await eventually(async () => expect(await metric('parley_stomp_connections')).toBe(0));
    const before = retained();
    const sockets = await Promise.all(Array.from({ length: 300 }, () => connected(user)));
    expect(await metric('parley_stomp_connections')).toBe(300);
    for (const ws of sockets) ws.destroy();
    await eventually(async () => expect(await metric('parley_stomp_connections')).toBe(0), {
      timeoutMs: 10_000,
    });
    const after = retained();
    expect(after - before).toBeLessThan(8 * 2 ** 20);
    expect(await (await fetch(`${parley.url}/healthz`)).json()).toEqual({ status: 'ok' });
  }, 30_000);
});
