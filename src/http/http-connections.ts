// The HTTP server's connection limits before and between requests: open plain HTTP connections per
// address (a socket counts from accept until it closes or is upgraded, after which the WebSocket
// listener counts it), and the header, request, keep-alive and idle timeouts. Knows sockets and
// addresses only; requests and routes are Fastify's.
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpLimits } from '../config.js';
import { clientAddress, isTrustedPeer, type ProxyTrust } from '../net/client-address.js';
import { ConnectionLimiter } from '../net/connection-limiter.js';

/** What Fastify passes on to `http.createServer` and sets on the server it makes. */
export interface HttpServerTimeouts {
  readonly http: ServerOptions;
  readonly keepAliveTimeout: number;
  readonly requestTimeout: number;
  readonly connectionTimeout: number;
}

export function serverTimeouts(limits: HttpLimits): HttpServerTimeouts {
  return {
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node checks headersTimeout against this at construction, before Fastify sets it again.
      requestTimeout: limits.requestTimeoutMs,
      // Node checks header and request deadlines on this timer (30 s by default, which would let a
      // slowloris hold a socket up to 30 s past its deadline).
      connectionsCheckingInterval: Math.min(1000, Math.max(25, Math.floor(limits.headersTimeoutMs / 4))),
    },
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
  };
}

const PEER_ONLY: ProxyTrust = { kind: 'none' };

export interface HttpConnectionCap {
  /** Plain HTTP connections counted now. */
  readonly open: number;
}

/**
 * Caps open connections per peer on `server`. A connection over the cap is destroyed before a byte of
 * it is read: answering would mean parsing, which is what the cap protects. Peers that are trusted
 * proxies are not counted (they carry many clients; the proxy limits those).
 */
export function capHttpConnections(
  server: Server,
  options: {
    readonly maxPerAddress: number;
    readonly proxyTrust: ProxyTrust;
    readonly onRefused?: () => void;
  },
): HttpConnectionCap {
  const limiter = new ConnectionLimiter(options.maxPerAddress);
  /** Sockets holding a slot, by the address the slot was taken for. */
  const holding = new Map<Socket, string>();
  const release = (socket: Socket): void => {
    const address = holding.get(socket);
    if (address === undefined) return;
    holding.delete(socket);
    limiter.release(address);
  };

  server.on('connection', (socket: Socket) => {
    if (isTrustedPeer(socket.remoteAddress, options.proxyTrust)) return;
    const address = clientAddress(socket.remoteAddress, undefined, PEER_ONLY);
    if (!limiter.acquire(address)) {
      socket.destroy();
      return;
    }
    holding.set(socket, address);
    socket.once('close', () => release(socket));
  });

  server.on('upgrade', (_request, socket: Socket) => {
    release(socket);
    // Node hands an upgrade to whoever listens; with only this listener left (the WebSocket listener
    // has shut down) nobody would close the socket.
    if (server.listenerCount('upgrade') === 1) socket.destroy();
  });

  return {
    get open() {
      return limiter.total;
    },
  };
}
