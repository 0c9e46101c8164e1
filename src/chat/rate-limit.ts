// Spending from a rate-limit bucket on behalf of a request: one place that turns a refusal from the
// RateLimiter port into the coded `rate_limited` error with its retry-after, for every room, session
// and identity rule. Knows no bucket arithmetic (the port's) and no transport.
import type { RateLimiter, RateRule } from '../cluster/bus.js';
import { ParleyError } from '../errors.js';

/** Takes one token from `key`'s bucket; refuses with `rate_limited` naming `what` when it is empty. */
export async function takeOrRefuse(
  limiter: RateLimiter,
  key: string,
  rule: RateRule,
  what = 'requests',
): Promise<void> {
  const decision = await limiter.take(key, rule);
  if (decision.allowed) return;
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  throw new ParleyError('rate_limited', `Too many ${what}; retry in ${seconds} s.`, {
    retryAfterSeconds: seconds,
  });
}
