// Token buckets in process memory for a single node. Time comes from the injected Clock; memory is
// bounded by dropping buckets that have refilled (a full bucket equals no bucket) and, past
// `maxBuckets`, the least recently used. Several limiters may share one `MemoryBuckets` (tests).
import { type Clock, systemClock, type Timer } from '../clock.js';
import { ParleyError } from '../errors.js';
import type { BackoffRule, RateDecision, RateLimiter, RateRule } from './bus.js';
import {
  type AttemptState,
  assertBackoffRule,
  assertRule,
  attemptAt,
  type BucketState,
  refundAt,
  takeTokens,
} from './token-bucket.js';

interface StoredBucket extends BucketState {
  readonly fullAtMs: number;
}

interface StoredAttempts extends AttemptState {
  readonly expiresAtMs: number;
}

/** The bucket table; Map order is least recently used first. */
export class MemoryBuckets {
  readonly #buckets = new Map<string, StoredBucket>();
  /** Backoff keys (password guesses), bounded like the buckets. */
  readonly #attempts = new Map<string, StoredAttempts>();

  constructor(readonly maxBuckets = 100_000) {}

  findAttempts(key: string): StoredAttempts | undefined {
    return this.#attempts.get(key);
  }

  saveAttempts(key: string, state: StoredAttempts | undefined, nowMs: number): void {
    this.#attempts.delete(key);
    if (state === undefined || state.expiresAtMs <= nowMs) return;
    if (this.#attempts.size >= this.maxBuckets) {
      for (const [k, s] of this.#attempts) if (s.expiresAtMs <= nowMs) this.#attempts.delete(k);
    }
    // Forgetting the stalest only ever lets an attempt through early; bounded memory matters more.
    for (const oldest of this.#attempts.keys()) {
      if (this.#attempts.size < this.maxBuckets) break;
      this.#attempts.delete(oldest);
    }
    this.#attempts.set(key, state);
  }

  get size(): number {
    return this.#buckets.size;
  }

  find(key: string): StoredBucket | undefined {
    return this.#buckets.get(key);
  }

  save(key: string, bucket: StoredBucket, nowMs: number): void {
    this.#buckets.delete(key);
    if (bucket.fullAtMs <= nowMs) return;
    if (this.#buckets.size >= this.maxBuckets) this.sweep(nowMs);
    // Still full of live buckets: forgetting the stalest only ever grants tokens, never refuses.
    for (const oldest of this.#buckets.keys()) {
      if (this.#buckets.size < this.maxBuckets) break;
      this.#buckets.delete(oldest);
    }
    this.#buckets.set(key, bucket);
  }

  /** Drops every bucket that has refilled by `nowMs`. */
  sweep(nowMs: number): void {
    for (const [key, bucket] of this.#buckets) if (bucket.fullAtMs <= nowMs) this.#buckets.delete(key);
    for (const [key, state] of this.#attempts) if (state.expiresAtMs <= nowMs) this.#attempts.delete(key);
  }
}

export interface MemoryRateLimiterOptions {
  readonly clock?: Clock;
  /** Share to make several limiters behave as nodes of one deployment. */
  readonly buckets?: MemoryBuckets;
  /** How often refilled buckets are dropped (default 60 s). */
  readonly sweepIntervalMs?: number;
}

export class MemoryRateLimiter implements RateLimiter {
  readonly #clock: Clock;
  readonly #buckets: MemoryBuckets;
  readonly #sweeper: Timer;
  #closed = false;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#buckets = options.buckets ?? new MemoryBuckets();
    this.#sweeper = this.#clock.setInterval(
      () => this.#buckets.sweep(this.#clock.now()),
      options.sweepIntervalMs ?? 60_000,
    );
  }

  async take(key: string, rule: RateRule, cost = 1): Promise<RateDecision> {
    if (this.#closed) throw new ParleyError('shutting_down', 'The rate limiter is closed.');
    assertRule(rule, cost);
    const now = this.#clock.now();
    const outcome = takeTokens(this.#buckets.find(key), rule, cost, now);
    this.#buckets.save(key, { ...outcome.state, fullAtMs: outcome.fullAtMs }, now);
    return outcome.decision;
  }

  async attempt(key: string, rule: BackoffRule): Promise<RateDecision> {
    if (this.#closed) throw new ParleyError('shutting_down', 'The rate limiter is closed.');
    assertBackoffRule(rule);
    const now = this.#clock.now();
    const outcome = attemptAt(this.#buckets.findAttempts(key), rule, now);
    this.#buckets.saveAttempts(key, { ...outcome.state, expiresAtMs: outcome.expiresAtMs }, now);
    return outcome.decision;
  }

  async forgive(key: string): Promise<void> {
    if (this.#closed) throw new ParleyError('shutting_down', 'The rate limiter is closed.');
    this.#buckets.saveAttempts(key, undefined, this.#clock.now());
  }

  async refund(key: string, rule: BackoffRule): Promise<void> {
    if (this.#closed) throw new ParleyError('shutting_down', 'The rate limiter is closed.');
    assertBackoffRule(rule);
    const outcome = refundAt(this.#buckets.findAttempts(key), rule);
    this.#buckets.saveAttempts(
      key,
      outcome === undefined ? undefined : { ...outcome.state, expiresAtMs: outcome.expiresAtMs },
      this.#clock.now(),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#sweeper.cancel();
  }
}
