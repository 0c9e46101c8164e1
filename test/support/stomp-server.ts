// A real STOMP server for tests: HTTP server + WebSocket listener at /ws + TCP listener, all on port 0,
// with a StompBroker, a test authenticator (`Bearer test-<userId>` or passcode `test-<userId>`) and an
// echo route (`/app/echo…` → `/topic/echo…`). Knows no chat; every test owns and closes its server.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { StompBroker } from '../../src/broker/stomp-broker.js';
import type { Principal } from '../../src/broker/types.js';
import { systemClock } from '../../src/clock.js';
import { ParleyError } from '../../src/errors.js';
import type { Headers, StompVersion } from '../../src/stomp/frame.js';
import { DEFAULT_SESSION_LIMITS, type SessionLimits, StompSession } from '../../src/stomp/session.js';

export interface TestPrincipal extends Principal {
  readonly id: string;
}

export const TEST_SERVER_LIMITS: SessionLimits = Object.freeze({
  ...DEFAULT_SESSION_LIMITS,
  maxOutboundBytes: 1024 * 1024,
  heartbeatSendMs: 100,
  heartbeatReceiveMs: 100,
  heartbeatGraceFactor: 1.5,
  connectTimeoutMs: 5000,
});

export interface TestStompServer {
  /** `ws://127.0.0.1:PORT/ws` */
  readonly wsUrl: string;
  readonly tcpPort: number;
  readonly broker: StompBroker<TestPrincipal>;
  close(): Promise<void>;
}

/** Accepts `Authorization: Bearer test-<id>` or `passcode: test-<id>`; anything else is unauthorized. */
export async function testAuthenticator(headers: Headers): Promise<TestPrincipal> {
  const bearer = headers.Authorization ?? headers.authorization;
  const token = bearer?.startsWith('Bearer ') ? bearer.slice('Bearer '.length) : headers.passcode;
  if (token?.startsWith('test-') && token.length > 'test-'.length) return { id: token.slice('test-'.length) };
  throw new ParleyError('unauthorized');
}

export function createTestBroker(): StompBroker<TestPrincipal> {
  const broker = new StompBroker<TestPrincipal>({
    authenticate: testAuthenticator,
    clock: systemClock,
    closeTimeoutMs: 2000,
  });
  // `/app/echo<suffix>` → `/topic/echo<suffix>`, so a test can have a channel of its own (`.flood`).
  broker.route('/app/echo', {
    send: async (_connection, message) => {
      const contentType = message.headers['content-type'];
      broker.publish(`/topic/echo${message.path}`, {
        headers: contentType === undefined ? {} : { 'content-type': contentType },
        body: message.body,
      });
    },
  });
  broker.route('/topic/echo', { subscribe: async () => {} });
  return broker;
}

const SUBPROTOCOL_VERSIONS: Readonly<Record<string, StompVersion>> = {
  'v12.stomp': '1.2',
  'v11.stomp': '1.1',
  'v10.stomp': '1.0',
};

export async function startStompServer(limits: SessionLimits = TEST_SERVER_LIMITS): Promise<TestStompServer> {
  const broker = createTestBroker();
  const sessions = new Set<StompSession>();
  const newSession = (
    transport: ConstructorParameters<typeof StompSession>[0]['transport'],
    offered?: StompVersion[],
  ) => {
    const session = new StompSession({
      id: randomUUID(),
      transport,
      handler: broker,
      limits,
      clock: systemClock,
      serverName: 'parley-test',
      offeredVersions: offered,
    });
    sessions.add(session);
    return session;
  };

  const httpServer = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  httpServer.on('error', () => {});
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/ws',
    perMessageDeflate: false,
    handleProtocols: (protocols) => {
      for (const name of ['v12.stomp', 'v11.stomp', 'v10.stomp']) if (protocols.has(name)) return name;
      return false;
    },
  });
  wss.on('error', () => {});
  wss.on('connection', (ws, req) => {
    ws.on('error', () => {});
    const version = SUBPROTOCOL_VERSIONS[ws.protocol];
    const session = newSession(
      {
        write: (bytes) => ws.send(bytes),
        get bufferedBytes() {
          return ws.bufferedAmount;
        },
        close: (code) => ws.close(code === undefined ? 1000 : code === 'shutting_down' ? 1001 : 1002),
        remoteAddress: req.socket.remoteAddress ?? 'unknown',
      },
      version === undefined ? undefined : [version],
    );
    ws.on('message', (data: Buffer) => session.receive(data));
    ws.on('close', () => {
      session.transportClosed();
      sessions.delete(session);
    });
  });

  const tcpServer = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    const session = newSession({
      write: (bytes) => {
        socket.write(bytes);
      },
      get bufferedBytes() {
        return socket.writableLength;
      },
      close: () => {
        socket.end();
        // A peer that stopped reading never lets `end` flush; do not wait for it.
        setTimeout(() => socket.destroy(), 1000).unref();
      },
      remoteAddress: socket.remoteAddress ?? 'unknown',
    });
    socket.on('data', (chunk: Buffer) => session.receive(chunk));
    socket.on('close', () => {
      session.transportClosed();
      sessions.delete(session);
    });
  });
  tcpServer.on('error', () => {});

  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => tcpServer.listen(0, '127.0.0.1', resolve));
  const httpAddress = httpServer.address();
  const tcpAddress = tcpServer.address();
  if (
    httpAddress === null ||
    typeof httpAddress === 'string' ||
    tcpAddress === null ||
    typeof tcpAddress === 'string'
  ) {
    throw new Error('listeners did not bind to TCP ports');
  }

  return {
    wsUrl: `ws://127.0.0.1:${httpAddress.port}/ws`,
    tcpPort: tcpAddress.port,
    broker,
    async close() {
      await broker.close();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => tcpServer.close(() => resolve()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
