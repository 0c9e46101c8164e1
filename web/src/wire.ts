// The JSON shapes the client reads from the HTTP API and STOMP bodies, and the guards that check them.
// Pure data: no DOM, no fetch, so test/e2e/client-logic.test.ts can run it under Node.

export interface User {
  readonly id: string;
  readonly nickname: string;
  readonly tag: string;
}

export interface Room {
  readonly id: string;
  readonly name: string;
  readonly topic: string | null;
  readonly createdAt: string;
  readonly online: number;
  readonly lastMessageAt: string | null;
  /** Empty when the server predates owners (then nobody is staff). */
  readonly ownerId: string;
  readonly moderators: readonly User[];
  readonly memberCap: number | null;
  readonly slowModeSeconds: number;
  readonly hasPassword: boolean;
  /** Names this run of the room's history; sent with since-seq on resume. Absent from older servers. */
  readonly epoch?: string;
}

export interface ReplyQuote {
  readonly id: string;
  readonly seq: number;
  readonly author: User;
  readonly body: string;
}

export interface Reaction {
  readonly emoji: string;
  readonly count: number;
  readonly users: readonly User[];
}

export interface Message {
  readonly id: string;
  readonly roomId: string;
  readonly seq: number;
  readonly author: User;
  readonly body: string;
  readonly createdAt: string;
  readonly clientMsgId?: string;
  readonly replyTo?: ReplyQuote;
  readonly editedAt?: string;
  readonly deleted?: true;
  readonly reactions?: readonly Reaction[];
  readonly mentions?: readonly User[];
}

/** A change in a room that takes the room's next seq (MESSAGE frames with an `event` header). */
export type RoomEvent =
  | { readonly type: 'message.edited'; readonly message: Message }
  | { readonly type: 'message.deleted'; readonly message: Message; readonly by: User }
  | {
      readonly type: 'reaction.changed';
      readonly messageId: string;
      readonly by: User;
      readonly emoji: string;
      /** True: `by` added `emoji`; false: removed it. */
      readonly added: boolean;
      /** How many have `emoji` on the message now (0: gone). */
      readonly count: number;
      /** Only in events stored before 2026-12-02, which carried the whole list instead of the change. */
      readonly reactions?: readonly Reaction[];
    }
  | { readonly type: 'room.updated'; readonly room: Room; readonly by: User }
  | {
      readonly type: 'member.muted';
      readonly user: User;
      readonly until: string;
      readonly reason: string | null;
      readonly by: User;
    }
  | { readonly type: 'member.unmuted'; readonly user: User; readonly by: User }
  | { readonly type: 'member.kicked'; readonly user: User; readonly reason: string | null; readonly by: User }
  | {
      readonly type: 'member.banned';
      readonly user: User;
      readonly until: string | null;
      readonly reason: string | null;
      readonly by: User;
    }
  | { readonly type: 'member.unbanned'; readonly user: User; readonly by: User }
  | { readonly type: 'moderator.added'; readonly user: User; readonly by: User }
  | { readonly type: 'moderator.removed'; readonly user: User; readonly by: User };

export type RoomEventType = RoomEvent['type'];

export interface UnreadRoom {
  readonly roomId: string;
  readonly lastReadSeq: number;
  readonly unread: number;
}

export interface AuditEntry {
  readonly id: string;
  readonly action: string;
  readonly actor: User;
  readonly target?: User;
  readonly messageId?: string;
  /** Free-form details as the server sent them, shown as text. */
  readonly details: string;
  readonly createdAt: string;
}

export interface Report {
  readonly id: string;
  readonly message: Message;
  readonly reporter: User;
  readonly reason: string;
  readonly createdAt: string;
}

export interface Ban {
  readonly user: User;
  readonly until: string | null;
  readonly reason: string | null;
  readonly by: User;
  readonly createdAt: string;
}

export interface Session {
  readonly token: string;
  readonly user: User;
  readonly expiresAt: string;
}

export type PresenceEvent =
  | { readonly type: 'join'; readonly user: User }
  | { readonly type: 'leave'; readonly user: User }
  | { readonly type: 'typing'; readonly user: User };

export interface WireError {
  readonly code: string;
  readonly message: string;
}

/** A body that does not have the documented shape; the caller decides whether to drop or surface it. */
export class WireShapeError extends Error {
  override readonly name = 'WireShapeError';
}

type Obj = Record<string, unknown>;

function obj(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WireShapeError(`${what}: expected an object`);
  }
  return value as Obj;
}

function str(o: Obj, key: string, what: string): string {
  const value = o[key];
  if (typeof value !== 'string') throw new WireShapeError(`${what}.${key}: expected a string`);
  return value;
}

function strOrNull(o: Obj, key: string, what: string): string | null {
  const value = o[key];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new WireShapeError(`${what}.${key}: expected a string or null`);
  return value;
}

function num(o: Obj, key: string, what: string): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new WireShapeError(`${what}.${key}: expected a number`);
  }
  return value;
}

function arr(o: Obj, key: string, what: string): unknown[] {
  const value = o[key];
  if (!Array.isArray(value)) throw new WireShapeError(`${what}.${key}: expected an array`);
  return value;
}

export function parseUser(value: unknown): User {
  const o = obj(value, 'user');
  return { id: str(o, 'id', 'user'), nickname: str(o, 'nickname', 'user'), tag: str(o, 'tag', 'user') };
}

function bool(o: Obj, key: string, what: string): boolean {
  const value = o[key];
  if (typeof value !== 'boolean') throw new WireShapeError(`${what}.${key}: expected a boolean`);
  return value;
}

function seqOf(o: Obj, what: string): number {
  const seq = num(o, 'seq', what);
  if (!Number.isInteger(seq) || seq < 1) throw new WireShapeError(`${what}.seq: expected a positive integer`);
  return seq;
}

export function parseRoom(value: unknown): Room {
  const o = obj(value, 'room');
  const online = o.online;
  const cap = o.memberCap;
  const slow = o.slowModeSeconds;
  // The owner fields are read leniently: a room without them simply has no staff.
  return {
    id: str(o, 'id', 'room'),
    name: str(o, 'name', 'room'),
    topic: strOrNull(o, 'topic', 'room'),
    createdAt: str(o, 'createdAt', 'room'),
    online: typeof online === 'number' && Number.isFinite(online) ? online : 0,
    lastMessageAt: strOrNull(o, 'lastMessageAt', 'room'),
    ownerId: typeof o.ownerId === 'string' ? o.ownerId : '',
    moderators: Array.isArray(o.moderators) ? o.moderators.map(parseUser) : [],
    memberCap: typeof cap === 'number' && Number.isInteger(cap) && cap >= 1 ? cap : null,
    slowModeSeconds: typeof slow === 'number' && Number.isFinite(slow) && slow > 0 ? slow : 0,
    hasPassword: o.hasPassword === true,
    ...(typeof o.epoch === 'string' ? { epoch: o.epoch } : {}),
  };
}

function parseReplyQuote(value: unknown): ReplyQuote {
  const o = obj(value, 'replyTo');
  return {
    id: str(o, 'id', 'replyTo'),
    seq: seqOf(o, 'replyTo'),
    author: parseUser(o.author),
    body: str(o, 'body', 'replyTo'),
  };
}

export function parseReaction(value: unknown): Reaction {
  const o = obj(value, 'reaction');
  return {
    emoji: str(o, 'emoji', 'reaction'),
    count: num(o, 'count', 'reaction'),
    users: arr(o, 'users', 'reaction').map(parseUser),
  };
}

export function parseMessage(value: unknown): Message {
  const o = obj(value, 'message');
  const base: Message = {
    id: str(o, 'id', 'message'),
    roomId: str(o, 'roomId', 'message'),
    seq: seqOf(o, 'message'),
    author: parseUser(o.author),
    body: str(o, 'body', 'message'),
    createdAt: str(o, 'createdAt', 'message'),
  };
  // Absent fields mean "none"; each optional part is added only when present so equality stays exact.
  const extra: {
    clientMsgId?: string;
    replyTo?: ReplyQuote;
    editedAt?: string;
    deleted?: true;
    reactions?: readonly Reaction[];
    mentions?: readonly User[];
  } = {};
  if (typeof o.clientMsgId === 'string') extra.clientMsgId = o.clientMsgId;
  if (o.replyTo !== undefined && o.replyTo !== null) extra.replyTo = parseReplyQuote(o.replyTo);
  if (typeof o.editedAt === 'string') extra.editedAt = o.editedAt;
  if (o.deleted === true) extra.deleted = true;
  if (Array.isArray(o.reactions) && o.reactions.length > 0) extra.reactions = o.reactions.map(parseReaction);
  if (Array.isArray(o.mentions) && o.mentions.length > 0) extra.mentions = o.mentions.map(parseUser);
  return { ...base, ...extra };
}

function reasonOf(o: Obj): string | null {
  return typeof o.reason === 'string' && o.reason !== '' ? o.reason : null;
}

/** The body of a MESSAGE frame whose `event` header is `type`. Unknown types are a shape error. */
export function parseRoomEvent(value: unknown): RoomEvent {
  const o = obj(value, 'event');
  const type = str(o, 'type', 'event');
  const by = (): User => parseUser(o.by);
  const user = (): User => parseUser(o.user);
  switch (type) {
    case 'message.edited':
      return { type, message: parseMessage(o.message) };
    case 'message.deleted':
      return { type, message: parseMessage(o.message), by: by() };
    case 'reaction.changed': {
      const emoji = str(o, 'emoji', 'event');
      const change = {
        type,
        messageId: str(o, 'messageId', 'event'),
        by: by(),
        emoji,
        added: bool(o, 'added', 'event'),
      } as const;
      if (!Array.isArray(o.reactions)) return { ...change, count: num(o, 'count', 'event') };
      const reactions = o.reactions.map(parseReaction);
      return { ...change, count: reactions.find((r) => r.emoji === emoji)?.count ?? 0, reactions };
    }
    case 'room.updated':
      return { type, room: parseRoom(o.room), by: by() };
    case 'member.muted':
      return { type, user: user(), until: str(o, 'until', 'event'), reason: reasonOf(o), by: by() };
    case 'member.kicked':
      return { type, user: user(), reason: reasonOf(o), by: by() };
    case 'member.banned':
      return { type, user: user(), until: strOrNull(o, 'until', 'event'), reason: reasonOf(o), by: by() };
    case 'member.unmuted':
    case 'member.unbanned':
    case 'moderator.added':
    case 'moderator.removed':
      return { type, user: user(), by: by() };
    default:
      throw new WireShapeError(`event.type: unknown type ${type}`);
  }
}

export interface ServerLimits {
  readonly messageMaxChars: number;
  readonly editWindowSeconds: number;
}

export function parseLimits(value: unknown): ServerLimits {
  const o = obj(value, 'limits');
  return {
    messageMaxChars: num(o, 'messageMaxChars', 'limits'),
    editWindowSeconds: num(o, 'editWindowSeconds', 'limits'),
  };
}

export function parseUnread(value: unknown): UnreadRoom[] {
  return arr(obj(value, 'unread'), 'rooms', 'unread').map((item) => {
    const o = obj(item, 'unread');
    return {
      roomId: str(o, 'roomId', 'unread'),
      lastReadSeq: num(o, 'lastReadSeq', 'unread'),
      unread: num(o, 'unread', 'unread'),
    };
  });
}

function detailsText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export function parseAudit(value: unknown): AuditEntry[] {
  return arr(obj(value, 'audit'), 'entries', 'audit').map((item) => {
    const o = obj(item, 'audit');
    const entry: AuditEntry = {
      id: String(o.id),
      action: str(o, 'action', 'audit'),
      actor: parseUser(o.actor),
      details: detailsText(o.details),
      createdAt: str(o, 'createdAt', 'audit'),
    };
    const extra: { target?: User; messageId?: string } = {};
    if (o.target !== undefined && o.target !== null) extra.target = parseUser(o.target);
    if (typeof o.messageId === 'string') extra.messageId = o.messageId;
    return { ...entry, ...extra };
  });
}

export function parseReports(value: unknown): Report[] {
  return arr(obj(value, 'reports'), 'reports', 'reports').map((item) => {
    const o = obj(item, 'report');
    return {
      id: String(o.id),
      message: parseMessage(o.message),
      reporter: parseUser(o.reporter),
      reason: str(o, 'reason', 'report'),
      createdAt: str(o, 'createdAt', 'report'),
    };
  });
}

export function parseBans(value: unknown): Ban[] {
  return arr(obj(value, 'bans'), 'bans', 'bans').map((item) => {
    const o = obj(item, 'ban');
    return {
      user: parseUser(o.user),
      until: strOrNull(o, 'until', 'ban'),
      reason: reasonOf(o),
      by: parseUser(o.by),
      createdAt: str(o, 'createdAt', 'ban'),
    };
  });
}

export function parseSession(value: unknown): Session {
  const o = obj(value, 'session');
  return {
    token: str(o, 'token', 'session'),
    user: parseUser(o.user),
    expiresAt: str(o, 'expiresAt', 'session'),
  };
}

export function parseRoomPage(value: unknown): { rooms: Room[]; nextCursor: string | null } {
  const o = obj(value, 'rooms');
  return { rooms: arr(o, 'rooms', 'rooms').map(parseRoom), nextCursor: strOrNull(o, 'nextCursor', 'rooms') };
}

/** `POST /api/rooms/:id/join`: the room grant and when it ends. */
export function parseRoomGrant(value: unknown): { grant: string; expiresAt: string } {
  const o = obj(value, 'grant');
  return { grant: str(o, 'grant', 'grant'), expiresAt: str(o, 'expiresAt', 'grant') };
}

export function parseMessages(value: unknown): Message[] {
  return arr(obj(value, 'messages'), 'messages', 'messages').map(parseMessage);
}

export function parseMembers(value: unknown): User[] {
  return arr(obj(value, 'members'), 'members', 'members').map(parseUser);
}

export function parsePresence(value: unknown): PresenceEvent {
  const o = obj(value, 'presence');
  const type = o.type;
  const user = parseUser(o.user);
  switch (type) {
    case 'join':
    case 'leave':
    case 'typing':
      return { type, user };
    default:
      throw new WireShapeError('presence.type: expected join, leave or typing');
  }
}

/** `{"code","message"}` from `/user/queue/errors`, or `{"error":{...}}` from HTTP. */
export function parseWireError(value: unknown): WireError {
  const o = obj(value, 'error');
  const inner = typeof o.error === 'object' && o.error !== null ? obj(o.error, 'error') : o;
  return { code: str(inner, 'code', 'error'), message: str(inner, 'message', 'error') };
}

/** JSON.parse that reports a shape error instead of a SyntaxError, so callers handle one error type. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WireShapeError('body is not JSON');
  }
}
