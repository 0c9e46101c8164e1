// Token-bucket arithmetic shared by the rate limiters (the Redis Lua script mirrors it line for line).
// Pure: no storage, no clock; times are milliseconds handed in by the caller.
import { ParleyError } from '../errors.js';
import type { RateDecision, RateRule } from './bus.js';

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
