// Presence shared by all nodes through Redis, on the node's shared command connection (not owned
// here). Per room: connection → user, connection → expiry
// (sorted set), user → profile and user → live connection count; each Lua script purges expired
// entries first, so join/leave answers are atomic across nodes and a dead node's entries vanish.
import type { Redis } from 'ioredis';
import type { RoomId, User } from '../chat/model.js';
import { systemClock } from '../clock.js';
import { ParleyError } from '../errors.js';
import { decodeJson, UserSchema } from '../protocol/index.js';
import { HeartbeatPresence, type OwnedEntry, type PresenceBackend } from './heartbeat-presence.js';
import { defaultOnError, LuaScript, type RedisClientOptions } from './redis-client.js';

// KEYS: conn (hash conn→userId), exp (zset conn→expiresAtMs), users (hash userId→json),
// counts (hash userId→live connections).
const PURGE = `
local function purge(now)
  local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  for _, c in ipairs(gone) do
    local uid = redis.call('HGET', KEYS[1], c)
    redis.call('HDEL', KEYS[1], c)
    redis.call('ZREM', KEYS[2], c)
    if uid and redis.call('HINCRBY', KEYS[4], uid, -1) <= 0 then
      redis.call('HDEL', KEYS[4], uid)
      redis.call('HDEL', KEYS[3], uid)
    end
  end
end
local function add(c, uid, json, expires)
  redis.call('ZADD', KEYS[2], expires, c)
  if redis.call('HGET', KEYS[1], c) then return 0 end
  redis.call('HSET', KEYS[1], c, uid)
  redis.call('HSET', KEYS[3], uid, json)
  if redis.call('HINCRBY', KEYS[4], uid, 1) == 1 then return 1 end
  return 0
end
local function keep(ttl)
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
`;

/**
 * ARGV: now, expiresAt, connectionId, userId, userJson, keyTtlMs, maxUsers (0: none) → 1 when first for
 * the user, 0 when not, -1 when refused: a new user and maxUsers distinct users already in.
 */
const JOIN = new LuaScript(`${PURGE}
purge(ARGV[1])
local max = tonumber(ARGV[7])
if max > 0 and redis.call('HEXISTS', KEYS[1], ARGV[3]) == 0
   and redis.call('HEXISTS', KEYS[4], ARGV[4]) == 0
   and redis.call('HLEN', KEYS[4]) >= max then
  return -1
end
local first = add(ARGV[3], ARGV[4], ARGV[5], ARGV[2])
keep(ARGV[6])
return first
`);

/** ARGV: now, connectionId → {lastForUser 0|1, userJson or nil}. */
const LEAVE = new LuaScript(`${PURGE}
local uid = redis.call('HGET', KEYS[1], ARGV[2])
if not uid then
  purge(ARGV[1])
  return {0, false}
end
redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
local json = redis.call('HGET', KEYS[3], uid)
if redis.call('HINCRBY', KEYS[4], uid, -1) <= 0 then
  redis.call('HDEL', KEYS[4], uid)
  redis.call('HDEL', KEYS[3], uid)
end
purge(ARGV[1])
if redis.call('HEXISTS', KEYS[4], uid) == 1 then return {0, json} end
return {1, json}
`);

/** ARGV: now → the profiles of users with a live connection. */
const MEMBERS = new LuaScript(`${PURGE}
purge(ARGV[1])
return redis.call('HVALS', KEYS[3])
`);

/** ARGV: now → distinct live users. */
const COUNT = new LuaScript(`${PURGE}
purge(ARGV[1])
return redis.call('HLEN', KEYS[4])
`);

/** ARGV: expiresAt, keyTtlMs, then (connectionId, userId, userJson)… of one room. */
const REFRESH = new LuaScript(`${PURGE}
for i = 3, #ARGV, 3 do
  add(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[1])
end
keep(ARGV[2])
return 0
`);

const SCRIPTS = [JOIN, LEAVE, MEMBERS, COUNT, REFRESH];

class RedisPresenceBackend implements PresenceBackend {
  readonly #client: Redis;
  readonly #prefix: string;
  /** Real time (Redis' own) after which an abandoned room's keys go, well beyond any entry's ttl. */
  readonly #keyTtlMs: number;

  constructor(client: Redis, prefix: string, ttlMs: number) {
    this.#client = client;
    this.#prefix = prefix;
    this.#keyTtlMs = Math.max(2 * ttlMs, 60_000);
  }

  async join(
    entry: OwnedEntry,
    expiresAtMs: number,
    nowMs: number,
    maxUsers: number,
  ): Promise<boolean | 'full'> {
    const reply = await JOIN.run(this.#client, this.#keys(entry.roomId), [
      nowMs,
      expiresAtMs,
      entry.connectionId,
      entry.user.id,
      JSON.stringify(entry.user),
      this.#keyTtlMs,
      maxUsers,
    ]);
    if (reply === -1) return 'full';
    return reply === 1;
  }

  async leave(
    roomId: RoomId,
    connectionId: string,
    nowMs: number,
  ): Promise<{ lastForUser: boolean; user?: User }> {
    const reply = await LEAVE.run(this.#client, this.#keys(roomId), [nowMs, connectionId]);
    if (!Array.isArray(reply)) throw unexpected(reply);
    const [last, json] = reply as unknown[];
    if (typeof json !== 'string') return { lastForUser: false };
    return { lastForUser: last === 1, user: parseUser(json) };
  }

  async members(roomId: RoomId, nowMs: number): Promise<User[]> {
    const reply = await MEMBERS.run(this.#client, this.#keys(roomId), [nowMs]);
    if (!Array.isArray(reply)) throw unexpected(reply);
    return reply.map((json: unknown) => parseUser(json));
  }

  async counts(roomIds: readonly RoomId[], nowMs: number): Promise<Map<RoomId, number>> {
    // Issued together, so they share the socket's round trips.
    const replies = await Promise.all(
      roomIds.map((roomId) => COUNT.run(this.#client, this.#keys(roomId), [nowMs])),
    );
    const result = new Map<RoomId, number>();
    roomIds.forEach((roomId, i) => {
      const count = replies[i];
      result.set(roomId, typeof count === 'number' ? count : 0);
    });
    return result;
  }

  async refresh(entries: readonly OwnedEntry[], expiresAtMs: number): Promise<void> {
    const byRoom = new Map<RoomId, (string | number)[]>();
    for (const entry of entries) {
      let args = byRoom.get(entry.roomId);
      if (args === undefined) {
        args = [expiresAtMs, this.#keyTtlMs];
        byRoom.set(entry.roomId, args);
      }
      args.push(entry.connectionId, entry.user.id, JSON.stringify(entry.user));
    }
    await Promise.all(
      [...byRoom].map(([roomId, args]) => REFRESH.run(this.#client, this.#keys(roomId), args)),
    );
  }

  async close(): Promise<void> {
    // The connection is shared: its owner closes it once every borrower stopped.
  }

  #keys(roomId: RoomId): string[] {
    const base = `${this.#prefix}presence:${roomId}:`;
    return [`${base}conn`, `${base}exp`, `${base}users`, `${base}counts`];
  }
}

function unexpected(reply: unknown): ParleyError {
  return new ParleyError('internal_error', `unexpected presence reply from Redis: ${JSON.stringify(reply)}`);
}

function parseUser(json: unknown): User {
  const decoded = typeof json === 'string' ? decodeJson(UserSchema, json) : undefined;
  // Checked by the schema; the ids in it are ours (brands are inward).
  if (decoded?.ok === true) return decoded.value as User;
  throw unexpected(json);
}

export interface RedisPresenceOptions extends RedisClientOptions {
  /** The node's command connection. */
  readonly client: Redis;
  readonly nodeId: string;
  /** An entry not refreshed for this long is gone for readers (PRESENCE_TTL_MS). */
  readonly ttlMs: number;
}

/**
 * Expiry is read from the injected Clock on every node (default the system clock), so nodes' clocks
 * must agree to well within `ttlMs`; Redis' own expiry only removes keys of rooms left idle.
 */
export class RedisPresence extends HeartbeatPresence {
  readonly #client: Redis;

  constructor(options: RedisPresenceOptions) {
    const onError = options.onError ?? defaultOnError;
    const { ttlMs } = options;
    super(new RedisPresenceBackend(options.client, options.keyPrefix ?? '', ttlMs), {
      nodeId: options.nodeId,
      ttlMs,
      clock: options.clock ?? systemClock,
      onError,
    });
    this.#client = options.client;
  }

  /** Loads the scripts, so the first join on a fresh server costs no extra round trip. */
  async prepare(): Promise<void> {
    await Promise.all(SCRIPTS.map((script) => script.load(this.#client)));
  }
}
