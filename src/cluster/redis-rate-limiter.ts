// Token buckets shared by all nodes, on the node's shared command connection (not owned here): one Lua
// script reads, refills, takes and writes a bucket atomically. Time is the injected Clock when given, else Redis' own TIME, never a mix. A refilled
// bucket is deleted and every bucket key expires when it would be full, so idle keys cost nothing.
import type { Redis } from 'ioredis';
import { ParleyError } from '../errors.js';
import type { BackoffRule, RateDecision, RateLimiter, RateRule } from './bus.js';
import { LuaScript, type RedisClientOptions } from './redis-client.js';
import { assertBackoffRule, assertRule } from './token-bucket.js';

/** Lua: `now` in ms from ARGV[n], or Redis's own clock when the caller passes -1 (no manual clock). */
const nowFromArg = (n: number): string => `local now = tonumber(ARGV[${n}])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`;

/** Mirrors token-bucket.ts. KEYS: bucket. ARGV: capacity, refillPerSecond, cost, nowMs or -1 → {allowed, retryAfterMs}. */
const TAKE = new LuaScript(`
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2]) / 1000
local cost = tonumber(ARGV[3])
${nowFromArg(4)}
local stored = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(stored[1])
local ts = tonumber(stored[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * perMs)
  ts = now
end
local function msUntil(target)
  local ms = math.max(0, math.ceil((target - tokens) / perMs - 1e-9))
  if tokens + ms * perMs >= target then return ms end
  return ms + 1
end
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = msUntil(cost)
end
local untilFull = msUntil(capacity)
if untilFull <= 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'ts', string.format('%.17g', ts))
  redis.call('PEXPIRE', KEYS[1], untilFull + 1)
end
return {allowed, retry}
`);

/**
 * Mirrors token-bucket.ts attemptAt. KEYS: attempts. ARGV: freeAttempts, baseDelayMs, maxDelayMs,
 * resetAfterMs, nowMs or -1 → {allowed, retryAfterMs}.
 */
const ATTEMPT = new LuaScript(`
local free = tonumber(ARGV[1])
local base = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local reset = tonumber(ARGV[4])
${nowFromArg(5)}
local stored = redis.call('HMGET', KEYS[1], 'n', 'until', 'last')
local count = tonumber(stored[1])
local delayed = tonumber(stored[2])
local last = tonumber(stored[3])
if count ~= nil and delayed ~= nil and last ~= nil then
  if now >= delayed and now - last >= reset then count = nil end
else
  count = nil
end
if count ~= nil and now < delayed then
  return {0, delayed - now}
end
count = (count or 0) + 1
local extra = count - free
local delay = 0
if extra > 0 then delay = math.min(max, base * 2 ^ math.min(extra - 1, 60)) end
delayed = now + delay
redis.call('HSET', KEYS[1], 'n', count, 'until', string.format('%.17g', delayed), 'last', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(delayed, now + reset) - now) + 1)
return {1, 0}
`);

/** Mirrors token-bucket.ts refundAt. KEYS: attempts. ARGV: freeAttempts. */
const REFUND = new LuaScript(`
local free = tonumber(ARGV[1])
local stored = redis.call('HMGET', KEYS[1], 'n', 'until', 'last')
local count = tonumber(stored[1])
local delayed = tonumber(stored[2])
local last = tonumber(stored[3])
if count == nil or delayed == nil or last == nil or count <= 1 then
  redis.call('DEL', KEYS[1])
  return 0
end
count = count - 1
if count <= free then delayed = math.min(delayed, last) end
-- The key's expiry stays: the delay only shrinks, so it never ends before the state is worthless.
redis.call('HSET', KEYS[1], 'n', count, 'until', string.format('%.17g', delayed))
return 1
`);

export interface RedisRateLimiterOptions extends RedisClientOptions {
  /** The node's command connection. */
  readonly client: Redis;
}

export class RedisRateLimiter implements RateLimiter {
  readonly #client: Redis;
  readonly #options: RedisRateLimiterOptions;
  readonly #prefix: string;
  #closed = false;

  constructor(options: RedisRateLimiterOptions) {
    this.#options = options;
    this.#prefix = `${options.keyPrefix ?? ''}rate:`;
    this.#client = options.client;
  }

  /** Loads the scripts, so the first request on a fresh server costs no extra round trip. */
  async prepare(): Promise<void> {
    await Promise.all([TAKE.load(this.#client), ATTEMPT.load(this.#client), REFUND.load(this.#client)]);
  }

  async take(key: string, rule: RateRule, cost = 1): Promise<RateDecision> {
    if (this.#closed) throw new ParleyError('shutting_down', 'The rate limiter is closed.');
    assertRule(rule, cost);
    const now = this.#options.clock?.now() ?? -1;
    const reply = await TAKE.run(
      this.#client,
      [this.#prefix + key],
      [rule.capacity, rule.refillPerSecond, cost, now],
    );
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
      throw new ParleyError(
        'internal_error',
        `unexpected rate limit reply from Redis: ${JSON.stringify(reply)}`,
      );
    }
    return { allowed: reply[0] === 1, retryAfterMs: reply[1] };
  }

  async attempt(key: string, rule: BackoffRule): Promise<RateDecision> {
    if (this.#closed) throw new ParleyError('shutting_down', 'The rate limiter is closed.');
    assertBackoffRule(rule);
    const now = this.#options.clock?.now() ?? -1;
    const reply = await ATTEMPT.run(
      this.#client,
      [`${this.#prefix}attempt:${key}`],
      [rule.freeAttempts, rule.baseDelayMs, rule.maxDelayMs, rule.resetAfterMs, now],
    );
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
      throw new ParleyError(
        'internal_error',
        `unexpected attempt reply from Redis: ${JSON.stringify(reply)}`,
      );
    }
    return { allowed: reply[0] === 1, retryAfterMs: reply[1] };
  }

  async forgive(key: string): Promise<void> {
    if (this.#closed) throw new ParleyError('shutting_down', 'The rate limiter is closed.');
    await this.#client.del(`${this.#prefix}attempt:${key}`);
  }

  async refund(key: string, rule: BackoffRule): Promise<void> {
    if (this.#closed) throw new ParleyError('shutting_down', 'The rate limiter is closed.');
    assertBackoffRule(rule);
    await REFUND.run(this.#client, [`${this.#prefix}attempt:${key}`], [rule.freeAttempts]);
  }

  /** Refuses further use; the connection is its owner's to close. */
  async close(): Promise<void> {
    this.#closed = true;
  }
}
