// Hostile input over real sockets against a real server: malformed and oversized STOMP frames, header
// floods, bad escapes, content-length lies, binary garbage, WebSocket fragment storms and protocol
// violations, forged tokens, SEND to /topic, spoofed authors and markup bodies. Every case checks the
// coded refusal, that the server stays healthy, and that a control user in another connection keeps
// chatting. Frame limits are set small through the environment, so the configuration is tested too.
// Also: header values the server could not write back (every version × echoing command × character),
// floods of refused frames (bounded work and log lines) and frames dribbled byte by byte.
import { Writable } from 'node:stream';
import type { Client } from '@stomp/stompjs';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/app.js';
import type { Message, Room } from '../src/chat/model.js';
import { TokenService } from '../src/chat/tokens.js';
import { ManualClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { encodeFrame } from '../src/stomp/codec.js';
import type { StompVersion } from '../src/stomp/frame.js';
import { eventually } from './support/eventually.js';
import { getJson, type Session, startTestParley, type TestParley } from './support/parley.js';
import { RawStompClient } from './support/raw-stomp.js';
import { OPCODE, RawWebSocket, wsFrame } from './support/raw-ws.js';
import { stompText } from './support/stomp-text.js';
import { Inbox, receiptOf } from './support/stompjs-client.js';

const SECRET = 'hostile-test-secret-of-at-least-32-bytes!!';
const MAX_FRAME_BYTES = 4096;
const MAX_HEADERS = 16;
// Must fit the CONNECT Authorization line (a JWT is about 300 bytes).
const MAX_HEADER_LINE_BYTES = 1024;
const REFUSAL_BURST = 50;
const LOG_SAMPLE_LINES = 5;
const FRAME_TIMEOUT_MS = 800;

/** Every line the server logs (info and above), as parsed JSON. */
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    logLines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line.length > 0),
    );
    callback();
  },
});

let parley: TestParley;
let control: Session;
let attacker: Session;
let room: Room;
let controlClient: Client;
const controlInbox = new Inbox();
let controlCount = 0;

beforeAll(async () => {
  parley = await startTestParley({
    env: {
      JWT_SECRET: SECRET,
      MAX_FRAME_BYTES: String(MAX_FRAME_BYTES),
      MAX_HEADERS: String(MAX_HEADERS),
      MAX_HEADER_LINE_BYTES: String(MAX_HEADER_LINE_BYTES),
      REFUSAL_BURST: String(REFUSAL_BURST),
      REFUSAL_RATE_PER_SECOND: '1',
      LOG_SAMPLE_LINES: String(LOG_SAMPLE_LINES),
      LOG_SAMPLE_WINDOW_MS: '600000',
      FRAME_TIMEOUT_MS: String(FRAME_TIMEOUT_MS),
      // The class cases below enter the same room a few hundred times; test/presence-churn bounds that.
      ROOM_JOINS_PER_USER_PER_MINUTE: '100000',
    },
    overrides: {
      ephemeralStompPort: true,
      logger: createLogger({ logLevel: 'info' }, 'hostile', logSink),
    },
  });
  control = await parley.session('control');
  attacker = await parley.session('mallory');
  room = await parley.createRoom(control.token, 'hostile');
  controlClient = await parley.connect(control.token);
  const subscribed = receiptOf(controlClient, 'control-sub');
  controlClient.subscribe(`/topic/rooms.${room.id}`, controlInbox.listener, { receipt: 'control-sub' });
  await subscribed;
});

afterAll(async () => {
  await controlClient?.deactivate();
  await parley?.dispose();
});

/** The server is live and the control user still sends and receives within a bounded time. */
async function expectHealthy(): Promise<void> {
  expect(await getJson(`${parley.url}/healthz`)).toEqual({ status: 'ok' });
  const body = `still here ${controlCount + 1}`;
  await controlSays(body);
  await eventually(() => expect(controlInbox.bodies().some((b) => b.includes(body))).toBe(true));
}

/**
 * A raw WebSocket that completed CONNECT as `session` (STOMP 1.2) and, unless `inRoom` is false, joined
 * the room (talking needs joining), so each case's SEND reaches the rule it attacks.
 */
async function connected(session: Session = attacker, inRoom = true): Promise<RawWebSocket> {
  const ws = await RawWebSocket.open(parley.app.port, { protocols: ['v12.stomp'] });
  ws.send(
    stompText('CONNECT', { 'accept-version': '1.2', host: 'x', Authorization: `Bearer ${session.token}` }),
  );
  await ws.waitFor((t) => t.startsWith('CONNECTED\n'), 'CONNECTED');
  if (!inRoom) return ws;
  ws.send(
    stompText('SUBSCRIBE', { id: 'in-room', destination: `/topic/rooms.${room.id}`, receipt: 'in-room' }),
  );
  await ws.waitFor((t) => t.includes('receipt-id:in-room'), 'joined');
  return ws;
}

/** The `message` header of the ERROR frame received, after waiting for it and for the close. */
async function refusal(ws: RawWebSocket): Promise<{ code: string | undefined; close: number | undefined }> {
  await ws.waitFor((t) => t.includes('ERROR\n'), 'ERROR');
  const close = await ws.waitEnded();
  const error = ws.text.slice(ws.text.indexOf('ERROR\n'));
  return { code: /\nmessage:([a-z_]+)\n/.exec(error)?.[1], close };
}

async function stompConnections(): Promise<number> {
  const text = await (await fetch(`${parley.url}/metrics`)).text();
  return Number(/^parley_stomp_connections (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

describe('malformed and oversized STOMP frames end the connection with the coded ERROR', () => {
  const send = (headers: Record<string, string>, body = '') =>
    stompText('SEND', { destination: `/app/rooms.x`, ...headers }, body);
  const cases: ReadonlyArray<readonly [string, () => string[], string, number]> = [
    ['an unknown command', () => [stompText('HELLO')], 'invalid_frame', 1002],
    [
      'a server command from the client',
      () => [stompText('MESSAGE', { destination: '/x' })],
      'protocol_error',
      1002,
    ],
    ['a header line without a colon', () => ['SEND\ndestination\n\n\u0000'], 'invalid_frame', 1002],
    ['an empty header name', () => ['SEND\n:value\n\n\u0000'], 'invalid_frame', 1002],
    ['a CR not followed by LF', () => ['SEND\r\r\n\n\u0000'], 'invalid_frame', 1002],
    ['an undefined escape (\\t)', () => [send({ subscription: 'a\\tb' })], 'invalid_frame', 1002],
    ['a dangling escape', () => [send({ subscription: 'ab\\' })], 'invalid_frame', 1002],
    [
      'a header flood',
      () => [send(Object.fromEntries(Array.from({ length: MAX_HEADERS + 1 }, (_, i) => [`h${i}`, 'v'])))],
      'too_many_headers',
      1002,
    ],
    [
      'a header line over the limit',
      () => [send({ big: 'x'.repeat(MAX_HEADER_LINE_BYTES) })],
      'header_too_long',
      1002,
    ],
    [
      'a command line over the limit',
      () => [`${'A'.repeat(MAX_HEADER_LINE_BYTES + 10)}\n\n\u0000`],
      'header_too_long',
      1002,
    ],
    [
      'a frame over the limit, split across WebSocket messages',
      () => [
        `SEND\ndestination:/app/rooms.x\n\n${'x'.repeat(MAX_FRAME_BYTES / 2)}`,
        'x'.repeat(MAX_FRAME_BYTES / 2 + 100),
      ],
      'frame_too_large',
      1009,
    ],
    [
      'a content-length over the frame limit',
      () => [send({ 'content-length': '99999999' }, 'x')],
      'frame_too_large',
      1009,
    ],
    [
      'a content-length shorter than the body',
      () => [send({ 'content-length': '3' }, 'hello')],
      'invalid_frame',
      1002,
    ],
    ['a negative content-length', () => [send({ 'content-length': '-1' }, 'x')], 'invalid_frame', 1002],
    ['a non-numeric content-length', () => [send({ 'content-length': '1e3' }, 'x')], 'invalid_frame', 1002],
    ['a SEND without destination', () => [stompText('SEND', {}, 'x')], 'protocol_error', 1002],
    [
      'an ACK for a message never delivered',
      () => [stompText('ACK', { id: 'nope' })],
      'protocol_error',
      1002,
    ],
    ['a second CONNECT', () => [stompText('CONNECT', { 'accept-version': '1.2' })], 'protocol_error', 1002],
  ];

  it.each(cases)('%s', async (_name, payloads, code, closeCode) => {
    const ws = await connected();
    for (const payload of payloads()) ws.send(payload);
    expect(await refusal(ws)).toEqual({ code, close: closeCode });
    await expectHealthy();
  });

  it('before CONNECT: a SEND is refused with not_connected', async () => {
    const ws = await RawWebSocket.open(parley.app.port);
    ws.send(stompText('SEND', { destination: `/app/rooms.${room.id}` }, '{"body":"x"}'));
    expect(await refusal(ws)).toEqual({ code: 'not_connected', close: 1002 });
    await expectHealthy();
  });

  it('binary garbage (seeded) ends the connection with a parser code, never anything else', async () => {
    let state = 0x9e3779b9;
    const random = (): number => {
      state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return state;
    };
    const parserCodes = new Set(['invalid_frame', 'header_too_long', 'too_many_headers', 'frame_too_large']);
    for (let round = 0; round < 5; round += 1) {
      const ws = await connected();
      // Starts with a byte that is no command letter, so each round is refused rather than waiting for more.
      const garbage = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i === 0 ? 0x01 : random() & 0xff)));
      ws.writeRaw(wsFrame(OPCODE.binary, garbage));
      const { code, close } = await refusal(ws);
      expect(parserCodes).toContain(code);
      expect([1002, 1009]).toContain(close);
    }
    await expectHealthy();
  });

  it('a __proto__ or constructor header is an ordinary header', async () => {
    const ws = await connected();
    ws.send(
      stompText(
        'SEND',
        {
          destination: `/app/rooms.${room.id}`,
          __proto__: 'x',
          constructor: 'y',
          'content-type': 'application/json',
          receipt: 'proto',
        },
        JSON.stringify({ body: 'prototype pollution attempt' }),
      ),
    );
    await ws.waitFor((t) => t.includes('receipt-id:proto'), 'RECEIPT');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    ws.destroy();
    await expectHealthy();
  });
});

describe('WebSocket-level abuse', () => {
  it('a message over the WebSocket payload limit closes with 1009 before STOMP parses it', async () => {
    const ws = await connected();
    ws.send(`SEND\ndestination:/app/x\n\n${'x'.repeat(MAX_FRAME_BYTES + 200)}\u0000`);
    expect(await ws.waitEnded()).toBe(1009);
    expect(ws.text).not.toContain('ERROR');
    await expectHealthy();
  });

  it('a SEND in 1-byte continuation frames after hundreds of empty ones is handled', async () => {
    const ws = await connected();
    const frame = Buffer.from(
      stompText(
        'SEND',
        { destination: `/app/rooms.${room.id}`, receipt: 'storm', 'content-type': 'application/json' },
        JSON.stringify({ body: 'assembled from fragments' }),
      ),
    );
    const parts: Buffer[] = [wsFrame(OPCODE.text, Buffer.alloc(0), { fin: false })];
    for (let i = 0; i < loadConfig({}).limits.wsMaxFragmentsPerMessage - 200; i += 1)
      parts.push(wsFrame(OPCODE.continuation, Buffer.alloc(0), { fin: false }));
    for (let i = 0; i < frame.length; i += 1) {
      parts.push(wsFrame(OPCODE.continuation, frame.subarray(i, i + 1), { fin: i === frame.length - 1 }));
    }
    ws.writeRaw(Buffer.concat(parts));
    await ws.waitFor((t) => t.includes('receipt-id:storm'), 'RECEIPT', 10_000);
    await eventually(() =>
      expect(controlInbox.bodies().some((b) => b.includes('assembled from fragments'))).toBe(true),
    );
    ws.destroy();
    await expectHealthy();
  });

  it('a fragment storm (more fragments in one message than allowed) closes with 1008', async () => {
    const ws = await connected();
    const empty = wsFrame(OPCODE.continuation, Buffer.alloc(0), { fin: false });
    const parts: Buffer[] = [wsFrame(OPCODE.text, Buffer.alloc(0), { fin: false })];
    for (let i = 0; i < 50_000; i += 1) parts.push(empty);
    ws.writeRaw(Buffer.concat(parts));
    expect(await ws.waitEnded()).toBe(1008);
    await expectHealthy();
  });

  it('fragments adding up to more than the payload limit close with 1009', async () => {
    const ws = await connected();
    const parts: Buffer[] = [wsFrame(OPCODE.text, Buffer.from('S'), { fin: false })];
    for (let i = 0; i < MAX_FRAME_BYTES / 100 + 2; i += 1)
      parts.push(wsFrame(OPCODE.continuation, Buffer.alloc(100, 'x'), { fin: false }));
    ws.writeRaw(Buffer.concat(parts));
    expect(await ws.waitEnded()).toBe(1009);
    await expectHealthy();
  });

  it('a new message while a fragmented one is open, unmasked frames and RSV1 bits close with 1002', async () => {
    const interleaved = await connected();
    interleaved.writeRaw(
      Buffer.concat([
        wsFrame(OPCODE.text, Buffer.from('SE'), { fin: false }),
        wsFrame(OPCODE.text, Buffer.from('ND')),
      ]),
    );
    expect(await interleaved.waitEnded()).toBe(1002);
    const unmasked = await connected();
    unmasked.writeRaw(wsFrame(OPCODE.text, Buffer.from('\n'), { mask: false }));
    expect(await unmasked.waitEnded()).toBe(1002);
    const compressed = await connected();
    compressed.writeRaw(wsFrame(OPCODE.text, Buffer.from('\n'), { rsv1: true }));
    expect(await compressed.waitEnded()).toBe(1002);
    await expectHealthy();
  });

  it('does not negotiate permessage-deflate, so there is no compression bomb to defuse', async () => {
    const ws = await RawWebSocket.open(parley.app.port, {
      protocols: ['v12.stomp'],
      headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' },
    });
    expect(ws.responseHeaders['sec-websocket-extensions']).toBeUndefined();
    expect(ws.responseHeaders['sec-websocket-protocol']).toBe('v12.stomp');
    ws.destroy();
  });

  it('leaks no connection: every hostile socket above is gone from the broker', async () => {
    // Only the control client remains connected.
    await eventually(async () => expect(await stompConnections()).toBe(1));
  });
});

describe('forged credentials', () => {
  it('refuses alg none, a forged signature, tampered claims and an expired token with unauthorized', async () => {
    const [header, payload, signature] = attacker.token.split('.') as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...claims, sub: control.user.id }))}.${signature}`;
    const forged = `${header}.${payload}.${base64url.encode(new Uint8Array(32))}`;
    const expired = (
      await new TokenService({
        secret: new TextEncoder().encode(SECRET),
        clock: new ManualClock(Date.now() - 7_200_000),
        ttlSeconds: 60,
      }).issue(attacker.user)
    ).token;
    for (const token of [none, tampered, forged, expired, 'x'.repeat(200)]) {
      const ws = await RawWebSocket.open(parley.app.port);
      ws.send(stompText('CONNECT', { 'accept-version': '1.2', Authorization: `Bearer ${token}` }));
      expect(await refusal(ws)).toEqual({ code: 'unauthorized', close: 1008 });
    }
    await expectHealthy();
  });
});

describe('application abuse is refused on /user/queue/errors and the connection stays', () => {
  it('SEND to /topic is refused with forbidden_destination and nothing is broadcast', async () => {
    const ws = await connected();
    const before = controlInbox.messages.length;
    ws.send(stompText('SUBSCRIBE', { id: 'e', destination: '/user/queue/errors', receipt: 'sub-e' }));
    await ws.waitFor((t) => t.includes('receipt-id:sub-e'), 'subscribed');
    ws.send(
      stompText(
        'SEND',
        { destination: `/topic/rooms.${room.id}`, receipt: 'to-topic' },
        JSON.stringify({ id: 'fake', seq: 1, author: control.user, body: 'injected' }),
      ),
    );
    await ws.waitFor((t) => t.includes('"code":"forbidden_destination"'), 'error report');
    expect(ws.text).toMatch(/receipt-id:to-topic\n[\s\S]*forbidden_destination/);
    await expectHealthy();
    expect(
      controlInbox
        .bodies()
        .slice(before)
        .some((b) => b.includes('injected')),
    ).toBe(false);
    expect(ws.ended).toBe(false);
    ws.destroy();
  });

  it('every room action from a connection not in the room is refused with not_joined; nothing is broadcast', async () => {
    const ws = await connected(attacker, false);
    const before = controlInbox.messages.length;
    ws.send(stompText('SUBSCRIBE', { id: 'e', destination: '/user/queue/errors', receipt: 'sub-e' }));
    await ws.waitFor((t) => t.includes('receipt-id:sub-e'), 'subscribed');
    const actions: Array<[string, unknown]> = [
      ['', { body: 'drive-by' }],
      ['.typing', {}],
      ['.edit', { messageId: 'x', body: 'y' }],
      ['.delete', { messageId: 'x' }],
      ['.react', { messageId: 'x', emoji: '👍', on: true }],
      ['.report', { messageId: 'x', reason: 'r' }],
      ['.read', { seq: 1 }],
    ];
    // Pipelined, as fast as a client can: each is refused in its place, none reaches the room.
    ws.send(
      actions
        .map(([suffix, body], i) =>
          stompText(
            'SEND',
            {
              destination: `/app/rooms.${room.id}${suffix}`,
              'content-type': 'application/json',
              receipt: `out-${i}`,
            },
            JSON.stringify(body),
          ),
        )
        .join(''),
    );
    await ws.waitFor(
      (t) => (t.match(/"code":"not_joined"/g) ?? []).length === actions.length,
      'every refusal',
    );
    for (const i of actions.keys()) expect(ws.text).toContain(`receipt-id:out-${i}`);
    // The one RECEIPT is the error queue's SUBSCRIBE.
    expect(ws.text.split('RECEIPT\n').length - 1).toBe(1);
    await expectHealthy();
    expect(
      controlInbox
        .bodies()
        .slice(before)
        .filter((b) => b.includes('drive-by')),
    ).toEqual([]);
    // An unsubscribe leaves the room: talking is refused again.
    ws.send(stompText('SUBSCRIBE', { id: 'r', destination: `/topic/rooms.${room.id}`, receipt: 'in' }));
    await ws.waitFor((t) => t.includes('receipt-id:in'), 'joined');
    ws.send(
      stompText('UNSUBSCRIBE', { id: 'r' }) +
        stompText('SEND', { destination: `/app/rooms.${room.id}`, receipt: 'after-leave' }, 'left already'),
    );
    await ws.waitFor((t) => (t.match(/"code":"not_joined"/g) ?? []).length === actions.length + 1, 'refused');
    expect(ws.ended).toBe(false);
    ws.destroy();
  });

  it('a password room takes no forged, foreign, expired-looking or oversized proof, for messages or presence', async () => {
    const owner = await parley.session('vault owner');
    const vault = await parley.createRoom(owner.token, 'vault');
    const ownerWs = await connected(owner, false);
    ownerWs.send(
      stompText(
        'SEND',
        { destination: `/app/rooms.${vault.id}.moderate`, 'content-type': 'application/json', receipt: 'pw' },
        JSON.stringify({ action: 'settings', password: 'sesame' }),
      ),
    );
    await ownerWs.waitFor((t) => t.includes('receipt-id:pw'), 'password set');
    const ws = await connected(attacker, false);
    ws.send(stompText('SUBSCRIBE', { id: 'e', destination: '/user/queue/errors', receipt: 'sub-e' }));
    await ws.waitFor((t) => t.includes('receipt-id:sub-e'), 'subscribed');
    const proofs: Array<Record<string, string>> = [
      {},
      { 'room-grant': 'x' },
      { 'room-grant': control.token },
      { 'room-grant': `${'a'.repeat(900)}.b.c` },
      { 'room-grant': owner.token, 'room-password': '' },
      { 'room-password': 'x'.repeat(900) },
    ];
    const frames = proofs.flatMap((proof, i) =>
      ['', '.presence'].map((suffix) =>
        stompText('SUBSCRIBE', {
          id: `v${i}${suffix}`,
          destination: `/topic/rooms.${vault.id}${suffix}`,
          ...proof,
        }),
      ),
    );
    // One WebSocket message each: together they would pass the (small) payload limit of this suite.
    for (const frame of frames) ws.send(frame);
    await ws.waitFor(
      (t) => (t.match(/"code":"wrong_password"/g) ?? []).length === frames.length,
      'every SUBSCRIBE refused',
    );
    await expectHealthy();
    ws.destroy();
    ownerWs.destroy();
  });

  it('spoofed author, seq, id and time are replaced by the server', async () => {
    const ws = await connected();
    const spoof = {
      body: 'spoofed',
      author: control.user,
      seq: 999_999,
      id: 'fake-id',
      createdAt: '1970-01-01T00:00:00.000Z',
      roomId: 'other',
    };
    ws.send(
      stompText(
        'SEND',
        {
          destination: `/app/rooms.${room.id}`,
          'content-type': 'application/json',
          receipt: 'spoof',
          seq: '999999',
          'message-id': 'fake',
          author: control.user.id,
        },
        JSON.stringify(spoof),
      ),
    );
    await ws.waitFor((t) => t.includes('receipt-id:spoof'), 'RECEIPT');
    const delivered = await eventually(() => {
      const found = controlInbox.messages.find((m) => m.body.includes('"spoofed"'));
      if (found === undefined) throw new Error('not delivered yet');
      return found;
    });
    const message = JSON.parse(delivered.body) as Message;
    expect(message.author).toEqual(attacker.user);
    expect(message.seq).not.toBe(999_999);
    expect(message.id).not.toBe('fake-id');
    expect(message.roomId).toBe(room.id);
    expect(message.createdAt).not.toBe(spoof.createdAt);
    expect(delivered.headers.seq).toBe(String(message.seq));
    ws.destroy();
  });

  it('HTML and script bodies are stored and sent verbatim as JSON text', async () => {
    const ws = await connected();
    const markup = `<script>alert(1)</script><img src=x onerror="alert('x')">&amp; </textarea>\u2028"quoted"`;
    ws.send(
      stompText(
        'SEND',
        { destination: `/app/rooms.${room.id}`, 'content-type': 'application/json', receipt: 'html' },
        JSON.stringify({ body: markup }),
      ),
    );
    await ws.waitFor((t) => t.includes('receipt-id:html'), 'RECEIPT');
    const delivered = await eventually(() => {
      const found = controlInbox.messages.find((m) => m.body.includes('alert(1)'));
      if (found === undefined) throw new Error('not delivered yet');
      return found;
    });
    expect((JSON.parse(delivered.body) as Message).body).toBe(markup);
    const response = await fetch(`${parley.url}/api/rooms/${room.id}/messages`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const { messages } = (await response.json()) as { messages: Message[] };
    expect(messages.map((m) => m.body)).toContain(markup);
    ws.destroy();
  });
});

/** A TCP connection that completed CONNECT as `session` in `version` (1.0: no accept-version at all). */
async function tcpConnected(version: StompVersion, session: Session = attacker): Promise<RawStompClient> {
  const client = await RawStompClient.open(parley.app.stompPort);
  const accept = version === '1.0' ? '' : `accept-version:${version}\n`;
  client.writeRaw(`CONNECT\n${accept}passcode:${session.token}\n\n\u0000`);
  await client.waitFor((f) => f.command === 'CONNECTED');
  client.readAs(version);
  return client;
}

/** The ERROR frame's code after waiting for it and for the close. */
async function tcpRefusal(client: RawStompClient): Promise<string | undefined> {
  const error = await client.waitFor((f) => f.command === 'ERROR');
  await client.waitClosed();
  return error.headers.message;
}

/** A SEND from the control user, once stored. */
async function controlSays(body: string): Promise<void> {
  controlCount += 1;
  const receipt = receiptOf(controlClient, `ctl-${controlCount}`);
  controlClient.publish({
    destination: `/app/rooms.${room.id}`,
    body: JSON.stringify({ body }),
    headers: { 'content-type': 'application/json', receipt: `ctl-${controlCount}` },
  });
  await receipt;
}

describe('a header value the server could not write back silences nobody', () => {
  it('TCP, STOMP 1.0: a CR in a subscription id is refused, and subscribers who came after still receive', async () => {
    const mallory = await tcpConnected('1.0');
    mallory.writeRaw(`SUBSCRIBE\nid:x\ry\ndestination:/topic/rooms.${room.id}\n\n\u0000`);
    expect(await tcpRefusal(mallory)).toBe('invalid_header');
    // A subscriber whose group is newer than the attacker's: it starved when fan-out threw.
    const victim = await tcpConnected('1.0', control);
    victim.write('SUBSCRIBE', { id: 'later', destination: `/topic/rooms.${room.id}`, receipt: 'v' });
    await victim.waitFor((f) => f.command === 'RECEIPT');
    await controlSays('after the CR');
    const got = await victim.waitFor((f) => f.command === 'MESSAGE' && f.body.includes('after the CR'));
    expect(got.headers.subscription).toBe('later');
    victim.destroy();
    await expectHealthy();
  });

  it('WebSocket v10.stomp: the same subscription is refused with invalid_header and close 1002', async () => {
    const ws = await RawWebSocket.open(parley.app.port, { protocols: ['v10.stomp'] });
    expect(ws.responseHeaders['sec-websocket-protocol']).toBe('v10.stomp');
    ws.send(stompText('CONNECT', { passcode: attacker.token }));
    await ws.waitFor((t) => t.startsWith('CONNECTED\nversion:1.0\n'), 'CONNECTED 1.0');
    ws.send(`SUBSCRIBE\nid:x\ry\ndestination:/topic/rooms.${room.id}\nreceipt:r\n\n\u0000`);
    expect(await refusal(ws)).toEqual({ code: 'invalid_header', close: 1002 });
    expect(ws.text).not.toContain('RECEIPT');
    await expectHealthy();
  });

  // The class, not only the case: every version × every command that echoes a value × characters that
  // stress framing and escaping. Written raw, so the server sees exactly these bytes.
  const VARIANTS: readonly string[] = [
    'a\rb', // raw CR inside
    'ab\r', // followed by the line's LF: a CRLF line end, so the value is "ab"
    'ab\r\r', // a CR that stays at the end of the value
    'a\u0000b', // NUL
    'a:b', // raw colon
    'a\\cb', // escaped colon
    'a\\nb', // escaped LF
    'a\\rb', // escaped CR (1.2 only)
    'a\\\\b', // escaped backslash
    'a\\b', // backslash and a letter that is no escape
    'ab\\', // dangling backslash
    'a\\tb', // undefined escape
    'é\r한', // multi-byte around a CR
  ];
  const VERSIONS: readonly StompVersion[] = ['1.0', '1.1', '1.2'];
  const SLOTS = [
    'SUBSCRIBE id',
    'SUBSCRIBE destination',
    'SUBSCRIBE receipt',
    'SEND receipt',
    'BEGIN/COMMIT transaction',
    'DISCONNECT receipt',
  ] as const;
  type Slot = (typeof SLOTS)[number];

  /** What the rules say: the value the server reads, or the code it refuses with. */
  function expected(version: StompVersion, raw: string): { value: string } | { code: string } {
    // The LF ends the line; one CR right before it belongs to the line end.
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (version !== '1.0') {
      let out = '';
      for (let i = 0; i < text.length; i += 1) {
        const c = text[i];
        if (c !== '\\') {
          out += c;
          continue;
        }
        const next = text[i + 1];
        i += 1;
        if (next === 'n') out += '\n';
        else if (next === 'c') out += ':';
        else if (next === '\\') out += '\\';
        else if (next === 'r' && version === '1.2') out += '\r';
        else return { code: 'invalid_frame' };
      }
      text = out;
    }
    const unwritable = version === '1.2' ? /\0/ : version === '1.1' ? /[\0\r]/ : /[\0\r\n]/;
    return unwritable.test(text) ? { code: 'invalid_header' } : { value: text };
  }

  function frameFor(slot: Slot, version: StompVersion, raw: string): string {
    const topic = `/topic/rooms.${room.id}`;
    switch (slot) {
      case 'SUBSCRIBE id':
        return `SUBSCRIBE\nid:${raw}\ndestination:${topic}\nreceipt:ok\n\n\u0000`;
      case 'SUBSCRIBE destination':
        // 1.0 uses the destination as the id when there is none. The errors subscription first: the
        // unknown room is reported there and the connection stays (a plain client would get ERROR).
        return `SUBSCRIBE\nid:errors\ndestination:/user/queue/errors\n\n\u0000SUBSCRIBE\n${version === '1.0' ? '' : 'id:d\n'}destination:${topic}${raw}\nreceipt:ok\n\n\u0000`;
      case 'SUBSCRIBE receipt':
        return `SUBSCRIBE\nid:e\ndestination:/user/queue/errors\nreceipt:${raw}\n\n\u0000`;
      case 'SEND receipt':
        // Joined first: a SEND from outside the room is refused (not_joined) and gets no RECEIPT.
        return `SUBSCRIBE\nid:j\ndestination:${topic}\n\n\u0000SEND\ndestination:/app/rooms.${room.id}\ncontent-type:text/plain\nreceipt:${raw}\n\nclass\u0000`;
      case 'BEGIN/COMMIT transaction':
        return `BEGIN\ntransaction:${raw}\nreceipt:ok\n\n\u0000COMMIT\ntransaction:${raw}\nreceipt:done\n\n\u0000`;
      case 'DISCONNECT receipt':
        return `DISCONNECT\nreceipt:${raw}\n\n\u0000`;
    }
  }

  const cases = VERSIONS.flatMap((version) =>
    SLOTS.flatMap((slot) => VARIANTS.map((raw) => [version, slot, raw] as const)),
  );
  it(`covers ${cases.length} cases: 3 versions × ${SLOTS.length} echoing slots × ${VARIANTS.length} values`, () => {
    expect(cases).toHaveLength(3 * 6 * 13);
  });

  it.each(cases)('STOMP %s, %s = %j', async (version, slot, raw) => {
    const client = await tcpConnected(version);
    client.writeRaw(Buffer.from(frameFor(slot, version, raw), 'utf8'));
    const outcome = expected(version, raw);
    if ('code' in outcome) {
      expect(await tcpRefusal(client)).toBe(outcome.code);
      expect(client.frames.some((f) => f.command === 'RECEIPT')).toBe(false);
      return;
    }
    const { value } = outcome;
    switch (slot) {
      case 'SUBSCRIBE id': {
        await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'ok');
        client.write('SEND', { destination: `/app/rooms.${room.id}`, 'content-type': 'text/plain' }, 'echo');
        const message = await client.waitFor((f) => f.command === 'MESSAGE');
        expect(message.headers.subscription).toBe(value);
        break;
      }
      case 'SUBSCRIBE destination':
      case 'SUBSCRIBE receipt':
      case 'SEND receipt': {
        // An odd destination is an unknown room: refused on /user/queue/errors, the connection stays.
        const receipt = slot === 'SUBSCRIBE destination' ? undefined : value;
        if (receipt !== undefined) {
          const got = await client.waitFor((f) => f.command === 'RECEIPT');
          expect(got.headers['receipt-id']).toBe(receipt);
        }
        client.writeRaw('DISCONNECT\nreceipt:bye\n\n\u0000');
        await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'bye');
        break;
      }
      case 'BEGIN/COMMIT transaction':
        await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'done');
        break;
      case 'DISCONNECT receipt': {
        const got = await client.waitFor((f) => f.command === 'RECEIPT');
        expect(got.headers['receipt-id']).toBe(value);
        break;
      }
    }
    expect(client.frames.some((f) => f.command === 'ERROR')).toBe(false);
    client.destroy();
  });

  it('after all of them, the server is healthy and no connection is left behind', async () => {
    await expectHealthy();
    await eventually(async () => expect(await stompConnections()).toBe(1));
  });
});

describe('a flood of refused frames costs bounded work and bounded log lines', () => {
  it(`5,000 SENDs to unknown rooms: closed with too_many_errors after ${REFUSAL_BURST}, a handful of log lines`, async () => {
    const client = await tcpConnected('1.2');
    // The refusal allowance is for clients that hear refusals on their errors queue; a plain client's
    // first refusal already ends its connection (test/generic-destinations.test.ts).
    client.write('SUBSCRIBE', { id: 'errors', destination: '/user/queue/errors', receipt: 'errors' });
    await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'errors');
    const linesBefore = logLines.length;
    const frames: Buffer[] = [];
    for (let i = 0; i < 5000; i += 1) {
      frames.push(encodeFrame('SEND', { destination: `/app/rooms.nope${i}`, receipt: `f${i}` }, 'x', '1.2'));
    }
    for (let i = 0; i < frames.length; i += 500) client.writeRaw(Buffer.concat(frames.slice(i, i + 500)));
    const error = await client.waitFor((f) => f.command === 'ERROR', 10_000);
    expect(error.headers.message).toBe('too_many_errors');
    await client.waitClosed();
    // Sampled per kind for the whole window: this flood and every refusal of the cases above together.
    const unreported = logLines.filter((line) => line.includes('no /user/queue/errors subscription'));
    expect(unreported.length).toBeLessThanOrEqual(LOG_SAMPLE_LINES);
    expect(logLines.length - linesBefore).toBeLessThanOrEqual(LOG_SAMPLE_LINES);
    await expectHealthy();
  });
});

describe('a frame dribbled byte by byte', () => {
  it('is ended with frame_timeout; heart-beat EOLs between frames keep a connection open as before', async () => {
    const dribbler = await tcpConnected('1.2');
    const beater = await tcpConnected('1.2');
    dribbler.writeRaw(`SEND\ndestination:/app/rooms.${room.id}\n`);
    const startedAt = Date.now();
    let ended = false;
    void dribbler.waitClosed(10_000).then(() => {
      ended = true;
    });
    await eventually(
      () => {
        if (!ended) {
          dribbler.writeRaw('x');
          beater.writeRaw('\n');
          throw new Error('still open');
        }
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const error = dribbler.frames.find((f) => f.command === 'ERROR');
    expect(error?.headers.message).toBe('frame_timeout');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(FRAME_TIMEOUT_MS - 50);
    // The heart-beating connection outlived the timeout and still works (joined first, to talk).
    beater.write('SUBSCRIBE', { id: 'j', destination: `/topic/rooms.${room.id}` });
    beater.write(
      'SEND',
      { destination: `/app/rooms.${room.id}`, 'content-type': 'text/plain', receipt: 'hb' },
      'hi',
    );
    await beater.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'hb');
    expect(beater.closed).toBe(false);
    beater.destroy();
    await expectHealthy();
  });
});
