// The STOMP transports over real sockets (port 0): WebSocket upgrade rules (path, Origin, per-address
// limit, subprotocols, payload limit, close codes) and TCP framing, each with a tiny echo handler.
import { createServer, type Server } from 'node:http';
import { type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { sessionLimitsOf } from '../src/session-limits.js';
import { encodeFrame, FrameParser } from '../src/stomp/codec.js';
import type { Frame } from '../src/stomp/frame.js';
import type {
  SendRequest,
  SessionHandler,
  SessionLimits,
  StompSession,
  SubscribeRequest,
} from '../src/stomp/session.js';
import { TcpListener } from '../src/transport/tcp-listener.js';
import { WebSocketListener } from '../src/transport/websocket-listener.js';
import { eventually, within } from './support/eventually.js';
import { connectStompClient, Inbox, receiptOf } from './support/stompjs-client.js';

const LIMITS: SessionLimits = {
  ...sessionLimitsOf(loadConfig({}).limits),
  maxFrameBytes: 8 * 1024,
  maxHeaders: 32,
  maxHeaderLineBytes: 1024,
  maxSubscriptions: 16,
  maxOutboundBytes: 1 << 20,
  heartbeatSendMs: 0,
  heartbeatReceiveMs: 0,
  heartbeatGraceFactor: 1.5,
  connectTimeoutMs: 5000,
  maxTransactionFrames: 10,
};

/** Accepts everyone; a SEND is echoed as MESSAGE to every subscriber of the same destination. */
class EchoHandler implements SessionHandler {
  readonly #subscribers = new Map<string, { session: StompSession; id: string }[]>();
  #next = 0;
  disconnects = 0;

  async connect(): Promise<void> {}

  async subscribe(session: StompSession, request: SubscribeRequest): Promise<void> {
    const list = this.#subscribers.get(request.destination) ?? [];
    list.push({ session, id: request.id });
    this.#subscribers.set(request.destination, list);
  }

  unsubscribe(session: StompSession, id: string): void {
    for (const [destination, list] of this.#subscribers) {
      this.#subscribers.set(
        destination,
        list.filter((s) => s.session !== session || s.id !== id),
      );
    }
  }

  async send(_session: StompSession, request: SendRequest): Promise<void> {
    for (const { session, id } of this.#subscribers.get(request.destination) ?? []) {
      const messageId = String(++this.#next);
      const headers = { destination: request.destination, subscription: id, 'message-id': messageId };
      session.deliver(id, encodeFrame('MESSAGE', headers, request.body, session.version), messageId);
    }
  }

  failed(): void {}

  disconnected(session: StompSession): void {
    this.disconnects += 1;
    for (const [destination, list] of this.#subscribers) {
      this.#subscribers.set(
        destination,
        list.filter((s) => s.session !== session),
      );
    }
  }
}

/** Frames read from a socket, parsed as a client would. */
class FrameReader {
  readonly frames: Frame[] = [];
  readonly #parser = new FrameParser({
    maxFrameBytes: 1 << 20,
    maxHeaders: 100,
    maxHeaderLineBytes: 1 << 16,
  });

  push = (data: Buffer): void => {
    this.#parser.push(
      data,
      (f) => this.frames.push(f),
      () => {},
    );
  };

  async next(command: string): Promise<Frame> {
    return eventually(() => {
      const frame = this.frames.find((f) => f.command === command);
      if (frame === undefined) throw new Error(`no ${command} yet; got ${this.frames.map((f) => f.command)}`);
      return frame;
    });
  }
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface WsServer {
  readonly url: string;
  readonly listener: WebSocketListener;
  readonly handler: EchoHandler;
}

async function startWs(
  options: { maxConnectionsPerIp?: number; maxPayloadBytes?: number } = {},
): Promise<WsServer> {
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('error', () => {});
  const handler = new EchoHandler();
  const listener = new WebSocketListener({
    server,
    maxFragmentsPerMessage: loadConfig({}).limits.wsMaxFragmentsPerMessage,
    handler,
    serverName: 'parley/test',
    clock: systemClock,
    limits: LIMITS,
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? 10,
    isOriginAllowed: (origin) => origin === undefined || origin === 'http://good.example',
    ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await listener.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `ws://127.0.0.1:${port}/ws`, listener, handler };
}

interface OpenedWs {
  readonly ws: WebSocket;
  readonly reader: FrameReader;
  readonly closed: Promise<{ code: number; reason: string }>;
}

function openWs(url: string, protocols: string[] = [], origin?: string): Promise<OpenedWs> {
  const ws = new WebSocket(url, protocols, origin === undefined ? {} : { origin });
  ws.on('error', () => {});
  cleanups.push(() => ws.terminate());
  const reader = new FrameReader();
  ws.on('message', (data: Buffer) => reader.push(data));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return within(
    new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, reader, closed }));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    }),
    5000,
    'websocket open',
  );
}

const frame = (command: Frame['command'], headers: Record<string, string> = {}, body?: string) =>
  encodeFrame(command, headers, body, '1.2');

describe('WebSocketListener', () => {
  it('picks the highest offered STOMP subprotocol and speaks STOMP over it', async () => {
    const { url } = await startWs();
    const { ws, reader } = await openWs(url, ['v10.stomp', 'v12.stomp', 'v11.stomp']);
    expect(ws.protocol).toBe('v12.stomp');
    ws.send(frame('CONNECT', { 'accept-version': '1.1,1.2', host: 'x' }));
    const connected = await reader.next('CONNECTED');
    expect(connected.headers.version).toBe('1.2');
    expect(connected.headers.session).toMatch(/^[0-9a-f-]{36}$/);
    ws.send(frame('SUBSCRIBE', { id: 's1', destination: '/topic/echo' }));
    ws.send(frame('SEND', { destination: '/topic/echo' }, 'hello'));
    const message = await reader.next('MESSAGE');
    expect(message.headers.subscription).toBe('s1');
    expect(message.body.toString()).toBe('hello');
  });

  it('limits the STOMP versions to the offered subprotocol', async () => {
    const { url } = await startWs();
    const { ws, reader, closed } = await openWs(url, ['v11.stomp']);
    expect(ws.protocol).toBe('v11.stomp');
    ws.send(frame('CONNECT', { 'accept-version': '1.2' }));
    const error = await reader.next('ERROR');
    expect(error.headers.message).toBe('unsupported_version');
    expect(error.headers.version).toBe('1.1');
    expect((await closed).code).toBe(1002);
  });

  it('accepts a connection without subprotocol, with every version', async () => {
    const { url } = await startWs();
    const { ws, reader } = await openWs(url);
    expect(ws.protocol).toBe('');
    ws.send(frame('CONNECT', {}));
    expect((await reader.next('CONNECTED')).headers.version).toBe('1.0');
  });

  it('works with @stomp/stompjs unchanged', async () => {
    const { url } = await startWs();
    const client = await connectStompClient({ url, token: 'anything' });
    cleanups.push(() => client.deactivate());
    const inbox = new Inbox();
    const receipt = receiptOf(client, 'sub');
    client.subscribe('/topic/stompjs', inbox.listener, { receipt: 'sub' });
    await receipt;
    client.publish({ destination: '/topic/stompjs', body: 'from stompjs' });
    await eventually(() => expect(inbox.messages.map((m) => m.body)).toEqual(['from stompjs']));
  });

  it('refuses a foreign Origin with HTTP 403', async () => {
    const { url } = await startWs();
    await expect(openWs(url, ['v12.stomp'], 'http://evil.example')).rejects.toThrow('HTTP 403');
    await expect(openWs(url, ['v12.stomp'], 'http://good.example')).resolves.toBeDefined();
  });

  it('refuses other paths with HTTP 404', async () => {
    const { url } = await startWs();
    await expect(openWs(url.replace('/ws', '/other'))).rejects.toThrow('HTTP 404');
  });

  it('refuses connections over the per-address limit with HTTP 429 and frees slots on close', async () => {
    const { url, listener } = await startWs({ maxConnectionsPerIp: 2 });
    const first = await openWs(url);
    await openWs(url);
    await expect(openWs(url)).rejects.toThrow('HTTP 429');
    first.ws.close();
    await first.closed;
    await eventually(() => expect(listener.connections).toBe(1));
    await expect(openWs(url)).resolves.toBeDefined();
  });

  it('closes with 1009 when a message exceeds maxPayload', async () => {
    const { url, handler } = await startWs({ maxPayloadBytes: 1024 });
    const { ws, reader, closed } = await openWs(url, ['v12.stomp']);
    ws.send(frame('CONNECT', { 'accept-version': '1.2' }));
    await reader.next('CONNECTED');
    ws.send(frame('SEND', { destination: '/topic/x' }, 'x'.repeat(2000)));
    expect((await closed).code).toBe(1009);
    await eventually(() => expect(handler.disconnects).toBe(1));
  });

  it('closes with 1009 after ERROR frame_too_large for a frame over maxFrameBytes', async () => {
    const { url } = await startWs({ maxPayloadBytes: 64 * 1024 });
    const { ws, reader, closed } = await openWs(url, ['v12.stomp']);
    ws.send(frame('CONNECT', { 'accept-version': '1.2' }));
    await reader.next('CONNECTED');
    ws.send(frame('SEND', { destination: '/topic/x' }, 'x'.repeat(LIMITS.maxFrameBytes)));
    expect((await reader.next('ERROR')).headers.message).toBe('frame_too_large');
    expect(await closed).toEqual({ code: 1009, reason: 'frame_too_large' });
  });

  it('answers a protocol violation with ERROR and close code 1002', async () => {
    const { url } = await startWs();
    const { ws, reader, closed } = await openWs(url, ['v12.stomp']);
    ws.send(Buffer.from('BOGUS\n\n\0'));
    expect((await reader.next('ERROR')).headers.message).toBe('invalid_frame');
    expect((await closed).code).toBe(1002);
  });

  it('closes normally (1000) after DISCONNECT', async () => {
    const { url } = await startWs();
    const { ws, reader, closed } = await openWs(url, ['v12.stomp']);
    ws.send(frame('CONNECT', { 'accept-version': '1.2' }));
    await reader.next('CONNECTED');
    ws.send(frame('DISCONNECT', { receipt: 'bye' }));
    expect((await reader.next('RECEIPT')).headers['receipt-id']).toBe('bye');
    expect((await closed).code).toBe(1000);
  });

  it('close() ends every open socket with 1001 and refuses new upgrades', async () => {
    const { url, listener, handler } = await startWs();
    const a = await openWs(url, ['v12.stomp']);
    const b = await openWs(url, ['v12.stomp']);
    a.ws.send(frame('CONNECT', { 'accept-version': '1.2' }));
    await a.reader.next('CONNECTED');
    await within(listener.close(), 5000, 'listener close');
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
    expect(handler.disconnects).toBe(1);
    expect(listener.connections).toBe(0);
    await expect(openWs(url, ['v12.stomp'])).rejects.toThrow();
  });
});

interface TcpServer {
  readonly port: number;
  readonly listener: TcpListener;
  readonly handler: EchoHandler;
}

async function startTcp(maxConnectionsPerIp = 10): Promise<TcpServer> {
  const handler = new EchoHandler();
  const listener = new TcpListener({
    handler,
    serverName: 'parley/test',
    clock: systemClock,
    limits: LIMITS,
    maxConnectionsPerIp,
  });
  const port = await listener.listen(0, '127.0.0.1');
  cleanups.push(() => listener.close());
  return { port, listener, handler };
}

interface OpenedTcp {
  readonly socket: Socket;
  readonly reader: FrameReader;
  readonly closed: Promise<void>;
}

function openTcp(port: number): Promise<OpenedTcp> {
  const socket = tcpConnect({ port, host: '127.0.0.1', noDelay: true });
  socket.on('error', () => {});
  cleanups.push(() => {
    socket.destroy();
  });
  const reader = new FrameReader();
  socket.on('data', reader.push);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return within(
    new Promise((resolve) => socket.once('connect', () => resolve({ socket, reader, closed }))),
    5000,
    'tcp connect',
  );
}

function write(socket: Socket, bytes: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.write(bytes, (error) => (error ? reject(error) : resolve())),
  );
}

describe('TcpListener', () => {
  it('exposes the bound port and handles frames split across writes', async () => {
    const { port, listener } = await startTcp();
    expect(listener.port).toBe(port);
    expect(port).toBeGreaterThan(0);
    const { socket, reader } = await openTcp(port);
    const bytes = Buffer.concat([
      frame('CONNECT', { 'accept-version': '1.2' }),
      Buffer.from('\n'),
      frame('SUBSCRIBE', { id: 's', destination: '/topic/t', receipt: 'r' }),
      frame('SEND', { destination: '/topic/t' }, 'über'),
    ]);
    for (let i = 0; i < bytes.length; i += 7) await write(socket, bytes.subarray(i, i + 7));
    await reader.next('CONNECTED');
    expect((await reader.next('RECEIPT')).headers['receipt-id']).toBe('r');
    expect((await reader.next('MESSAGE')).body.toString()).toBe('über');
  });

  it('sends ERROR too_many_connections over the per-address limit', async () => {
    const { port } = await startTcp(1);
    await openTcp(port);
    const second = await openTcp(port);
    expect((await second.reader.next('ERROR')).headers.message).toBe('too_many_connections');
    await within(second.closed, 5000, 'refused socket close');
  });

  it('close() ends every open socket and tells the handler', async () => {
    const { port, listener, handler } = await startTcp();
    const a = await openTcp(port);
    const b = await openTcp(port);
    await write(a.socket, frame('CONNECT', { 'accept-version': '1.2' }));
    await a.reader.next('CONNECTED');
    await eventually(() => expect(listener.connections).toBe(2));
    await within(listener.close(), 5000, 'listener close');
    await within(Promise.all([a.closed, b.closed]), 5000, 'sockets closed');
    expect(handler.disconnects).toBe(1);
    expect(listener.connections).toBe(0);
  });
});
