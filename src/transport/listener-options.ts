// What both STOMP listeners (WebSocket and TCP) share: how a connection gets its session, their options
// (per-address connection counting itself is src/net/connection-limiter.ts), and the mapping from an
// error code to a WebSocket close code.
// Knows sockets only as far as counting and closing them; frames and their meaning live in the session.
import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import type { ErrorCode } from '../errors.js';
import type { StompVersion } from '../stomp/frame.js';
import {
  type SessionHandler,
  type SessionLimits,
  type SessionObserver,
  type SessionTransport,
  StompSession,
} from '../stomp/session.js';

/** The part of a session a listener drives. `StompSession` is one. */
export interface TransportSession {
  receive(chunk: Buffer): void;
  transportClosed(): void;
}

/** Builds the session of a new connection. `offeredVersions` come from WebSocket subprotocols (TCP: undefined). */
export type SessionFactory = (
  transport: SessionTransport,
  offeredVersions: readonly StompVersion[] | undefined,
  id: string,
) => TransportSession;

export interface TransportLogger {
  warn(details: object, message: string): void;
  debug(details: object, message: string): void;
}

interface CommonListenerOptions {
  readonly limits: SessionLimits;
  /** Open connections per client (IPv6 by /64, see addressKey); one more is refused (`too_many_connections`). */
  readonly maxConnectionsPerIp: number;
  readonly clock?: Clock;
  readonly logger?: TransportLogger;
  /** How long a closing socket may take to flush before it is destroyed (default 5000). */
  readonly closeTimeoutMs?: number;
}

/** Either a factory (full control) or the handler the default `StompSession` is built around. */
export type ListenerOptions = CommonListenerOptions &
  (
    | { readonly createSession: SessionFactory }
    | {
        readonly handler: SessionHandler;
        readonly serverName: string;
        readonly onHandlerError?: (error: unknown) => void;
        /** Shared by every session of the listener: counts frames and closes for metrics. */
        readonly observer?: SessionObserver;
      }
  );

export function sessionFactoryOf(options: ListenerOptions): SessionFactory {
  if ('createSession' in options) return options.createSession;
  const { handler, serverName, limits } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const observer = options.observer;
  const onHandlerError =
    options.onHandlerError ??
    ((error: unknown) => logger?.warn({ err: error }, 'STOMP session handler threw'));
  return (transport, offeredVersions, id) =>
    new StompSession({
      id,
      transport,
      handler,
      limits,
      clock,
      serverName,
      offeredVersions,
      onHandlerError,
      observer,
    });
}

export function newSessionId(): string {
  return randomUUID();
}

/** RFC 6455 close code for a session's close reason. */
export function webSocketCloseCode(code: ErrorCode | undefined): number {
  switch (code) {
    case undefined:
      return 1000;
    case 'shutting_down':
      return 1001;
    case 'frame_too_large':
      return 1009;
    case 'invalid_frame':
    case 'invalid_header':
    case 'too_many_headers':
    case 'header_too_long':
    case 'not_connected':
    case 'unsupported_version':
    case 'protocol_error':
      return 1002;
    case 'internal_error':
      return 1011;
    default:
      // Policy: authentication, limits, timeouts, slow consumers.
      return 1008;
  }
}
