// The HTTP API as typed calls: one function per endpoint the client uses, every answer read through its
// schema in src/protocol. Owns fetch and the error envelope; knows nothing about views or STOMP.

import * as z from 'zod/mini';
import {
  type AddressIdentities,
  AddressIdentitiesSchema,
  type AdminRoom,
  AdminRoomSchema,
  AdminRoomsSchema,
  type AuditEntry,
  AuditPageSchema,
  type Ban,
  BansSchema,
  type ClientLimits,
  ClientLimitsSchema,
  ErrorBodySchema,
  type Identity,
  IdentitySchema,
  type LinkCode,
  LinkCodeSchema,
  MembersSchema,
  type Message,
  MessagesPageSchema,
  type OperatorSession,
  OperatorSessionSchema,
  type Ownership,
  OwnershipSchema,
  type RecoveryCode,
  RecoveryCodeSchema,
  type Report,
  type ReportQueueItem,
  ReportQueueSchema,
  ReportsSchema,
  type Room,
  type RoomGrant,
  RoomGrantSchema,
  type RoomPage,
  RoomPageSchema,
  RoomSchema,
  RoomWordFilterSchema,
  type SearchPage,
  SearchPageSchema,
  ServerBansSchema,
  ServerSettingsSchema,
  type ServerSettingsWire,
  type Session,
  SessionSchema,
  type UnreadRoom,
  UnreadSchema,
  type User,
  type Wire,
  type WordFilter,
} from '../../src/protocol/index.js';
import { readJson, WireShapeError } from './decode.js';

/** A refused or failed request; `code` is the server's catalogue code, or `network` when nothing came back. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The error code to show for a failed call: the server's, or internal_error for anything else. */
export function errorCodeOf(caught: unknown): string {
  return caught instanceof ApiError ? caught.code : 'internal_error';
}

/**
 * Who reads a room: the identity (staff read password rooms with it alone, bans are checked against it)
 * and the room grant a password room needs (docs/protocol.md).
 */
export interface RoomAuth {
  readonly token?: string | undefined;
  readonly grant?: string | undefined;
}

/** One call: the answer read through `schema`, or an ApiError (the server's code, or why there is none). */
async function request<S extends z.ZodMiniType>(
  method: string,
  path: string,
  schema: S,
  options: { token?: string | undefined; grant?: string | undefined; body?: unknown } = {},
): Promise<Wire<S>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.grant !== undefined) headers['x-room-grant'] = options.grant;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch (cause) {
    throw new ApiError('network', 0, cause instanceof Error ? cause.message : 'network error');
  }
  const text = await response.text();
  if (!response.ok) {
    let refusal: { readonly code: string; readonly message: string };
    try {
      refusal = readJson(ErrorBodySchema, text, 'error').error;
    } catch {
      // No envelope (a proxy's page, a crash): the status alone says what kind of failure it was.
      refusal = { code: response.status >= 500 ? 'internal_error' : 'invalid_request', message: text };
    }
    throw new ApiError(refusal.code, response.status, refusal.message);
  }
  try {
    return readJson(schema, text, path);
  } catch (error) {
    if (error instanceof WireShapeError)
      throw new ApiError('invalid_response', response.status, error.message);
    throw error;
  }
}

export async function createSession(nickname: string): Promise<Session> {
  return request('POST', '/api/sessions', SessionSchema, { body: { nickname } });
}

export async function getLimits(): Promise<ClientLimits> {
  return request('GET', '/api/limits', ClientLimitsSchema);
}

export async function refreshSession(token: string): Promise<Session> {
  return request('POST', '/api/sessions/refresh', SessionSchema, { token });
}

/** The same identity under a new nickname: its new session (a tag unique for that nickname). */
export async function renameSession(token: string, nickname: string): Promise<Session> {
  return request('POST', '/api/sessions/rename', SessionSchema, { token, body: { nickname } });
}

/** Sign out other devices: every older token stops working; the answer is this device's new session. */
export async function revokeOtherSessions(token: string): Promise<Session> {
  return request('POST', '/api/sessions/revoke', SessionSchema, { token });
}

export async function getIdentity(token: string): Promise<Identity> {
  return request('GET', '/api/sessions/identity', IdentitySchema, { token });
}

/** A new recovery code, shown once; the previous one stops working. */
export async function createRecoveryCode(token: string): Promise<RecoveryCode> {
  return request('POST', '/api/sessions/recovery-code', RecoveryCodeSchema, { token });
}

/** A single-use code (minutes long) another browser enters to become this identity. */
export async function createLinkCode(token: string): Promise<LinkCode> {
  return request('POST', '/api/sessions/link-code', LinkCodeSchema, { token });
}

/** Becomes the identity of a recovery code or a device link code (told apart by length). */
export async function redeemCode(code: string): Promise<Session> {
  const path = codeKind(code) === 'link' ? '/api/sessions/link' : '/api/sessions/recover';
  return request('POST', path, SessionSchema, { body: { code } });
}

/** Link codes have 8 symbols, recovery codes 28; spaces and hyphens do not count. */
export function codeKind(code: string): 'link' | 'recovery' {
  return code.replace(/[\s-]/g, '').length <= 8 ? 'link' : 'recovery';
}

export async function listRooms(query: { q?: string; cursor?: string; limit?: number }): Promise<RoomPage> {
  const params = new URLSearchParams();
  if (query.q !== undefined && query.q !== '') params.set('q', query.q);
  if (query.cursor !== undefined) params.set('cursor', query.cursor);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  const suffix = params.size > 0 ? `?${params.toString()}` : '';
  return request('GET', `/api/rooms${suffix}`, RoomPageSchema);
}

export async function createRoom(token: string, name: string): Promise<Room> {
  return request('POST', '/api/rooms', RoomSchema, { token, body: { name } });
}

export async function getRoom(id: string, auth: RoomAuth = {}): Promise<Room> {
  return request('GET', `/api/rooms/${encodeURIComponent(id)}`, RoomSchema, auth);
}

/** Enters a room with its password (none for open rooms and staff): the grant its reads need. */
export async function joinRoom(token: string, roomId: string, password?: string): Promise<RoomGrant> {
  return request('POST', `/api/rooms/${encodeURIComponent(roomId)}/join`, RoomGrantSchema, {
    token,
    body: password === undefined ? {} : { password },
  });
}

/** A page's query string (`?before=…&after=…&limit=…`, the parts that are set), or "" when none is. */
function pageQuery(page: { before?: number; after?: number; limit?: number }): string {
  const params = new URLSearchParams();
  for (const key of ['before', 'after', 'limit'] as const) {
    const value = page[key];
    if (value !== undefined) params.set(key, String(value));
  }
  return params.size > 0 ? `?${params.toString()}` : '';
}

export async function listMessages(
  roomId: string,
  page: { before?: number; after?: number; limit?: number },
  auth: RoomAuth = {},
): Promise<readonly Message[]> {
  const reply = await request(
    'GET',
    `/api/rooms/${encodeURIComponent(roomId)}/messages${pageQuery(page)}`,
    MessagesPageSchema,
    auth,
  );
  return reply.messages;
}

/** One page of a room's message search, newest first; `before` is the previous page's `nextCursor`. */
export async function searchRoom(
  roomId: string,
  query: { readonly q: string; readonly before?: string | undefined; readonly limit?: number },
  auth: RoomAuth = {},
): Promise<SearchPage> {
  const params = new URLSearchParams({ q: query.q });
  if (query.before !== undefined) params.set('before', query.before);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  return request(
    'GET',
    `/api/rooms/${encodeURIComponent(roomId)}/search?${params.toString()}`,
    SearchPageSchema,
    auth,
  );
}

export async function listMembers(roomId: string, auth: RoomAuth = {}): Promise<readonly User[]> {
  const reply = await request('GET', `/api/rooms/${encodeURIComponent(roomId)}/members`, MembersSchema, auth);
  return reply.members;
}

export async function listUnread(token: string): Promise<readonly UnreadRoom[]> {
  return (await request('GET', '/api/me/unread', UnreadSchema, { token })).rooms;
}

/** Leaves one of my rooms (its read marker goes): 204, no body. */
export async function leaveRoom(token: string, roomId: string): Promise<void> {
  const response = await fetch(`/api/me/rooms/${encodeURIComponent(roomId)}/leave`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) {
    throw new ApiError(
      response.status === 401 ? 'unauthorized' : 'internal_error',
      response.status,
      response.statusText,
    );
  }
}

/** Newest first; `before` is the id (the event's seq) of the oldest entry already shown. Owner only (`forbidden`). */
export async function listAudit(
  token: string,
  roomId: string,
  page: { before?: number; limit?: number } = {},
): Promise<readonly AuditEntry[]> {
  const reply = await request(
    'GET',
    `/api/rooms/${encodeURIComponent(roomId)}/audit${pageQuery(page)}`,
    AuditPageSchema,
    { token },
  );
  return reply.entries;
}

export async function listReports(token: string, roomId: string): Promise<readonly Report[]> {
  const reply = await request('GET', `/api/rooms/${encodeURIComponent(roomId)}/reports`, ReportsSchema, {
    token,
  });
  return reply.reports;
}

/** How many reports of the room are open now (staff); later changes arrive on `/user/queue/reports`. */
export async function countOpenReports(token: string, roomId: string): Promise<number> {
  const reply = await request(
    'GET',
    `/api/rooms/${encodeURIComponent(roomId)}/reports?limit=1`,
    ReportsSchema,
    {
      token,
    },
  );
  return reply.open;
}

/** The room's own banned words (staff only). */
export async function getRoomWordFilter(
  token: string,
  roomId: string,
): Promise<{ readonly wordFilter: WordFilter | null; readonly reportHideThreshold: number | null }> {
  return request('GET', `/api/rooms/${encodeURIComponent(roomId)}/word-filter`, RoomWordFilterSchema, {
    token,
  });
}

export async function listBans(token: string, roomId: string): Promise<readonly Ban[]> {
  return (await request('GET', `/api/rooms/${encodeURIComponent(roomId)}/bans`, BansSchema, { token })).bans;
}

/** Staff: how many identities were seen from the networks an address ban of this user would cover. */
export function addressIdentities(token: string, roomId: string, userId: string): Promise<AddressIdentities> {
  const path = `/api/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}/addresses`;
  return request('GET', path, AddressIdentitiesSchema, { token });
}

/** For staff: whether the owner is away long enough for a moderator to claim the room. */
export async function getOwnership(token: string, roomId: string): Promise<Ownership> {
  return request('GET', `/api/rooms/${encodeURIComponent(roomId)}/ownership`, OwnershipSchema, { token });
}

/** The page after the audit entries shown (newest first): entries older than the last one's id. */
export function olderAuditPage(shown: readonly AuditEntry[]): { readonly before: number } | undefined {
  const oldest = shown.at(-1);
  return oldest === undefined ? undefined : { before: oldest.id };
}

// The operator API (`/api/admin/…`): the operator's secret is the bearer token. It is kept in memory
// by the admin page only, never stored.

/** Checks the secret: who the operator is, or ApiError `not_operator`. */
export async function operatorSignIn(secret: string): Promise<OperatorSession> {
  return request('POST', '/api/admin/session', OperatorSessionSchema, { token: secret });
}

export async function adminRooms(
  secret: string,
  order: 'activity' | 'reports',
): Promise<readonly AdminRoom[]> {
  return (
    await request('GET', `/api/admin/rooms?order=${order}&limit=100`, AdminRoomsSchema, { token: secret })
  ).rooms;
}

export async function adminSetRoomClosed(
  secret: string,
  roomId: string,
  closed: boolean,
): Promise<AdminRoom> {
  const action = closed ? 'close' : 'reopen';
  return request('POST', `/api/admin/rooms/${encodeURIComponent(roomId)}/${action}`, AdminRoomSchema, {
    token: secret,
    body: {},
  });
}

export async function adminReportQueue(secret: string): Promise<readonly ReportQueueItem[]> {
  return (await request('GET', '/api/admin/reports?limit=100', ReportQueueSchema, { token: secret })).items;
}

export async function adminDismissReports(secret: string, roomId: string, messageId: string): Promise<void> {
  await fetchOk('/api/admin/reports/dismiss', secret, { roomId, messageId });
}

export async function adminDeleteMessage(secret: string, roomId: string, messageId: string): Promise<void> {
  await fetchOk('/api/admin/messages/delete', secret, { roomId, messageId });
}

export async function adminBan(secret: string, userId: string): Promise<void> {
  await request('POST', '/api/admin/bans', ServerBansSchema, { token: secret, body: { userId } });
}

export async function adminSettings(secret: string): Promise<ServerSettingsWire> {
  return request('GET', '/api/admin/settings', ServerSettingsSchema, { token: secret });
}

export async function adminSaveSettings(
  secret: string,
  settings: ServerSettingsWire,
): Promise<ServerSettingsWire> {
  return request('POST', '/api/admin/settings', ServerSettingsSchema, { token: secret, body: settings });
}

const DismissedOrDeletedSchema = z.object({});

/** A POST whose answer carries nothing the page reads beyond success. */
async function fetchOk(path: string, secret: string, body: unknown): Promise<void> {
  await request('POST', path, DismissedOrDeletedSchema, { token: secret, body });
}
