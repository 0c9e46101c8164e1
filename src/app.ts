// The one place that wires Parley: picks the store (SQLite or PostgreSQL) and the shared-state
// implementations (in-process or Redis) from the configuration, builds the broker, chat, HTTP and
// transports, and owns the order of start-up and shutdown. Nothing else constructs a client.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { LogSampler } from './broker/log-sampler.js';
import { StompBroker } from './broker/stomp-broker.js';
import { AddressBans } from './chat/address-bans.js';
import { Identity } from './chat/identity.js';
import { CodeHasher } from './chat/identity-codes.js';
import type { User } from './chat/model.js';
import { PasswordHasher } from './chat/password-hasher.js';
import { ReaderKeys } from './chat/reader-keys.js';
import { RoomAccess } from './chat/room-access.js';
import { RoomDomain } from './chat/room-domain.js';
import type { RoomOutput } from './chat/room-output.js';
import type { ServerPolicy } from './chat/server-policy.js';
import { Sessions } from './chat/sessions.js';
import { TokenService } from './chat/tokens.js';
import { type Clock, systemClock } from './clock.js';
import type { Bus, Cache, PresenceRegistry, RateLimiter } from './cluster/bus.js';
import { MemoryBus } from './cluster/memory-bus.js';
import { MemoryPresence } from './cluster/memory-presence.js';
import { MemoryRateLimiter } from './cluster/memory-rate-limiter.js';
import { RedisBus } from './cluster/redis-bus.js';
import { RedisCache } from './cluster/redis-cache.js';
import { openRedisConnections } from './cluster/redis-client.js';
import { RedisPresence } from './cluster/redis-presence.js';
import { RedisRateLimiter } from './cluster/redis-rate-limiter.js';
import type { Config } from './config.js';
import { registerGenericDestinations } from './generic/generic-routes.js';
import { buildHttpApp } from './http/http-app.js';
import { startMetricsListener } from './http/metrics-endpoint.js';
import { createOriginPolicy } from './http/origin-policy.js';
import { Metrics } from './metrics.js';
import { AddressHasher } from './net/address-hash.js';
import { sessionLimitsOf } from './session-limits.js';
import { startupSummary } from './startup-summary.js';
import { brokerRoomOutput, registerChatRoutes, stompAuthenticator } from './stomp-api/chat-routes.js';
import { buildAsyncApi } from './stomp-api/stomp-description.js';
import { openStore } from './store/open-store.js';
import { loadTokenSecret } from './token-secret.js';
import { TcpListener } from './transport/tcp-listener.js';
import { WebSocketListener } from './transport/websocket-listener.js';

/** The version the API descriptions carry (package.json's). */
const API_VERSION = '0.1.0';

export interface RunningParley {
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  /** Bound TCP STOMP port; 0 when the TCP listener is off. */
  readonly stompPort: number;
  /** Where Prometheus scrapes: `<url>/metrics`, or the METRICS_PORT listener's. */
  readonly metricsUrl: string;
  readonly nodeId: string;
  readonly logger: Logger;
  /** Graceful: stop accepting, close clients with 1001, finish in-flight writes, release everything. */
  close(): Promise<void>;
}

export interface StartOverrides {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly nodeId?: string;
  /** Prefix for Redis keys and channels; overrides REDIS_KEY_PREFIX (in-process tests isolate with it). */
  readonly redisKeyPrefix?: string;
  /** Open the TCP STOMP listener on a free port (STOMP_PORT=0 means "off" in the contract). */
  readonly ephemeralStompPort?: boolean;
  /** Serve /metrics on a listener of its own on a free port, as METRICS_PORT does on a fixed one. */
  readonly ephemeralMetricsPort?: boolean;
  /** How the logger built here writes to stdout (main.ts: `chooseLogFormat(process.stdout)`). */
  readonly logFormat?: LogFormat;
}

export const SERVER_NAME = 'parley/0.1.0';
/** Where STOMP over WebSocket is served on the HTTP port (WebSocketListener's default). */
const WS_PATH = '/ws';

function findWebRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'web', 'dist');
    dir = dirname(dir);
  }
  return join(process.cwd(), 'web', 'dist');
}

/** JSON lines for machines (the default); `pretty`: pino-pretty's coloured lines for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** Pretty only when stdout is a terminal: a pipe, a file or a log collector always gets JSON lines. */
export function chooseLogFormat(stdout: { readonly isTTY?: boolean | undefined }): LogFormat {
  return stdout.isTTY === true ? 'pretty' : 'json';
}

/** pino-pretty in a worker thread (pino's transport), or undefined when it is not installed. */
function prettyDestination(): DestinationStream | undefined {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    return undefined;
  }
  return pino.transport({
    target: 'pino-pretty',
    options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,node' },
  });
}

/**
 * `destination` defaults to stdout; tests pass a stream to read what would be logged. `pretty` applies
 * to stdout only (a destination given is written as JSON lines); redaction holds in both formats.
 */
export function createLogger(
  config: Pick<Config, 'logLevel'>,
  nodeId: string,
  destination?: DestinationStream,
  format: LogFormat = 'json',
): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { node: nodeId },
    // Tokens never reach the logs, whichever field they hide in.
    redact: {
      // Operator secrets travel in the same Authorization header; the config keeps only their hashes.
      paths: [
        'token',
        '*.token',
        'secret',
        '*.secret',
        'headers.authorization',
        'headers.passcode',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  const stream = destination ?? (format === 'pretty' ? prettyDestination() : undefined);
  return stream === undefined ? pino(options) : pino(options, stream);
}

export async function startParley(config: Config, overrides: StartOverrides = {}): Promise<RunningParley> {
  const nodeId = overrides.nodeId ?? randomBytes(4).toString('hex');
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config, nodeId, undefined, overrides.logFormat);
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse().splice(0)) {
      await cleanup().catch((error: unknown) => logger.error({ err: error }, 'shutdown step failed'));
    }
  };

  try {
    const store = await openStore({
      dataDir: config.dataDir,
      poolMax: config.dbPoolMax,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      logger,
      ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
    });
    cleanups.push(() => store.close());
    await store.migrate();

    const shared = await openSharedState(config, {
      clock,
      logger,
      nodeId,
      keyPrefix: overrides.redisKeyPrefix,
    });
    cleanups.push(shared.close);

    const secret = await loadTokenSecret(config.jwtSecret, config.dataDir);
    const tokens = new TokenService({
      secret,
      clock,
      ttlSeconds: config.tokenTtlSeconds,
      refreshGraceSeconds: config.tokenRefreshGraceSeconds,
      maxClockSkewSeconds: config.tokenMaxClockSkewSeconds,
    });
    const sessions = new Sessions({
      store,
      bus: shared.bus,
      rateLimiter: shared.rateLimiter,
      tokens,
      clock,
      logger,
      limits: {
        refreshesPerUserPerHour: config.limits.refreshesPerUserPerHour,
        refreshesPerIpPerMinute: config.limits.refreshesPerIpPerMinute,
        revocationCacheMs: config.tokenRevocationCacheMs,
      },
    });
    await sessions.start();
    cleanups.push(() => sessions.close());
    const { limits } = config;
    // Where identities are seen from, as keyed hashes (the key derived from the token secret): the one
    // record that room and server-wide address bans copy and count. Old sightings are pruned hourly.
    const addressBans = new AddressBans({
      store,
      hasher: new AddressHasher(secret),
      clock,
      logger,
      retentionMs: limits.addressSightingRetentionDays * 24 * 3_600_000,
      refreshMs: limits.addressSightingRefreshSeconds * 1000,
      banWindowMs: limits.banAddressWindowHours * 3_600_000,
      maxHashesPerBan: limits.banAddressMaxHashes,
    });
    addressBans.start();
    cleanups.push(() => addressBans.close());
    const identity = new Identity({
      store,
      rateLimiter: shared.rateLimiter,
      tokens,
      sessions,
      codes: new CodeHasher(secret),
      clock,
      logger,
      limits: {
        sessionsPerIpPerMinute: limits.sessionsPerIpPerMinute,
        maxCombiningMarks: limits.maxCombiningMarks,
        renamesPerUserPerDay: limits.renamesPerUserPerDay,
        codesPerUserPerHour: limits.identityCodesPerUserPerHour,
        codeAttemptsPerIpPerHour: limits.identityCodeAttemptsPerIpPerHour,
        linkCodeTtlSeconds: limits.linkCodeTtlSeconds,
        linkCodeAttemptsPerMinute: limits.linkCodeAttemptsPerMinute,
        recoveryWindowSeconds: limits.recoveryWindowDays * 86_400,
      },
      sightings: addressBans,
    });

    // Wired one way: identity → broker → domain (its output is the broker) → routes (the domain).
    // The metrics read the broker's counts and the broker reports to the metrics: created in that order.
    let metrics: Metrics | undefined;
    // Filled in once the room domain exists (it owns the server-wide policy); CONNECTs wait for start-up.
    let serverPolicy: ServerPolicy | undefined;
    const connectIdentity = stompAuthenticator(identity);
    const broker: StompBroker<User> = new StompBroker<User>({
      // Server-wide bans hold on CONNECT too: the identity and the address it connects from.
      authenticate: async (headers, remoteAddress) => {
        const user = await connectIdentity(headers, remoteAddress);
        serverPolicy?.refuseBanned(user.id, remoteAddress);
        return user;
      },
      clock,
      logger,
      nodeId,
      logSampling: { lines: limits.logSampleLines, windowMs: limits.logSampleWindowMs },
      maxHeldMessages: limits.replayHoldMaxMessages,
      closeTimeoutMs: limits.socketCloseTimeoutMs,
      hooks: {
        published: (deliveries) => metrics?.deliveries.inc(deliveries),
      },
    });
    metrics = new Metrics(() => broker.stats());
    // On every node: connections opened with a token the user has just revoked end now.
    identity.onRevoked((userId, validAfterMs) =>
      broker.disconnectUser(
        userId,
        'session_revoked',
        'Signed out everywhere: this token no longer works.',
        (principal) => identity.issuedBefore(principal, validAfterMs),
      ),
    );

    // On every node: connections opened before a rename speak with the old name; they end now, and the
    // client reconnects (its token, old or new, now speaks with the new name).
    identity.onRenamed((user) =>
      broker.disconnectUser(
        user.id,
        'identity_renamed',
        `Renamed to ${user.nickname}#${user.tag}: reconnect to speak with the new name.`,
      ),
    );

    const hasher = new PasswordHasher({
      concurrency: limits.passwordHashConcurrency,
      maxQueued: limits.passwordHashQueue,
    });
    const access = new RoomAccess({
      secret,
      clock,
      rateLimiter: shared.rateLimiter,
      hasher,
      grantTtlSeconds: limits.roomGrantTtlSeconds,
      tokensValidAfterMs: (userId) => sessions.validAfterMs(userId),
      limits: {
        freeAttemptsPerUser: limits.passwordFreeAttemptsPerUser,
        freeAttemptsPerIp: limits.passwordFreeAttemptsPerIp,
        freeAttemptsPerRoom: limits.passwordFreeAttemptsPerRoom,
        backoffBaseMs: limits.passwordBackoffBaseMs,
        backoffMaxMs: limits.passwordBackoffMaxMs,
        resetAfterMs: limits.passwordAttemptsResetMs,
      },
    });
    const rooms = new RoomDomain({
      store,
      bus: shared.bus,
      presence: shared.presence,
      rateLimiter: shared.rateLimiter,
      cache: shared.cache,
      clock,
      logger,
      limits,
      access,
      hasher,
      addressBans,
      output: observedOutput(brokerRoomOutput(broker), metrics, clock),
      cacheTtls: config.caches,
      operators: config.operators,
      readerKeys: new ReaderKeys(secret),
    });
    serverPolicy = rooms.serverPolicy;
    // On every node: an identity just banned server-wide loses its open connections.
    rooms.serverPolicy.onBanned((userIds) => {
      for (const userId of userIds) {
        broker.disconnectUser(userId, 'server_banned', 'An operator banned you from this server.');
      }
    });
    const stored = metrics.messagesStored;
    const storeLatency = metrics.storeLatency;
    rooms.onAppended((entry) => {
      if (entry.kind === 'message' && !entry.duplicate) {
        stored.inc();
        storeLatency.observe(entry.appendMs / 1000);
      }
      return undefined;
    });
    await rooms.start();
    cleanups.push(() => rooms.close());
    registerChatRoutes(broker, rooms);
    // The broker routes the longest prefix: chat's `/topic/rooms.` stays chat's under a generic `/topic/`.
    if (config.generic.prefixes.length > 0) {
      const generic = registerGenericDestinations({
        broker,
        clock,
        bus: shared.bus,
        rateLimiter: shared.rateLimiter,
        config: config.generic,
        onError: (error) => logger.warn({ err: error }, 'generic destinations'),
      });
      cleanups.push(() => generic.close());
    }

    // The same checks answer /readyz and the parley_dependency_up gauge.
    const dependencies = {
      storage: () => store.ping(),
      ...(config.redisUrl === undefined ? {} : { redis: () => shared.bus.ping() }),
    };
    metrics.watchDependencies(dependencies, 2000);
    const origins = createOriginPolicy(config.allowedOrigins, {
      localhost: config.allowLocalhostOrigins,
    });
    const http = await buildHttpApp({
      rooms,
      identity,
      logger,
      origins,
      proxyTrust: config.proxyTrust,
      httpLimits: config.http,
      webRoot: findWebRoot(),
      metrics: {
        registry: metrics.registry,
        onMainPort: config.metrics.port === undefined && overrides.ephemeralMetricsPort !== true,
        tokenSha256: config.metrics.tokenSha256,
      },
      clientLimits: {
        messageMaxChars: config.limits.messageMaxChars,
        editWindowSeconds: config.limits.editWindowSeconds,
        historyPageMax: config.limits.historyPageMax,
        historyPageDefault: config.limits.historyPageDefault,
        noticeMaxChars: config.limits.noticeMaxChars,
        maxPinsPerRoom: config.limits.maxPinsPerRoom,
      },
      historyPages: config.limits,
      asyncApi: buildAsyncApi({ version: API_VERSION }),
      apiVersion: API_VERSION,
      onError: (code) => metrics?.errors.inc({ code }),
      readiness: dependencies,
    });
    cleanups.push(() => http.close());

    const sessionLimits = sessionLimitsOf(limits);
    const listenerOptions = {
      handler: broker,
      limits: sessionLimits,
      clock,
      logger,
      closeTimeoutMs: limits.socketCloseTimeoutMs,
      serverName: SERVER_NAME,
      maxConnectionsPerIp: limits.maxConnectionsPerIp,
      observer: metrics.sessionObserver,
    };
    const webSockets = new WebSocketListener({
      ...listenerOptions,
      server: http.server,
      path: WS_PATH,
      isOriginAllowed: (origin, host) => origins.isAllowed(origin, host),
      proxyTrust: config.proxyTrust,
      maxFragmentsPerMessage: limits.wsMaxFragmentsPerMessage,
    });
    cleanups.push(() => webSockets.close());

    await http.listen({ port: config.port, host: config.host });
    const address = http.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;

    let stompPort = 0;
    if (config.stompPort !== 0 || overrides.ephemeralStompPort === true) {
      const tcp = new TcpListener(listenerOptions);
      stompPort = await tcp.listen(overrides.ephemeralStompPort === true ? 0 : config.stompPort, config.host);
      cleanups.push(() => tcp.close());
    }
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    let metricsUrl = `${url}/metrics`;
    if (config.metrics.port !== undefined || overrides.ephemeralMetricsPort === true) {
      const listener = await startMetricsListener({
        registry: metrics.registry,
        tokenSha256: config.metrics.tokenSha256,
        host: config.metrics.host,
        port: overrides.ephemeralMetricsPort === true ? 0 : (config.metrics.port ?? 0),
      });
      metricsUrl = listener.url;
      cleanups.push(() => listener.close());
    }
    // Shutdown runs in reverse: the broker goes first, while the sockets are still open, so SENDs in
    // flight are stored and get their RECEIPT, then every session gets ERROR shutting_down (1001);
    // only then do the listeners, the HTTP server and the store close.
    cleanups.push(() => broker.close());

    logger.info(
      { url, stompPort, metricsUrl, store: store.kind, redis: config.redisUrl !== undefined },
      'listening',
    );
    // The last line of start-up, for a person: where everything is (never a credential from a URL).
    logger.info(
      startupSummary({
        url,
        wsPath: WS_PATH,
        stompPort,
        metricsUrl,
        storage:
          config.databaseUrl === undefined
            ? { kind: 'sqlite', file: resolve(config.dataDir, 'parley.db') }
            : { kind: 'postgres', url: config.databaseUrl },
        redisUrl: config.redisUrl,
      }),
    );

    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      stompPort,
      metricsUrl,
      nodeId,
      logger,
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Counts delivery latency (store commit → fan-out; accepted SEND → fan-out) on the way to the broker. */
function observedOutput(output: RoomOutput, metrics: Metrics, clock: Clock): RoomOutput {
  return {
    message(roomId, message) {
      if (message.storedAtMs !== undefined) {
        metrics.deliveryLatency.observe(Math.max(0, clock.now() - message.storedAtMs) / 1000);
      }
      if (message.acceptedAtMs !== undefined) {
        metrics.sendToDelivery.observe(Math.max(0, clock.now() - message.acceptedAtMs) / 1000);
      }
      output.message(roomId, message);
    },
    presence: (roomId, event) => output.presence(roomId, event),
    mention: (userId, roomId, json) => output.mention(userId, roomId, json),
    reports: (userId, roomId, json) => output.reports?.(userId, roomId, json),
    unread: (userId, roomId, json) => output.unread?.(userId, roomId, json),
  };
}

interface SharedState {
  readonly bus: Bus;
  readonly presence: PresenceRegistry;
  readonly rateLimiter: RateLimiter;
  /** Only with Redis: a single node reads its embedded store directly. */
  readonly cache: Cache | undefined;
  close(): Promise<void>;
}

async function openSharedState(
  config: Config,
  context: { clock: Clock; logger: Logger; nodeId: string; keyPrefix: string | undefined },
): Promise<SharedState> {
  const { clock, logger, nodeId } = context;
  if (config.redisUrl === undefined) {
    const bus = new MemoryBus();
    const presence = new MemoryPresence({ clock, ttlMs: config.presenceTtlMs });
    const rateLimiter = new MemoryRateLimiter({ clock });
    return {
      bus,
      presence,
      rateLimiter,
      cache: undefined,
      close: async () => {
        await Promise.allSettled([bus.close(), presence.close(), rateLimiter.close()]);
      },
    };
  }
  // One command connection and one subscriber connection per node, named after it in `CLIENT LIST`;
  // every Redis-backed part borrows them, and they are closed once, after every part stopped.
  const onError = (error: unknown): void => logger.warn({ err: error }, 'redis');
  const connections = await openRedisConnections({
    redis: config.redisUrl,
    name: `parley:${nodeId}`,
    clock,
    onError,
  });
  const borrowed = { keyPrefix: context.keyPrefix ?? config.redisKeyPrefix, clock, onError };
  // A peer sending malformed messages must not flood the log either.
  const dropped = new LogSampler(logger, clock, {
    lines: config.limits.logSampleLines,
    windowMs: config.limits.logSampleWindowMs,
  });
  const bus = new RedisBus({
    ...borrowed,
    publisher: connections.command,
    subscriber: connections.subscriber,
    pingTimeoutMs: config.redisPingTimeoutMs,
    onDropped: (channel, reason) =>
      dropped.log('warn', { channel, reason }, 'dropped a malformed cluster message'),
  });
  const presence = new RedisPresence({
    ...borrowed,
    client: connections.command,
    nodeId,
    ttlMs: config.presenceTtlMs,
  });
  const rateLimiter = new RedisRateLimiter({ ...borrowed, client: connections.command });
  const cache = new RedisCache({
    ...borrowed,
    client: connections.command,
    commandTimeoutMs: config.redisCommandTimeoutMs,
  });
  const close = async (): Promise<void> => {
    await Promise.allSettled([bus.close(), presence.close(), rateLimiter.close(), cache.close()]);
    dropped.flush();
    await connections.close();
  };
  try {
    await Promise.all([presence.prepare(), rateLimiter.prepare(), cache.prepare()]);
  } catch (error) {
    // Start-up fails as a whole; the connections must not keep the process alive.
    await close();
    throw error;
  }
  return { bus, presence, rateLimiter, cache, close };
}
