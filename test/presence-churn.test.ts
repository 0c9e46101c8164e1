// Entering and leaving a room is broadcast to its members as presence: one connection churning
// SUBSCRIBE/UNSUBSCRIBE on a room must not flood everybody else with join/leave events
// (ROOM_JOINS_PER_USER_PER_MINUTE). A second subscription of the same connection costs nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { type Session, startTestParley, type TestParley } from './support/parley.js';
import { RawStompClient } from './support/raw-stomp.js';

const JOINS_PER_MINUTE = 10;
const PAIRS = 200;
let parley: TestParley;
let owner: Session;
let churner: Session;

beforeAll(async () => {
  parley = await startTestParley({
    env: { ROOM_JOINS_PER_USER_PER_MINUTE: String(JOINS_PER_MINUTE) },
    overrides: { ephemeralStompPort: true },
  });
  owner = await parley.session('watcher');
  churner = await parley.session('churner');
});

afterAll(async () => {
  await parley?.dispose();
});

async function connected(session: Session): Promise<RawStompClient> {
  const client = await RawStompClient.open(parley.app.stompPort);
  client.writeRaw(`CONNECT\naccept-version:1.2\npasscode:${session.token}\n\n\u0000`);
  await client.waitFor((f) => f.command === 'CONNECTED');
  return client;
}

describe('presence churn', () => {
  it(`${PAIRS} SUBSCRIBE/UNSUBSCRIBE pairs reach the room as the join budget allows; the rest are refused`, async () => {
    const room = await parley.createRoom(owner.token, 'churn');
    const watcher = await connected(owner);
    watcher.writeRaw(`SUBSCRIBE\nid:p\ndestination:/topic/rooms.${room.id}.presence\nreceipt:w\n\n\u0000`);
    await watcher.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'w');

    const client = await connected(churner);
    client.writeRaw('SUBSCRIBE\nid:e\ndestination:/user/queue/errors\nreceipt:e\n\n\u0000');
    await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'e');
    const topic = `/topic/rooms.${room.id}`;
    // One pair at a time: a refused SUBSCRIBE leaves nothing to UNSUBSCRIBE.
    const startedAt = Date.now();
    for (let i = 0; i < PAIRS; i += 1) {
      const mark = client.frames.length;
      client.writeRaw(`SUBSCRIBE\nid:s${i}\ndestination:${topic}\nreceipt:s${i}\n\n\u0000`);
      const answer = await client.waitFor(
        (f) =>
          client.frames.indexOf(f) >= mark && (f.headers['receipt-id'] === `s${i}` || f.command === 'ERROR'),
      );
      expect(answer.command).not.toBe('ERROR');
      if (answer.command === 'RECEIPT') client.writeRaw(`UNSUBSCRIBE\nid:s${i}\n\n\u0000`);
    }
    client.writeRaw('DISCONNECT\nreceipt:done\n\n\u0000');
    await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'done');

    // The budget: the burst, plus what refilled while the loop ran.
    const allowed = JOINS_PER_MINUTE + Math.ceil(((Date.now() - startedAt) / 60_000) * JOINS_PER_MINUTE);
    const refusals = client.frames.filter(
      (f) => f.command === 'MESSAGE' && f.body.toString().includes('"code":"rate_limited"'),
    );
    expect(refusals.length).toBeGreaterThanOrEqual(PAIRS - allowed);
    // Every join the room saw was paid for, and each has at most one leave.
    await eventually(() => {
      const events = watcher.frames
        .filter((f) => f.command === 'MESSAGE')
        .map((f) => (JSON.parse(f.body.toString()) as { type: string }).type);
      const joins = events.filter((type) => type === 'join').length;
      expect(joins).toBeGreaterThan(0);
      expect(joins).toBeLessThanOrEqual(allowed);
      expect(events.filter((type) => type === 'leave').length).toBe(joins);
    });
    watcher.destroy();
  });

  it('a second subscription of the same connection is no new entry and costs nothing', async () => {
    const room = await parley.createRoom(owner.token, 'two views');
    const client = await connected(owner);
    const topic = `/topic/rooms.${room.id}`;
    let frames = '';
    for (let i = 0; i < 3 * JOINS_PER_MINUTE; i += 1) {
      frames += `SUBSCRIBE\nid:k${i}\ndestination:${topic}\nreceipt:k${i}\n\n\u0000`;
    }
    client.writeRaw(frames);
    const last = `k${3 * JOINS_PER_MINUTE - 1}`;
    await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === last);
    expect(client.frames.filter((f) => f.command === 'RECEIPT')).toHaveLength(3 * JOINS_PER_MINUTE);
    client.destroy();
  });
});
