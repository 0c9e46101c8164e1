// A subscriber that stops reading must not hurt anyone else: its outbound buffer is bounded
// (MAX_OUTBOUND_BYTES), it is dropped as slow_consumer, the memory it held comes back, and a healthy
// subscriber of the same room sees no added latency. Latency is measured with and without the stalled
// peer on a real server (in-process, so process.memoryUsage is the server's memory).
import type { Client, IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { eventually } from './support/eventually.js';
import { exposeGc } from './support/gc.js';
import { type Session, startTestParley, type TestParley } from './support/parley.js';
import { RawWebSocket } from './support/raw-ws.js';
import { receiptOf } from './support/stompjs-client.js';

const BODY_CHARS = 16_000;
const MESSAGES_PER_PHASE = 600;

let parley: TestParley;
let room: Room;
let publisherSession: Session;
let publisher: Client;
let healthy: Client;
/** Resolvers waiting for the healthy subscriber to receive message number `i`. */
const waiting = new Map<number, () => void>();

beforeAll(async () => {
  parley = await startTestParley({
    env: { MAX_OUTBOUND_BYTES: String(64 * 1024), MESSAGE_MAX_CHARS: String(BODY_CHARS + 100) },
  });
  publisherSession = await parley.session('publisher');
  room = await parley.createRoom(publisherSession.token, 'slow consumers');
  publisher = await parley.connect(publisherSession.token);
  // Talking needs joining; the publisher reads its own messages like any member.
  const joined = receiptOf(publisher, 'publisher-sub');
  publisher.subscribe(`/topic/rooms.${room.id}`, () => undefined, { receipt: 'publisher-sub' });
  await joined;
  healthy = await parley.connect((await parley.session('healthy')).token);
  const ready = receiptOf(healthy, 'healthy-sub');
  healthy.subscribe(
    `/topic/rooms.${room.id}`,
    (message: IMessage) => {
      const index = Number(/"n(\d+) /.exec(message.body)?.[1]);
      waiting.get(index)?.();
      waiting.delete(index);
    },
    { receipt: 'healthy-sub' },
  );
  await ready;
}, 30_000);

afterAll(async () => {
  await publisher?.deactivate();
  await healthy?.deactivate();
  await parley?.dispose();
});

const filler = 'x'.repeat(BODY_CHARS);
let counter = 0;

/** Publishes one message and resolves with the milliseconds until the healthy subscriber had it. */
async function roundTrip(): Promise<number> {
  counter += 1;
  const index = counter;
  const startedAt = performance.now();
  const received = new Promise<void>((resolve) => waiting.set(index, resolve));
  publisher.publish({
    destination: `/app/rooms.${room.id}`,
    body: `n${index} ${filler}`,
    headers: { 'content-type': 'text/plain' },
  });
  await received;
  return performance.now() - startedAt;
}

async function phase(): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  for (let i = 0; i < MESSAGES_PER_PHASE; i += 1) samples.push(await roundTrip());
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95) };
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${parley.url}/metrics`)).text();
  const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return Number(match?.[1] ?? 0);
}

describe('slow consumers', () => {
  it('drops a stalled subscriber, gives its memory back and adds no latency for the others', async () => {
    const gc = exposeGc();
    const retained = (): number => {
      gc();
      const usage = process.memoryUsage();
      return usage.heapUsed + usage.arrayBuffers;
    };
    // Warm up (JIT, store), then the baseline without a stalled peer.
    for (let i = 0; i < 20; i += 1) await roundTrip();
    const baseline = await phase();
    const memoryBefore = retained();

    const stalled = await RawWebSocket.open(parley.app.port, { protocols: ['v12.stomp'] });
    const stalledUser = await parley.session('stalled');
    stalled.send(`CONNECT\naccept-version:1.2\nAuthorization:Bearer ${stalledUser.token}\n\n\u0000`);
    stalled.send(`SUBSCRIBE\nid:s\ndestination:/topic/rooms.${room.id}\nreceipt:r\n\n\u0000`);
    await stalled.waitFor((t) => t.includes('receipt-id:r'), 'subscribed');
    stalled.stopReading();

    const withStalled = await phase();
    // 600 × 16 KB is far more than the kernel buffers and the 64 KiB outbound bound together hold.
    // The stalled client reads nothing, so it cannot notice the close; the server's count shows the drop.
    await eventually(async () => expect(await metric('parley_slow_consumers_dropped_total')).toBe(1));
    await eventually(async () => expect(await metric('parley_stomp_connections')).toBe(2));
    const memoryAfter = retained();

    console.log(
      `delivery latency ms without/with a stalled peer: p50 ${baseline.p50.toFixed(2)}/${withStalled.p50.toFixed(2)}, ` +
        `p95 ${baseline.p95.toFixed(2)}/${withStalled.p95.toFixed(2)}; retained memory ${((memoryAfter - memoryBefore) / 2 ** 20).toFixed(1)} MiB after the drop`,
    );
    // Without a bound the server would hold the stalled peer's ~9 MiB of undelivered frames.
    expect(memoryAfter - memoryBefore).toBeLessThan(8 * 2 ** 20);
    // Generous bounds (shared CI machines), still far below what head-of-line blocking would cost.
    expect(withStalled.p50).toBeLessThan(baseline.p50 * 3 + 5);
    expect(withStalled.p95).toBeLessThan(baseline.p95 * 3 + 20);
    stalled.destroy();
  }, 60_000);
});
