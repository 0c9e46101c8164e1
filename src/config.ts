// The only reader of the environment: one schema, parsed once at start-up, frozen. A bad value is
// reported with the variable's name; every problem is listed at once. Defaults are the safe ones for an
// open, anonymous service; each limit is named here and documented in docs/configuration.md.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Cidr, type ProxyTrust, parseCidr } from './net/client-address.js';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const positiveMs = integer(1, 24 * 3_600_000);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Environment variable → schema. Every entry is optional; the default is the documented one. */
const ENV_SCHEMA = {
  PORT: integer(0, 65_535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  JWT_SECRET: z
    .string()
    .refine((s) => Buffer.byteLength(s, 'utf8') >= 32, 'must be at least 32 bytes')
    .optional(),
  STOMP_PORT: integer(0, 65_535).default(61_613),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((s) =>
      s === undefined
        ? []
        : s
            .split(',')
            .map((o) => o.trim())
            .filter((o) => o.length > 0),
    )
    .pipe(z.array(z.url('each origin must be a URL like https://chat.example.com'))),
  /** Deprecated: `true` is read as TRUST_PROXY_HOPS=1 (it once trusted the client's own X-Forwarded-For). */
  TRUST_PROXY: z.enum(['true', 'false']).optional(),
  /** Proxies in front of every node; the client is this many X-Forwarded-For entries from the right. */
  TRUST_PROXY_HOPS: integer(0, 32).optional(),
  /** Peers (addresses or CIDRs) whose X-Forwarded-For entries are believed, walking from the right. */
  TRUSTED_PROXIES: z
    .string()
    .transform((s, context) => {
      const texts = s
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0);
      const cidrs: Cidr[] = [];
      for (const text of texts) {
        const cidr = parseCidr(text);
        if (cidr === undefined)
          context.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not an address or CIDR` });
        // Trusting every peer would believe the client's own entries again: list the proxies.
        else if (cidr.prefix === 0)
          context.addIssue({ code: 'custom', message: `${JSON.stringify(text)} would trust every peer` });
        else cidrs.push(cidr);
      }
      return cidrs;
    })
    .optional(),
  /** Browser pages on localhost/127.0.0.1/[::1] (any port) may use the API and WebSockets. */
  ALLOW_LOCALHOST_ORIGINS: z.enum(['auto', 'true', 'false']).default('auto'),

  // HTTP connections (the WebSocket port), before any request is read.
  MAX_HTTP_CONNECTIONS_PER_IP: integer(1, 1_000_000).default(64),
  HTTP_HEADERS_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: integer(100, 3_600_000).default(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(100, 3_600_000).default(5_000),
  HTTP_IDLE_TIMEOUT_MS: integer(100, 24 * 3_600_000).default(60_000),

  // STOMP and connection limits.
  MAX_FRAME_BYTES: integer(1024, 16 * 1024 * 1024).default(64 * 1024),
  MAX_HEADERS: integer(4, 1024).default(64),
  MAX_HEADER_LINE_BYTES: integer(1024, 64 * 1024).default(8 * 1024),
  MAX_SUBSCRIPTIONS: integer(1, 10_000).default(64),
  MAX_CONNECTIONS_PER_IP: integer(1, 1_000_000).default(64),
  MAX_OUTBOUND_BYTES: integer(16 * 1024, 256 * 1024 * 1024).default(1024 * 1024),
  HEARTBEAT_MS: integer(0, 3_600_000).default(10_000),
  /**
   * The fastest the server offers to send heart-beats (its `cx`, at most HEARTBEAT_MS): a client that
   * wants to notice a dead link within seconds (the web client asks for 3 s) may ask for this often.
   */
  HEARTBEAT_SEND_MIN_MS: integer(100, 3_600_000).default(2_000),
  CONNECT_TIMEOUT_MS: positiveMs.default(10_000),
  /** Longest a STOMP frame may take to arrive once its first byte came (dribbled frames). */
  FRAME_TIMEOUT_MS: integer(100, 3_600_000).default(30_000),
  /** Per-connection token bucket of refused frames (/user/queue/errors); empty → `too_many_errors`. */
  REFUSAL_BURST: integer(1, 1_000_000).default(500),
  REFUSAL_RATE_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(20),
  /** A peer silent for this many negotiated heart-beat intervals is dropped (network jitter allowance). */
  HEARTBEAT_GRACE_FACTOR: z.coerce.number().min(1).max(10).default(1.5),
  /** SENDs and ACKs one transaction may hold before COMMIT → `protocol_error`. */
  MAX_TRANSACTION_FRAMES: integer(1, 100_000).default(100),
  /** Transactions open at once on one connection → `protocol_error`. */
  MAX_OPEN_TRANSACTIONS: integer(1, 1024).default(16),
  /** Unacknowledged MESSAGEs of one client-ack subscription → `slow_consumer`. */
  MAX_PENDING_ACKS: integer(1, 1_000_000).default(1024),
  /** Frames received but waiting on earlier asynchronous work → `protocol_error`. */
  MAX_QUEUED_FRAMES: integer(1, 1_000_000).default(1024),
  /** Plain SENDs one connection has in flight (pipelined); more wait their turn. */
  MAX_INFLIGHT_SENDS: integer(1, 10_000).default(32),
  /** WebSocket fragments in one message; more close the connection with 1008 (fragment storms). */
  WS_MAX_FRAGMENTS_PER_MESSAGE: integer(1, 1_000_000).default(1024),
  /** How long a closing socket may take to flush (and the broker to let SENDs finish) at shutdown. */
  SOCKET_CLOSE_TIMEOUT_MS: positiveMs.default(5000),
  /** Live messages held for a subscription while its replay (since-seq) reads the store. */
  REPLAY_HOLD_MAX_MESSAGES: integer(1, 1_000_000).default(1000),
  /** Log lines of one kind written per window; the rest are counted in one "suppressed" line. */
  LOG_SAMPLE_LINES: integer(1, 1_000_000).default(10),
  LOG_SAMPLE_WINDOW_MS: integer(100, 3_600_000).default(10_000),
  SHUTDOWN_TIMEOUT_MS: positiveMs.default(10_000),

  // Generic destinations (docs/protocol.md, "Generic destinations"): off unless prefixes are listed.
  /**
   * Comma-separated `<prefix>=<topic|queue>[:<access>]`, access `rw` (default), `r` (SUBSCRIBE only) or
   * `w` (SEND only), for any signed-in user; e.g. `/topic/=topic,/queue/=queue`. Unset: none.
   */
  GENERIC_DESTINATIONS: z
    .string()
    .transform((s, context) => parseGenericDestinations(s, context))
    .optional(),
  /** Largest body of a SEND to a generic destination → `message_too_long` (below MAX_FRAME_BYTES). */
  GENERIC_MAX_BODY_BYTES: integer(0, 16 * 1024 * 1024).default(32 * 1024),
  /** Per user, across nodes: SENDs to generic destinations → `rate_limited`. */
  GENERIC_SEND_RATE_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(20),
  GENERIC_SEND_BURST: integer(1, 1_000_000).default(50),
  /** Messages one queue holds for consumers (waiting or unacknowledged) → `queue_full`. */
  GENERIC_QUEUE_MAX_MESSAGES: integer(1, 1_000_000).default(1000),
  /** Body bytes all queues of a node hold together → `queue_full`. */
  GENERIC_QUEUE_MAX_TOTAL_BYTES: integer(1024, 4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  /** Unacknowledged MESSAGEs a client-ack queue consumer is given at once (at most MAX_PENDING_ACKS). */
  GENERIC_QUEUE_PREFETCH: integer(1, 1_000_000).default(100),

  // Chat limits.
  MESSAGE_MAX_CHARS: integer(1, 100_000).default(4000),
  /** Combining marks one character may carry in a message body or name (stacked marks paint over rows). */
  MAX_COMBINING_MARKS: integer(1, 64).default(3),
  SEND_RATE_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(5),
  SEND_BURST: integer(1, 1_000_000).default(20),
  SESSIONS_PER_IP_PER_MINUTE: integer(1, 1_000_000).default(30),
  ROOMS_PER_USER_PER_HOUR: integer(1, 1_000_000).default(20),
  /** Joins of one room by one user (its first subscription on a connection): presence churn is broadcast. */
  ROOM_JOINS_PER_USER_PER_MINUTE: integer(1, 1_000_000).default(30),
  /** Followers (read-marker holders) of a room told of each new message on /user/queue/unread; 0: none. */
  UNREAD_PUSH_MAX_FOLLOWERS: integer(0, 10_000).default(1000),
  /** How long authors may edit and delete their own messages. */
  EDIT_WINDOW_SECONDS: integer(0, 365 * 24 * 3600).default(900),
  /**
   * Days a room's owner may be away (neither in the room nor entering or leaving it) before one of its
   * moderators may claim the room (docs/identity.md, "Rooms keep their owner").
   */
  OWNER_ABSENCE_DAYS: integer(1, 3650).default(30),
  /** Messages staff may pin in one room; one more → too_many_pins. */
  MAX_PINS_PER_ROOM: integer(1, 100).default(5),
  /** Characters (code points) of a room's notice. */
  NOTICE_MAX_CHARS: integer(1, 10_000).default(500),
  /** Distinct emojis one message may carry; every reaction event and history page is bounded by it. */
  MAX_REACTION_EMOJIS_PER_MESSAGE: integer(1, 1000).default(20),
  MAX_REACTIONS_PER_USER_PER_MESSAGE: integer(1, 1000).default(5),
  /** Per-user token bucket for reactions (each one is a stored event sent to every subscriber). */
  REACTION_RATE_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(2),
  REACTION_BURST: integer(1, 1_000_000).default(20),
  /** Per-user token bucket for typing notices (each one is broadcast to the room's presence topic). */
  TYPING_RATE_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(0.5),
  TYPING_BURST: integer(1, 1_000_000).default(3),
  /** Largest history page (HTTP `limit`, replay and resume reads), and the page size without `limit`. */
  HISTORY_PAGE_MAX: integer(1, 10_000).default(200),
  HISTORY_PAGE_DEFAULT: integer(1, 10_000).default(50),
  /**
   * Read counts: rooms with up to this many members (read markers) send each read live and show how
   * many have not read each message; larger rooms show "read by N" on request. 0: no live reads.
   */
  READ_COUNTS_MAX_MEMBERS: integer(0, 10_000).default(100),
  /** Message searches (a room's or all of one's rooms) per identity, or per address without one, per minute. */
  SEARCH_RATE_PER_MINUTE: integer(1, 1_000_000).default(30),
  /** Longest search query in code points: longer → 400 `invalid_request`. */
  SEARCH_QUERY_MAX_CHARS: integer(3, 1000).default(200),
  /** Largest search page (`limit`); without `limit` a page is 20, or this when smaller. */
  SEARCH_PAGE_MAX: integer(1, 200).default(50),
  /** Messages one page of a short room query (under 3 code points, no trigram) scans at most. */
  SEARCH_SHORT_QUERY_SCAN_MAX: integer(1, 1_000_000).default(10_000),
  /** Latest messages each node keeps per active room, so history reads skip the store. */
  ROOM_RECENT_MESSAGES: integer(1, 100_000).default(200),
  TOKEN_TTL_SECONDS: integer(60, 365 * 24 * 3600).default(7 * 24 * 3600),
  /** How far a token's `iat` may be ahead of this server's clock (other nodes' clocks drift). */
  TOKEN_MAX_CLOCK_SKEW_SECONDS: integer(0, 3600).default(60),
  /** How long a node trusts its copy of a user's revocation stamp when a bus message was lost. */
  TOKEN_REVOCATION_CACHE_MS: integer(0, 3_600_000).default(10_000),
  /** Sliding sessions: how long past its expiry a token can still be exchanged for a fresh one. */
  TOKEN_REFRESH_GRACE_SECONDS: integer(0, 365 * 24 * 3600).default(30 * 24 * 3600),
  REFRESHES_PER_USER_PER_HOUR: integer(1, 1_000_000).default(10),
  /** Renames per identity per day (the same person under a new name; rationed against churn). */
  RENAMES_PER_USER_PER_DAY: integer(1, 1_000_000).default(5),
  /** Recovery and device link codes one identity may make per hour. */
  IDENTITY_CODES_PER_USER_PER_HOUR: integer(1, 1_000_000).default(10),
  /** Recovery and device link codes tried per address per hour, right or wrong (guessing). */
  IDENTITY_CODE_ATTEMPTS_PER_IP_PER_HOUR: integer(1, 1_000_000).default(20),
  /** How long a device link code works (it is single-use). */
  LINK_CODE_TTL_SECONDS: integer(30, 3600).default(300),
  /**
   * Link codes tried per minute on the whole service (every node, every address), right or wrong: a
   * link code has 40 bits, and an attacker with many networks (IPv6 /64s are cheap) escapes the
   * per-address budget; this bounds the guesses the service takes at all.
   */
  LINK_CODE_ATTEMPTS_PER_MINUTE: integer(1, 1_000_000).default(120),
  /** How long an identity nobody uses stays recoverable with its recovery code. */
  RECOVERY_WINDOW_DAYS: integer(1, 100 * 365).default(365),
  REFRESHES_PER_IP_PER_MINUTE: integer(1, 1_000_000).default(30),

  // Bans that stick (docs/identity.md): address sightings, address bans, kick cool-downs.
  /** The cool-down a kick carries when staff pick none (0: a kicked member may rejoin at once). */
  KICK_COOLDOWN_SECONDS: integer(0, 7 * 24 * 3600).default(600),
  /** Keyed hashes of the networks a user was seen from are kept this long after last being seen. */
  ADDRESS_SIGHTING_RETENTION_DAYS: integer(1, 365).default(30),
  /** How often one node rewrites the last-seen time of one (user, network) pair (fewer writes). */
  ADDRESS_SIGHTING_REFRESH_SECONDS: integer(0, 24 * 3600).default(300),
  /** An address ban copies the networks the user was seen from within this many hours… */
  BAN_ADDRESS_WINDOW_HOURS: integer(1, 365 * 24).default(48),
  /** …at most this many of them, the most recently seen first. */
  BAN_ADDRESS_MAX_HASHES: integer(1, 100).default(8),

  // Room passwords: how long a room grant lasts, how guesses slow down, how much hashing runs at once.
  ROOM_GRANT_TTL_SECONDS: integer(60, 30 * 24 * 3600).default(12 * 3600),
  PASSWORD_FREE_ATTEMPTS_PER_USER: integer(0, 1_000_000).default(5),
  PASSWORD_FREE_ATTEMPTS_PER_IP: integer(0, 1_000_000).default(10),
  PASSWORD_FREE_ATTEMPTS_PER_ROOM: integer(0, 1_000_000).default(50),
  PASSWORD_BACKOFF_BASE_MS: integer(1, 3_600_000).default(1000),
  PASSWORD_BACKOFF_MAX_MS: integer(1, 24 * 3_600_000).default(15 * 60_000),
  PASSWORD_ATTEMPTS_RESET_MS: integer(1000, 7 * 24 * 3_600_000).default(3_600_000),
  /** Below libuv's 4 pool threads, so scrypt never takes every thread token checks need. */
  PASSWORD_HASH_CONCURRENCY: integer(1, 64).default(2),
  PASSWORD_HASH_QUEUE: integer(0, 100_000).default(32),

  // Operators, word filters and reports (docs/identity.md, "Operators").
  /**
   * Comma-separated operator secrets, each at least 32 characters (e.g. `openssl rand -base64 32`).
   * Kept only as SHA-256 hashes once read; never logged, never echoed in errors. Unset: no operators.
   */
  OPERATOR_TOKENS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    )
    .refine((tokens) => tokens.every((t) => t.length >= 32), 'every secret must be at least 32 characters')
    .refine((tokens) => tokens.length <= 100, 'at most 100 secrets')
    .optional(),
  /** Wrong operator secrets one address may present per minute before it is refused (rate_limited). */
  OPERATOR_AUTH_FAILURES_PER_IP_PER_MINUTE: integer(1, 1_000_000).default(10),
  /** Words in one banned-word list (a room's or the server's). */
  WORD_FILTER_MAX_WORDS: integer(1, 10_000).default(500),
  /** Characters in one banned word. */
  WORD_FILTER_MAX_WORD_CHARS: integer(1, 200).default(64),
  /** Names operators may reserve server-wide (nicknames and room names). */
  RESERVED_NAMES_MAX: integer(0, 10_000).default(500),
  /** Distinct reporters that hide a message pending review, unless the room sets its own; 0: never. */
  REPORT_HIDE_THRESHOLD: integer(0, 1000).default(3),

  // Storage and cluster.
  DB_POOL_MAX: integer(1, 1000).default(10),
  /**
   * PostgreSQL: longest a statement may run, lock waits included, and longest a connection may sit idle
   * inside a transaction; past it the server cancels and the operation fails as storage_unavailable.
   */
  DB_STATEMENT_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  PRESENCE_TTL_MS: integer(1000, 3_600_000).default(30_000),
  /** With Redis: how long a room's existence, its head and its latest history page stay cached. */
  ROOM_CACHE_EXISTS_TTL_MS: positiveMs.default(600_000),
  ROOM_CACHE_HEAD_TTL_MS: positiveMs.default(15_000),
  ROOM_CACHE_PAGE_TTL_MS: positiveMs.default(60_000),
  /** Per node: room settings, roles and sanctions are re-read after this even without an invalidation. */
  ROOM_POLICY_CACHE_TTL_MS: positiveMs.default(5_000),
  /** With Redis: a cache command slower than this is a miss (a cache that is down must not stall reads). */
  REDIS_COMMAND_TIMEOUT_MS: integer(10, 600_000).default(500),
  /** With Redis: `/readyz` reports Redis down when a PING takes longer. */
  REDIS_PING_TIMEOUT_MS: integer(10, 600_000).default(1_000),
  /** Prepended to every Redis key and channel: deployments (or tests) sharing one Redis stay apart. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1–64 letters, digits or _ . : -')
    .default('parley:'),

  // Who may read /metrics (docs/deploy.md, "Metrics").
  /** Scrapes must send `Authorization: Bearer <METRICS_TOKEN>`; without it /metrics is open. */
  METRICS_TOKEN: z
    .string()
    .refine((s) => s.length >= 16, 'must be at least 16 characters')
    .refine((s) => /^[\x21-\x7e]+$/.test(s), 'must be printable ASCII without spaces')
    .optional(),
  /** Serve /metrics on a listener of its own on this port (and no longer on PORT). */
  METRICS_PORT: integer(1, 65_535).optional(),
  /** Address of the METRICS_PORT listener; loopback unless a scraper elsewhere must reach it. */
  METRICS_HOST: z.string().min(1).optional(),
} as const;

const envSchema = z.object(ENV_SCHEMA).superRefine((env, context) => {
  const ways = [
    env.TRUST_PROXY === 'true' ? 'TRUST_PROXY=true' : undefined,
    env.TRUST_PROXY_HOPS === undefined || env.TRUST_PROXY_HOPS === 0 ? undefined : 'TRUST_PROXY_HOPS',
    env.TRUSTED_PROXIES === undefined || env.TRUSTED_PROXIES.length === 0 ? undefined : 'TRUSTED_PROXIES',
  ].filter((way) => way !== undefined);
  if (ways.length > 1) {
    context.addIssue({
      code: 'custom',
      path: ['TRUSTED_PROXIES'],
      message: `set one way of trusting proxies, not ${ways.join(' and ')}`,
    });
  }
  if (env.HISTORY_PAGE_DEFAULT > env.HISTORY_PAGE_MAX) {
    context.addIssue({
      code: 'custom',
      path: ['HISTORY_PAGE_DEFAULT'],
      message: `must not exceed HISTORY_PAGE_MAX (${env.HISTORY_PAGE_MAX})`,
    });
  }
  if (env.METRICS_PORT !== undefined && [env.PORT, env.STOMP_PORT].includes(env.METRICS_PORT)) {
    context.addIssue({
      code: 'custom',
      path: ['METRICS_PORT'],
      message: `must differ from PORT (${env.PORT}) and STOMP_PORT (${env.STOMP_PORT})`,
    });
  }
  if (env.METRICS_HOST !== undefined && env.METRICS_PORT === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['METRICS_HOST'],
      message: 'applies to the METRICS_PORT listener: set METRICS_PORT too',
    });
  }
  // Held against the frame limits only where generic destinations are on (a small MAX_FRAME_BYTES alone
  // is a valid chat-only configuration).
  const generic = (env.GENERIC_DESTINATIONS?.length ?? 0) > 0;
  if (generic && env.GENERIC_MAX_BODY_BYTES >= env.MAX_FRAME_BYTES) {
    context.addIssue({
      code: 'custom',
      path: ['GENERIC_MAX_BODY_BYTES'],
      message: `must be below MAX_FRAME_BYTES (${env.MAX_FRAME_BYTES}): the frame also carries headers`,
    });
  }
  if (generic && env.GENERIC_QUEUE_PREFETCH > env.MAX_PENDING_ACKS) {
    context.addIssue({
      code: 'custom',
      path: ['GENERIC_QUEUE_PREFETCH'],
      message: `must not exceed MAX_PENDING_ACKS (${env.MAX_PENDING_ACKS})`,
    });
  }
  // Node refuses a server whose headers may take longer than the whole request.
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    context.addIssue({
      code: 'custom',
      path: ['HTTP_HEADERS_TIMEOUT_MS'],
      message: `must not exceed HTTP_REQUEST_TIMEOUT_MS (${env.HTTP_REQUEST_TIMEOUT_MS})`,
    });
  }
});
export type GenericKind = 'topic' | 'queue';

/** One configured generic prefix: what it is and what any signed-in user may do under it. */
export interface GenericPrefix {
  readonly prefix: string;
  readonly kind: GenericKind;
  readonly subscribe: boolean;
  readonly send: boolean;
}

/**
 * Namespaces that are Parley's own: a generic prefix inside one of them is refused, so no chat (or
 * per-user) destination is ever reachable through the generic path. A generic prefix may contain one
 * (`/topic/` contains `/topic/rooms.`): the broker routes the longest prefix, so those stay chat's.
 */
export const CHAT_NAMESPACES: readonly string[] = ['/app/', '/user/', '/topic/rooms.'];
const GENERIC_ENTRY = /^(\/[^\s,=:]*\/)=(topic|queue)(?::(rw|r|w))?$/;
const MAX_GENERIC_PREFIXES = 16;

function parseGenericDestinations(text: string, context: z.RefinementCtx): readonly GenericPrefix[] {
  const entries = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const prefixes: GenericPrefix[] = [];
  if (entries.length > MAX_GENERIC_PREFIXES) {
    context.addIssue({ code: 'custom', message: `at most ${MAX_GENERIC_PREFIXES} prefixes` });
  }
  for (const entry of entries) {
    const match = GENERIC_ENTRY.exec(entry);
    const prefix = match?.[1];
    const kind = match?.[2];
    if (prefix === undefined || (kind !== 'topic' && kind !== 'queue') || prefix.length < 3) {
      context.addIssue({
        code: 'custom',
        message: `${JSON.stringify(entry)} is not <prefix>=<topic|queue>[:rw|r|w] with a prefix like /queue/`,
      });
      continue;
    }
    const inside = CHAT_NAMESPACES.find((namespace) => prefix.startsWith(namespace));
    if (inside !== undefined) {
      context.addIssue({
        code: 'custom',
        message: `${JSON.stringify(prefix)} lies inside Parley's own ${inside} destinations`,
      });
      continue;
    }
    const overlapping = prefixes.find((p) => p.prefix.startsWith(prefix) || prefix.startsWith(p.prefix));
    if (overlapping !== undefined) {
      context.addIssue({
        code: 'custom',
        message: `${JSON.stringify(prefix)} overlaps ${JSON.stringify(overlapping.prefix)}`,
      });
      continue;
    }
    const access = match?.[3] ?? 'rw';
    prefixes.push(
      Object.freeze({ prefix, kind, subscribe: access.includes('r'), send: access.includes('w') }),
    );
  }
  return Object.freeze(prefixes);
}

/** Values that may hold credentials are never echoed in error messages. */
const SECRET_VARIABLES = new Set([
  'JWT_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
  'OPERATOR_TOKENS',
  'METRICS_TOKEN',
]);
type Env = z.output<typeof envSchema>;

export interface Limits {
  readonly maxFrameBytes: number;
  readonly maxHeaders: number;
  readonly maxHeaderLineBytes: number;
  readonly maxSubscriptions: number;
  readonly maxConnectionsPerIp: number;
  readonly maxOutboundBytes: number;
  readonly heartbeatMs: number;
  readonly heartbeatSendMinMs: number;
  readonly connectTimeoutMs: number;
  readonly frameTimeoutMs: number;
  readonly refusalBurst: number;
  readonly refusalRatePerSecond: number;
  readonly heartbeatGraceFactor: number;
  readonly maxTransactionFrames: number;
  readonly maxOpenTransactions: number;
  readonly maxPendingAcks: number;
  readonly maxQueuedFrames: number;
  readonly maxInflightSends: number;
  readonly wsMaxFragmentsPerMessage: number;
  readonly socketCloseTimeoutMs: number;
  readonly replayHoldMaxMessages: number;
  readonly logSampleLines: number;
  readonly logSampleWindowMs: number;
  readonly messageMaxChars: number;
  readonly maxCombiningMarks: number;
  readonly sendRatePerSecond: number;
  readonly sendBurst: number;
  readonly sessionsPerIpPerMinute: number;
  readonly roomsPerUserPerHour: number;
  readonly roomJoinsPerUserPerMinute: number;
  readonly unreadPushMaxFollowers: number;
  readonly editWindowSeconds: number;
  readonly ownerAbsenceDays: number;
  readonly maxPinsPerRoom: number;
  readonly noticeMaxChars: number;
  readonly maxReactionEmojisPerMessage: number;
  readonly maxReactionsPerUserPerMessage: number;
  readonly reactionRatePerSecond: number;
  readonly reactionBurst: number;
  readonly typingRatePerSecond: number;
  readonly typingBurst: number;
  readonly historyPageMax: number;
  readonly historyPageDefault: number;
  readonly readCountsMaxMembers: number;
  readonly roomRecentMessages: number;
  readonly searchRatePerMinute: number;
  readonly searchQueryMaxChars: number;
  readonly searchPageMax: number;
  readonly searchShortQueryScanMax: number;
  readonly refreshesPerUserPerHour: number;
  readonly refreshesPerIpPerMinute: number;
  readonly renamesPerUserPerDay: number;
  readonly identityCodesPerUserPerHour: number;
  readonly identityCodeAttemptsPerIpPerHour: number;
  readonly linkCodeTtlSeconds: number;
  readonly linkCodeAttemptsPerMinute: number;
  readonly recoveryWindowDays: number;
  readonly roomGrantTtlSeconds: number;
  readonly passwordFreeAttemptsPerUser: number;
  readonly passwordFreeAttemptsPerIp: number;
  readonly passwordFreeAttemptsPerRoom: number;
  readonly passwordBackoffBaseMs: number;
  readonly passwordBackoffMaxMs: number;
  readonly passwordAttemptsResetMs: number;
  readonly passwordHashConcurrency: number;
  readonly passwordHashQueue: number;
  readonly kickCooldownSeconds: number;
  readonly addressSightingRetentionDays: number;
  readonly addressSightingRefreshSeconds: number;
  readonly banAddressWindowHours: number;
  readonly banAddressMaxHashes: number;
}

/** Limits of plain HTTP connections on the HTTP port (WebSocket ones leave them once upgraded). */
export interface HttpLimits {
  /** Open, not upgraded connections per socket peer (not counted for trusted proxies). */
  readonly maxConnectionsPerIp: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed. */
  readonly idleTimeoutMs: number;
}

/** How long cached copies of store data live (each is also invalidated or versioned; the TTL is the net). */
export interface CacheTtls {
  readonly roomExistsTtlMs: number;
  readonly roomHeadTtlMs: number;
  readonly roomPageTtlMs: number;
  readonly roomPolicyTtlMs: number;
}

export type LocalhostOrigins = 'auto' | 'always' | 'never';

/** Operators and the moderation tools above rooms (docs/identity.md, "Operators"). */
export interface OperatorConfig {
  /** SHA-256 (hex) of each operator secret; the secrets themselves are not kept. */
  readonly tokenHashes: readonly string[];
  readonly authFailuresPerIpPerMinute: number;
  readonly wordFilterMaxWords: number;
  readonly wordFilterMaxWordChars: number;
  readonly reservedNamesMax: number;
  readonly reportHideThreshold: number;
}

/** Who may read /metrics and where it is served (docs/deploy.md, "Metrics"). */
export interface MetricsConfig {
  /** SHA-256 (hex) of METRICS_TOKEN; the token itself is not kept. */
  readonly tokenSha256: string | undefined;
  /** A listener of its own for /metrics; undefined: served on PORT with the rest. */
  readonly port: number | undefined;
  /** Address of that listener. */
  readonly host: string;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly jwtSecret: string | undefined;
  /** 0: the TCP listener is off. */
  readonly stompPort: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Extra origins allowed to open WebSockets and call the API cross-site (the same origin always is). */
  readonly allowedOrigins: readonly string[];
  /** Whose X-Forwarded-For is believed for the client address (src/net/client-address.ts). */
  readonly proxyTrust: ProxyTrust;
  /** Pages on localhost (any port) count as allowed origins; for development only. */
  /** Localhost pages on other ports: `auto` only while the server itself is reached as localhost. */
  readonly allowLocalhostOrigins: LocalhostOrigins;
  readonly http: HttpLimits;
  readonly shutdownTimeoutMs: number;
  readonly tokenTtlSeconds: number;
  /** A token expired less than this long ago can still be refreshed (sliding sessions). */
  readonly tokenRefreshGraceSeconds: number;
  readonly tokenMaxClockSkewSeconds: number;
  readonly tokenRevocationCacheMs: number;
  readonly dbPoolMax: number;
  readonly dbStatementTimeoutMs: number;
  readonly presenceTtlMs: number;
  readonly redisKeyPrefix: string;
  readonly redisCommandTimeoutMs: number;
  readonly redisPingTimeoutMs: number;
  readonly caches: CacheTtls;
  readonly limits: Limits;
  readonly operators: OperatorConfig;
  readonly metrics: MetricsConfig;
  readonly generic: GenericConfig;
}

/** Generic destinations and their limits; `prefixes` empty = off. */
export interface GenericConfig {
  readonly prefixes: readonly GenericPrefix[];
  readonly maxBodyBytes: number;
  readonly sendRatePerSecond: number;
  readonly sendBurst: number;
  readonly queueMaxMessages: number;
  readonly queueMaxTotalBytes: number;
  readonly queuePrefetch: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  // Empty strings mean "unset", as shells and .env files commonly produce them.
  const present: Record<string, string> = {};
  for (const name of Object.keys(ENV_SCHEMA)) {
    const value = env[name];
    if (value !== undefined && value !== '') present[name] = value;
  }
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        const shown =
          name in present && !SECRET_VARIABLES.has(name) ? ` (got ${JSON.stringify(present[name])})` : '';
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  return Object.freeze(toConfig(parsed.data));
}

function toConfig(env: Env): Config {
  return {
    port: env.PORT,
    host: env.HOST,
    dataDir: env.DATA_DIR,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    jwtSecret: env.JWT_SECRET,
    stompPort: env.STOMP_PORT,
    logLevel: env.LOG_LEVEL,
    allowedOrigins: Object.freeze([...env.ALLOWED_ORIGINS]),
    proxyTrust: toProxyTrust(env),
    allowLocalhostOrigins:
      env.ALLOW_LOCALHOST_ORIGINS === 'auto'
        ? 'auto'
        : env.ALLOW_LOCALHOST_ORIGINS === 'true'
          ? 'always'
          : 'never',
    http: Object.freeze({
      maxConnectionsPerIp: env.MAX_HTTP_CONNECTIONS_PER_IP,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      idleTimeoutMs: env.HTTP_IDLE_TIMEOUT_MS,
    }),
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    tokenTtlSeconds: env.TOKEN_TTL_SECONDS,
    tokenRefreshGraceSeconds: env.TOKEN_REFRESH_GRACE_SECONDS,
    tokenMaxClockSkewSeconds: env.TOKEN_MAX_CLOCK_SKEW_SECONDS,
    tokenRevocationCacheMs: env.TOKEN_REVOCATION_CACHE_MS,
    dbPoolMax: env.DB_POOL_MAX,
    dbStatementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    presenceTtlMs: env.PRESENCE_TTL_MS,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    redisCommandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    redisPingTimeoutMs: env.REDIS_PING_TIMEOUT_MS,
    caches: Object.freeze({
      roomExistsTtlMs: env.ROOM_CACHE_EXISTS_TTL_MS,
      roomHeadTtlMs: env.ROOM_CACHE_HEAD_TTL_MS,
      roomPageTtlMs: env.ROOM_CACHE_PAGE_TTL_MS,
      roomPolicyTtlMs: env.ROOM_POLICY_CACHE_TTL_MS,
    }),
    metrics: Object.freeze({
      tokenSha256:
        env.METRICS_TOKEN === undefined
          ? undefined
          : createHash('sha256').update(env.METRICS_TOKEN, 'utf8').digest('hex'),
      port: env.METRICS_PORT,
      host: env.METRICS_HOST ?? '127.0.0.1',
    }),
    generic: Object.freeze({
      prefixes: env.GENERIC_DESTINATIONS ?? Object.freeze([]),
      maxBodyBytes: env.GENERIC_MAX_BODY_BYTES,
      sendRatePerSecond: env.GENERIC_SEND_RATE_PER_SECOND,
      sendBurst: env.GENERIC_SEND_BURST,
      queueMaxMessages: env.GENERIC_QUEUE_MAX_MESSAGES,
      queueMaxTotalBytes: env.GENERIC_QUEUE_MAX_TOTAL_BYTES,
      queuePrefetch: env.GENERIC_QUEUE_PREFETCH,
    }),
    operators: Object.freeze({
      tokenHashes: Object.freeze(
        (env.OPERATOR_TOKENS ?? []).map((t) => createHash('sha256').update(t, 'utf8').digest('hex')),
      ),
      authFailuresPerIpPerMinute: env.OPERATOR_AUTH_FAILURES_PER_IP_PER_MINUTE,
      wordFilterMaxWords: env.WORD_FILTER_MAX_WORDS,
      wordFilterMaxWordChars: env.WORD_FILTER_MAX_WORD_CHARS,
      reservedNamesMax: env.RESERVED_NAMES_MAX,
      reportHideThreshold: env.REPORT_HIDE_THRESHOLD,
    }),
    limits: Object.freeze({
      maxFrameBytes: env.MAX_FRAME_BYTES,
      maxHeaders: env.MAX_HEADERS,
      maxHeaderLineBytes: env.MAX_HEADER_LINE_BYTES,
      maxSubscriptions: env.MAX_SUBSCRIPTIONS,
      maxConnectionsPerIp: env.MAX_CONNECTIONS_PER_IP,
      maxOutboundBytes: env.MAX_OUTBOUND_BYTES,
      heartbeatMs: env.HEARTBEAT_MS,
      heartbeatSendMinMs: env.HEARTBEAT_SEND_MIN_MS,
      connectTimeoutMs: env.CONNECT_TIMEOUT_MS,
      frameTimeoutMs: env.FRAME_TIMEOUT_MS,
      refusalBurst: env.REFUSAL_BURST,
      refusalRatePerSecond: env.REFUSAL_RATE_PER_SECOND,
      heartbeatGraceFactor: env.HEARTBEAT_GRACE_FACTOR,
      maxTransactionFrames: env.MAX_TRANSACTION_FRAMES,
      maxOpenTransactions: env.MAX_OPEN_TRANSACTIONS,
      maxPendingAcks: env.MAX_PENDING_ACKS,
      maxQueuedFrames: env.MAX_QUEUED_FRAMES,
      maxInflightSends: env.MAX_INFLIGHT_SENDS,
      wsMaxFragmentsPerMessage: env.WS_MAX_FRAGMENTS_PER_MESSAGE,
      socketCloseTimeoutMs: env.SOCKET_CLOSE_TIMEOUT_MS,
      replayHoldMaxMessages: env.REPLAY_HOLD_MAX_MESSAGES,
      logSampleLines: env.LOG_SAMPLE_LINES,
      logSampleWindowMs: env.LOG_SAMPLE_WINDOW_MS,
      messageMaxChars: env.MESSAGE_MAX_CHARS,
      maxCombiningMarks: env.MAX_COMBINING_MARKS,
      sendRatePerSecond: env.SEND_RATE_PER_SECOND,
      sendBurst: env.SEND_BURST,
      sessionsPerIpPerMinute: env.SESSIONS_PER_IP_PER_MINUTE,
      roomsPerUserPerHour: env.ROOMS_PER_USER_PER_HOUR,
      roomJoinsPerUserPerMinute: env.ROOM_JOINS_PER_USER_PER_MINUTE,
      unreadPushMaxFollowers: env.UNREAD_PUSH_MAX_FOLLOWERS,
      editWindowSeconds: env.EDIT_WINDOW_SECONDS,
      ownerAbsenceDays: env.OWNER_ABSENCE_DAYS,
      maxPinsPerRoom: env.MAX_PINS_PER_ROOM,
      noticeMaxChars: env.NOTICE_MAX_CHARS,
      maxReactionEmojisPerMessage: env.MAX_REACTION_EMOJIS_PER_MESSAGE,
      maxReactionsPerUserPerMessage: env.MAX_REACTIONS_PER_USER_PER_MESSAGE,
      reactionRatePerSecond: env.REACTION_RATE_PER_SECOND,
      reactionBurst: env.REACTION_BURST,
      typingRatePerSecond: env.TYPING_RATE_PER_SECOND,
      typingBurst: env.TYPING_BURST,
      historyPageMax: env.HISTORY_PAGE_MAX,
      historyPageDefault: env.HISTORY_PAGE_DEFAULT,
      readCountsMaxMembers: env.READ_COUNTS_MAX_MEMBERS,
      roomRecentMessages: env.ROOM_RECENT_MESSAGES,
      searchRatePerMinute: env.SEARCH_RATE_PER_MINUTE,
      searchQueryMaxChars: env.SEARCH_QUERY_MAX_CHARS,
      searchPageMax: env.SEARCH_PAGE_MAX,
      searchShortQueryScanMax: env.SEARCH_SHORT_QUERY_SCAN_MAX,
      refreshesPerUserPerHour: env.REFRESHES_PER_USER_PER_HOUR,
      refreshesPerIpPerMinute: env.REFRESHES_PER_IP_PER_MINUTE,
      renamesPerUserPerDay: env.RENAMES_PER_USER_PER_DAY,
      identityCodesPerUserPerHour: env.IDENTITY_CODES_PER_USER_PER_HOUR,
      identityCodeAttemptsPerIpPerHour: env.IDENTITY_CODE_ATTEMPTS_PER_IP_PER_HOUR,
      linkCodeTtlSeconds: env.LINK_CODE_TTL_SECONDS,
      linkCodeAttemptsPerMinute: env.LINK_CODE_ATTEMPTS_PER_MINUTE,
      recoveryWindowDays: env.RECOVERY_WINDOW_DAYS,
      roomGrantTtlSeconds: env.ROOM_GRANT_TTL_SECONDS,
      passwordFreeAttemptsPerUser: env.PASSWORD_FREE_ATTEMPTS_PER_USER,
      passwordFreeAttemptsPerIp: env.PASSWORD_FREE_ATTEMPTS_PER_IP,
      passwordFreeAttemptsPerRoom: env.PASSWORD_FREE_ATTEMPTS_PER_ROOM,
      // A maximum below the base would be a delay that never grows; the base wins.
      passwordBackoffBaseMs: env.PASSWORD_BACKOFF_BASE_MS,
      passwordBackoffMaxMs: Math.max(env.PASSWORD_BACKOFF_BASE_MS, env.PASSWORD_BACKOFF_MAX_MS),
      passwordAttemptsResetMs: env.PASSWORD_ATTEMPTS_RESET_MS,
      passwordHashConcurrency: env.PASSWORD_HASH_CONCURRENCY,
      passwordHashQueue: env.PASSWORD_HASH_QUEUE,
      kickCooldownSeconds: env.KICK_COOLDOWN_SECONDS,
      addressSightingRetentionDays: env.ADDRESS_SIGHTING_RETENTION_DAYS,
      addressSightingRefreshSeconds: env.ADDRESS_SIGHTING_REFRESH_SECONDS,
      banAddressWindowHours: env.BAN_ADDRESS_WINDOW_HOURS,
      banAddressMaxHashes: env.BAN_ADDRESS_MAX_HASHES,
    }),
  };
}

function toProxyTrust(env: Env): ProxyTrust {
  if (env.TRUSTED_PROXIES !== undefined && env.TRUSTED_PROXIES.length > 0) {
    return Object.freeze({
      kind: 'proxies',
      proxies: Object.freeze(
        env.TRUSTED_PROXIES.map((c) => Object.freeze({ ...c, bytes: Object.freeze([...c.bytes]) })),
      ),
    });
  }
  // The old switch, read as the single appending proxy the deployment guide has always described.
  const hops = env.TRUST_PROXY === 'true' ? 1 : (env.TRUST_PROXY_HOPS ?? 0);
  return Object.freeze(hops === 0 ? { kind: 'none' } : { kind: 'hops', hops });
}

/** The variables this build understands, for documentation and a test that keeps docs in step. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(ENV_SCHEMA);
