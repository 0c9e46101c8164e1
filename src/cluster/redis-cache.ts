// The Cache shared by all nodes on Redis (plain string keys under `keyPrefix` + "cache:", expiry by
// Redis PX). Best effort: a failed read is a miss and a failed `set` is only reported, but a failed
// delete or `setIfNewer` rejects, because a caller invalidating or advancing data must know.
import type { Redis } from 'ioredis';
import { ParleyError } from '../errors.js';
import { type Cache, decodeVersioned, encodeVersioned, type VersionedValue } from './bus.js';
import {
  closeRedis,
  connectRedis,
  createRedisClient,
  defaultOnError,
  LuaScript,
  type RedisConnectionOptions,
} from './redis-client.js';

/** KEYS: key; ARGV: version, encoded value, ttlMs → 1 when written (the stored version was lower). */
const SET_IF_NEWER = new LuaScript(`
local current = redis.call('GET', KEYS[1])
if current then
  local version = tonumber(string.match(current, '^(%d+):'))
  if version and version >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`);

export interface RedisCacheOptions extends RedisConnectionOptions {
  /** Names the connection in `CLIENT LIST`. Default `parley-cache`. */
  readonly connectionName?: string;
  /** A command slower than this fails (and a read becomes a miss) instead of waiting. Default 500 ms. */
  readonly commandTimeoutMs?: number;
}

export class RedisCache implements Cache {
  readonly #client: Redis;
  readonly #options: RedisCacheOptions;
  readonly #prefix: string;
  readonly #onError: (error: unknown) => void;
  #closed = false;

  constructor(options: RedisCacheOptions) {
    this.#options = options;
    this.#prefix = `${options.keyPrefix ?? ''}cache:`;
    this.#onError = options.onError ?? defaultOnError;
    this.#client = createRedisClient(options.redis, options.connectionName ?? 'parley-cache', this.#onError, {
      commandTimeout: options.commandTimeoutMs ?? 500,
      // A cache that is down should miss at once, not queue reads until Redis returns.
      maxRetriesPerRequest: 1,
    });
  }

  /** Connects with bounded retries. */
  async connect(): Promise<void> {
    await connectRedis(this.#client, {
      attempts: this.#options.connectAttempts,
      delayMs: this.#options.connectDelayMs,
      clock: this.#options.clock,
    });
    await SET_IF_NEWER.load(this.#client);
  }

  async get(key: string): Promise<string | undefined> {
    this.#assertOpen();
    try {
      return (await this.#client.get(this.#prefix + key)) ?? undefined;
    } catch (error) {
      this.#onError(error);
      return undefined;
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#assertOpen();
    try {
      if (ttlMs > 0) await this.#client.set(this.#prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
      else await this.#client.unlink(this.#prefix + key);
    } catch (error) {
      this.#onError(error);
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.#assertOpen();
    if (keys.length === 0) return;
    try {
      await this.#client.unlink(...keys.map((key) => this.#prefix + key));
    } catch (error) {
      throw new ParleyError('internal_error', 'cache invalidation failed', { cause: error });
    }
  }

  async setIfNewer(key: string, version: number, value: string, ttlMs: number): Promise<void> {
    this.#assertOpen();
    try {
      await SET_IF_NEWER.run(
        this.#client,
        [this.#prefix + key],
        [version, encodeVersioned(version, value), Math.max(1, Math.ceil(ttlMs))],
      );
    } catch (error) {
      throw new ParleyError('internal_error', 'cache update failed', { cause: error });
    }
  }

  async getVersioned(key: string): Promise<VersionedValue | undefined> {
    return decodeVersioned(await this.get(key));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeRedis(this.#client);
  }

  #assertOpen(): void {
    if (this.#closed) throw new ParleyError('shutting_down', 'The cache is closed.');
  }
}
