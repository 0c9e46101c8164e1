// Seeded mutation fuzzing of the STOMP stack through a real socket: valid frames (CONNECT, SEND,
// SUBSCRIBE, ACK, transactions, heart-beats) are mutated (bit flips, inserted delimiters, deleted and
// duplicated ranges, truncation, splices) and fed to a real server over TCP. Invariants: every ERROR
// carries a catalogue code and is followed by a close, every byte the server sends parses, nothing ends
// as internal_error, and afterwards the server is healthy with no connection left behind. Connections
// negotiate STOMP 1.0, 1.1 or 1.2 at random, so inserted CR, LF, NUL and backslash bytes meet every
// version's escaping rules (and the server's refusal of values it could not write back).
// Reproduce a failure with FUZZ_SEED=<the printed seed>.
import net from 'node:net';
import type { Client } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { ERROR_CATALOGUE } from '../src/errors.js';
import { FrameParser } from '../src/stomp/codec.js';
import type { Frame, StompVersion } from '../src/stomp/frame.js';
import { eventually } from './support/eventually.js';
import { type Session, startTestParley, type TestParley } from './support/parley.js';
import { prng } from './support/seeded-random.js';
import { Inbox, receiptOf } from './support/stompjs-client.js';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONNECTIONS = 240;
const PARALLEL = 24;

let parley: TestParley;
let user: Session;
let room: Room;
let control: Client;
const controlInbox = new Inbox();

beforeAll(async () => {
  console.log(`fuzz-stomp seed ${SEED} (reproduce with FUZZ_SEED=${SEED})`);
  parley = await startTestParley({
    env: {
      MAX_FRAME_BYTES: '8192',
      MAX_HEADERS: '24',
      MAX_CONNECTIONS_PER_IP: '1000',
      CONNECT_TIMEOUT_MS: '1000',
    },
    overrides: { ephemeralStompPort: true },
  });
  user = await parley.session('fuzzer');
  room = await parley.createRoom(user.token, 'fuzzed');
  control = await parley.connect((await parley.session('control')).token);
  const ready = receiptOf(control, 'ready');
  control.subscribe(`/topic/rooms.${room.id}`, controlInbox.listener, { receipt: 'ready' });
  await ready;
});

afterAll(async () => {
  await control?.deactivate();
  await parley?.dispose();
});

function frame(command: string, headers: Record<string, string>, body = ''): Buffer {
  const lines = Object.entries(headers).map(([name, value]) => `${name}:${value}\n`);
  return Buffer.from(`${command}\n${lines.join('')}\n${body}\u0000`);
}

function templates(): Buffer[] {
  const destination = `/app/rooms.${room.id}`;
  const json = JSON.stringify({ body: 'fuzz ✓ 한국어', clientMsgId: 'c1' });
  return [
    frame('SEND', { destination, 'content-type': 'application/json', receipt: 'r1' }, json),
    frame('SEND', { destination, 'content-type': 'text/plain', 'content-length': '5' }, 'hello'),
    frame('SEND', { destination: `${destination}.typing` }),
    frame('SUBSCRIBE', { id: 's1', destination: `/topic/rooms.${room.id}`, 'since-seq': '0' }),
    frame('SUBSCRIBE', { id: 's2', destination: '/user/queue/errors', ack: 'client-individual' }),
    frame('UNSUBSCRIBE', { id: 's1' }),
    frame('ACK', { id: 'm-1' }),
    frame('BEGIN', { transaction: 't1' }),
    frame('COMMIT', { transaction: 't1' }),
    frame('ABORT', { transaction: 't1' }),
    Buffer.from('\n'),
    Buffer.from('\r\n'),
  ];
}

const INTERESTING = [0x00, 0x0a, 0x0d, 0x3a, 0x5c, 0x6e, 0x63, 0xff, 0xc3, 0x80];

function mutate(input: Buffer, random: () => number, pool: readonly Buffer[]): Buffer {
  const bytes = [...input];
  const at = () => Math.floor(random() * (bytes.length + 1));
  const operations = 1 + Math.floor(random() * 3);
  for (let i = 0; i < operations; i += 1) {
    switch (Math.floor(random() * 7)) {
      case 0: // flip a bit
        if (bytes.length > 0) {
          const p = Math.floor(random() * bytes.length);
          bytes[p] = (bytes[p] ?? 0) ^ (1 << Math.floor(random() * 8));
        }
        break;
      case 1: // insert a delimiter or escape byte
        bytes.splice(at(), 0, INTERESTING[Math.floor(random() * INTERESTING.length)] ?? 0);
        break;
      case 2: {
        // delete a range
        const p = at();
        bytes.splice(p, Math.floor(random() * 16));
        break;
      }
      case 3: {
        // duplicate a range (header repeats, doubled bodies)
        const p = at();
        const slice = bytes.slice(p, p + Math.floor(random() * 32));
        bytes.splice(at(), 0, ...slice);
        break;
      }
      case 4: // truncate
        bytes.length = at();
        break;
      case 5: // splice in another frame
        bytes.splice(at(), 0, ...(pool[Math.floor(random() * pool.length)] ?? []));
        break;
      default: // a header that lies about the length
        bytes.splice(
          bytes.indexOf(0x0a) + 1,
          0,
          ...Buffer.from(`content-length:${Math.floor(random() * 20_000)}\n`),
        );
    }
  }
  return Buffer.from(bytes);
}

interface Outcome {
  readonly frames: Frame[];
  readonly closed: boolean;
  readonly unparseable: string | undefined;
}

/** One connection: a CONNECT (mutated sometimes), then mutated frames; resolves when closed or quiet. */
function run(random: () => number, pool: readonly Buffer[], port: number): Promise<Outcome> {
  const version: StompVersion = (['1.0', '1.1', '1.2'] as const)[Math.floor(random() * 3)] ?? '1.2';
  // A 1.0 client sends no accept-version at all.
  const connect = frame(
    'CONNECT',
    version === '1.0'
      ? { passcode: user.token, host: 'fuzz' }
      : { 'accept-version': version, passcode: user.token, host: 'fuzz' },
  );
  const chunks: Buffer[] = [random() < 0.1 ? mutate(connect, random, pool) : connect];
  const count = 1 + Math.floor(random() * 6);
  for (let i = 0; i < count; i += 1) {
    const template = pool[Math.floor(random() * pool.length)] ?? Buffer.alloc(0);
    chunks.push(random() < 0.75 ? mutate(template, random, pool) : template);
  }
  const bytes = Buffer.concat(chunks);
  // Split at random points, so the parser also meets every boundary.
  const cuts = [
    0,
    ...Array.from({ length: 3 }, () => Math.floor(random() * bytes.length)),
    bytes.length,
  ].sort((a, b) => a - b);
  return new Promise<Outcome>((resolve) => {
    const frames: Frame[] = [];
    let unparseable: string | undefined;
    const parser = new FrameParser({ maxFrameBytes: 1 << 20, maxHeaders: 100, maxHeaderLineBytes: 1 << 16 });
    // CONNECTED (and an ERROR before it) are not escaped; everything after is, per the version.
    parser.version = version;
    const socket = net.connect({ port, host: '127.0.0.1' });
    let quiet: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearTimeout(quiet);
      socket.destroy();
      resolve({ frames, closed, unparseable });
    };
    socket.on('error', () => {});
    socket.on('data', (data: Buffer) => {
      try {
        parser.push(
          data,
          (f) => frames.push(f),
          () => {},
        );
      } catch (error) {
        unparseable ??= String(error);
      }
      // An ERROR promises a close: wait for it longer than for a quiet peer. A refusal can come late
      // (after a store write), and a plain client's refusal is an ERROR too now.
      if (frames.some((f) => f.command === 'ERROR')) {
        clearTimeout(quiet);
        quiet = setTimeout(() => finish(false), 3000);
      }
    });
    socket.once('close', () => finish(true));
    socket.once('connect', () => {
      for (let i = 1; i < cuts.length; i += 1) socket.write(bytes.subarray(cuts[i - 1], cuts[i]));
      // A frame left incomplete makes the server wait for more; give it a moment, then hang up.
      quiet = setTimeout(() => finish(false), 400);
    });
  });
}

async function metrics(): Promise<string> {
  return (await fetch(`${parley.url}/metrics`)).text();
}

describe(`STOMP fuzzing (seed ${SEED})`, () => {
  it(`${CONNECTIONS} connections of mutated frames: coded errors only, the server stays healthy`, async () => {
    const random = prng(SEED);
    const pool = templates();
    const outcomes: Outcome[] = [];
    for (let batch = 0; batch < CONNECTIONS; batch += PARALLEL) {
      // Inputs are drawn in a fixed order before the batch runs, so a seed always yields the same bytes.
      const runs: Promise<Outcome>[] = [];
      for (let i = 0; i < PARALLEL; i += 1) runs.push(run(random, pool, parley.app.stompPort));
      outcomes.push(...(await Promise.all(runs)));
    }

    let errors = 0;
    for (const [index, outcome] of outcomes.entries()) {
      const where = `seed ${SEED}, connection ${index}`;
      expect(outcome.unparseable, where).toBeUndefined();
      for (const f of outcome.frames.filter((x) => x.command === 'ERROR')) {
        errors += 1;
        expect(Object.keys(ERROR_CATALOGUE), where).toContain(f.headers.message);
        expect(f.headers.message, where).not.toBe('internal_error');
        // After an ERROR the server closes; nothing but the close follows.
        expect(outcome.closed, where).toBe(true);
        expect(outcome.frames.at(-1), where).toBe(f);
      }
    }
    // The mutations do reach the parser's refusals (the fuzzer is not just sending valid frames).
    expect(errors).toBeGreaterThan(CONNECTIONS / 4);

    expect((await fetch(`${parley.url}/healthz`)).status).toBe(200);
    await eventually(async () => expect(await metrics()).toMatch(/^parley_stomp_connections 1$/m));
    expect(await metrics()).not.toContain('code="internal_error"');
    const receipt = receiptOf(control, 'after-fuzz');
    control.publish({
      destination: `/app/rooms.${room.id}`,
      body: 'still chatting',
      headers: { 'content-type': 'text/plain', receipt: 'after-fuzz' },
    });
    await receipt;
    await eventually(() =>
      expect(controlInbox.bodies().some((b) => b.includes('still chatting'))).toBe(true),
    );
  }, 30_000);
});
