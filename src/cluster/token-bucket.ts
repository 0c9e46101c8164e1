// Token-bucket arithmetic shared by the rate limiters (the Redis Lua script mirrors it line for line).
// Pure: no storage, no clock; times are milliseconds handed in by the caller.
import { ParleyError } from '../errors.js';
import type { BackoffRule, RateDecision, RateRule } from './bus.js';

export interface BucketState {
  readonly tokens: number;
  readonly updatedAtMs: number;
}

export interface BucketOutcome {
  readonly decision: RateDecision;
  readonly state: BucketState;
  /** When the bucket is full again; a full bucket is the same as no bucket, so it may be dropped. */
  readonly fullAtMs: number;
}

/** A rule or cost that can never be honoured is a programming error, not a refusal. */
export function assertRule(rule: RateRule, cost: number): void {
  const ok =
    Number.isFinite(rule.capacity) &&
    rule.capacity > 0 &&
    Number.isFinite(rule.refillPerSecond) &&
    rule.refillPerSecond > 0 &&
    Number.isFinite(cost) &&
    cost > 0 &&
    cost <= rule.capacity;
  if (!ok) {
    throw new ParleyError(
      'internal_error',
      `invalid rate rule: capacity ${rule.capacity}, refill ${rule.refillPerSecond}/s, cost ${cost}`,
    );
  }
}

// Floating-point slack, so 0.6 tokens missing at 1/s is 600 ms, not 601.
const EPSILON = 1e-9;

/** Whole ms until `tokens` refill to `target`, checked with the very arithmetic `takeTokens` uses. */
export function msUntil(tokens: number, target: number, perMs: number): number {
  const ms = Math.max(0, Math.ceil((target - tokens) / perMs - EPSILON));
  return tokens + ms * perMs >= target ? ms : ms + 1;
}

export function takeTokens(
  previous: BucketState | undefined,
  rule: RateRule,
  cost: number,
  nowMs: number,
): BucketOutcome {
  const perMs = rule.refillPerSecond / 1000;
  let tokens = previous?.tokens ?? rule.capacity;
  let updatedAtMs = previous?.updatedAtMs ?? nowMs;
  // A clock that went backwards (or a peer node slightly ahead) refills nothing rather than draining.
  if (nowMs > updatedAtMs) {
    tokens = Math.min(rule.capacity, tokens + (nowMs - updatedAtMs) * perMs);
    updatedAtMs = nowMs;
  }
  let decision: RateDecision;
  if (tokens >= cost) {
    tokens -= cost;
    decision = { allowed: true, retryAfterMs: 0 };
  } else {
    decision = { allowed: false, retryAfterMs: msUntil(tokens, cost, perMs) };
  }
  return {
    decision,
    state: { tokens, updatedAtMs },
    fullAtMs: updatedAtMs + msUntil(tokens, rule.capacity, perMs),
  };
}

/** What a backoff key remembers: attempts counted, when the running delay ends, the last attempt. */
export interface AttemptState {
  readonly count: number;
  readonly delayedUntilMs: number;
  readonly lastMs: number;
}

export function assertBackoffRule(rule: BackoffRule): void {
  const ok =
    Number.isSafeInteger(rule.freeAttempts) &&
    rule.freeAttempts >= 0 &&
    Number.isFinite(rule.baseDelayMs) &&
    rule.baseDelayMs > 0 &&
    Number.isFinite(rule.maxDelayMs) &&
    rule.maxDelayMs >= rule.baseDelayMs &&
    Number.isFinite(rule.resetAfterMs) &&
    rule.resetAfterMs > 0;
  if (!ok) throw new ParleyError('internal_error', `invalid backoff rule: ${JSON.stringify(rule)}`);
}

/**
 * One attempt at `nowMs` (the Redis script mirrors this). `expiresAtMs`: when the state is worth
 * nothing any more (the delay is over and the reset time has passed), so it may be dropped.
 */
export function attemptAt(
  previous: AttemptState | undefined,
  rule: BackoffRule,
  nowMs: number,
): { decision: RateDecision; state: AttemptState; expiresAtMs: number } {
  let state = previous;
  if (state !== undefined && nowMs >= state.delayedUntilMs && nowMs - state.lastMs >= rule.resetAfterMs) {
    state = undefined;
  }
  if (state !== undefined && nowMs < state.delayedUntilMs) {
    return {
      decision: { allowed: false, retryAfterMs: state.delayedUntilMs - nowMs },
      state,
      expiresAtMs: attemptExpiry(state, rule),
    };
  }
  const count = (state?.count ?? 0) + 1;
  const extra = count - rule.freeAttempts;
  // 2^(extra−1) overflows nothing that matters: the minimum with maxDelayMs caps it.
  const delayMs = extra > 0 ? Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** Math.min(extra - 1, 60)) : 0;
  const next: AttemptState = { count, delayedUntilMs: nowMs + delayMs, lastMs: nowMs };
  return {
    decision: { allowed: true, retryAfterMs: 0 },
    state: next,
    expiresAtMs: attemptExpiry(next, rule),
  };
}

function attemptExpiry(state: AttemptState, rule: BackoffRule): number {
  return Math.max(state.delayedUntilMs, state.lastMs + rule.resetAfterMs);
}

/** One attempt taken back (see RateLimiter.refund); undefined when nothing is left to remember. */
export function refundAt(
  previous: AttemptState | undefined,
  rule: BackoffRule,
): { state: AttemptState; expiresAtMs: number } | undefined {
  if (previous === undefined || previous.count <= 1) return undefined;
  const count = previous.count - 1;
  const state: AttemptState = {
    count,
    delayedUntilMs:
      count <= rule.freeAttempts
        ? Math.min(previous.delayedUntilMs, previous.lastMs)
        : previous.delayedUntilMs,
    lastMs: previous.lastMs,
  };
  return { state, expiresAtMs: attemptExpiry(state, rule) };
}
