// Hostile input over real sockets against a real server: malformed and oversized STOMP frames, header
// floods, bad escapes, content-length lies, binary garbage, WebSocket fragment storms and protocol
// violations, forged tokens, SEND to /topic, spoofed authors and markup bodies. Every case checks the
// coded refusal, that the server stays healthy, and that a control user in another connection keeps
// chatting. Frame limits are set small through the environment, so the configuration is tested too.
import type { Client } from '@stomp/stompjs';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Room } from '../src/chat/model.js';
import { TokenService } from '../src/chat/tokens.js';
import { ManualClock } from '../src/clock.js';
import { MAX_FRAGMENTS_PER_MESSAGE } from '../src/transport/websocket-listener.js';
import { eventually } from './support/eventually.js';
import { getJson, type Session, startTestParley, type TestParley } from './support/parley.js';
import { OPCODE, RawWebSocket, wsFrame } from './support/raw-ws.js';
import { stompText } from './support/stomp-text.js';
import { Inbox, receiptOf } from './support/stompjs-client.js';

const SECRET = 'hostile-test-secret-of-at-least-32-bytes!!';
const MAX_FRAME_BYTES = 4096;
const MAX_HEADERS = 16;
// Must fit the CONNECT Authorization line (a JWT is about 300 bytes).
const MAX_HEADER_LINE_BYTES = 1024;

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
  controlCount += 1;
  const body = `still here ${controlCount}`;
  const receipt = receiptOf(controlClient, `ctl-${controlCount}`);
  controlClient.publish({
    destination: `/app/rooms.${room.id}`,
    body: JSON.stringify({ body }),
    headers: { 'content-type': 'application/json', receipt: `ctl-${controlCount}` },
  });
  await receipt;
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
    for (let i = 0; i < MAX_FRAGMENTS_PER_MESSAGE - 200; i += 1)
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
