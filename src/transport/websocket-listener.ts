// STOMP over WebSocket: takes over `upgrade` on an existing http.Server for one path, vets Origin and
// per-address limits before the handshake, and moves bytes between a `ws` socket and its session.
// Knows nothing of frames or of what a session does; closes every open socket on `close()`.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { ErrorCode } from '../errors.js';
import { clientAddress, type ProxyTrust } from '../net/client-address.js';
import { ConnectionLimiter } from '../net/connection-limiter.js';
import type { StompVersion } from '../stomp/frame.js';
import type { SessionTransport } from '../stomp/session.js';
import { CloseDeadline } from './close-deadline.js';
import {
  type ListenerOptions,
  newSessionId,
  type SessionFactory,
  sessionFactoryOf,
  type TransportLogger,
  type TransportSession,
  webSocketCloseCode,
} from './listener-options.js';
import { WebSocketFrames } from './websocket-frame.js';
import { WriteCoalescer } from './write-coalescer.js';

/** Highest first: with several offered, the highest is chosen. */
const SUBPROTOCOLS: readonly (readonly [string, StompVersion])[] = [
  ['v12.stomp', '1.2'],
  ['v11.stomp', '1.1'],
  ['v10.stomp', '1.0'],
];

export type WebSocketListenerOptions = ListenerOptions & {
  readonly server: Server;
  /** Default `/ws`. */
  readonly path?: string;
  /** Refused origins get HTTP 403 before the handshake. */
  readonly isOriginAllowed: (origin: string | undefined, host: string | undefined) => boolean;
  /** Largest WebSocket message; bigger ones close with 1009. Default: maxFrameBytes plus room for EOLs. */
  readonly maxPayloadBytes?: number;
  /**
   * Fragments one WebSocket message may arrive in (WS_MAX_FRAGMENTS_PER_MESSAGE); more close the
   * connection with 1008. Far above what any client fragments a STOMP frame into.
   */
  readonly maxFragmentsPerMessage: number;
  /** Send frames as binary WebSocket messages (default: text, which every STOMP client reads). */
  readonly binaryFrames?: boolean;
  /**
   * Whose X-Forwarded-For is believed for the client address (per-address limits, logs): the same
   * rule the HTTP API applies (`clientAddress`). Default: none, the socket peer is the client.
   */
  readonly proxyTrust?: ProxyTrust;
};

/**
 * Every possible offer, by a bitmask over SUBPROTOCOLS: a session keeps its offer for its whole life,
 * so it gets one of these shared frozen arrays rather than its own copy.
 */
const OFFERS: readonly (readonly StompVersion[] | undefined)[] = Array.from(
  { length: 1 << SUBPROTOCOLS.length },
  (_, mask) => {
    const versions = SUBPROTOCOLS.filter((_entry, i) => (mask & (1 << i)) !== 0).map(
      ([, version]) => version,
    );
    return versions.length === 0 ? undefined : Object.freeze(versions);
  },
);

function offeredVersionsOf(request: IncomingMessage): readonly StompVersion[] | undefined {
  const header = request.headers['sec-websocket-protocol'];
  if (header === undefined) return undefined;
  const offered = new Set(header.split(',').map((p) => p.trim()));
  let mask = 0;
  SUBPROTOCOLS.forEach(([name], i) => {
    if (offered.has(name)) mask |= 1 << i;
  });
  return OFFERS[mask];
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

type Refusal = readonly [status: number, reason: string];

/**
 * How one listener writes data frames: its frame cache (text or binary) and its write coalescer, shared
 * by its connections and by nothing else (two listeners, or two servers in one process, share no state).
 */
class FrameWriter {
  readonly #frames: WebSocketFrames;
  readonly #coalescer = new WriteCoalescer();

  constructor(binary: boolean) {
    this.#frames = new WebSocketFrames(binary);
  }

  write(socket: Duplex, payload: Buffer): void {
    this.#coalescer.write(socket, this.#frames.frameOf(payload));
  }
}

/**
 * One open WebSocket: its session's transport, and the session it feeds. A class rather than an object
 * literal with closures: with thousands of idle connections, per-connection closures and an accessor
 * literal (dictionary mode, ~450 bytes) were a large part of each connection's memory.
 */
class WebSocketConnection implements SessionTransport {
  readonly #ws: WebSocket;
  /** The upgraded TCP (or TLS) socket under `#ws`: data frames are written to it directly. */
  readonly #socket: Duplex;
  /** The listener's, shared by all its connections. */
  readonly #writer: FrameWriter;
  readonly remoteAddress: string;
  /** Set once, right after the session is created around this transport. */
  session: TransportSession | undefined;

  constructor(ws: WebSocket, socket: Duplex, writer: FrameWriter, remoteAddress: string) {
    this.#ws = ws;
    this.#socket = socket;
    this.#writer = writer;
    this.remoteAddress = remoteAddress;
  }

  // Data frames bypass ws.send (a header allocated per call, two writes and a syscall per frame): the
  // frame is built once per payload and shared by a fan-out (WebSocketFrames), and a tick's writes to
  // one socket leave in one syscall (WriteCoalescer). `ws` still owns reading, control frames and
  // closing; with compression off it never queues data frames of its own, so frames cannot interleave.
  write(bytes: Buffer): void {
    if (this.#ws.readyState === WebSocket.OPEN) {
      this.#writer.write(this.#socket, bytes);
    }
  }

  get bufferedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  close(code: ErrorCode | undefined): void {
    const ws = this.#ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    // A slow consumer's buffer will not drain; waiting for it to flush would only hold memory.
    if (code === 'slow_consumer') ws.terminate();
    else ws.close(webSocketCloseCode(code), code ?? '');
  }
}

/**
 * Gives the per-address slot back when the TCP socket closes (`close` fires once). A function of its
 * own so the closure keeps only `limiter` and `address` alive, not the whole upgrade scope.
 */
function releaseOnClose(socket: Duplex, limiter: ConnectionLimiter, address: string): void {
  socket.on('close', () => limiter.release(address));
}

// The WebSocket event listeners are made once per listener and shared by every socket (`this` is the
// emitting socket), instead of three closures per connection.
type Open = ReadonlyMap<WebSocket, WebSocketConnection>;

function messageListener(open: Open): (this: WebSocket, data: RawData) => void {
  return function onMessage(data) {
    open.get(this)?.session?.receive(toBuffer(data));
  };
}

function closeListener(open: Map<WebSocket, WebSocketConnection>): (this: WebSocket) => void {
  return function onClose() {
    const connection = open.get(this);
    open.delete(this);
    connection?.session?.transportClosed();
  };
}

function errorListener(
  open: Open,
  logger: TransportLogger | undefined,
): (this: WebSocket, error: Error) => void {
  return function onError(error) {
    logger?.debug({ err: error, address: open.get(this)?.remoteAddress }, 'websocket error');
  };
}

function refuse(socket: Duplex, [status, reason]: Refusal): void {
  // Destroy only once the response is flushed; destroying at once could drop it.
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export class WebSocketListener {
  readonly #server: Server;
  readonly #path: string;
  readonly #isOriginAllowed: (origin: string | undefined, host: string | undefined) => boolean;
  readonly #createSession: SessionFactory;
  readonly #limiter: ConnectionLimiter;
  readonly #wss: WebSocketServer;
  readonly #writer: FrameWriter;
  readonly #proxyTrust: ProxyTrust;
  readonly #closeDeadline: CloseDeadline;
  readonly #logger: TransportLogger | undefined;
  /** Open sockets; the shared event listeners find a socket's session here. */
  readonly #sockets = new Map<WebSocket, WebSocketConnection>();
  readonly #onMessage = messageListener(this.#sockets);
  readonly #onClose = closeListener(this.#sockets);
  readonly #onError: (this: WebSocket, error: Error) => void;
  #closing: Promise<void> | undefined;

  constructor(options: WebSocketListenerOptions) {
    this.#server = options.server;
    this.#path = options.path ?? '/ws';
    this.#isOriginAllowed = options.isOriginAllowed;
    this.#createSession = sessionFactoryOf(options);
    this.#limiter = new ConnectionLimiter(options.maxConnectionsPerIp);
    this.#writer = new FrameWriter(options.binaryFrames ?? false);
    this.#proxyTrust = options.proxyTrust ?? { kind: 'none' };
    this.#closeDeadline = new CloseDeadline(options);
    this.#logger = options.logger;
    this.#onError = errorListener(this.#sockets, this.#logger);
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes ?? options.limits.maxFrameBytes + 64,
      // Fragment storms (many tiny or empty continuation frames) cost CPU without adding payload bytes;
      // more fragments than this in one message close the connection with 1008.
      maxFragments: options.maxFragmentsPerMessage,
      perMessageDeflate: false,
      handleProtocols: (protocols) => SUBPROTOCOLS.find(([name]) => protocols.has(name))?.[0] ?? false,
    });
    this.#wss.on('error', (error) => this.#logger?.warn({ err: error }, 'websocket server error'));
    this.#server.on('upgrade', this.#onUpgrade);
  }

  /** Open WebSocket connections (including handshakes in progress). */
  get connections(): number {
    return this.#limiter.total;
  }

  /** Shared by every upgrading socket (it is removed once the handshake is done). */
  readonly #onUpgradeError = (error: Error): void => {
    this.#logger?.debug({ err: error }, 'socket error during upgrade');
  };

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const onError = this.#onUpgradeError;
    socket.on('error', onError);
    const address = clientAddress(
      request.socket.remoteAddress,
      request.headers['x-forwarded-for'],
      this.#proxyTrust,
    );
    const refusal = this.#vet(request, address);
    if (refusal !== undefined) {
      refuse(socket, refusal);
      return;
    }
    // The slot lives as long as the TCP socket, so failed handshakes give it back too.
    releaseOnClose(socket, this.#limiter, address);
    const offered = offeredVersionsOf(request);
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      socket.off('error', onError);
      this.#accept(ws, socket, address, offered);
    });
  };

  /** Why the upgrade is refused, or undefined after taking a connection slot for `address`. */
  #vet(request: IncomingMessage, address: string): Refusal | undefined {
    if (this.#closing !== undefined) return [503, 'Service Unavailable'];
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== this.#path) return [404, 'Not Found'];
    if (!this.#isOriginAllowed(request.headers.origin, request.headers.host)) return [403, 'Forbidden'];
    if (!this.#limiter.acquire(address)) return [429, 'Too Many Requests'];
    return undefined;
  }

  #accept(
    ws: WebSocket,
    socket: Duplex,
    address: string,
    offered: readonly StompVersion[] | undefined,
  ): void {
    if (this.#closing !== undefined) {
      ws.close(1001, 'shutting_down');
      return;
    }
    const connection = new WebSocketConnection(ws, socket, this.#writer, address);
    this.#sockets.set(ws, connection);
    connection.session = this.#createSession(connection, offered, newSessionId());
    ws.on('message', this.#onMessage);
    ws.on('error', this.#onError);
    ws.on('close', this.#onClose);
  }

  /** Stops accepting, closes every open socket with 1001 (destroyed if it does not close in time). */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    this.#server.off('upgrade', this.#onUpgrade);
    const sockets = [...this.#sockets.keys()];
    await Promise.all(sockets.map((ws) => this.#closeSocket(ws)));
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #closeSocket(ws: WebSocket): Promise<void> {
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    const closed = this.#closeDeadline.watch(ws, () => ws.terminate());
    if (ws.readyState === WebSocket.OPEN) ws.close(1001, 'shutting_down');
    return closed;
  }
}
