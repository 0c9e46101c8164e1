// Generic destinations (GENERIC_DESTINATIONS) over a real TCP socket, frame by frame, in the style of
// the STOMP clients' own suites: send then receive on one destination, receipts, transactions, ack/nack
// redelivery, bodies at and over the limit, binary bodies, header escaping per version, the rate limit,
// permissions, authentication; and the ERROR a plain client gets for a refusal (chat's too).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import type { Frame, StompVersion } from '../src/stomp/frame.js';
import { eventually } from './support/eventually.js';
import { type Session, startTestParley, type TestParley } from './support/parley.js';
import { RawStompClient } from './support/raw-stomp.js';

const MAX_BODY = 4096;
const BURST = 30;

let parley: TestParley;
const raws: RawStompClient[] = [];
let counter = 0;

beforeAll(async () => {
  parley = await startTestParley({
    env: {
      GENERIC_DESTINATIONS: '/topic/=topic, /queue/=queue, /ro/=topic:r, /drop/=queue:w',
      GENERIC_MAX_BODY_BYTES: String(MAX_BODY),
      GENERIC_SEND_BURST: String(BURST),
      GENERIC_SEND_RATE_PER_SECOND: '0.01',
      GENERIC_QUEUE_PREFETCH: '2',
    },
    overrides: { ephemeralStompPort: true },
  });
});

afterEach(() => {
  for (const raw of raws.splice(0)) raw.destroy();
});

afterAll(async () => {
  await parley?.dispose();
});

async function user(): Promise<Session> {
  counter += 1;
  return parley.session(`gen${counter}`);
}

/** A raw TCP connection CONNECTed with the session's token in `version`. */
async function connected(session: Session, version: StompVersion = '1.2'): Promise<RawStompClient> {
  const client = await RawStompClient.open(parley.app.stompPort);
  raws.push(client);
  client.write('CONNECT', {
    'accept-version': version,
    host: 'parley',
    passcode: session.token,
    'heart-beat': '0,0',
  });
  client.readAs(version);
  const frame = await client.waitFor((f) => f.command === 'CONNECTED' || f.command === 'ERROR');
  if (frame.command === 'ERROR') throw new Error(`refused: ${frame.headers.message ?? ''}`);
  return client;
}

function receipt(client: RawStompClient, id: string): Promise<Frame> {
  return client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === id);
}

async function subscribe(
  client: RawStompClient,
  destination: string,
  id: string,
  ack = 'auto',
): Promise<void> {
  client.write('SUBSCRIBE', { destination, id, ack, receipt: `sub-${id}` });
  await receipt(client, `sub-${id}`);
}

function messages(client: RawStompClient, destination?: string): Frame[] {
  return client.frames.filter(
    (f) => f.command === 'MESSAGE' && (destination === undefined || f.headers.destination === destination),
  );
}

async function refusedWithError(client: RawStompClient, receiptId: string): Promise<Frame> {
  const error = await client.waitFor((f) => f.command === 'ERROR');
  expect(error.headers['receipt-id']).toBe(receiptId);
  await client.waitClosed();
  expect(client.frames.some((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === receiptId)).toBe(
    false,
  );
  return error;
}

describe('topics', () => {
  it('SEND then receive on one destination: every subscriber, user headers through, reserved ones overwritten', async () => {
    const alice = await user();
    const bob = await user();
    const a = await connected(alice);
    const b = await connected(bob);
    await subscribe(a, '/topic/news', 'a1');
    await subscribe(b, '/topic/news', 'b1');
    b.write(
      'SEND',
      {
        destination: '/topic/news',
        receipt: 's1',
        'content-type': 'text/plain;charset=utf-8',
        'x-trace': 'abc-1',
        'user-id': 'someone-else',
        'message-id': 'forged',
        redelivered: 'true',
        seq: '99',
      },
      'hello, 世界',
    );
    await receipt(b, 's1');
    const [got] = await eventually(() => {
      const found = messages(a, '/topic/news');
      expect(found).toHaveLength(1);
      return found;
    });
    await eventually(() => expect(messages(b, '/topic/news')).toHaveLength(1));
    expect(got?.body.toString()).toBe('hello, 世界');
    expect(got?.headers).toMatchObject({
      destination: '/topic/news',
      subscription: 'a1',
      'content-type': 'text/plain;charset=utf-8',
      'x-trace': 'abc-1',
      'user-id': bob.user.id,
    });
    expect(got?.headers['message-id']).not.toBe('forged');
    expect(got?.headers.redelivered).toBeUndefined();
    expect(got?.headers.seq).toBeUndefined();
    expect(got?.headers['content-length']).toBe(String(Buffer.byteLength('hello, 世界')));
  });

  it('a room topic stays chat’s: SEND there is refused (ERROR with receipt-id for a plain client), nothing delivered', async () => {
    const owner = await user();
    const room = await parley.createRoom(owner.token, 'generic-collide');
    const client = await connected(owner);
    client.write('SEND', { destination: `/topic/rooms.${room.id}`, receipt: 'r-room' }, 'x');
    const error = await refusedWithError(client, 'r-room');
    expect(error.headers.message).toBe('forbidden_destination');
  });

  it('binary bodies with NULs arrive byte for byte (content-length)', async () => {
    const alice = await user();
    const a = await connected(alice);
    await subscribe(a, '/topic/bin', 'bin');
    const body = Buffer.from([0, 1, 2, 0, 255, 254, 0, 10, 13, 0]);
    a.write(
      'SEND',
      { destination: '/topic/bin', receipt: 'b1', 'content-type': 'application/octet-stream' },
      body,
    );
    await receipt(a, 'b1');
    const [got] = await eventually(() => {
      const found = messages(a, '/topic/bin');
      expect(found).toHaveLength(1);
      return found;
    });
    expect(Buffer.compare(got?.body ?? Buffer.alloc(0), body)).toBe(0);
    expect(got?.headers['content-length']).toBe(String(body.length));
  });

  it(`a body of GENERIC_MAX_BODY_BYTES (${MAX_BODY}) passes; one byte more is refused with message_too_long`, async () => {
    const alice = await user();
    const a = await connected(alice);
    await subscribe(a, '/topic/big', 'big');
    a.write('SEND', { destination: '/topic/big', receipt: 'at' }, Buffer.alloc(MAX_BODY, 0x61));
    await receipt(a, 'at');
    await eventually(() => expect(messages(a, '/topic/big')[0]?.body.length).toBe(MAX_BODY));
    a.write('SEND', { destination: '/topic/big', receipt: 'over' }, Buffer.alloc(MAX_BODY + 1, 0x61));
    const error = await refusedWithError(a, 'over');
    expect(error.headers.message).toBe('message_too_long');
    expect(messages(a, '/topic/big')).toHaveLength(1);
  });

  it('special characters in headers are escaped per version: 1.2 sender, 1.2, 1.1 and 1.0 subscribers', async () => {
    const sender = await connected(await user(), '1.2');
    const v12 = await connected(await user(), '1.2');
    const v11 = await connected(await user(), '1.1');
    const v10 = await connected(await user(), '1.0');
    for (const [client, id] of [
      [v12, 'v12'],
      [v11, 'v11'],
      [v10, 'v10'],
    ] as const) {
      await subscribe(client, '/topic/esc', id);
    }
    const value = 'a:b\\c é';
    sender.write('SEND', { destination: '/topic/esc', receipt: 'e1', 'x-odd': value }, 'x');
    await receipt(sender, 'e1');
    for (const client of [v12, v11, v10]) {
      await eventually(() => expect(messages(client, '/topic/esc')[0]?.headers['x-odd']).toBe(value));
    }
  });

  it('a user header some subscriber version cannot carry (a line break) is refused with unportable_header', async () => {
    const client = await connected(await user(), '1.2');
    client.write('SEND', { destination: '/topic/esc2', receipt: 'nl', 'x-lines': 'one\ntwo' }, 'x');
    const error = await refusedWithError(client, 'nl');
    expect(error.headers.message).toBe('unportable_header');
  });
});

describe('queues', () => {
  it('each message goes to one consumer; NACK redelivers with redelivered:true; ACK settles', async () => {
    const sender = await connected(await user());
    const c1 = await connected(await user());
    const c2 = await connected(await user());
    await subscribe(c1, '/queue/work', 'w1', 'client-individual');
    await subscribe(c2, '/queue/work', 'w2', 'client-individual');
    for (let i = 0; i < 4; i += 1) {
      sender.write('SEND', { destination: '/queue/work', receipt: `q${i}` }, `job ${i}`);
    }
    await receipt(sender, 'q3');
    await eventually(() =>
      expect(messages(c1, '/queue/work').length + messages(c2, '/queue/work').length).toBe(4),
    );
    const bodies = [...messages(c1), ...messages(c2)].map((m) => m.body.toString()).sort();
    expect(bodies).toEqual(['job 0', 'job 1', 'job 2', 'job 3']);
    expect(messages(c1).length).toBe(2);
    // NACK one of c1's: it comes again (to c1 or c2: both are at their prefetch of 2, so once one ACKs).
    const [first, second] = messages(c1);
    c1.write('NACK', { id: first?.headers.ack ?? '', receipt: 'n1' });
    await receipt(c1, 'n1');
    c1.write('ACK', { id: second?.headers.ack ?? '', receipt: 'a1' });
    await receipt(c1, 'a1');
    const again = await c1.waitFor(
      (f) =>
        f.command === 'MESSAGE' &&
        f.headers.redelivered === 'true' &&
        f.body.toString() === first?.body.toString(),
    );
    expect(again.headers.ack).not.toBe(first?.headers.ack);
    expect(sender.frames.filter((f) => f.command === 'MESSAGE')).toHaveLength(0);
  });

  it('a consumer that disconnects unacknowledged: its messages go to another consumer, marked redelivered', async () => {
    const sender = await connected(await user());
    const leaving = await connected(await user());
    await subscribe(leaving, '/queue/handover', 'h1', 'client');
    sender.write('SEND', { destination: '/queue/handover', receipt: 'h-0' }, 'job A');
    await receipt(sender, 'h-0');
    await eventually(() => expect(messages(leaving)).toHaveLength(1));
    const staying = await connected(await user());
    await subscribe(staying, '/queue/handover', 'h2', 'auto');
    expect(messages(staying)).toHaveLength(0);
    leaving.write('DISCONNECT', { receipt: 'bye' });
    await receipt(leaving, 'bye');
    const got = await staying.waitFor((f) => f.command === 'MESSAGE');
    expect(got.body.toString()).toBe('job A');
    expect(got.headers.redelivered).toBe('true');
  });

  it('messages wait for a consumer: SEND first, SUBSCRIBE later', async () => {
    const sender = await connected(await user());
    sender.write('SEND', { destination: '/queue/later', receipt: 'l1' }, 'kept');
    await receipt(sender, 'l1');
    const consumer = await connected(await user());
    await subscribe(consumer, '/queue/later', 'l');
    await eventually(() => expect(messages(consumer).map((m) => m.body.toString())).toEqual(['kept']));
  });
});

describe('transactions', () => {
  it('SENDs inside BEGIN…COMMIT are delivered at COMMIT, those of an aborted one never; ACK inside one', async () => {
    const sender = await connected(await user());
    const reader = await connected(await user());
    await subscribe(reader, '/topic/tx', 'tx');
    sender.write('BEGIN', { transaction: 't1' });
    sender.write('SEND', { destination: '/topic/tx', transaction: 't1', receipt: 'tx-s1' }, 'one');
    sender.write('SEND', { destination: '/topic/tx', transaction: 't1' }, 'two');
    sender.write('BEGIN', { transaction: 't2' });
    sender.write('SEND', { destination: '/topic/tx', transaction: 't2' }, 'aborted');
    sender.write('ABORT', { transaction: 't2', receipt: 'abort' });
    await receipt(sender, 'abort');
    expect(messages(reader)).toHaveLength(0);
    sender.write('COMMIT', { transaction: 't1', receipt: 'commit' });
    await receipt(sender, 'commit');
    await receipt(sender, 'tx-s1');
    await eventually(() => expect(messages(reader).map((m) => m.body.toString())).toEqual(['one', 'two']));

    // An ACK held by a transaction settles the queue message only at COMMIT.
    const consumer = await connected(await user());
    await subscribe(consumer, '/queue/txq', 'txq', 'client-individual');
    sender.write('SEND', { destination: '/queue/txq', receipt: 'txq-1' }, 'job');
    await receipt(sender, 'txq-1');
    const job = await consumer.waitFor((f) => f.command === 'MESSAGE');
    consumer.write('BEGIN', { transaction: 'ta' });
    consumer.write('ACK', { id: job.headers.ack ?? '', transaction: 'ta' });
    consumer.write('COMMIT', { transaction: 'ta', receipt: 'ta-commit' });
    await receipt(consumer, 'ta-commit');
    consumer.write('DISCONNECT', { receipt: 'bye' });
    await receipt(consumer, 'bye');
    // Acknowledged: a new consumer gets nothing again.
    const next = await connected(await user());
    await subscribe(next, '/queue/txq', 'txq2');
    sender.write('SEND', { destination: '/queue/txq', receipt: 'txq-2' }, 'second');
    await receipt(sender, 'txq-2');
    await eventually(() => expect(messages(next).map((m) => m.body.toString())).toEqual(['second']));
  });
});

describe('limits, permissions and refusals', () => {
  it(`the per-user rate: ${BURST} SENDs pass, the next is rate_limited (on /user/queue/errors, connection stays)`, async () => {
    const client = await connected(await user());
    await subscribe(client, '/user/queue/errors', 'errors');
    for (let i = 0; i < BURST; i += 1)
      client.write('SEND', { destination: '/topic/flood', receipt: `f${i}` }, 'x');
    await receipt(client, `f${BURST - 1}`);
    client.write('SEND', { destination: '/topic/flood', receipt: 'over' }, 'x');
    const report = await client.waitFor(
      (f) => f.command === 'MESSAGE' && f.headers.destination === '/user/queue/errors',
    );
    expect(report.headers['receipt-id']).toBe('over');
    expect(JSON.parse(report.body.toString())).toMatchObject({ code: 'rate_limited' });
    // Today's behaviour for a client that listens on its errors queue: still connected.
    client.write('SUBSCRIBE', { destination: '/topic/still', id: 'still', receipt: 'still-open' });
    await receipt(client, 'still-open');
    expect(client.closed).toBe(false);
  });

  it('per-prefix access: SEND to a read-only prefix and SUBSCRIBE to a send-only one are forbidden', async () => {
    const reader = await connected(await user());
    await subscribe(reader, '/ro/feed', 'ro');
    reader.write('SEND', { destination: '/ro/feed', receipt: 'ro-send' }, 'x');
    expect((await refusedWithError(reader, 'ro-send')).headers.message).toBe('forbidden_destination');

    const dropper = await connected(await user());
    dropper.write('SEND', { destination: '/drop/box', receipt: 'drop-send' }, 'x');
    await receipt(dropper, 'drop-send');
    dropper.write('SUBSCRIBE', { destination: '/drop/box', id: 'd', receipt: 'drop-sub' });
    expect((await refusedWithError(dropper, 'drop-sub')).headers.message).toBe('forbidden_destination');
  });

  it('an unauthenticated CONNECT is refused with ERROR unauthorized', async () => {
    const client = await RawStompClient.open(parley.app.stompPort);
    raws.push(client);
    client.write('CONNECT', { 'accept-version': '1.2', host: 'parley', passcode: 'not-a-token' });
    const error = await client.waitFor((f) => f.command === 'ERROR');
    expect(error.headers.message).toBe('unauthorized');
    await client.waitClosed();
  });

  it('a chat SEND refused for a plain client: ERROR with its receipt-id, then close', async () => {
    const client = await connected(await user());
    client.write('SEND', { destination: '/app/rooms.nope12345678', receipt: 'chat-r' }, 'hi');
    const error = await refusedWithError(client, 'chat-r');
    expect(error.body.toString().length).toBeGreaterThan(0);
  });
});

describe('configuration', () => {
  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.join('\n');
      throw error;
    }
    return '';
  };

  it('is off by default and parses prefixes with kind and access', () => {
    expect(loadConfig({}).generic.prefixes).toEqual([]);
    expect(loadConfig({ GENERIC_DESTINATIONS: '/topic/=topic,/queue/=queue:w' }).generic.prefixes).toEqual([
      { prefix: '/topic/', kind: 'topic', subscribe: true, send: true },
      { prefix: '/queue/', kind: 'queue', subscribe: false, send: true },
    ]);
  });

  it.each([
    ['/app/x/=topic', 'inside'],
    ['/user/=queue', 'inside'],
    ['/topic/rooms./=topic', 'inside'],
    ['/topic/=topic,/topic/a/=queue', 'overlaps'],
    ['/topic=topic', 'not <prefix>'],
    ['/topic/=fanout', 'not <prefix>'],
    ['/topic/=topic:rwx', 'not <prefix>'],
  ])('refuses %s (%s)', (value, expected) => {
    expect(problems({ GENERIC_DESTINATIONS: value })).toContain(expected);
  });

  it('holds the body limit below MAX_FRAME_BYTES and the prefetch within MAX_PENDING_ACKS', () => {
    const on = { GENERIC_DESTINATIONS: '/queue/=queue' };
    expect(problems({ ...on, GENERIC_MAX_BODY_BYTES: '65536' })).toContain('GENERIC_MAX_BODY_BYTES');
    expect(problems({ ...on, GENERIC_QUEUE_PREFETCH: '2000' })).toContain('GENERIC_QUEUE_PREFETCH');
    // Off, they are not held against a chat-only server's small frames.
    expect(problems({ MAX_FRAME_BYTES: '4096' })).toBe('');
  });
});

describe('generic destinations off', () => {
  it('a SEND to /queue/… is unknown_destination when GENERIC_DESTINATIONS is unset', async () => {
    const plain = await startTestParley({ overrides: { ephemeralStompPort: true } });
    try {
      const session = await plain.session('offuser');
      const client = await RawStompClient.open(plain.app.stompPort);
      raws.push(client);
      client.write('CONNECT', { 'accept-version': '1.2', host: 'parley', passcode: session.token });
      client.readAs('1.2');
      await client.waitFor((f) => f.command === 'CONNECTED');
      client.write('SEND', { destination: '/queue/x', receipt: 'off' }, 'x');
      expect((await refusedWithError(client, 'off')).headers.message).toBe('unknown_destination');
    } finally {
      await plain.dispose();
    }
  });
});
