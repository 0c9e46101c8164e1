// STOMP over plain TCP: a net.Server on a port (0 = any), per-address limits, and bytes moved between
// each socket and its session. Knows nothing of frames beyond the one ERROR it sends to refuse a socket.
// Closes every open socket on `close()`.
import { createServer, type Server, type Socket } from 'node:net';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors.js';
import { clientAddress, type ProxyTrust } from '../net/client-address.js';
import { ConnectionLimiter } from '../net/connection-limiter.js';
import { encodeFrame } from '../stomp/codec.js';
import type { SessionTransport } from '../stomp/session.js';
import { CloseDeadline } from './close-deadline.js';
import {
  type ListenerOptions,
  newSessionId,
  type SessionFactory,
  sessionFactoryOf,
  type TransportLogger,
  type TransportSession,
} from './listener-options.js';
import { WriteCoalescer } from './write-coalescer.js';

const PEER_ONLY: ProxyTrust = { kind: 'none' };

const TOO_MANY_CONNECTIONS = encodeFrame(
  'ERROR',
  { message: 'too_many_connections', 'content-type': 'text/plain' },
  ERROR_CATALOGUE.too_many_connections.summary,
);

/** What a listener lends each of its connections (one object, so a connection holds one pointer). */
interface ConnectionServices {
  readonly end: (socket: Socket) => void;
  readonly coalescer: WriteCoalescer;
}

/**
 * One open socket: its session's transport, and the session it feeds. A class rather than an object
 * literal with closures, so an idle connection carries no per-connection functions.
 */
class TcpConnection implements SessionTransport {
  readonly #socket: Socket;
  /** The listener's flush-then-end and write coalescer, shared by its connections. */
  readonly #listener: ConnectionServices;
  readonly remoteAddress: string;
  /** Set once, right after the session is created around this transport. */
  session: TransportSession | undefined;

  constructor(socket: Socket, listener: ConnectionServices, remoteAddress: string) {
    this.#socket = socket;
    this.#listener = listener;
    this.remoteAddress = remoteAddress;
  }

  write(bytes: Buffer): void {
    if (this.#socket.writable) this.#listener.coalescer.write(this.#socket, bytes);
  }

  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  close(code: ErrorCode | undefined): void {
    // A slow consumer's buffer will not drain; waiting for it to flush would only hold memory.
    if (code === 'slow_consumer') this.#socket.destroy();
    else this.#listener.end(this.#socket);
  }
}

export class TcpListener {
  readonly #server: Server;
  readonly #createSession: SessionFactory;
  readonly #limiter: ConnectionLimiter;
  readonly #closeDeadline: CloseDeadline;
  readonly #logger: TransportLogger | undefined;
  /** Open sockets; the listeners below, shared by every socket (`this` is the socket), look them up here. */
  readonly #sockets = new Map<Socket, TcpConnection>();
  readonly #onData: (this: Socket, chunk: Buffer) => void;
  readonly #onClose: (this: Socket) => void;
  readonly #onError: (error: Error) => void;
  readonly #services: ConnectionServices = {
    end: (socket) => this.#end(socket, undefined),
    coalescer: new WriteCoalescer(),
  };
  #port = 0;
  #closing: Promise<void> | undefined;

  constructor(options: ListenerOptions) {
    this.#createSession = sessionFactoryOf(options);
    this.#limiter = new ConnectionLimiter(options.maxConnectionsPerIp);
    this.#closeDeadline = new CloseDeadline(options);
    this.#logger = options.logger;
    const sockets = this.#sockets;
    const limiter = this.#limiter;
    this.#onData = function onData(chunk) {
      sockets.get(this)?.session?.receive(chunk);
    };
    this.#onClose = function onClose() {
      const connection = sockets.get(this);
      if (connection === undefined) return;
      sockets.delete(this);
      limiter.release(connection.remoteAddress);
      connection.session?.transportClosed();
    };
    this.#onError = (error) => this.#logger?.debug({ err: error }, 'tcp socket error');
    this.#server = createServer((socket) => this.#accept(socket));
    this.#server.on('error', (error) => this.#logger?.warn({ err: error }, 'tcp listener error'));
  }

  /** Binds and resolves with the bound port (useful with port 0). */
  listen(port: number, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.#server.once('error', onError);
      this.#server.listen({ port, ...(host === undefined ? {} : { host }) }, () => {
        this.#server.off('error', onError);
        const address = this.#server.address();
        this.#port = typeof address === 'object' && address !== null ? address.port : port;
        resolve(this.#port);
      });
    });
  }

  /** The bound port (0 before `listen` resolved). */
  get port(): number {
    return this.#port;
  }

  get connections(): number {
    return this.#limiter.total;
  }

  #accept(socket: Socket): void {
    socket.on('error', this.#onError);
    // No proxy headers on raw TCP (and no PROXY protocol): the peer is the client.
    const address = clientAddress(socket.remoteAddress, undefined, PEER_ONLY);
    if (this.#closing !== undefined || !this.#limiter.acquire(address)) {
      this.#end(socket, this.#closing === undefined ? TOO_MANY_CONNECTIONS : undefined);
      return;
    }
    socket.setNoDelay(true);
    const connection = new TcpConnection(socket, this.#services, address);
    this.#sockets.set(socket, connection);
    connection.session = this.#createSession(connection, undefined, newSessionId());
    socket.on('data', this.#onData);
    socket.on('close', this.#onClose);
  }

  /** Ends after flushing; destroys it if the peer does not let it finish in time. */
  #end(socket: Socket, lastBytes: Buffer | undefined): void {
    if (socket.destroyed) return;
    void this.#closeDeadline.watch(socket, () => socket.destroy());
    if (lastBytes === undefined) socket.end();
    else socket.end(lastBytes);
  }

  /** Stops listening and ends every open socket; resolves once their sessions have been told. */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const sockets = [...this.#sockets.keys()].map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          this.#end(socket, undefined);
        }),
    );
    await Promise.all([stopped, ...sockets]);
  }
}
