// Room password guesses get slower, then refused, per user, per address (two identities, one address),
// per room (many identities on many addresses), on HTTP and STOMP alike and across two nodes sharing
// Redis; and a flood of 1,000 guesses cannot slow down anyone's CONNECT, because password hashing is
// bounded (PASSWORD_HASH_CONCURRENCY, PASSWORD_HASH_QUEUE) and the rest is refused with server_busy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { ManualClock } from '../src/clock.js';
import { join, send, subscribed, subscribeRefusal } from './support/chat-client.js';
import { clusterSkipReason } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { type Session, startNodePair, startTestParley, type TestParley } from './support/parley.js';
import { RawStompClient } from './support/raw-stomp.js';
import { deleteKeys, REDIS_TEST_URL, uniqueKeyPrefix } from './support/redis.js';

const GUESS_ENV = {
  TRUST_PROXY: 'true',
  PASSWORD_FREE_ATTEMPTS_PER_USER: '3',
  PASSWORD_FREE_ATTEMPTS_PER_IP: '6',
  PASSWORD_FREE_ATTEMPTS_PER_ROOM: '10',
  PASSWORD_BACKOFF_BASE_MS: '1000',
  PASSWORD_BACKOFF_MAX_MS: '4000',
  PASSWORD_ATTEMPTS_RESET_MS: '60000',
};

interface Outcome {
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | null;
}

/** POST /api/rooms/:id/join from `address` (X-Forwarded-For, TRUST_PROXY on). */
async function guess(
  node: TestParley,
  session: Session,
  roomId: string,
  password: string,
  address: string,
): Promise<Outcome> {
  const response = await fetch(`${node.url}/api/rooms/${roomId}/join`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${session.token}`,
      'content-type': 'application/json',
      'x-forwarded-for': address,
    },
    body: JSON.stringify({ password }),
  });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: body.error?.code, retryAfter: response.headers.get('retry-after') };
}

const codes = (outcomes: readonly Outcome[]): Array<string | undefined> => outcomes.map((o) => o.code);

async function guesses(
  node: TestParley,
  tries: ReadonlyArray<readonly [Session, string]>,
  roomId: string,
  password = 'wrong',
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const [session, address] of tries)
    outcomes.push(await guess(node, session, roomId, password, address));
  return outcomes;
}

async function passwordRoom(node: TestParley, owner: Session, name: string): Promise<Room> {
  const room = await node.createRoom(owner.token, name);
  const client = await node.connect(owner.token);
  try {
    await send(client, `/app/rooms.${room.id}.moderate`, { action: 'settings', password: 'sesame' });
  } finally {
    await client.deactivate();
  }
  return room;
}

describe('password guesses slow down', () => {
  let parley: TestParley;
  const clock = new ManualClock(Date.now());
  let owner: Session;

  beforeAll(async () => {
    parley = await startTestParley({ overrides: { clock }, env: GUESS_ENV });
    owner = await parley.session('owner');
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  it('per user: free guesses, then doubling delays (Retry-After) that refuse even the right password; STOMP shares them', async () => {
    const room = await passwordRoom(parley, owner, 'per user');
    const eve = await parley.session('eve');
    const address = '10.0.1.1';
    // Three free, the fourth starts a 1 s delay.
    expect(codes(await guesses(parley, Array(4).fill([eve, address]), room.id))).toEqual(
      Array(4).fill('wrong_password'),
    );
    const refused = await guess(parley, eve, room.id, 'sesame', address);
    expect(refused).toEqual({ status: 429, code: 'too_many_attempts', retryAfter: '1' });
    // The same identity on STOMP waits too.
    const client = await parley.connect(eve.token);
    const errors = await subscribed(client, '/user/queue/errors');
    expect(
      await subscribeRefusal(client, errors, `/topic/rooms.${room.id}`, { 'room-password': 'sesame' }),
    ).toBe('too_many_attempts');
    clock.advance(1000);
    expect((await guess(parley, eve, room.id, 'wrong', address)).code).toBe('wrong_password');
    expect(await guess(parley, eve, room.id, 'sesame', address)).toEqual({
      status: 429,
      code: 'too_many_attempts',
      retryAfter: '2',
    });
    clock.advance(2000);
    // The right password gets in and forgives this user and address.
    expect((await guess(parley, eve, room.id, 'sesame', address)).status).toBe(200);
    expect(codes(await guesses(parley, Array(4).fill([eve, address]), room.id))).toEqual(
      Array(4).fill('wrong_password'),
    );
    expect(
      await subscribeRefusal(client, errors, `/topic/rooms.${room.id}`, { 'room-password': 'sesame' }),
    ).toBe('too_many_attempts');
  });

  it('per address: new identities from the same address share its delays; another address does not', async () => {
    const room = await passwordRoom(parley, owner, 'per address');
    const address = '2001:db8:7:1::5';
    const identities = await Promise.all(['m1', 'm2', 'm3', 'm4'].map((n) => parley.session(n)));
    const [m1, m2, m3, m4] = identities as [Session, Session, Session, Session];
    // 3 + 3 free per user are the address's 6; the 7th (a fresh identity) starts its delay.
    const outcomes = await guesses(
      parley,
      [m1, m1, m1, m2, m2, m2, m3].map((s) => [s, address] as const),
      room.id,
    );
    expect(codes(outcomes)).toEqual(Array(7).fill('wrong_password'));
    // Another host of the same /64 is the same address; a fresh identity there is refused.
    expect(await guess(parley, m4, room.id, 'sesame', '2001:db8:7:1:ffff::9')).toMatchObject({
      status: 429,
      code: 'too_many_attempts',
    });
    expect((await guess(parley, m4, room.id, 'sesame', '2001:db8:7:2::5')).status).toBe(200);
  });

  it('per room: many identities on many addresses are slowed down together; members with a grant are not', async () => {
    const room = await passwordRoom(parley, owner, 'per room');
    const member = await parley.session('member');
    const grant = (
      (await (
        await fetch(`${parley.url}/api/rooms/${room.id}/join`, {
          method: 'POST',
          headers: { authorization: `Bearer ${member.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ password: 'sesame' }),
        })
      ).json()) as { grant: string }
    ).grant;
    const crowd = await Promise.all(Array.from({ length: 12 }, (_, i) => parley.session(`crowd ${i}`)));
    // One guess each from its own address: the room's 10 free, the 11th starts the room's delay. The
    // member's right password did not count.
    const outcomes = await guesses(
      parley,
      crowd.slice(0, 11).map((s, i) => [s, `10.2.${i}.1`] as const),
      room.id,
    );
    expect(codes(outcomes)).toEqual(Array(11).fill('wrong_password'));
    expect((await guess(parley, crowd[11] as Session, room.id, 'sesame', '10.3.0.1')).code).toBe(
      'too_many_attempts',
    );
    // A member's grant needs no guess.
    const client = await parley.connect(member.token);
    await join(client, room.id, { 'room-grant': grant });
    const history = await fetch(`${parley.url}/api/rooms/${room.id}/messages`, {
      headers: { 'x-room-grant': grant },
    });
    expect(history.status).toBe(200);
    // The delays of a room double too, and end.
    clock.advance(1000);
    expect((await guess(parley, crowd[11] as Session, room.id, 'wrong', '10.3.0.1')).code).toBe(
      'wrong_password',
    );
    expect(await guess(parley, crowd[11] as Session, room.id, 'sesame', '10.3.0.2')).toMatchObject({
      code: 'too_many_attempts',
      retryAfter: '2',
    });
  });
});

const clusterSkip = (await clusterSkipReason()) !== undefined;

describe.skipIf(clusterSkip)('password guesses across two nodes sharing Redis', () => {
  const prefix = uniqueKeyPrefix('password-guessing');
  const clock = new ManualClock(Date.now());
  let a: TestParley;
  let b: TestParley;

  beforeAll(async () => {
    ({ a, b } = await startNodePair({
      redisUrl: REDIS_TEST_URL,
      redisKeyPrefix: prefix,
      env: GUESS_ENV,
      overrides: { clock },
    }));
  }, 30_000);
  afterAll(async () => {
    await b?.dispose();
    await a?.dispose();
    await deleteKeys(prefix);
  });

  it('a user’s, an address’s and a room’s guesses count on every node', async () => {
    const owner = await a.session('owner');
    const room = await passwordRoom(a, owner, 'two nodes');
    const eve = await b.session('eve');
    const nodes = [a, b, a, b];
    for (const node of nodes)
      expect((await guess(node, eve, room.id, 'wrong', '10.9.0.1')).code).toBe('wrong_password');
    expect(await guess(a, eve, room.id, 'sesame', '10.9.0.1')).toMatchObject({
      status: 429,
      code: 'too_many_attempts',
    });
    expect(await guess(b, eve, room.id, 'sesame', '10.9.0.1')).toMatchObject({
      status: 429,
      code: 'too_many_attempts',
    });
    // Fresh identities and addresses against the same room, alternating nodes: the room's delay is shared.
    const crowd = await Promise.all(Array.from({ length: 8 }, (_, i) => a.session(`c${i}`)));
    const outcomes: Outcome[] = [];
    for (const [i, session] of crowd.entries()) {
      outcomes.push(await guess(i % 2 === 0 ? a : b, session, room.id, 'wrong', `10.10.${i}.1`));
    }
    // 4 guesses by eve plus 6 here are the room's 10 free; the 11th starts the delay, the 12th waits.
    expect(codes(outcomes)).toEqual([...Array(7).fill('wrong_password'), 'too_many_attempts']);
  });
});

describe('a guessing flood does not slow CONNECT', () => {
  let parley: TestParley;

  beforeAll(async () => {
    parley = await startTestParley({
      overrides: { ephemeralStompPort: true },
      env: {
        // Every guess reaches the hasher: this is about the thread pool, not the guess limits.
        PASSWORD_FREE_ATTEMPTS_PER_USER: '1000000',
        PASSWORD_FREE_ATTEMPTS_PER_IP: '1000000',
        PASSWORD_FREE_ATTEMPTS_PER_ROOM: '1000000',
        MAX_CONNECTIONS_PER_IP: '1000',
      },
    });
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  async function connectMs(token: string): Promise<number> {
    const started = performance.now();
    const raw = await RawStompClient.open(parley.app.stompPort);
    try {
      raw.write('CONNECT', { 'accept-version': '1.2', host: 'parley', passcode: token, 'heart-beat': '0,0' });
      const frame = await raw.waitFor((f) => f.command === 'CONNECTED' || f.command === 'ERROR', 20_000);
      expect(frame.command).toBe('CONNECTED');
      return performance.now() - started;
    } finally {
      raw.destroy();
    }
  }

  const median = (values: number[]): number =>
    [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;

  it('measures a control client’s CONNECT during 1,000 guesses (40 connections × 25 SUBSCRIBEs)', async () => {
    const owner = await parley.session('owner');
    const room = await passwordRoom(parley, owner, 'flooded');
    const control = await parley.session('control');
    const before: number[] = [];
    for (let i = 0; i < 5; i++) before.push(await connectMs(control.token));

    const attackers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const session = await parley.session(`guesser ${i}`);
        const raw = await RawStompClient.open(parley.app.stompPort);
        raw.write('CONNECT', {
          'accept-version': '1.2',
          host: 'parley',
          passcode: session.token,
          'heart-beat': '0,0',
        });
        await raw.waitFor((f) => f.command === 'CONNECTED');
        raw.write('SUBSCRIBE', { id: 'errors', destination: '/user/queue/errors' });
        return raw;
      }),
    );
    try {
      for (const raw of attackers) {
        for (let g = 0; g < 25; g++) {
          raw.write('SUBSCRIBE', {
            id: `g${g}`,
            destination: `/topic/rooms.${room.id}`,
            'room-password': String(1000 + g),
          });
        }
      }
      const during: number[] = [];
      for (let i = 0; i < 5; i++) during.push(await connectMs(control.token));
      console.log(
        `CONNECT latency, median of 5: ${median(before).toFixed(1)} ms before, ${median(during).toFixed(1)} ms during the flood`,
      );
      // Guesses beyond the queue were refused at once rather than waiting for a thread.
      const answers = (): string[] =>
        attackers.flatMap((raw) =>
          raw.frames
            .filter((f) => f.command === 'MESSAGE')
            .map((f) => (JSON.parse(f.body.toString('utf8')) as { code: string }).code),
        );
      await eventually(() => expect(answers()).toContain('server_busy'), { timeoutMs: 10_000 });
      expect(new Set(answers())).toEqual(new Set(['wrong_password', 'server_busy']));
      // Without the bounded queue scrypt took every pool thread and CONNECT waited seconds.
      expect(median(during)).toBeLessThan(Math.max(250, median(before) * 10));
    } finally {
      for (const raw of attackers) raw.destroy();
    }
  }, 60_000);
});
