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
}

export interface Message {
  readonly id: string;
  readonly roomId: string;
  readonly seq: number;
  readonly author: User;
  readonly body: string;
  readonly createdAt: string;
  readonly clientMsgId?: string;
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

export function parseRoom(value: unknown): Room {
  const o = obj(value, 'room');
  const online = o.online;
  return {
    id: str(o, 'id', 'room'),
    name: str(o, 'name', 'room'),
    topic: strOrNull(o, 'topic', 'room'),
    createdAt: str(o, 'createdAt', 'room'),
    online: typeof online === 'number' && Number.isFinite(online) ? online : 0,
    lastMessageAt: strOrNull(o, 'lastMessageAt', 'room'),
  };
}

export function parseMessage(value: unknown): Message {
  const o = obj(value, 'message');
  const seq = num(o, 'seq', 'message');
  if (!Number.isInteger(seq) || seq < 1) throw new WireShapeError('message.seq: expected a positive integer');
  const base = {
    id: str(o, 'id', 'message'),
    roomId: str(o, 'roomId', 'message'),
    seq,
    author: parseUser(o.author),
    body: str(o, 'body', 'message'),
    createdAt: str(o, 'createdAt', 'message'),
  };
  const clientMsgId = o.clientMsgId;
  return typeof clientMsgId === 'string' ? { ...base, clientMsgId } : base;
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
