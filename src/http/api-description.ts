// The HTTP API described: one table naming every route's method, path, authentication, the protocol
// schemas it reads (params, query, body) and every answer (success schema, and the catalogue codes it can
// refuse with, whose statuses come from the catalogue), and the OpenAPI 3.1 document generated from it.
// The route handlers live in http-app.ts, which refuses to start when this table and its routes differ.
import * as z from 'zod/mini';
import {
  AddressIdentitiesSchema,
  AdminReportsQuerySchema,
  AdminRoomSchema,
  AdminRoomsQuerySchema,
  AdminRoomsSchema,
  AuditPageSchema,
  AuditQuerySchema,
  BansLiftedSchema,
  BansSchema,
  ClientLimitsSchema,
  CloseRoomBodySchema,
  CodeBodySchema,
  CreateRoomBodySchema,
  CreateSessionBodySchema,
  ERROR_CATALOGUE,
  ErrorBodySchema,
  type ErrorCode,
  HealthSchema,
  type HistoryPageBounds,
  historyQuerySchema,
  IdentitySchema,
  JoinRoomBodySchema,
  LiftServerBanBodySchema,
  LinkCodeSchema,
  MemberSearchPageSchema,
  MembersSchema,
  MessageDeletedSchema,
  MessageRefBodySchema,
  MessagesPageSchema,
  MutesSchema,
  OperatorAuditQuerySchema,
  OperatorAuditSchema,
  OperatorSessionSchema,
  OwnershipSchema,
  ReadinessSchema,
  ReadSummarySchema,
  ReadsQuerySchema,
  RecoveryCodeSchema,
  RenameBodySchema,
  ReportQueueSchema,
  ReportsDismissedSchema,
  ReportsQuerySchema,
  ReportsSchema,
  ROOM_ID_PATTERN,
  RoomGrantSchema,
  RoomPageSchema,
  RoomSchema,
  RoomsQuerySchema,
  RoomWordFilterSchema,
  type SearchBounds,
  SearchPageSchema,
  ServerBanBodySchema,
  ServerBansSchema,
  ServerSettingsBodySchema,
  ServerSettingsSchema,
  SessionSchema,
  searchQuerySchema,
  UnreadSchema,
} from '../protocol/index.js';
import { jsonSchemaOf } from '../protocol/json-schema.js';

/** Who may call a route. */
export type RouteAuth =
  /** Anyone. */
  | 'none'
  /** `Authorization: Bearer <identity token>`. */
  | 'bearer'
  /** Optional bearer token and/or `X-Room-Grant`: open rooms are readable without either. */
  | 'viewer'
  /** `Authorization: Bearer <operator secret>` (`/api/admin/…`). */
  | 'operator';

/** A JSON document served as is (the descriptions themselves). */
const JsonDocumentSchema = z.record(z.string(), z.unknown());

/** The answers by the name they carry in the document (`#/components/schemas/<name>`). */
export const ANSWER_SCHEMAS = {
  Session: SessionSchema,
  RecoveryCode: RecoveryCodeSchema,
  LinkCode: LinkCodeSchema,
  Identity: IdentitySchema,
  ClientLimits: ClientLimitsSchema,
  RoomPage: RoomPageSchema,
  Room: RoomSchema,
  RoomGrant: RoomGrantSchema,
  MessagesPage: MessagesPageSchema,
  SearchPage: SearchPageSchema,
  MemberSearchPage: MemberSearchPageSchema,
  Members: MembersSchema,
  AuditPage: AuditPageSchema,
  Reports: ReportsSchema,
  RoomWordFilter: RoomWordFilterSchema,
  Bans: BansSchema,
  Mutes: MutesSchema,
  ReadSummary: ReadSummarySchema,
  AddressIdentities: AddressIdentitiesSchema,
  Ownership: OwnershipSchema,
  Unread: UnreadSchema,
  OperatorSession: OperatorSessionSchema,
  AdminRooms: AdminRoomsSchema,
  AdminRoom: AdminRoomSchema,
  MessageDeleted: MessageDeletedSchema,
  ReportQueue: ReportQueueSchema,
  ReportsDismissed: ReportsDismissedSchema,
  ServerBans: ServerBansSchema,
  BansLifted: BansLiftedSchema,
  ServerSettings: ServerSettingsSchema,
  OperatorAudit: OperatorAuditSchema,
  Health: HealthSchema,
  Readiness: ReadinessSchema,
  JsonDocument: JsonDocumentSchema,
} as const satisfies Record<string, z.ZodMiniType>;
export type AnswerName = keyof typeof ANSWER_SCHEMAS;

/** A success answer: JSON of a named schema, or a body of another media type. */
export type RouteSuccess =
  | { readonly status: number; readonly answer: AnswerName; readonly description: string }
  | { readonly status: number; readonly mediaType: string; readonly description: string }
  | { readonly status: 204; readonly description: string };

export interface HttpRouteSpec {
  readonly method: 'GET' | 'POST';
  /** As fastify spells it: `/api/rooms/:id`. */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly auth: RouteAuth;
  readonly query?: z.ZodMiniObject;
  readonly body?: z.ZodMiniType;
  readonly success: readonly RouteSuccess[];
  /** Every catalogue code the route can refuse with; each one's status is the catalogue's. */
  readonly errors: readonly ErrorCode[];
}

const BEARER: readonly ErrorCode[] = ['unauthorized', 'server_banned'];
const VIEWER: readonly ErrorCode[] = ['unauthorized', 'server_banned', 'banned'];
const ROOM: readonly ErrorCode[] = ['room_not_found', 'room_closed'];
const OPERATOR: readonly ErrorCode[] = ['not_operator', 'rate_limited'];
const REQUEST: readonly ErrorCode[] = ['invalid_request'];
const NAME: readonly ErrorCode[] = [
  'invalid_nickname',
  'nickname_reserved',
  'nickname_unavailable',
  'unsafe_text',
  'word_filtered',
];

const ok = (answer: AnswerName, description: string, status = 200): RouteSuccess => ({
  status,
  answer,
  description,
});

/** Every route of the HTTP API (and the operations endpoints beside it), in the order of docs/protocol.md. */
export function httpRoutes(pages: HistoryPageBounds & SearchBounds): readonly HttpRouteSpec[] {
  return [
    {
      method: 'POST',
      path: '/api/sessions',
      tag: 'sessions',
      summary: 'Start a new anonymous identity under a nickname.',
      auth: 'none',
      body: CreateSessionBodySchema,
      success: [ok('Session', 'The new identity and its token.', 201)],
      errors: [...REQUEST, ...NAME, 'server_banned', 'rate_limited'],
    },
    {
      method: 'POST',
      path: '/api/sessions/refresh',
      tag: 'sessions',
      summary: 'Renew a token (up to TOKEN_REFRESH_GRACE_SECONDS past its expiry).',
      auth: 'bearer',
      success: [ok('Session', 'A fresh token for the same identity, under its current name.')],
      errors: [...BEARER, 'rate_limited'],
    },
    {
      method: 'POST',
      path: '/api/sessions/revoke',
      tag: 'sessions',
      summary: 'Sign out everywhere: every older token stops working.',
      auth: 'bearer',
      success: [ok('Session', 'A fresh session for this client, same identity.')],
      errors: [...BEARER, 'rate_limited'],
    },
    {
      method: 'POST',
      path: '/api/sessions/rename',
      tag: 'sessions',
      summary: 'The same identity under a new nickname.',
      auth: 'bearer',
      body: RenameBodySchema,
      success: [ok('Session', 'The session under the new name (and tag).')],
      errors: [...BEARER, ...REQUEST, ...NAME, 'rate_limited'],
    },
    {
      method: 'GET',
      path: '/api/sessions/identity',
      tag: 'sessions',
      summary: 'Who the token speaks for, and what starting over would give up.',
      auth: 'bearer',
      success: [ok('Identity', 'The identity, its recovery code date and the rooms it runs.')],
      errors: BEARER,
    },
    {
      method: 'POST',
      path: '/api/sessions/recovery-code',
      tag: 'sessions',
      summary: 'Make a recovery code (shown once; replaces the previous one).',
      auth: 'bearer',
      success: [ok('RecoveryCode', 'The code.', 201)],
      errors: [...BEARER, 'rate_limited'],
    },
    {
      method: 'POST',
      path: '/api/sessions/recover',
      tag: 'sessions',
      summary: 'Bring an identity back with its recovery code.',
      auth: 'none',
      body: CodeBodySchema,
      success: [ok('Session', "A session of the code's identity.", 201)],
      errors: [...REQUEST, 'invalid_code', 'server_banned', 'rate_limited'],
    },
    {
      method: 'POST',
      path: '/api/sessions/link-code',
      tag: 'sessions',
      summary: 'Make a single-use code that signs another device in as this identity.',
      auth: 'bearer',
      success: [ok('LinkCode', 'The code and when it lapses.', 201)],
      errors: [...BEARER, 'rate_limited'],
    },
    {
      method: 'POST',
      path: '/api/sessions/link',
      tag: 'sessions',
      summary: 'Sign this device in with a link code.',
      auth: 'none',
      body: CodeBodySchema,
      success: [ok('Session', "A session of the code's identity; the code is used up.", 201)],
      errors: [...REQUEST, 'invalid_code', 'server_banned', 'rate_limited'],
    },
    {
      method: 'GET',
      path: '/api/limits',
      tag: 'server',
      summary: 'What this server refuses, so a client can say so first.',
      auth: 'none',
      success: [ok('ClientLimits', 'The limits.')],
      errors: [],
    },
    {
      method: 'GET',
      path: '/api/rooms',
      tag: 'rooms',
      summary: 'List or search rooms, most recently active first.',
      auth: 'none',
      query: RoomsQuerySchema,
      success: [ok('RoomPage', 'One page; nextCursor is null on the last.')],
      errors: REQUEST,
    },
    {
      method: 'POST',
      path: '/api/rooms',
      tag: 'rooms',
      summary: 'Create a room; its creator owns it.',
      auth: 'bearer',
      body: CreateRoomBodySchema,
      success: [ok('Room', 'The room.', 201)],
      errors: [...BEARER, ...REQUEST, 'invalid_room', 'unsafe_text', 'word_filtered', 'rate_limited'],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id',
      tag: 'rooms',
      summary: "A room (a password room's outline without its grant).",
      auth: 'viewer',
      success: [ok('Room', 'The room, or its outline.')],
      errors: [...ROOM, 'unauthorized', 'server_banned'],
    },
    {
      method: 'POST',
      path: '/api/rooms/:id/join',
      tag: 'rooms',
      summary: 'Get the room grant of a (password) room.',
      auth: 'bearer',
      body: JoinRoomBodySchema,
      success: [ok('RoomGrant', 'The grant: send it as X-Room-Grant, or room-grant on SUBSCRIBE.')],
      errors: [
        ...BEARER,
        ...REQUEST,
        ...ROOM,
        'wrong_password',
        'banned',
        'too_many_attempts',
        'server_busy',
      ],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id/messages',
      tag: 'rooms',
      summary: 'A page of history, ascending by seq.',
      auth: 'viewer',
      query: historyQuerySchema(pages),
      success: [ok('MessagesPage', 'The messages, in their current state.')],
      errors: [...VIEWER, ...REQUEST, ...ROOM, 'not_joined'],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id/members',
      tag: 'rooms',
      summary: 'Who is online in the room now, across all nodes.',
      auth: 'viewer',
      success: [ok('Members', 'The members online.')],
      errors: [...VIEWER, ...ROOM, 'not_joined'],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id/reads',
      tag: 'rooms',
      summary:
        'How far the room is read, for read counts: every marker under a key of this room (small rooms, then live on the presence topic), else counts per seq.',
      auth: 'viewer',
      query: ReadsQuerySchema,
      success: [ok('ReadSummary', 'The read summary.')],
      errors: [...VIEWER, ...REQUEST, ...ROOM, 'not_joined'],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id/audit',
      tag: 'room staff',
      summary: "The room's moderation log, newest first (owner).",
      auth: 'bearer',
      query: AuditQuerySchema,
      success: [ok('AuditPage', 'The entries.')],
      errors: [...BEARER, ...REQUEST, ...ROOM, 'forbidden'],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id/reports',
      tag: 'room staff',
      summary: 'Open reports of the room, newest first (staff).',
      auth: 'bearer',
      query: ReportsQuerySchema,
      success: [ok('Reports', 'The reports and how many are open.')],
      errors: [...BEARER, ...REQUEST, ...ROOM, 'forbidden'],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id/word-filter',
      tag: 'room staff',
      summary: "The room's own banned words and report threshold (staff).",
      auth: 'bearer',
      success: [ok('RoomWordFilter', 'The word filter.')],
      errors: [...BEARER, ...ROOM, 'forbidden'],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id/bans',
      tag: 'room staff',
      summary: 'Bans in force, newest first (staff).',
      auth: 'bearer',
      success: [ok('Bans', 'The bans.')],
      errors: [...BEARER, ...ROOM, 'forbidden'],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id/mutes',
      tag: 'room staff',
      summary: 'Mutes in force, soonest ending first (staff).',
      auth: 'bearer',
      success: [ok('Mutes', 'The mutes.')],
      errors: [...BEARER, ...ROOM, 'forbidden'],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id/members/:userId/addresses',
      tag: 'room staff',
      summary: 'How many identities an address ban of this user would cover (staff).',
      auth: 'bearer',
      success: [ok('AddressIdentities', 'Networks and identities, never the addresses.')],
      errors: [...BEARER, ...REQUEST, ...ROOM, 'forbidden'],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id/ownership',
      tag: 'room staff',
      summary: 'Whether the owner is away long enough to be claimed (staff).',
      auth: 'bearer',
      success: [ok('Ownership', "The owner's standing.")],
      errors: [...BEARER, ...ROOM, 'forbidden'],
    },
    {
      method: 'GET',
      path: '/api/rooms/:id/search',
      tag: 'rooms',
      summary: 'Messages of the room whose body holds q (case-insensitive, literal), newest first.',
      auth: 'viewer',
      query: searchQuerySchema(pages),
      success: [
        ok('SearchPage', 'One page of matches with their highlight ranges; nextCursor null on the last.'),
      ],
      errors: [...VIEWER, ...REQUEST, ...ROOM, 'not_joined', 'rate_limited'],
    },
    {
      method: 'GET',
      path: '/api/search',
      tag: 'rooms',
      summary: 'Messages holding q in every room the user follows (My rooms), newest first.',
      auth: 'bearer',
      query: searchQuerySchema(pages),
      success: [ok('MemberSearchPage', 'One page of matches, each with its room name and highlight ranges.')],
      errors: [...BEARER, ...REQUEST, 'query_too_short', 'rate_limited'],
    },
    {
      method: 'GET',
      path: '/api/me/unread',
      tag: 'rooms',
      summary: 'Unread counts of the rooms the user has read in.',
      auth: 'bearer',
      success: [ok('Unread', 'Per room, the read marker and what came after it.')],
      errors: BEARER,
    },
    {
      method: 'POST',
      path: '/api/me/rooms/:id/leave',
      tag: 'rooms',
      summary:
        "Leave a room: it leaves the user's rooms and unread notices stop until they read in it again.",
      auth: 'bearer',
      success: [{ status: 204, description: 'Left (also for a room that was not theirs); no body.' }],
      errors: BEARER,
    },
    {
      method: 'POST',
      path: '/api/admin/session',
      tag: 'operators',
      summary: 'Check an operator secret.',
      auth: 'operator',
      success: [ok('OperatorSession', 'Who the operator is.')],
      errors: OPERATOR,
    },
    {
      method: 'GET',
      path: '/api/admin/rooms',
      tag: 'operators',
      summary: 'Every room, closed ones too.',
      auth: 'operator',
      query: AdminRoomsQuerySchema,
      success: [ok('AdminRooms', 'The rooms.')],
      errors: [...OPERATOR, ...REQUEST],
    },
    {
      method: 'POST',
      path: '/api/admin/rooms/:id/close',
      tag: 'operators',
      summary: 'Take a room down (event room.closed).',
      auth: 'operator',
      body: CloseRoomBodySchema,
      success: [ok('AdminRoom', 'The room, closedAt set.')],
      errors: [...OPERATOR, ...REQUEST, 'room_not_found'],
    },
    {
      method: 'POST',
      path: '/api/admin/rooms/:id/reopen',
      tag: 'operators',
      summary: 'Reopen a closed room (event room.reopened).',
      auth: 'operator',
      success: [ok('AdminRoom', 'The room.')],
      errors: [...OPERATOR, 'room_not_found'],
    },
    {
      method: 'POST',
      path: '/api/admin/messages/delete',
      tag: 'operators',
      summary: 'Delete a message (event message.deleted); its open reports close.',
      auth: 'operator',
      body: MessageRefBodySchema,
      success: [ok('MessageDeleted', 'Deleted.')],
      errors: [...OPERATOR, ...REQUEST, 'room_not_found', 'message_not_found'],
    },
    {
      method: 'GET',
      path: '/api/admin/reports',
      tag: 'operators',
      summary: 'Messages with open reports, most recently reported first.',
      auth: 'operator',
      query: AdminReportsQuerySchema,
      success: [ok('ReportQueue', 'The queue.')],
      errors: [...OPERATOR, ...REQUEST],
    },
    {
      method: 'POST',
      path: '/api/admin/reports/dismiss',
      tag: 'operators',
      summary: "Dismiss a message's open reports; a hidden message is restored.",
      auth: 'operator',
      body: MessageRefBodySchema,
      success: [ok('ReportsDismissed', 'How many reports closed.')],
      errors: [...OPERATOR, ...REQUEST, 'not_found'],
    },
    {
      method: 'GET',
      path: '/api/admin/bans',
      tag: 'operators',
      summary: 'Server-wide bans (never an address or its hash).',
      auth: 'operator',
      success: [ok('ServerBans', 'The bans.')],
      errors: OPERATOR,
    },
    {
      method: 'POST',
      path: '/api/admin/bans',
      tag: 'operators',
      summary: 'Ban an identity (and the addresses it was seen from) server-wide.',
      auth: 'operator',
      body: ServerBanBodySchema,
      success: [ok('ServerBans', 'The bans laid.', 201)],
      errors: [...OPERATOR, ...REQUEST],
    },
    {
      method: 'POST',
      path: '/api/admin/bans/lift',
      tag: 'operators',
      summary: 'Lift the server bans of an identity.',
      auth: 'operator',
      body: LiftServerBanBodySchema,
      success: [ok('BansLifted', 'How many bans were lifted.')],
      errors: [...OPERATOR, ...REQUEST, 'not_banned'],
    },
    {
      method: 'GET',
      path: '/api/admin/settings',
      tag: 'operators',
      summary: 'Server-wide settings.',
      auth: 'operator',
      success: [ok('ServerSettings', 'The settings.')],
      errors: OPERATOR,
    },
    {
      method: 'POST',
      path: '/api/admin/settings',
      tag: 'operators',
      summary: 'Replace the settings given; every node reloads them.',
      auth: 'operator',
      body: ServerSettingsBodySchema,
      success: [ok('ServerSettings', 'The settings now.')],
      errors: [...OPERATOR, ...REQUEST],
    },
    {
      method: 'GET',
      path: '/api/admin/audit',
      tag: 'operators',
      summary: 'Operator actions, newest first.',
      auth: 'operator',
      query: OperatorAuditQuerySchema,
      success: [ok('OperatorAudit', 'The entries.')],
      errors: [...OPERATOR, ...REQUEST],
    },
    {
      method: 'GET',
      path: '/api/openapi.json',
      tag: 'descriptions',
      summary: 'This document: the HTTP API as OpenAPI 3.1.',
      auth: 'none',
      success: [ok('JsonDocument', 'The OpenAPI document.')],
      errors: [],
    },
    {
      method: 'GET',
      path: '/api/asyncapi.json',
      tag: 'descriptions',
      summary: 'The STOMP API as AsyncAPI 3.0.',
      auth: 'none',
      success: [ok('JsonDocument', 'The AsyncAPI document.')],
      errors: [],
    },
    {
      method: 'GET',
      path: '/rooms/:id',
      tag: 'descriptions',
      summary:
        "The web client's page for a room, as HTML whatever the Accept header, with the room's name and Open Graph tags (nothing of a password or taken-down room).",
      auth: 'none',
      success: [{ status: 200, mediaType: 'text/html', description: 'The page.' }],
      errors: [],
    },
    {
      method: 'GET',
      path: '/api/docs',
      tag: 'descriptions',
      summary: 'Both descriptions as a readable page.',
      auth: 'none',
      success: [{ status: 200, mediaType: 'text/html', description: 'The page.' }],
      errors: [],
    },
    {
      method: 'GET',
      path: '/api/docs.css',
      tag: 'descriptions',
      summary: "The page's stylesheet.",
      auth: 'none',
      success: [{ status: 200, mediaType: 'text/css', description: 'The stylesheet.' }],
      errors: [],
    },
    {
      method: 'GET',
      path: '/healthz',
      tag: 'operations',
      summary: 'The process runs.',
      auth: 'none',
      success: [ok('Health', 'Always ok while it runs.')],
      errors: [],
    },
    {
      method: 'GET',
      path: '/readyz',
      tag: 'operations',
      summary: 'Storage (and Redis) answer.',
      auth: 'none',
      success: [ok('Readiness', 'Ready.'), ok('Readiness', 'A named check failed.', 503)],
      errors: [],
    },
    {
      method: 'GET',
      path: '/metrics',
      tag: 'operations',
      summary: 'Prometheus metrics.',
      auth: 'none',
      success: [{ status: 200, mediaType: 'text/plain', description: 'Prometheus text exposition.' }],
      errors: [],
    },
  ];
}

/** `METHOD /path` of a route, the key routes are compared by. */
export const routeKey = (route: { readonly method: string; readonly path: string }): string =>
  `${route.method} ${route.path}`;

/**
 * What differs between the routes fastify registered and the table: every `/api/` route (and every one
 * the table names) must be both. HEAD and OPTIONS, which fastify and the CORS hook answer for every GET,
 * are not routes of their own here.
 */
export function undescribedRoutes(
  registered: readonly { readonly method: string; readonly path: string }[],
  described: readonly HttpRouteSpec[],
): string[] {
  const describedKeys = new Set(described.map(routeKey));
  const registeredKeys = new Set(
    registered.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS').map(routeKey),
  );
  const problems: string[] = [];
  for (const key of registeredKeys) {
    if (key.split(' ')[1]?.startsWith('/api/') && !describedKeys.has(key))
      problems.push(`undescribed: ${key}`);
  }
  for (const key of describedKeys) {
    if (!registeredKeys.has(key)) problems.push(`described but not registered: ${key}`);
  }
  return problems;
}

/** The distinct statuses of a route's refusals, each with its codes, in status order. */
export function errorStatuses(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...new Set(codes)]) {
    const { status } = ERROR_CATALOGUE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

/** `/api/rooms/:id` → `/api/rooms/{id}`. */
export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');
const pathParams = (path: string): string[] => [...path.matchAll(/:(\w+)/g)].map((m) => m[1] ?? '');

const PARAMETER_SCHEMAS: Readonly<Record<string, Record<string, unknown>>> = {
  id: { type: 'string', pattern: ROOM_ID_PATTERN.source },
  userId: { type: 'string', minLength: 1, maxLength: 100 },
};

const SECURITY: Readonly<Record<RouteAuth, readonly Record<string, string[]>[]>> = {
  none: [],
  bearer: [{ bearerToken: [] }],
  viewer: [{}, { bearerToken: [] }, { roomGrant: [] }, { bearerToken: [], roomGrant: [] }],
  operator: [{ operatorSecret: [] }],
};

export interface OpenApiOptions {
  readonly pages: HistoryPageBounds & SearchBounds;
  readonly version: string;
}

/** The OpenAPI 3.1 document of `httpRoutes`. */
export function buildOpenApi(options: OpenApiOptions): Record<string, unknown> {
  const routes = httpRoutes(options.pages);
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = { ErrorBody: jsonSchemaOf(ErrorBodySchema, 'output') };
  for (const route of routes) {
    const parameters: Record<string, unknown>[] = pathParams(route.path).map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: PARAMETER_SCHEMAS[name] ?? { type: 'string' },
    }));
    if (route.query !== undefined) {
      const query = jsonSchemaOf(route.query, 'input') as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const success of route.success) {
      if ('answer' in success)
        schemas[success.answer] = jsonSchemaOf(ANSWER_SCHEMAS[success.answer], 'output');
      const content =
        'answer' in success
          ? { 'application/json': { schema: { $ref: `#/components/schemas/${success.answer}` } } }
          : 'mediaType' in success
            ? { [success.mediaType]: { schema: { type: 'string' } } }
            : undefined;
      responses[String(success.status)] =
        content === undefined
          ? { description: success.description }
          : { description: success.description, content };
    }
    for (const [status, codes] of errorStatuses(route.errors)) {
      responses[String(status)] = {
        description: codes.map((code) => `\`${code}\`: ${ERROR_CATALOGUE[code].summary}`).join('\n'),
        content: {
          'application/json': {
            schema: {
              allOf: [
                { $ref: '#/components/schemas/ErrorBody' },
                { properties: { error: { properties: { code: { enum: codes } } } } },
              ],
            },
          },
        },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: operationId(route),
      tags: [route.tag],
      summary: route.summary,
      security: SECURITY[route.auth],
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(route.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchemaOf(route.body, 'input') } },
            },
          }),
      responses,
      'x-parley-auth': route.auth,
      'x-parley-error-codes': [...new Set(route.errors)],
    };
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley HTTP API',
      version: options.version,
      description:
        'Anonymous chat rooms: sessions, rooms and history over HTTP; live messages over STOMP ' +
        '(see /api/asyncapi.json). docs/protocol.md is the prose; every refusal is ' +
        '{"error":{"code","message"}} with a code of the catalogue in docs/errors.md.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'An identity token from POST /api/sessions.',
        },
        roomGrant: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Room-Grant',
          description: 'A room grant from POST /api/rooms/{id}/join.',
        },
        operatorSecret: {
          type: 'http',
          scheme: 'bearer',
          description: 'An operator secret (OPERATOR_TOKENS).',
        },
      },
    },
  };
}

function operationId(route: HttpRouteSpec): string {
  const words = route.path
    .replace(/^\//, '')
    .split(/[/.:-]+/)
    .filter((w) => w !== '');
  return [route.method.toLowerCase(), ...words.map((w) => w[0]?.toUpperCase() + w.slice(1))].join('');
}
