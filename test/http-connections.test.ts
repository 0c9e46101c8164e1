// Plain HTTP connections over real sockets: the per-address cap (idle sockets from one loopback
// address are refused past MAX_HTTP_CONNECTIONS_PER_IP while another address is served; upgraded
// WebSockets leave the count) and the timeouts: a slowloris dribbling headers, an idle keep-alive
// socket, a stalled request body. 127.0.0.2 is a second client address on the loopback interface.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/eventually.js';
import { startTestParley, type TestParley } from './support/parley.js';
import { RawWebSocket } from './support/raw-ws.js';

let capped: TestParley;
let timed: TestParley;

beforeAll(async () => {
  capped = await startTestParley({ env: { MAX_HTTP_CONNECTIONS_PER_IP: '3', MAX_CONNECTIONS_PER_IP: '4' } });
  timed = await startTestParley({
    env: {
      HTTP_HEADERS_TIMEOUT_MS: '300',
      HTTP_REQUEST_TIMEOUT_MS: '2500',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '300',
      HTTP_IDLE_TIMEOUT_MS: '600',
    },
  });
});

afterAll(async () => {
  await capped?.dispose();
  await timed?.dispose();
});

interface RawHttp {
  readonly socket: net.Socket;
  received(): string;
  readonly closed: Promise<number>;
  isClosed(): boolean;
}

/** A bare TCP connection from `localAddress`; resolves once connected. `closed` gives the ms it lived. */
async function rawConnect(port: number, localAddress = '127.0.0.1'): Promise<RawHttp> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  let text = '';
  let ended = false;
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  const startedAt = Date.now();
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      ended = true;
      resolve(Date.now() - startedAt);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text, closed, isClosed: () => ended };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_resolve, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms),
    ),
  ]);
}

async function healthz(port: number, localAddress: string): Promise<string> {
  const http = await rawConnect(port, localAddress);
  http.socket.write('GET /healthz HTTP/1.1\r\nHost: parley\r\nConnection: close\r\n\r\n');
  await within(http.closed, 5000, 'healthz answer');
  return http.received();
}

describe('MAX_HTTP_CONNECTIONS_PER_IP', () => {
  it('refuses one idle socket too many from an address at once, while another address is served', async () => {
    const port = capped.app.port;
    const idle = [await rawConnect(port), await rawConnect(port), await rawConnect(port)];
    const extra = await rawConnect(port);
    await within(extra.closed, 2000, 'the extra socket closed');
    expect(extra.received()).toBe('');
    expect(await healthz(port, '127.0.0.2')).toMatch(/^HTTP\/1\.1 200 /);
    expect(idle.some((s) => s.isClosed())).toBe(false);
    // A slot comes back when its socket closes.
    idle[0]?.socket.destroy();
    await idle[0]?.closed;
    const again = await eventually(async () => {
      const socket = await rawConnect(port);
      socket.socket.write('GET /healthz HTTP/1.1\r\nHost: parley\r\n\r\n');
      await eventually(() => expect(socket.received()).toMatch(/^HTTP\/1\.1 200 /), { timeoutMs: 1000 });
      return socket;
    });
    for (const s of [...idle, again]) s.socket.destroy();
    await Promise.all([...idle, again].map((s) => s.closed));
  });

  it('counts WebSockets under MAX_CONNECTIONS_PER_IP once upgraded, not as HTTP connections', async () => {
    const port = capped.app.port;
    const sockets = [
      await RawWebSocket.open(port),
      await RawWebSocket.open(port),
      await RawWebSocket.open(port),
    ];
    const idle = [await rawConnect(port), await rawConnect(port), await rawConnect(port)];
    const extra = await rawConnect(port);
    await within(extra.closed, 2000, 'the extra HTTP socket closed');
    expect(idle.some((s) => s.isClosed())).toBe(false);
    expect(sockets.some((ws) => ws.ended)).toBe(false);
    for (const s of idle) s.socket.destroy();
    for (const ws of sockets) ws.destroy();
    await Promise.all(idle.map((s) => s.closed));
  });
});

describe('HTTP timeouts', () => {
  it('HTTP_HEADERS_TIMEOUT_MS: a slowloris dribbling header bytes is closed at the deadline', async () => {
    const slow = await rawConnect(timed.app.port);
    slow.socket.write('GET /healthz HTTP/1.1\r\nHost: parley\r\n');
    let n = 0;
    const dribble = setInterval(() => {
      if (!slow.isClosed()) slow.socket.write(`X-Slow-${n++}: a\r\n`);
    }, 40);
    try {
      const lived = await within(slow.closed, 3000, 'slowloris closed');
      expect(lived).toBeGreaterThanOrEqual(250);
      expect(n).toBeGreaterThan(3);
      expect(slow.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
    } finally {
      clearInterval(dribble);
    }
  });

  it('HTTP_KEEP_ALIVE_TIMEOUT_MS: an idle keep-alive socket is closed after its last answer', async () => {
    const keepAlive = await rawConnect(timed.app.port);
    keepAlive.socket.write('GET /healthz HTTP/1.1\r\nHost: parley\r\n\r\n');
    await eventually(() => expect(keepAlive.received()).toMatch(/^HTTP\/1\.1 200 [\s\S]*\{"status":"ok"\}$/));
    const answeredAt = Date.now();
    await within(keepAlive.closed, 4000, 'keep-alive socket closed');
    // Node closes one second after the timeout it advertises, so a client reusing the socket right at
    // that moment does not race the close.
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(200);
    expect(Date.now() - answeredAt).toBeLessThan(2800);
  });

  it('HTTP_IDLE_TIMEOUT_MS: a request whose body stalls is closed when the socket goes idle', async () => {
    const stalled = await rawConnect(timed.app.port);
    stalled.socket.write(
      'POST /api/sessions HTTP/1.1\r\nHost: parley\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"nick',
    );
    const lived = await within(stalled.closed, 3500, 'stalled socket closed');
    // The request timeout (2.5 s) is further away: it was the idle timeout.
    expect(lived).toBeGreaterThanOrEqual(550);
    expect(lived).toBeLessThan(2300);
  });

  it('HTTP_REQUEST_TIMEOUT_MS: a body dribbled fast enough to never go idle is cut off at the deadline', async () => {
    const slow = await rawConnect(timed.app.port);
    slow.socket.write(
      'POST /api/sessions HTTP/1.1\r\nHost: parley\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n',
    );
    let sent = 0;
    const dribble = setInterval(() => {
      if (!slow.isClosed()) slow.socket.write(' ');
      sent += 1;
    }, 100);
    try {
      const lived = await within(slow.closed, 5000, 'slow body closed');
      expect(lived).toBeGreaterThanOrEqual(2400);
      expect(sent).toBeGreaterThan(15);
      expect(slow.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
    } finally {
      clearInterval(dribble);
    }
  });

  it('leaves an upgraded WebSocket alone past the HTTP timeouts', async () => {
    const ws = await RawWebSocket.open(timed.app.port);
    const openedAt = Date.now();
    await eventually(() => expect(Date.now() - openedAt).toBeGreaterThan(1200), { timeoutMs: 3000 });
    expect(ws.ended).toBe(false);
    ws.destroy();
  });
});
