// The Cache shared by all nodes on Redis (plain string keys under `keyPrefix` + "cache:", expiry by
// Redis PX), on the node's shared command connection (not owned here). Best effort: a failed or slow
// read is a miss and a failed `set` is only reported, but a failed delete or `setIfNewer` rejects,
// because a caller invalidating or advancing data must know.
import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.js';
import { ParleyError } from '../errors.js';
import { type Cache, decodeVersioned, encodeVersioned, type VersionedValue } from './bus.js';
import { defaultOnError, LuaScript, type RedisClientOptions, withTimeout } from './redis-client.js';

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

export interface RedisCacheOptions extends RedisClientOptions {
  /** The node's command connection. */
  readonly client: Redis;
  /**
   * A command slower than this fails (and a read becomes a miss) instead of waiting, e.g. queued
   * while the shared connection reconnects: a cache that is down must miss at once
   * (REDIS_COMMAND_TIMEOUT_MS).
   */
  readonly commandTimeoutMs: number;
}

export class RedisCache implements Cache {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #onError: (error: unknown) => void;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  #closed = false;

  constructor(options: RedisCacheOptions) {
    this.#client = options.client;
    this.#prefix = `${options.keyPrefix ?? ''}cache:`;
    this.#onError = options.onError ?? defaultOnError;
    this.#timeoutMs = options.commandTimeoutMs;
    this.#clock = options.clock ?? systemClock;
  }

  /** Loads the script, so the first `setIfNewer` costs no extra round trip. */
  async prepare(): Promise<void> {
    await SET_IF_NEWER.load(this.#client);
  }

  async get(key: string): Promise<string | undefined> {
    this.#assertOpen();
    try {
      return (await this.#bounded(this.#client.get(this.#prefix + key), 'cache read')) ?? undefined;
    } catch (error) {
      this.#onError(error);
      return undefined;
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#assertOpen();
    try {
      const stored = this.#prefix + key;
      await this.#bounded<unknown>(
        ttlMs > 0
          ? this.#client.set(stored, value, 'PX', Math.max(1, Math.ceil(ttlMs)))
          : this.#client.unlink(stored),
        'cache write',
      );
    } catch (error) {
      this.#onError(error);
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.#assertOpen();
    if (keys.length === 0) return;
    try {
      await this.#bounded(
        this.#client.unlink(...keys.map((key) => this.#prefix + key)),
        'cache invalidation',
      );
    } catch (error) {
      throw new ParleyError('internal_error', 'cache invalidation failed', { cause: error });
    }
  }

  async setIfNewer(key: string, version: number, value: string, ttlMs: number): Promise<void> {
    this.#assertOpen();
    try {
      await this.#bounded(
        SET_IF_NEWER.run(
          this.#client,
          [this.#prefix + key],
          [version, encodeVersioned(version, value), Math.max(1, Math.ceil(ttlMs))],
        ),
        'cache update',
      );
    } catch (error) {
      throw new ParleyError('internal_error', 'cache update failed', { cause: error });
    }
  }

  async getVersioned(key: string): Promise<VersionedValue | undefined> {
    return decodeVersioned(await this.get(key));
  }

  /** Refuses further use; the connection is its owner's to close. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #bounded<T>(command: Promise<T>, what: string): Promise<T> {
    return withTimeout(command, this.#timeoutMs, this.#clock, what);
  }

  #assertOpen(): void {
    if (this.#closed) throw new ParleyError('shutting_down', 'The cache is closed.');
  }
}
