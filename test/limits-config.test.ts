// Every configurable limit, set small through the environment of a real server and hit over real
// sockets: sessions per IP per minute and rooms per user (HTTP 429 + Retry-After), message length,
// subscriptions per connection, connections per IP (behind a trusted proxy and without one; IPv6 by
// /64), the CONNECT timeout and heart-beat enforcement. Frame and payload limits are in hostile-stomp,
// send rate and slow consumers in flood-*, HTTP connection limits in http-connections. The test
// process plays the trusted proxy (TRUSTED_PROXIES=127.0.0.1); each test uses its own client address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { eventually } from './support/eventually.js';
import type { Session, TestParley } from './support/parley.js';
import { startTestParley } from './support/parley.js';
import { RawWebSocket } from './support/raw-ws.js';
import { stompText } from './support/stomp-text.js';

let parley: TestParley;
let untrusted: TestParley;
let nextAddress = 1;
/** A fresh client address, so tests do not share per-address budgets. */
const address = (): string => `203.0.113.${nextAddress++}`;
/** A fresh IPv6 /64 (as its network prefix, to append a host part to). */
const network64 = (): string => `2001:db8:${(nextAddress++).toString(16)}:1`;

beforeAll(async () => {
  parley = await startTestParley({
    env: {
      TRUSTED_PROXIES: '127.0.0.1',
      SESSIONS_PER_IP_PER_MINUTE: '3',
      ROOMS_PER_USER_PER_HOUR: '2',
      MESSAGE_MAX_CHARS: '10',
      HISTORY_PAGE_MAX: '30',
      HISTORY_PAGE_DEFAULT: '20',
      MAX_SUBSCRIPTIONS: '3',
      MAX_CONNECTIONS_PER_IP: '2',
      CONNECT_TIMEOUT_MS: '300',
      HEARTBEAT_MS: '200',
    },
  });
  untrusted = await startTestParley({ env: { MAX_CONNECTIONS_PER_IP: '2' } });
});

afterAll(async () => {
  await parley?.dispose();
  await untrusted?.dispose();
});

async function createSession(from: string, nickname = 'limits'): Promise<Response> {
  return fetch(`${parley.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: JSON.stringify({ nickname }),
  });
}

async function session(): Promise<Session> {
  const response = await createSession(address());
  expect(response.status).toBe(201);
  return (await response.json()) as Session;
}

async function createRoom(token: string, name: string): Promise<Response> {
  return fetch(`${parley.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name }),
  });
}

async function open(from: string, target: TestParley = parley): Promise<RawWebSocket> {
  return RawWebSocket.open(target.app.port, { headers: { 'X-Forwarded-For': from } });
}

async function connected(token: string, heartBeat = '0,0'): Promise<RawWebSocket> {
  const ws = await open(address());
  ws.send(
    stompText('CONNECT', {
      'accept-version': '1.2',
      Authorization: `Bearer ${token}`,
      'heart-beat': heartBeat,
    }),
  );
  await ws.waitFor((t) => t.startsWith('CONNECTED\n'), 'CONNECTED');
  return ws;
}

async function fatal(
  ws: RawWebSocket,
  timeoutMs = 5000,
): Promise<{ code: string | undefined; close: number | undefined }> {
  await ws.waitFor((t) => t.includes('ERROR\n'), 'ERROR', timeoutMs);
  const close = await ws.waitEnded();
  return { code: /\nmessage:([a-z_]+)\n/.exec(ws.text.slice(ws.text.indexOf('ERROR\n')))?.[1], close };
}

async function errorOf(
  response: Response,
): Promise<{ status: number; code: string; retryAfter: string | null }> {
  const body = (await response.json()) as { error: { code: string } };
  return { status: response.status, code: body.error.code, retryAfter: response.headers.get('retry-after') };
}

describe('HTTP rate limits answer 429 with Retry-After', () => {
  it('SESSIONS_PER_IP_PER_MINUTE counts per client address (X-Forwarded-For behind TRUST_PROXY)', async () => {
    const from = address();
    for (let i = 0; i < 3; i += 1) expect((await createSession(from)).status).toBe(201);
    const refused = await errorOf(await createSession(from));
    expect(refused).toMatchObject({ status: 429, code: 'rate_limited' });
    // Three per minute: the next token is 20 s away.
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    // Another address still gets its own budget.
    expect((await createSession(address())).status).toBe(201);
  });

  it('SESSIONS_PER_IP_PER_MINUTE: entries a client writes itself before the proxy appends do not count', async () => {
    const from = address();
    for (let i = 0; i < 3; i += 1) expect((await createSession(`198.51.100.${i}, ${from}`)).status).toBe(201);
    expect((await createSession(`198.51.100.99,${from}`)).status).toBe(429);
  });

  it('SESSIONS_PER_IP_PER_MINUTE counts an IPv6 /64 as one address, an IPv4-mapped one as IPv4', async () => {
    const net = network64();
    for (const host of ['a', 'b', 'c']) expect((await createSession(`${net}::${host}`)).status).toBe(201);
    expect((await createSession(`[${net}:ffff:1:2:3]:443`)).status).toBe(429);
    expect((await createSession(`${network64()}::a`)).status).toBe(201);
    const v4 = address();
    for (let i = 0; i < 3; i += 1)
      expect((await createSession(i === 0 ? v4 : `::ffff:${v4}`)).status).toBe(201);
    expect((await createSession(v4)).status).toBe(429);
  });

  it('ROOMS_PER_USER_PER_HOUR counts per user', async () => {
    const alice = await session();
    expect((await createRoom(alice.token, 'one')).status).toBe(201);
    expect((await createRoom(alice.token, 'two')).status).toBe(201);
    const refused = await errorOf(await createRoom(alice.token, 'three'));
    expect(refused).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(3600);
    const bob = await session();
    expect((await createRoom(bob.token, 'bobs')).status).toBe(201);
  });
});

describe('GET /api/limits', () => {
  it('tells clients the configured message length and edit window, without a token', async () => {
    const configured = await fetch(`${parley.url}/api/limits`);
    expect(configured.status).toBe(200);
    expect(await configured.json()).toEqual({
      messageMaxChars: 10,
      editWindowSeconds: 900,
      historyPageMax: 30,
      historyPageDefault: 20,
      noticeMaxChars: 500,
      maxPinsPerRoom: 5,
    });
    const defaults = await fetch(`${untrusted.url}/api/limits`);
    expect(await defaults.json()).toEqual({
      messageMaxChars: 4000,
      editWindowSeconds: 900,
      historyPageMax: 200,
      historyPageDefault: 50,
      noticeMaxChars: 500,
      maxPinsPerRoom: 5,
    });
  });
});

describe('STOMP limits', () => {
  it('MESSAGE_MAX_CHARS counts characters (code points), refuses on /user/queue/errors and keeps the connection', async () => {
    const user = await session();
    const room = (await (await createRoom(user.token, 'short')).json()) as Room;
    const ws = await connected(user.token);
    ws.send(stompText('SUBSCRIBE', { id: 'e', destination: '/user/queue/errors' }));
    ws.send(stompText('SUBSCRIBE', { id: 'r', destination: `/topic/rooms.${room.id}`, receipt: 'subs' }));
    await ws.waitFor((t) => t.includes('receipt-id:subs'), 'subscriptions');
    const send = (body: string, receipt: string) =>
      ws.send(
        stompText(
          'SEND',
          { destination: `/app/rooms.${room.id}`, 'content-type': 'text/plain', receipt },
          body,
        ),
      );
    send('😀'.repeat(10), 'ten');
    await ws.waitFor((t) => t.includes('receipt-id:ten'), 'RECEIPT of ten emoji');
    send('x'.repeat(11), 'eleven');
    await ws.waitFor((t) => /receipt-id:eleven[\s\S]*"code":"message_too_long"/.test(t), 'message_too_long');
    send('ok', 'after');
    await ws.waitFor((t) => t.includes('receipt-id:after'), 'the connection still works');
    expect(ws.ended).toBe(false);
    ws.destroy();
  });

  it('MAX_SUBSCRIPTIONS: one more SUBSCRIBE ends the connection with too_many_subscriptions', async () => {
    const user = await session();
    const ws = await connected(user.token);
    for (let i = 0; i < 3; i += 1)
      ws.send(stompText('SUBSCRIBE', { id: `s${i}`, destination: '/user/queue/errors' }));
    ws.send(stompText('SUBSCRIBE', { id: 's3', destination: '/user/queue/errors' }));
    expect(await fatal(ws)).toEqual({ code: 'too_many_subscriptions', close: 1008 });
  });

  it('CONNECT_TIMEOUT_MS: a socket that never sends CONNECT is closed with connect_timeout', async () => {
    const startedAt = Date.now();
    const ws = await open(address());
    expect(await fatal(ws)).toEqual({ code: 'connect_timeout', close: 1008 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
  });

  it('HEARTBEAT_MS: a peer that promised heart-beats and fell silent is dropped; one that asked gets them', async () => {
    const user = await session();
    const silent = await connected(user.token, '200,0');
    const listener = await connected(user.token, '0,200');
    expect(await fatal(silent)).toEqual({ code: 'heartbeat_timeout', close: 1008 });
    // The listener asked for a beat every 200 ms and has been idle since CONNECTED.
    await eventually(() =>
      expect(listener.messages.filter((m) => m === '\n').length).toBeGreaterThanOrEqual(2),
    );
    expect(listener.ended).toBe(false);
    listener.destroy();
  });
});

describe('MAX_CONNECTIONS_PER_IP on the WebSocket upgrade', () => {
  it('behind TRUST_PROXY counts the X-Forwarded-For client, not the proxy', async () => {
    const from = address();
    const first = await open(from);
    const second = await open(from);
    await expect(open(from)).rejects.toThrow('HTTP 429');
    // Same proxy socket address, another client: its own budget.
    const other = await open(address());
    // A slot comes back when its socket closes.
    first.destroy();
    await first.waitEnded();
    const again = await eventually(() => open(from));
    for (const ws of [second, other, again]) ws.destroy();
  });

  it('behind a trusted proxy, X-Forwarded-For entries the client wrote itself mint no addresses', async () => {
    const from = address();
    const first = await open(`10.0.0.1, ${from}`);
    const second = await open(`garbage,${from}`);
    await expect(open(`198.51.100.7, ${from}`)).rejects.toThrow('HTTP 429');
    await expect(open(`[2001:db8::1]:80,${from}`)).rejects.toThrow('HTTP 429');
    first.destroy();
    second.destroy();
  });

  it('counts an IPv6 /64 as one address', async () => {
    const net = network64();
    const a = await open(`${net}::1`);
    const b = await open(`[${net}:abcd::2]:5000`);
    await expect(open(`${net}::3`)).rejects.toThrow('HTTP 429');
    const other = await open(`${network64()}::1`);
    for (const ws of [a, b, other]) ws.destroy();
  });

  it('without trusted proxies ignores X-Forwarded-For, so a client cannot mint addresses', async () => {
    const a = await open('198.51.100.1', untrusted);
    const b = await open('198.51.100.2', untrusted);
    await expect(open('198.51.100.3', untrusted)).rejects.toThrow('HTTP 429');
    a.destroy();
    b.destroy();
  });
});
