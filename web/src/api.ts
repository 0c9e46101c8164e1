// The HTTP API as typed calls: one function per endpoint the client uses, every body checked by the
// guards in wire.ts. Owns fetch and the error envelope; knows nothing about views or STOMP.
import {
  type AuditEntry,
  type Ban,
  type Message,
  parseAudit,
  parseBans,
  parseJson,
  parseLimits,
  parseMembers,
  parseMessages,
  parseReports,
  parseRoom,
  parseRoomGrant,
  parseRoomPage,
  parseSession,
  parseUnread,
  parseWireError,
  type Report,
  type Room,
  type ServerLimits,
  type Session,
  type UnreadRoom,
  type User,
  WireShapeError,
} from './wire.js';

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

/**
 * Who reads a room: the identity (staff read password rooms with it alone, bans are checked against it)
 * and the room grant a password room needs (docs/protocol.md).
 */
export interface RoomAuth {
  readonly token?: string | undefined;
  readonly grant?: string | undefined;
}

async function request(
  method: string,
  path: string,
  options: { token?: string | undefined; grant?: string | undefined; body?: unknown } = {},
) {
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
    try {
      const error = parseWireError(parseJson(text));
      throw new ApiError(error.code, response.status, error.message);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(
        response.status >= 500 ? 'internal_error' : 'invalid_request',
        response.status,
        text,
      );
    }
  }
  try {
    return parseJson(text);
  } catch (error) {
    if (error instanceof WireShapeError)
      throw new ApiError('invalid_response', response.status, error.message);
    throw error;
  }
}

/** Runs a guard and turns a shape mismatch into an ApiError, so callers catch one type. */
function shaped<T>(guard: (value: unknown) => T, value: unknown): T {
  try {
    return guard(value);
  } catch (error) {
    if (error instanceof WireShapeError) throw new ApiError('invalid_response', 200, error.message);
    throw error;
  }
}

export async function createSession(nickname: string): Promise<Session> {
  return shaped(parseSession, await request('POST', '/api/sessions', { body: { nickname } }));
}

export async function getLimits(): Promise<ServerLimits> {
  return shaped(parseLimits, await request('GET', '/api/limits'));
}

export async function refreshSession(token: string): Promise<Session> {
  return shaped(parseSession, await request('POST', '/api/sessions/refresh', { token }));
}

export interface RoomPage {
  readonly rooms: Room[];
  readonly nextCursor: string | null;
}

export async function listRooms(query: { q?: string; cursor?: string; limit?: number }): Promise<RoomPage> {
  const params = new URLSearchParams();
  if (query.q !== undefined && query.q !== '') params.set('q', query.q);
  if (query.cursor !== undefined) params.set('cursor', query.cursor);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  const suffix = params.size > 0 ? `?${params.toString()}` : '';
  return shaped(parseRoomPage, await request('GET', `/api/rooms${suffix}`));
}

export async function createRoom(token: string, name: string): Promise<Room> {
  return shaped(parseRoom, await request('POST', '/api/rooms', { token, body: { name } }));
}

export async function getRoom(id: string, auth: RoomAuth = {}): Promise<Room> {
  return shaped(parseRoom, await request('GET', `/api/rooms/${encodeURIComponent(id)}`, auth));
}

export interface RoomGrant {
  readonly grant: string;
  readonly expiresAt: string;
}

/** Enters a room with its password (none for open rooms and staff): the grant its reads need. */
export async function joinRoom(token: string, roomId: string, password?: string): Promise<RoomGrant> {
  const reply = await request('POST', `/api/rooms/${encodeURIComponent(roomId)}/join`, {
    token,
    body: password === undefined ? {} : { password },
  });
  return shaped(parseRoomGrant, reply);
}

export async function listMessages(
  roomId: string,
  page: { before?: number; after?: number; limit?: number },
  auth: RoomAuth = {},
): Promise<Message[]> {
  const params = new URLSearchParams();
  if (page.before !== undefined) params.set('before', String(page.before));
  if (page.after !== undefined) params.set('after', String(page.after));
  if (page.limit !== undefined) params.set('limit', String(page.limit));
  const suffix = params.size > 0 ? `?${params.toString()}` : '';
  return shaped(
    parseMessages,
    await request('GET', `/api/rooms/${encodeURIComponent(roomId)}/messages${suffix}`, auth),
  );
}

export async function listMembers(roomId: string, auth: RoomAuth = {}): Promise<User[]> {
  return shaped(parseMembers, await request('GET', `/api/rooms/${encodeURIComponent(roomId)}/members`, auth));
}

export async function listUnread(token: string): Promise<UnreadRoom[]> {
  return shaped(parseUnread, await request('GET', '/api/me/unread', { token }));
}

/** Newest first; `before` is the id of the oldest entry already shown. Owner only (`forbidden`). */
export async function listAudit(
  token: string,
  roomId: string,
  page: { before?: string; limit?: number } = {},
): Promise<AuditEntry[]> {
  const params = new URLSearchParams();
  if (page.before !== undefined) params.set('before', page.before);
  if (page.limit !== undefined) params.set('limit', String(page.limit));
  const suffix = params.size > 0 ? `?${params.toString()}` : '';
  return shaped(
    parseAudit,
    await request('GET', `/api/rooms/${encodeURIComponent(roomId)}/audit${suffix}`, { token }),
  );
}

export async function listReports(token: string, roomId: string): Promise<Report[]> {
  return shaped(
    parseReports,
    await request('GET', `/api/rooms/${encodeURIComponent(roomId)}/reports`, { token }),
  );
}

export async function listBans(token: string, roomId: string): Promise<Ban[]> {
  return shaped(parseBans, await request('GET', `/api/rooms/${encodeURIComponent(roomId)}/bans`, { token }));
}
