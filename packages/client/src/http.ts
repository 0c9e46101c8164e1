// The HTTP API as typed calls (ParleyHttp): one method per endpoint a client uses, every answer read
// through its schema in src/protocol, every refusal a ParleyError with its catalogue code. Owns fetch
// (injectable: browsers, Node 20, tests) and the error envelope; knows nothing about views or STOMP.

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
  decodeJson,
  ErrorBodySchema,
  type Identity,
  IdentitySchema,
  type LinkCode,
  LinkCodeSchema,
  MembersSchema,
  type Message,
  MessagesPageSchema,
  type Mute,
  MutesSchema,
  type OperatorSession,
  OperatorSessionSchema,
  type Ownership,
  OwnershipSchema,
  type ReadSummary,
  ReadSummarySchema,
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
} from '../../../src/protocol/index.js';
import { ParleyError } from './errors.js';

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

export interface ParleyHttpOptions {
  /** The server's origin, e.g. `https://chat.example` (no trailing slash); "" (the default): same origin. */
  readonly baseUrl?: string;
  /** Defaults to the global fetch (browsers, Node 20). */
  readonly fetch?: FetchFunction;
}

/**
 * Who reads a room: the identity (staff read password rooms with it alone, bans are checked against it)
 * and the room grant a password room needs (docs/protocol.md).
 */
export interface RoomAuth {
  readonly token?: string | undefined;
  readonly grant?: string | undefined;
}

/** Link codes have 8 symbols, recovery codes 28; spaces and hyphens do not count. */
export function codeKind(code: string): 'link' | 'recovery' {
  return code.replace(/[\s-]/g, '').length <= 8 ? 'link' : 'recovery';
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

/** The page after the audit entries shown (newest first): entries older than the last one's id. */
export function olderAuditPage(shown: readonly AuditEntry[]): { readonly before: number } | undefined {
  const oldest = shown.at(-1);
  return oldest === undefined ? undefined : { before: oldest.id };
}

const DismissedOrDeletedSchema = z.object({});

export class ParleyHttp {
  readonly #baseUrl: string;
  readonly #fetch: FetchFunction;

  constructor(options: ParleyHttpOptions = {}) {
    this.#baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    // Bound: a browser's fetch called as a method of another object throws "Illegal invocation".
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** One call: the answer read through `schema`, or a ParleyError (the server's code, or why there is none). */
  async #request<S extends z.ZodMiniType>(
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
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch (cause) {
      throw new ParleyError('network', cause instanceof Error ? cause.message : 'network error');
    }
    const text = await response.text();
    if (!response.ok) {
      const envelope = decodeJson(ErrorBodySchema, text);
      // No envelope (a proxy's page, a crash): the status alone says what kind of failure it was.
      const refusal = envelope.ok
        ? envelope.value.error
        : { code: response.status >= 500 ? 'internal_error' : 'invalid_request', message: text };
      throw ParleyError.fromWire(refusal.code, refusal.message, { status: response.status });
    }
    const decoded = decodeJson(schema, text);
    if (!decoded.ok) {
      const where = decoded.path.length === 0 ? '' : `.${decoded.path.map(String).join('.')}`;
      throw new ParleyError('invalid_response', `${path}${where}: ${decoded.message}`, {
        status: response.status,
      });
    }
    return decoded.value;
  }

  async createSession(nickname: string): Promise<Session> {
    return this.#request('POST', '/api/sessions', SessionSchema, { body: { nickname } });
  }

  async getLimits(): Promise<ClientLimits> {
    return this.#request('GET', '/api/limits', ClientLimitsSchema);
  }

  async refreshSession(token: string): Promise<Session> {
    return this.#request('POST', '/api/sessions/refresh', SessionSchema, { token });
  }

  /** The same identity under a new nickname: its new session (a tag unique for that nickname). */
  async renameSession(token: string, nickname: string): Promise<Session> {
    return this.#request('POST', '/api/sessions/rename', SessionSchema, { token, body: { nickname } });
  }

  /** Sign out other devices: every older token stops working; the answer is this device's new session. */
  async revokeOtherSessions(token: string): Promise<Session> {
    return this.#request('POST', '/api/sessions/revoke', SessionSchema, { token });
  }

  async getIdentity(token: string): Promise<Identity> {
    return this.#request('GET', '/api/sessions/identity', IdentitySchema, { token });
  }

  /** A new recovery code, shown once; the previous one stops working. */
  async createRecoveryCode(token: string): Promise<RecoveryCode> {
    return this.#request('POST', '/api/sessions/recovery-code', RecoveryCodeSchema, { token });
  }

  /** A single-use code (minutes long) another browser enters to become this identity. */
  async createLinkCode(token: string): Promise<LinkCode> {
    return this.#request('POST', '/api/sessions/link-code', LinkCodeSchema, { token });
  }

  /** Becomes the identity of a recovery code or a device link code (told apart by length). */
  async redeemCode(code: string): Promise<Session> {
    const path = codeKind(code) === 'link' ? '/api/sessions/link' : '/api/sessions/recover';
    return this.#request('POST', path, SessionSchema, { body: { code } });
  }

  async listRooms(query: { q?: string; cursor?: string; limit?: number }): Promise<RoomPage> {
    const params = new URLSearchParams();
    if (query.q !== undefined && query.q !== '') params.set('q', query.q);
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const suffix = params.size > 0 ? `?${params.toString()}` : '';
    return this.#request('GET', `/api/rooms${suffix}`, RoomPageSchema);
  }

  async createRoom(token: string, name: string): Promise<Room> {
    return this.#request('POST', '/api/rooms', RoomSchema, { token, body: { name } });
  }

  async getRoom(id: string, auth: RoomAuth = {}): Promise<Room> {
    return this.#request('GET', `/api/rooms/${encodeURIComponent(id)}`, RoomSchema, auth);
  }

  /** Enters a room with its password (none for open rooms and staff): the grant its reads need. */
  async joinRoom(token: string, roomId: string, password?: string): Promise<RoomGrant> {
    return this.#request('POST', `/api/rooms/${encodeURIComponent(roomId)}/join`, RoomGrantSchema, {
      token,
      body: password === undefined ? {} : { password },
    });
  }

  async listMessages(
    roomId: string,
    page: { before?: number; after?: number; limit?: number },
    auth: RoomAuth = {},
  ): Promise<readonly Message[]> {
    const reply = await this.#request(
      'GET',
      `/api/rooms/${encodeURIComponent(roomId)}/messages${pageQuery(page)}`,
      MessagesPageSchema,
      auth,
    );
    return reply.messages;
  }

  async listMembers(roomId: string, auth: RoomAuth = {}): Promise<readonly User[]> {
    const reply = await this.#request(
      'GET',
      `/api/rooms/${encodeURIComponent(roomId)}/members`,
      MembersSchema,
      auth,
    );
    return reply.members;
  }

  async listUnread(token: string): Promise<readonly UnreadRoom[]> {
    return (await this.#request('GET', '/api/me/unread', UnreadSchema, { token })).rooms;
  }

  /** Leaves one of my rooms (its read marker goes): 204, no body. */
  async leaveRoom(token: string, roomId: string): Promise<void> {
    const response = await this.#fetch(`${this.#baseUrl}/api/me/rooms/${encodeURIComponent(roomId)}/leave`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    if (!response.ok) {
      throw new ParleyError(
        response.status === 401 ? 'unauthorized' : 'internal_error',
        response.statusText,
        { status: response.status },
      );
    }
  }

  /** Newest first; `before` is the id (the event's seq) of the oldest entry already shown. Owner only (`forbidden`). */
  async listAudit(
    token: string,
    roomId: string,
    page: { before?: number; limit?: number } = {},
  ): Promise<readonly AuditEntry[]> {
    const reply = await this.#request(
      'GET',
      `/api/rooms/${encodeURIComponent(roomId)}/audit${pageQuery(page)}`,
      AuditPageSchema,
      { token },
    );
    return reply.entries;
  }

  async listReports(token: string, roomId: string): Promise<readonly Report[]> {
    const reply = await this.#request(
      'GET',
      `/api/rooms/${encodeURIComponent(roomId)}/reports`,
      ReportsSchema,
      {
        token,
      },
    );
    return reply.reports;
  }

  /** How many reports of the room are open now (staff); later changes arrive on `/user/queue/reports`. */
  async countOpenReports(token: string, roomId: string): Promise<number> {
    const reply = await this.#request(
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
  async getRoomWordFilter(
    token: string,
    roomId: string,
  ): Promise<{ readonly wordFilter: WordFilter | null; readonly reportHideThreshold: number | null }> {
    return this.#request(
      'GET',
      `/api/rooms/${encodeURIComponent(roomId)}/word-filter`,
      RoomWordFilterSchema,
      {
        token,
      },
    );
  }

  /**
   * How far the room is read, for read counts: every member's marker (small rooms, `live`: then apply
   * the feed's `read` events), else counts per seq from `from` on.
   */
  async readSummary(roomId: string, auth: RoomAuth = {}, from = 0): Promise<ReadSummary> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/reads${from > 0 ? `?from=${from}` : ''}`;
    return this.#request('GET', path, ReadSummarySchema, auth);
  }

  /** One page of a room's message search, newest first; `before` is the previous page's `nextCursor`. */
  async searchRoom(
    roomId: string,
    query: { readonly q: string; readonly before?: string | undefined; readonly limit?: number },
    auth: RoomAuth = {},
  ): Promise<SearchPage> {
    const params = new URLSearchParams({ q: query.q });
    if (query.before !== undefined) params.set('before', query.before);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const path = `/api/rooms/${encodeURIComponent(roomId)}/search?${params.toString()}`;
    return this.#request('GET', path, SearchPageSchema, auth);
  }

  /** Staff: mutes in force, soonest ending first. */
  async listMutes(token: string, roomId: string): Promise<readonly Mute[]> {
    return (
      await this.#request('GET', `/api/rooms/${encodeURIComponent(roomId)}/mutes`, MutesSchema, { token })
    ).mutes;
  }

  async listBans(token: string, roomId: string): Promise<readonly Ban[]> {
    return (
      await this.#request('GET', `/api/rooms/${encodeURIComponent(roomId)}/bans`, BansSchema, { token })
    ).bans;
  }

  /** Staff: how many identities were seen from the networks an address ban of this user would cover. */
  addressIdentities(token: string, roomId: string, userId: string): Promise<AddressIdentities> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}/addresses`;
    return this.#request('GET', path, AddressIdentitiesSchema, { token });
  }

  /** For staff: whether the owner is away long enough for a moderator to claim the room. */
  async getOwnership(token: string, roomId: string): Promise<Ownership> {
    return this.#request('GET', `/api/rooms/${encodeURIComponent(roomId)}/ownership`, OwnershipSchema, {
      token,
    });
  }

  // The operator API (`/api/admin/…`): the operator's secret is the bearer token. It is kept in memory
  // by the admin page only, never stored.

  /** Checks the secret: who the operator is, or ParleyError `not_operator`. */
  async operatorSignIn(secret: string): Promise<OperatorSession> {
    return this.#request('POST', '/api/admin/session', OperatorSessionSchema, { token: secret });
  }

  async adminRooms(secret: string, order: 'activity' | 'reports'): Promise<readonly AdminRoom[]> {
    return (
      await this.#request('GET', `/api/admin/rooms?order=${order}&limit=100`, AdminRoomsSchema, {
        token: secret,
      })
    ).rooms;
  }

  async adminSetRoomClosed(secret: string, roomId: string, closed: boolean): Promise<AdminRoom> {
    const action = closed ? 'close' : 'reopen';
    return this.#request(
      'POST',
      `/api/admin/rooms/${encodeURIComponent(roomId)}/${action}`,
      AdminRoomSchema,
      {
        token: secret,
        body: {},
      },
    );
  }

  async adminReportQueue(secret: string): Promise<readonly ReportQueueItem[]> {
    return (await this.#request('GET', '/api/admin/reports?limit=100', ReportQueueSchema, { token: secret }))
      .items;
  }

  async adminDismissReports(secret: string, roomId: string, messageId: string): Promise<void> {
    await this.#fetchOk('/api/admin/reports/dismiss', secret, { roomId, messageId });
  }

  async adminDeleteMessage(secret: string, roomId: string, messageId: string): Promise<void> {
    await this.#fetchOk('/api/admin/messages/delete', secret, { roomId, messageId });
  }

  async adminBan(secret: string, userId: string): Promise<void> {
    await this.#request('POST', '/api/admin/bans', ServerBansSchema, { token: secret, body: { userId } });
  }

  async adminSettings(secret: string): Promise<ServerSettingsWire> {
    return this.#request('GET', '/api/admin/settings', ServerSettingsSchema, { token: secret });
  }

  async adminSaveSettings(secret: string, settings: ServerSettingsWire): Promise<ServerSettingsWire> {
    return this.#request('POST', '/api/admin/settings', ServerSettingsSchema, {
      token: secret,
      body: settings,
    });
  }

  /** A POST whose answer carries nothing the caller reads beyond success. */
  async #fetchOk(path: string, secret: string, body: unknown): Promise<void> {
    await this.#request('POST', path, DismissedOrDeletedSchema, { token: secret, body });
  }
}
