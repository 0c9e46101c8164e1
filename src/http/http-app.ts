// The HTTP face: the JSON API of the contract, health and metrics, CORS and security headers, and the
// built web client. Maps every ParleyError to `{"error":{"code","message"}}` with the catalogue's status.
// The room domain's HTTP adapter: request bodies and queries are read with the src/protocol schemas;
// the domain (identity, rooms, permissions, moderation) does the work. Knows nothing of STOMP.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type * as z from 'zod/mini';
import type { Identity } from '../chat/identity.js';
import type { MessageId, RoomId, StoredRoom, User } from '../chat/model.js';
import type { Operator, Operators } from '../chat/operators.js';
import type { RoomViewer } from '../chat/permissions.js';
import { outlineRoom } from '../chat/room-access.js';
import type { RoomDomain } from '../chat/room-domain.js';
import { parseRoomId } from '../chat/room-id.js';
import { bearerToken, type IssuedToken } from '../chat/tokens.js';
import type { HttpLimits, Limits } from '../config.js';
import { type ErrorCode, ParleyError, toParleyError } from '../errors.js';
import { clientAddress, type ProxyTrust } from '../net/client-address.js';
import {
  AdminReportsQuerySchema,
  type AdminRoom,
  AdminRoomsQuerySchema,
  AuditQuerySchema,
  type ClientLimits,
  CloseRoomBodySchema,
  CodeBodySchema,
  CreateRoomBodySchema,
  CreateSessionBodySchema,
  decodeValue,
  historyQuerySchema,
  JoinRoomBodySchema,
  LiftServerBanBodySchema,
  MessageRefBodySchema,
  OperatorAuditQuerySchema,
  ReadsQuerySchema,
  RenameBodySchema,
  ReportsQuerySchema,
  RoomsQuerySchema,
  ServerBanBodySchema,
  type ServerBanWire,
  ServerSettingsBodySchema,
  searchQuerySchema,
  type Wire,
} from '../protocol/index.js';
import type { ServerBan } from '../store/store.js';
import { buildOpenApi, httpRoutes, undescribedRoutes } from './api-description.js';
import { API_DOCS_CSS, renderApiDocsPage } from './api-docs-page.js';
import { capHttpConnections, serverTimeouts } from './http-connections.js';
import { METRICS_UNAUTHORIZED, metricsAuthorized } from './metrics-endpoint.js';
import type { OriginPolicy } from './origin-policy.js';
import { type RoomPreview, renderRoomPage } from './room-page.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The client's address for per-address limits: the peer, or behind trusted proxies the entry they
     * vouch for (src/net/client-address.ts). Key limits with `addressKey` of it.
     */
    readonly clientAddress: string;
  }
}

/** Page and query bounds of the read routes (history, search), as configured. */
export type HistoryPages = Pick<
  Limits,
  'historyPageMax' | 'historyPageDefault' | 'searchQueryMaxChars' | 'searchPageMax'
>;

export interface HttpAppOptions {
  /** Rooms, their reads, permissions, moderation and read markers. */
  readonly rooms: RoomDomain;
  /** Sessions: who a bearer token speaks for, refreshes, sign-out-everywhere. */
  readonly identity: Identity;
  readonly logger: Logger;
  readonly origins: OriginPolicy;
  /** Whose X-Forwarded-For is believed for `request.clientAddress` (never use Fastify's `request.ip`). */
  readonly proxyTrust: ProxyTrust;
  /** Connections per address and timeouts of the underlying server. */
  readonly httpLimits: HttpLimits;
  /** Built web client (index.html and assets); served at `/` when it exists. */
  readonly webRoot: string;
  /** Served at `/metrics` unless `onMainPort` is false (METRICS_PORT: a listener of its own serves it). */
  readonly metrics: {
    readonly registry: Registry;
    readonly onMainPort: boolean;
    /** SHA-256 (hex) of METRICS_TOKEN; scrapes without `Authorization: Bearer <token>` get 401. */
    readonly tokenSha256: string | undefined;
  };
  /** Each named check must resolve for `/readyz` to answer 200. */
  readonly readiness: Readonly<Record<string, () => Promise<void>>>;
  readonly bodyLimitBytes?: number;
  /** Limits a client shows before the server would refuse (GET /api/limits). */
  readonly clientLimits: ClientLimits;
  readonly historyPages: HistoryPages;
  /** Every error answered, by code (for the errors metric). */
  readonly onError?: (code: ErrorCode) => void;
  /** The STOMP side's AsyncAPI document, served and rendered beside the HTTP API's own. */
  readonly asyncApi: Readonly<Record<string, unknown>>;
  /** The version the descriptions carry. */
  readonly apiVersion: string;
}

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** The header carrying a room grant (docs/protocol.md, "Password rooms"). */
const ROOM_GRANT_HEADER = 'x-room-grant';

/** A request body or query read with its schema, or `invalid_request` naming the first problem. */
function parse<S extends z.ZodMiniType>(schema: S, value: unknown): Wire<S> {
  const decoded = decodeValue(schema, value ?? {});
  if (!decoded.ok) throw new ParleyError('invalid_request', decoded.message);
  return decoded.value;
}

export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const { rooms, identity, origins } = options;
  const { permissions, moderation } = rooms;
  const historyQuery = historyQuerySchema(options.historyPages);
  const searchQuery = searchQuerySchema(options.historyPages);
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    // Per-request lines would dominate the logs of a chat server; errors are logged where handled.
    logController: new LogController({ disableRequestLogging: true }),
    // Off: `request.ip` would follow Fastify's reading of X-Forwarded-For, not ours.
    trustProxy: false,
    ...serverTimeouts(options.httpLimits),
    bodyLimit: options.bodyLimitBytes ?? 16 * 1024,
    // Ids of our own, so log lines of one request can be found together.
    genReqId: () => crypto.randomUUID(),
    // Errors the router raises before any hook (a path parameter over its length, a malformed URL)
    // get the same envelope and headers as every other refusal.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) void reply.header(name, value);
      const refusal =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new ParleyError(request.url.startsWith('/api/rooms/') ? 'room_not_found' : 'not_found')
          : new ParleyError('invalid_request', 'The URL is malformed.');
      options.onError?.(refusal.code);
      void reply.code(refusal.status).send({ error: { code: refusal.code, message: refusal.message } });
    },
  });

  // Every route, so the described ones can be held to them once all are registered.
  const registered: { method: string; path: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registered.push({ method, path: route.url });
  });
  app.addHook('onReady', async () => {
    // With METRICS_PORT, /metrics is served by a listener of its own (described there, not here).
    const described = httpRoutes(options.historyPages).filter(
      (route) => options.metrics.onMainPort || route.path !== '/metrics',
    );
    const problems = undescribedRoutes(registered, described);
    if (problems.length > 0)
      throw new Error(`src/http/api-description.ts is out of step: ${problems.join('; ')}`);
  });

  capHttpConnections(app.server, {
    maxPerAddress: options.httpLimits.maxConnectionsPerIp,
    proxyTrust: options.proxyTrust,
  });
  const { proxyTrust } = options;
  app.decorateRequest('clientAddress', {
    getter(this: FastifyRequest): string {
      return clientAddress(this.socket.remoteAddress, this.headers['x-forwarded-for'], proxyTrust);
    },
  });

  app.addHook('onRequest', async (request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    const origin = request.headers.origin;
    if (origin !== undefined && request.url.startsWith('/api/')) {
      if (origins.isAllowed(origin, request.headers.host)) {
        reply.header('access-control-allow-origin', origin);
        reply.header('vary', 'Origin');
        reply.header('access-control-allow-headers', 'authorization, content-type, x-room-grant');
        reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
        reply.header('access-control-max-age', '600');
      }
      if (request.method === 'OPTIONS') return reply.code(204).send();
    }
    return undefined;
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    const parleyError = fromFastifyError(error);
    options.onError?.(parleyError.code);
    if (parleyError.code === 'internal_error') request.log.error({ err: error }, 'request failed');
    if (parleyError.retryAfterSeconds !== undefined)
      reply.header('retry-after', String(parleyError.retryAfterSeconds));
    void reply.code(parleyError.status).send({ error: parleyError.toWire() });
  });

  const { serverPolicy, operators } = rooms;
  // Every authenticated request also tells where the identity is seen from (address bans).
  /** A bearer identity, refused when it (or the address it calls from) is banned server-wide. */
  const authenticate = async (request: FastifyRequest): Promise<User> => {
    const user = await identity.authenticate(
      bearerToken(request.headers.authorization),
      request.clientAddress,
    );
    serverPolicy.refuseBanned(user.id, request.clientAddress);
    return user;
  };
  /** An operator's secret as a bearer token (`/api/admin/…`). */
  const operatorOf = (request: FastifyRequest): Promise<Operator> =>
    operators.authenticate(bearerToken(request.headers.authorization), request.clientAddress);

  /** Who reads: an identity when a bearer token is given (a bad one is 401), a room grant when given. */
  const viewerOf = async (request: FastifyRequest): Promise<RoomViewer> => {
    const rawGrant = request.headers[ROOM_GRANT_HEADER];
    const grant = typeof rawGrant === 'string' && rawGrant !== '' ? rawGrant : undefined;
    const user = request.headers.authorization === undefined ? undefined : await authenticate(request);
    return { user, grant, address: request.clientAddress };
  };

  /** History and members: the whole room or nothing (not_joined, banned). */
  const requireFullAccess = async (request: FastifyRequest, roomId: string): Promise<void> => {
    const access = await permissions.readAccess(parseRoomId(roomId), await viewerOf(request));
    if (access !== 'full') {
      throw new ParleyError(
        'not_joined',
        'This room has a password: join it (POST /api/rooms/:id/join) and send its grant as X-Room-Grant.',
      );
    }
  };

  app.post('/api/sessions', async (request, reply) => {
    const { nickname } = parse(CreateSessionBodySchema, request.body);
    // A banned address gets no fresh identity; a name reserved or banned server-wide is refused.
    serverPolicy.refuseBanned(undefined, request.clientAddress);
    if (typeof nickname === 'string') serverPolicy.checkName(nickname, { reserved: true });
    const session = await identity.createSession(nickname, request.clientAddress);
    return reply.code(201).send(session);
  });

  app.get('/api/limits', async () => options.clientLimits);

  // Sliding sessions: a token up to the refresh grace past its expiry is still renewed; not for an
  // identity or from an address banned server-wide.
  app.post('/api/sessions/refresh', async (request) =>
    identity.refreshSession(bearerToken(request.headers.authorization), request.clientAddress, (user) =>
      serverPolicy.refuseBanned(user.id, request.clientAddress),
    ),
  );

  // The same identity under a new nickname (and a tag unique for it); the answer is its new session.
  // A name reserved or banned server-wide is refused for a rename as for a new identity.
  app.post('/api/sessions/rename', async (request) => {
    const { nickname } = parse(RenameBodySchema, request.body);
    const user = await authenticate(request);
    if (typeof nickname === 'string') serverPolicy.checkName(nickname, { reserved: true });
    return identity.rename(user, nickname);
  });

  app.get('/api/sessions/identity', async (request) => identity.describe(await authenticate(request)));

  app.post('/api/sessions/recovery-code', async (request, reply) =>
    reply.code(201).send(await identity.createRecoveryCode(await authenticate(request))),
  );

  // A code brings back an identity, not past a server-wide ban of it or of the address used.
  const redeem =
    (use: (code: unknown, address: string) => Promise<IssuedToken>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const { code } = parse(CodeBodySchema, request.body);
      serverPolicy.refuseBanned(undefined, request.clientAddress);
      const session = await use(code, request.clientAddress);
      serverPolicy.refuseBanned(session.user.id, request.clientAddress);
      return reply.code(201).send(session);
    };
  app.post(
    '/api/sessions/recover',
    redeem((code, address) => identity.recover(code, address)),
  );

  app.post('/api/sessions/link-code', async (request, reply) =>
    reply.code(201).send(await identity.createLinkCode(await authenticate(request))),
  );

  app.post(
    '/api/sessions/link',
    redeem((code, address) => identity.redeemLink(code, address)),
  );

  // Sign out everywhere: every token of the user issued until now stops working (open connections are
  // closed by the caller of `identity.onRevoked`); the answer is a fresh session for this client.
  app.post('/api/sessions/revoke', async (request) =>
    identity.revokeAll(await authenticate(request), request.clientAddress),
  );

  app.get('/api/rooms', async (request) => {
    const query = parse(RoomsQuerySchema, request.query);
    const page = await rooms.rooms.listRooms({
      limit: query.limit,
      ...(query.q === undefined || query.q === '' ? {} : { query: query.q }),
      ...(query.cursor === undefined || query.cursor === '' ? {} : { cursor: query.cursor }),
    });
    return { ...page, rooms: page.rooms.map(outlineRoom) };
  });

  app.post('/api/rooms', async (request, reply) => {
    const user = await authenticate(request);
    const body = parse(CreateRoomBodySchema, request.body);
    return reply.code(201).send(await rooms.rooms.createRoom(user, body));
  });

  app.get<{ Params: { id: string } }>('/api/rooms/:id', async (request) => {
    const room = await rooms.rooms.getRoom(request.params.id);
    // The banned still learn the room exists (their client says why it stays shut), nothing more.
    const viewer = await viewerOf(request);
    const access = await permissions.readAccess(room.id, viewer).catch((error: unknown) => {
      if (error instanceof ParleyError && error.code === 'banned') return 'outline' as const;
      throw error;
    });
    if (access !== 'full') return outlineRoom(room);
    // The asker's own mute, and only theirs: a member learns it on entering, not by failing to post.
    if (viewer.user === undefined) return room;
    const { mutedUntil } = await permissions.sanctions(room.id, viewer.user.id);
    return mutedUntil === undefined ? room : { ...room, mutedUntil };
  });

  app.post<{ Params: { id: string } }>('/api/rooms/:id/join', async (request) => {
    const user = await authenticate(request);
    const { password } = parse(JoinRoomBodySchema, request.body);
    return permissions.grantFor(user, parseRoomId(request.params.id), password, request.clientAddress);
  });

  app.get<{ Params: { id: string } }>('/api/rooms/:id/messages', async (request) => {
    const query = parse(historyQuery, request.query);
    await requireFullAccess(request, request.params.id);
    const messages = await rooms.rooms.history(request.params.id, {
      limit: query.limit,
      ...(query.before === undefined ? {} : { beforeSeq: query.before }),
      ...(query.after === undefined ? {} : { afterSeq: query.after }),
    });
    // Typed values: serialised once, here, by fastify.
    return { messages };
  });

  // Whoever may read the history may search it (a password room's grant; not the banned), within
  // the search budget.
  app.get<{ Params: { id: string } }>('/api/rooms/:id/search', async (request) => {
    const roomId = parseRoomId(request.params.id);
    const viewer = await viewerOf(request);
    const access = await permissions.readAccess(roomId, viewer);
    if (access !== 'full') {
      throw new ParleyError(
        'not_joined',
        'This room has a password: join it (POST /api/rooms/:id/join) and send its grant as X-Room-Grant.',
      );
    }
    const query = parse(searchQuery, request.query);
    return rooms.search.inRoom({ user: viewer.user, address: request.clientAddress }, roomId, query);
  });

  app.get('/api/search', async (request) => {
    const user = await authenticate(request);
    return rooms.search.acrossRooms(user, parse(searchQuery, request.query));
  });

  app.get<{ Params: { id: string } }>('/api/rooms/:id/members', async (request) => {
    await requireFullAccess(request, request.params.id);
    return { members: await rooms.membership.members(request.params.id) };
  });

  app.get<{ Params: { id: string } }>('/api/rooms/:id/reads', async (request) => {
    await requireFullAccess(request, request.params.id);
    const { from } = parse(ReadsQuerySchema, request.query);
    return rooms.readMarkers.summary(parseRoomId(request.params.id), from);
  });

  app.get<{ Params: { id: string } }>('/api/rooms/:id/audit', async (request) => {
    const user = await authenticate(request);
    const query = parse(AuditQuerySchema, request.query);
    const entries = await moderation.audit(user, parseRoomId(request.params.id), {
      limit: query.limit,
      ...(query.before === undefined ? {} : { beforeId: query.before }),
    });
    return { entries };
  });
  app.get<{ Params: { id: string } }>('/api/rooms/:id/reports', async (request) => {
    const user = await authenticate(request);
    const query = parse(ReportsQuerySchema, request.query);
    return moderation.reports(user, parseRoomId(request.params.id), query.limit);
  });
  app.get<{ Params: { id: string } }>('/api/rooms/:id/word-filter', async (request) =>
    moderation.wordFilter(await authenticate(request), parseRoomId(request.params.id)),
  );
  app.get<{ Params: { id: string } }>('/api/rooms/:id/mutes', async (request) => ({
    mutes: await moderation.mutes(await authenticate(request), parseRoomId(request.params.id)),
  }));
  app.get<{ Params: { id: string } }>('/api/rooms/:id/bans', async (request) => ({
    bans: await moderation.bans(await authenticate(request), parseRoomId(request.params.id)),
  }));
  app.get<{ Params: { id: string; userId: string } }>(
    '/api/rooms/:id/members/:userId/addresses',
    async (request) =>
      moderation.addressIdentities(
        await authenticate(request),
        parseRoomId(request.params.id),
        request.params.userId,
      ),
  );
  app.get<{ Params: { id: string } }>('/api/rooms/:id/ownership', async (request) =>
    rooms.ownership.standing(await authenticate(request), parseRoomId(request.params.id)),
  );
  app.get('/api/me/unread', async (request) => ({
    rooms: await rooms.readMarkers.unread(await authenticate(request)),
  }));
  app.post<{ Params: { id: string } }>('/api/me/rooms/:id/leave', async (request, reply) => {
    await rooms.readMarkers.leave(await authenticate(request), request.params.id);
    return reply.code(204).send();
  });

  registerAdminRoutes(app, operatorOf, operators);

  // The API described (src/http/api-description.ts, src/stomp-api/stomp-description.ts) and rendered.
  const openApi = buildOpenApi({ pages: options.historyPages, version: options.apiVersion });
  const docsPage = renderApiDocsPage(openApi, options.asyncApi);
  app.get('/api/openapi.json', async () => openApi);
  app.get('/api/asyncapi.json', async () => options.asyncApi);
  app.get('/api/docs', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('cache-control', 'no-cache')
      .send(docsPage),
  );
  app.get('/api/docs.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(API_DOCS_CSS),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const entries = Object.entries(options.readiness);
    const results = await Promise.allSettled(entries.map(([, check]) => withTimeout(check(), 2000)));
    const checks: Record<string, string> = {};
    let ready = true;
    results.forEach((result, i) => {
      const name = entries[i]?.[0] ?? `check${i}`;
      checks[name] = result.status === 'fulfilled' ? 'ok' : 'unavailable';
      if (result.status === 'rejected') ready = false;
    });
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });

  if (options.metrics.onMainPort) {
    const { registry, tokenSha256 } = options.metrics;
    app.get('/metrics', async (request, reply) => {
      if (!metricsAuthorized(request.headers.authorization, tokenSha256)) {
        return reply
          .code(METRICS_UNAUTHORIZED.status)
          .headers(METRICS_UNAUTHORIZED.headers)
          .send(METRICS_UNAUTHORIZED.body);
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  }

  if (existsSync(options.webRoot)) {
    await app.register(fastifyStatic, {
      root: options.webRoot,
      wildcard: false,
      setHeaders: (res, path) => {
        res.header('content-security-policy', CONTENT_SECURITY_POLICY);
        // Hashed asset names never change content; index.html must always be revalidated.
        res.header(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }

  if (existsSync(options.webRoot)) {
    const template = pageTemplate(join(options.webRoot, 'index.html'));
    // A shared room link: HTML whatever the Accept header (link-preview crawlers send */*), naming the
    // room in <title> and card tags only when anyone may read it (no password, not taken down).
    app.get<{ Params: { id: string } }>('/rooms/:id', async (request, reply) => {
      const preview = await roomPreview(request.params.id, request.clientAddress);
      reply
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8');
      return renderRoomPage(await template(), preview);
    });
  }

  /** What a link preview may show: an open room an anonymous reader would see in full, or nothing. */
  async function roomPreview(id: string, address: string): Promise<RoomPreview | undefined> {
    try {
      const room = await rooms.rooms.getRoom(id);
      if (room.hasPassword) return undefined;
      const access = await permissions.readAccess(room.id, { user: undefined, grant: undefined, address });
      return access === 'full' ? { name: room.name, topic: room.topic, online: room.online } : undefined;
    } catch (error) {
      // Unknown, malformed, taken down or refused: the generic page; the client says why.
      if (error instanceof ParleyError) return undefined;
      throw error;
    }
  }

  app.setNotFoundHandler(async (request, reply) => {
    const isPage =
      request.method === 'GET' &&
      !request.url.startsWith('/api/') &&
      !request.url.startsWith('/ws') &&
      (request.headers.accept ?? '').includes('text/html');
    if (isPage && existsSync(options.webRoot)) {
      // Client-side routes (/rooms/<id>) load the app, which reads the URL.
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    }
    return sendNotFound(reply);
  });

  return app;
}

/**
 * The operator API: every route proves the caller an operator (`Authorization: Bearer <secret>`)
 * before anything else, and every action is audited by Operators.
 */
function registerAdminRoutes(
  app: FastifyInstance,
  operatorOf: (request: FastifyRequest) => Promise<Operator>,
  operators: Operators,
): void {
  app.post('/api/admin/session', async (request) => {
    const operator = await operatorOf(request);
    return { operator: { id: operator.id, actor: operator.actor } };
  });
  app.get('/api/admin/rooms', async (request) => {
    await operatorOf(request);
    const query = parse(AdminRoomsQuerySchema, request.query);
    const rooms = await operators.listRooms(query.order, query.limit);
    return { rooms: rooms.map(({ room, openReports }) => adminRoom(room, openReports)) };
  });
  app.post<{ Params: { id: string } }>('/api/admin/rooms/:id/close', async (request) => {
    const operator = await operatorOf(request);
    const { reason } = parse(CloseRoomBodySchema, request.body);
    return adminRoom(await operators.closeRoom(operator, parseRoomId(request.params.id), reason), 0);
  });
  app.post<{ Params: { id: string } }>('/api/admin/rooms/:id/reopen', async (request) => {
    const operator = await operatorOf(request);
    return adminRoom(await operators.reopenRoom(operator, parseRoomId(request.params.id)), 0);
  });
  app.post('/api/admin/messages/delete', async (request) => {
    const operator = await operatorOf(request);
    const { roomId, messageId } = parse(MessageRefBodySchema, request.body);
    await operators.deleteMessage(operator, roomId as RoomId, messageId as MessageId);
    return { deleted: true };
  });
  app.get('/api/admin/reports', async (request) => {
    await operatorOf(request);
    const query = parse(AdminReportsQuerySchema, request.query);
    return { items: await operators.reportQueue(query.limit) };
  });
  app.post('/api/admin/reports/dismiss', async (request) => {
    const operator = await operatorOf(request);
    const { roomId, messageId } = parse(MessageRefBodySchema, request.body);
    return { dismissed: await operators.dismissReports(operator, roomId as RoomId, messageId as MessageId) };
  });
  app.get('/api/admin/bans', async (request) => {
    await operatorOf(request);
    return { bans: (await operators.listBans()).map(banJson) };
  });
  app.post('/api/admin/bans', async (request, reply) => {
    const operator = await operatorOf(request);
    const body = parse(ServerBanBodySchema, request.body);
    const bans = await operators.ban(operator, body);
    return reply.code(201).send({ bans: bans.map(banJson) });
  });
  app.post('/api/admin/bans/lift', async (request) => {
    const operator = await operatorOf(request);
    const { userId } = parse(LiftServerBanBodySchema, request.body);
    return { lifted: await operators.liftBan(operator, userId) };
  });
  app.get('/api/admin/settings', async (request) => {
    await operatorOf(request);
    return operators.settings;
  });
  app.post('/api/admin/settings', async (request) => {
    const operator = await operatorOf(request);
    const body = parse(ServerSettingsBodySchema, request.body);
    return operators.updateSettings(operator, body);
  });
  app.get('/api/admin/audit', async (request) => {
    await operatorOf(request);
    const query = parse(OperatorAuditQuerySchema, request.query);
    const entries = await operators.listAudit(query.limit);
    return {
      entries: entries.map((e) => ({
        id: e.id,
        operatorId: e.operatorId,
        action: e.action,
        ...(e.roomId === undefined ? {} : { roomId: e.roomId }),
        ...(e.messageId === undefined ? {} : { messageId: e.messageId }),
        ...(e.targetId === undefined ? {} : { targetId: e.targetId }),
        details: e.details,
        createdAt: e.createdAt.toISOString(),
      })),
    };
  });
}

function adminRoom(room: StoredRoom, openReports: number): AdminRoom {
  return {
    id: room.id,
    name: room.name,
    topic: room.topic,
    createdAt: room.createdAt,
    createdBy: room.createdBy,
    lastMessageAt: room.lastMessageAt,
    closedAt: room.closedAt ?? null,
    openReports,
  };
}

/** A ban as operators see it: never the address hash itself. */
function banJson(ban: ServerBan): ServerBanWire {
  return {
    kind: ban.kind,
    user: ban.user,
    until: ban.until?.toISOString() ?? null,
    reason: ban.reason,
    byOperator: ban.byOperator,
    createdAt: ban.createdAt.toISOString(),
  };
}

/**
 * The built index.html, read once and again only when the file changes (a rebuild): one stat per
 * request, never a read of the whole file.
 */
function pageTemplate(path: string): () => Promise<string> {
  let cached: { mtimeMs: number; text: Promise<string> } | undefined;
  return async () => {
    const { mtimeMs } = await stat(path);
    if (cached?.mtimeMs !== mtimeMs) {
      const text = readFile(path, 'utf8');
      cached = { mtimeMs, text };
      text.catch(() => {
        if (cached?.text === text) cached = undefined;
      });
    }
    return cached.text;
  };
}

function sendNotFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).send({ error: { code: 'not_found', message: 'No such resource.' } });
}

/** Fastify's own errors (bad JSON, body too large) keep their status under our envelope. */
function fromFastifyError(error: unknown): ParleyError {
  if (error instanceof ParleyError) return error;
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const status = Number((error as { statusCode: unknown }).statusCode);
    const message = error instanceof Error ? error.message : 'The request is malformed.';
    if (status === 413) return new ParleyError('invalid_request', 'The request body is too large.');
    if (status >= 400 && status < 500) return new ParleyError('invalid_request', message);
  }
  return toParleyError(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
