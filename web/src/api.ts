// The HTTP API as typed calls: one function per endpoint the client uses, every answer read through its
// schema in src/protocol. Owns fetch and the error envelope; knows nothing about views or STOMP.

import type * as z from 'zod/mini';
import {
  type AuditEntry,
  AuditPageSchema,
  type Ban,
  BansSchema,
  type ClientLimits,
  ClientLimitsSchema,
  ErrorBodySchema,
  MembersSchema,
  type Message,
  MessagesPageSchema,
  type Ownership,
  OwnershipSchema,
  type Report,
  ReportsSchema,
  type Room,
  type RoomGrant,
  RoomGrantSchema,
  type RoomPage,
  RoomPageSchema,
  RoomSchema,
  type Session,
  SessionSchema,
  type UnreadRoom,
  UnreadSchema,
  type User,
  type Wire,
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

export async function listMembers(roomId: string, auth: RoomAuth = {}): Promise<readonly User[]> {
  const reply = await request('GET', `/api/rooms/${encodeURIComponent(roomId)}/members`, MembersSchema, auth);
  return reply.members;
}

export async function listUnread(token: string): Promise<readonly UnreadRoom[]> {
  return (await request('GET', '/api/me/unread', UnreadSchema, { token })).rooms;
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

export async function listBans(token: string, roomId: string): Promise<readonly Ban[]> {
  return (await request('GET', `/api/rooms/${encodeURIComponent(roomId)}/bans`, BansSchema, { token })).bans;
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
