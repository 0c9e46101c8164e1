// STOMP over plain TCP: a net.Server on a port (0 = any), per-address limits, and bytes moved between
// each socket and its session. Knows nothing of frames beyond the one ERROR it sends to refuse a socket.
// Closes every open socket on `close()`.
import { createServer, type Server, type Socket } from 'node:net';
import { type Clock, systemClock } from '../clock.js';
import { ERROR_CATALOGUE } from '../errors.js';
import { encodeFrame } from '../stomp/codec.js';
import type { SessionTransport } from '../stomp/session.js';
import {
  ConnectionLimiter,
  type ListenerOptions,
  newSessionId,
  type SessionFactory,
  sessionFactoryOf,
  type TransportLogger,
} from './listener-options.js';

const TOO_MANY_CONNECTIONS = encodeFrame(
  'ERROR',
  { message: 'too_many_connections', 'content-type': 'text/plain' },
  ERROR_CATALOGUE.too_many_connections.summary,
);

export class TcpListener {
  readonly #server: Server;
  readonly #createSession: SessionFactory;
  readonly #limiter: ConnectionLimiter;
  readonly #clock: Clock;
  readonly #closeTimeoutMs: number;
  readonly #logger: TransportLogger | undefined;
  readonly #sockets = new Set<Socket>();
  #port = 0;
  #closing: Promise<void> | undefined;

  constructor(options: ListenerOptions) {
    this.#createSession = sessionFactoryOf(options);
    this.#limiter = new ConnectionLimiter(options.maxConnectionsPerIp);
    this.#clock = options.clock ?? systemClock;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.#logger = options.logger;
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
    socket.on('error', (error) => this.#logger?.debug({ err: error }, 'tcp socket error'));
    const address = socket.remoteAddress ?? 'unknown';
    if (this.#closing !== undefined || !this.#limiter.acquire(address)) {
      this.#end(socket, this.#closing === undefined ? TOO_MANY_CONNECTIONS : undefined);
      return;
    }
    socket.setNoDelay(true);
    this.#sockets.add(socket);
    const transport: SessionTransport = {
      write(bytes) {
        if (socket.writable) socket.write(bytes);
      },
      get bufferedBytes() {
        return socket.writableLength;
      },
      close: (code) => {
        // A slow consumer's buffer will not drain; waiting for it to flush would only hold memory.
        if (code === 'slow_consumer') socket.destroy();
        else this.#end(socket, undefined);
      },
      remoteAddress: address,
    };
    const session = this.#createSession(transport, undefined, newSessionId());
    socket.on('data', (chunk) => session.receive(chunk));
    socket.once('close', () => {
      this.#sockets.delete(socket);
      this.#limiter.release(address);
      session.transportClosed();
    });
  }

  /** Ends after flushing; destroys it if the peer does not let it finish in time. */
  #end(socket: Socket, lastBytes: Buffer | undefined): void {
    if (socket.destroyed) return;
    if (lastBytes === undefined) socket.end();
    else socket.end(lastBytes);
    const timer = this.#clock.setTimeout(() => socket.destroy(), this.#closeTimeoutMs);
    socket.once('close', () => timer.cancel());
  }

  /** Stops listening and ends every open socket; resolves once their sessions have been told. */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const sockets = [...this.#sockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          this.#end(socket, undefined);
        }),
    );
    await Promise.all([stopped, ...sockets]);
  }
}
