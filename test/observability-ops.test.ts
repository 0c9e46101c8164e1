// What an operator sees: /metrics after real traffic (connections, subscriptions, frames in/out by
// command, messages stored, fan-out, delivery and store latency, errors by code), /readyz with storage
// and Redis (and 503 while Redis is cut off, parley_dependency_up with it), and logs that carry connection and user ids but never a
// token, read from the app's own logger configuration at the most verbose level.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/app.js';
import type { Room } from '../src/chat/model.js';
import { eventually } from './support/eventually.js';
import { type Session, startTestParley, type TestParley } from './support/parley.js';
import { RawWebSocket } from './support/raw-ws.js';
import { redisAvailable, startRedisProxy, uniqueKeyPrefix } from './support/redis.js';
import { stompText } from './support/stomp-text.js';
import { Inbox, receiptOf } from './support/stompjs-client.js';

const logLines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    logLines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.length > 0),
    );
    callback();
  },
});

let parley: TestParley;
let alice: Session;
let room: Room;

beforeAll(async () => {
  parley = await startTestParley({
    env: { LOG_LEVEL: 'trace' },
    overrides: { logger: createLogger({ logLevel: 'trace' }, 'obs-node', sink) },
  });
  alice = await parley.session('alice');
  room = await parley.createRoom(alice.token, 'observed');
});

afterAll(async () => {
  await parley?.dispose();
});

async function scrape(): Promise<string> {
  const response = await fetch(`${parley.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

function value(text: string, series: string): number {
  const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return Number(new RegExp(`^${escaped} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
}

describe('metrics, readiness and logs after real traffic', () => {
  it('counts every series the operator needs', async () => {
    // Traffic: a subscriber, a sender with receipts, a refused SEND to /topic, a refused CONNECT, a bad nickname.
    const listener = await parley.connect(alice.token);
    const inbox = new Inbox();
    const subscribed = receiptOf(listener, 'sub');
    listener.subscribe(`/topic/rooms.${room.id}`, inbox.listener, { receipt: 'sub' });
    await subscribed;

    const sender = await RawWebSocket.open(parley.app.port);
    sender.send(stompText('CONNECT', { 'accept-version': '1.2', passcode: alice.token }));
    sender.send(stompText('SUBSCRIBE', { id: 'e', destination: '/user/queue/errors' }));
    sender.send(stompText('SUBSCRIBE', { id: 'r', destination: `/topic/rooms.${room.id}` }));
    for (let i = 0; i < 3; i += 1) {
      sender.send(
        stompText(
          'SEND',
          { destination: `/app/rooms.${room.id}`, 'content-type': 'text/plain', receipt: `m${i}` },
          `hello ${i}`,
        ),
      );
    }
    sender.send(stompText('SEND', { destination: `/topic/rooms.${room.id}`, receipt: 'topic' }, 'nope'));
    await sender.waitFor(
      (t) => t.includes('"code":"forbidden_destination"') && t.includes('receipt-id:m2'),
      'receipts and error',
    );
    await inbox.waitFor(3);

    const intruder = await RawWebSocket.open(parley.app.port);
    intruder.send(stompText('CONNECT', { 'accept-version': '1.2', Authorization: 'Bearer forged' }));
    await intruder.waitEnded();
    const badNickname = await fetch(`${parley.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nickname: '\u0000' }),
    });
    expect(badNickname.status).toBe(400);

    const text = await scrape();
    expect(value(text, 'parley_stomp_connections')).toBe(2);
    // The sender is in the room too (talking needs joining).
    expect(value(text, 'parley_stomp_subscriptions')).toBe(3);
    expect(value(text, 'parley_stomp_frames_in_total{command="CONNECT"}')).toBe(3);
    expect(value(text, 'parley_stomp_frames_in_total{command="SUBSCRIBE"}')).toBe(3);
    expect(value(text, 'parley_stomp_frames_in_total{command="SEND"}')).toBe(4);
    expect(value(text, 'parley_stomp_frames_out_total{command="CONNECTED"}')).toBe(2);
    expect(value(text, 'parley_stomp_frames_out_total{command="RECEIPT"}')).toBe(4);
    // 3 chat messages to the listener and to the sender, 1 error report to the sender.
    expect(value(text, 'parley_stomp_frames_out_total{command="MESSAGE"}')).toBe(7);
    expect(value(text, 'parley_stomp_frames_out_total{command="ERROR"}')).toBe(1);
    expect(value(text, 'parley_messages_stored_total')).toBe(3);
    expect(value(text, 'parley_fanout_deliveries_total')).toBeGreaterThanOrEqual(3);
    expect(value(text, 'parley_delivery_latency_seconds_count')).toBe(3);
    // Every message was sent on this node: each has its SEND-to-delivery time; the store answers.
    expect(value(text, 'parley_send_to_delivery_seconds_count')).toBe(3);
    expect(value(text, 'parley_dependency_up{dependency="storage"}')).toBe(1);
    expect(value(text, 'parley_store_append_seconds_count')).toBe(3);
    expect(value(text, 'parley_errors_total{code="forbidden_destination"}')).toBe(1);
    expect(value(text, 'parley_errors_total{code="unauthorized"}')).toBe(1);
    expect(value(text, 'parley_errors_total{code="invalid_nickname"}')).toBe(1);
    expect(text).toContain('parley_slow_consumers_dropped_total 0');

    // Counters only grow: a second scrape after more traffic adds exactly the new frames.
    sender.send(
      stompText(
        'SEND',
        { destination: `/app/rooms.${room.id}`, 'content-type': 'text/plain', receipt: 'm3' },
        'again',
      ),
    );
    await sender.waitFor((t) => t.includes('receipt-id:m3'), 'receipt');
    expect(value(await scrape(), 'parley_stomp_frames_in_total{command="SEND"}')).toBe(5);
    sender.destroy();
    await listener.deactivate();
  });

  it('logs connection and user ids, and never a token, at trace level', async () => {
    const refreshed = await fetch(`${parley.url}/api/sessions/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(refreshed.status).toBe(200);
    const { token: newToken } = (await refreshed.json()) as { token: string };
    const client = await parley.connect(newToken);
    await client.deactivate();

    await eventually(() => {
      const connected = logLines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'stomp connected');
      expect(connected.length).toBeGreaterThanOrEqual(3);
      for (const line of connected) {
        expect(line.connectionId).toEqual(expect.any(String));
        expect(line.userId).toBe(alice.user.id);
      }
    });
    const everything = logLines.join('\n');
    for (const token of [alice.token, newToken]) {
      // Neither the whole token nor its signature (the secret part) appears anywhere.
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.split('.')[2]);
    }
  });

  it('readyz checks storage', async () => {
    const response = await fetch(`${parley.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { storage: 'ok' } });
  });
});

describe.runIf(await redisAvailable())('readyz with Redis', () => {
  it('reports Redis, and 503 while Redis is unreachable', async () => {
    const proxy = await startRedisProxy();
    const node = await startTestParley({
      env: { REDIS_URL: proxy.url, REDIS_KEY_PREFIX: uniqueKeyPrefix('obs') },
    });
    try {
      const ready = await fetch(`${node.url}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { storage: 'ok', redis: 'ok' } });
      await proxy.cut();
      await eventually(async () => {
        const response = await fetch(`${node.url}/readyz`);
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({
          status: 'unavailable',
          checks: { storage: 'ok', redis: 'unavailable' },
        });
      });
      // The metric the alert ParleyRedisDown reads says the same (docs/ops/alerts.yml).
      const down = await (await fetch(`${node.url}/metrics`)).text();
      expect(value(down, 'parley_dependency_up{dependency="redis"}')).toBe(0);
      expect(value(down, 'parley_dependency_up{dependency="storage"}')).toBe(1);
      // Liveness is not readiness: the process itself is fine.
      expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
      await proxy.restore();
      await eventually(async () => expect((await fetch(`${node.url}/readyz`)).status).toBe(200), {
        timeoutMs: 10_000,
      });
      const up = await (await fetch(`${node.url}/metrics`)).text();
      expect(value(up, 'parley_dependency_up{dependency="redis"}')).toBe(1);
    } finally {
      await node.dispose();
      await proxy.close();
    }
  }, 30_000);
});
