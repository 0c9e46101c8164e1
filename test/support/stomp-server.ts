// A real STOMP server for tests: HTTP server + WebSocket listener at /ws + TCP listener, all on port 0,
// with a StompBroker, a test authenticator (`Bearer test-<userId>` or passcode `test-<userId>`) and an
// echo route (`/app/echo…` → `/topic/echo…`). Knows no chat; every test owns and closes its server.
import http from 'node:http';
import { StompBroker } from '../../src/broker/stomp-broker.js';
import type { Principal } from '../../src/broker/types.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { ParleyError } from '../../src/errors.js';
import { sessionLimitsOf } from '../../src/session-limits.js';
import type { Headers } from '../../src/stomp/frame.js';
import type { SessionLimits } from '../../src/stomp/session.js';
import { TcpListener } from '../../src/transport/tcp-listener.js';
import { WebSocketListener } from '../../src/transport/websocket-listener.js';

export interface TestPrincipal extends Principal {
  readonly id: string;
}

/** The configured defaults, with a fast heart-beat so tests see it act. */
export const TEST_SERVER_LIMITS: SessionLimits = Object.freeze({
  ...sessionLimitsOf(loadConfig({}).limits),
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

export interface StartOptions {
  readonly limits?: SessionLimits;
  readonly maxConnectionsPerIp?: number;
}

export async function startStompServer(options: StartOptions = {}): Promise<TestStompServer> {
  const limits = options.limits ?? TEST_SERVER_LIMITS;
  const maxConnectionsPerIp = options.maxConnectionsPerIp ?? 1000;
  const broker = createTestBroker();
  const listenerOptions = {
    limits,
    maxConnectionsPerIp,
    handler: broker,
    serverName: 'parley-test',
    clock: systemClock,
    closeTimeoutMs: 1000,
  };

  const httpServer = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  httpServer.on('error', () => {});
  const ws = new WebSocketListener({
    ...listenerOptions,
    server: httpServer,
    isOriginAllowed: () => true,
    maxFragmentsPerMessage: loadConfig({}).limits.wsMaxFragmentsPerMessage,
  });
  const tcp = new TcpListener(listenerOptions);

  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const tcpPort = await tcp.listen(0, '127.0.0.1');
  const httpAddress = httpServer.address();
  if (httpAddress === null || typeof httpAddress === 'string')
    throw new Error('HTTP server did not bind a port');

  return {
    wsUrl: `ws://127.0.0.1:${httpAddress.port}/ws`,
    tcpPort,
    broker,
    async close() {
      await broker.close();
      await Promise.all([ws.close(), tcp.close()]);
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
