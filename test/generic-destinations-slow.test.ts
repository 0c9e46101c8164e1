// A generic topic's subscriber that stops reading is dropped by the broker's slow-consumer rule
// (MAX_OUTBOUND_BYTES) and the other subscribers of the destination still get every message; a queue
// passes over a consumer whose outbound buffer is half full (the others take the messages), and what a
// stalled consumer held unacknowledged goes to another consumer when it leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { type Session, startTestParley, type TestParley } from './support/parley.js';
import { RawStompClient } from './support/raw-stomp.js';

const BODY_BYTES = 30_000;
const MESSAGES = 400;

let parley: TestParley;
const raws: RawStompClient[] = [];

beforeAll(async () => {
  parley = await startTestParley({
    env: {
      GENERIC_DESTINATIONS: '/topic/=topic,/queue/=queue',
      MAX_OUTBOUND_BYTES: String(64 * 1024),
      GENERIC_MAX_BODY_BYTES: String(BODY_BYTES),
      GENERIC_SEND_BURST: '100000',
      GENERIC_SEND_RATE_PER_SECOND: '100000',
      GENERIC_QUEUE_MAX_MESSAGES: '100000',
      // Room for all of them: only the outbound bound can stop the stalled consumer taking them.
      GENERIC_QUEUE_PREFETCH: '1000',
    },
    overrides: { ephemeralStompPort: true },
  });
});

afterAll(async () => {
  for (const raw of raws) raw.destroy();
  await parley?.dispose();
});

async function connected(session: Session): Promise<RawStompClient> {
  const client = await RawStompClient.open(parley.app.stompPort);
  raws.push(client);
  client.write('CONNECT', { 'accept-version': '1.2', host: 'parley', passcode: session.token });
  client.readAs('1.2');
  await client.waitFor((f) => f.command === 'CONNECTED');
  return client;
}

async function subscribe(client: RawStompClient, destination: string, id: string, ack = 'auto') {
  client.write('SUBSCRIBE', { destination, id, ack, receipt: `sub-${id}` });
  await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === `sub-${id}`);
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${parley.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

describe('slow consumers of generic destinations', () => {
  it('a stalled topic subscriber is dropped; the healthy one gets every message', async () => {
    const sender = await connected(await parley.session('slow-sender'));
    const healthy = await connected(await parley.session('slow-healthy'));
    const stalled = await connected(await parley.session('slow-stalled'));
    healthy.keepMessages = false;
    await subscribe(healthy, '/topic/slow', 'h');
    await subscribe(stalled, '/topic/slow', 's');
    stalled.stopReading();
    const droppedBefore = await metric('parley_slow_consumers_dropped_total');
    const body = Buffer.alloc(BODY_BYTES, 0x62);
    for (let i = 0; i < MESSAGES; i += 1) {
      sender.write(
        'SEND',
        { destination: '/topic/slow', ...(i === MESSAGES - 1 ? { receipt: 'last' } : {}) },
        body,
      );
    }
    await sender.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'last', 20_000);
    // 400 × 30 KB is far beyond the kernel buffers and the 64 KiB outbound bound together.
    await eventually(
      async () => expect(await metric('parley_slow_consumers_dropped_total')).toBe(droppedBefore + 1),
      {
        timeoutMs: 10_000,
      },
    );
    await eventually(() => expect(healthy.messageCount).toBe(MESSAGES), { timeoutMs: 20_000 });
  }, 60_000);

  it('a stalled queue consumer is passed over once its buffer fills; what it held goes to another when it leaves', async () => {
    const sender = await connected(await parley.session('q-sender'));
    const stalled = await connected(await parley.session('q-stalled'));
    await subscribe(stalled, '/queue/slow', 's', 'client-individual');
    stalled.stopReading();
    const body = Buffer.alloc(BODY_BYTES, 0x63);
    for (let i = 0; i < MESSAGES; i += 1) {
      sender.write(
        'SEND',
        { destination: '/queue/slow', ...(i === MESSAGES - 1 ? { receipt: 'q-last' } : {}) },
        body,
      );
    }
    await sender.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'q-last', 20_000);
    const healthy = await connected(await parley.session('q-healthy'));
    healthy.keepMessages = false;
    await subscribe(healthy, '/queue/slow', 'h');
    // The stalled consumer took what its socket and half its outbound bound hold, then was passed over
    // (not pushed into slow_consumer): the healthy one gets the rest.
    await eventually(() => expect(healthy.messageCount).toBeGreaterThan(MESSAGES / 2), { timeoutMs: 20_000 });
    expect(healthy.messageCount).toBeLessThan(MESSAGES);
    // The stalled one leaves without acknowledging: what it held is given to the healthy one.
    stalled.destroy();
    await eventually(() => expect(healthy.messageCount).toBe(MESSAGES), { timeoutMs: 20_000 });
  }, 60_000);
});
