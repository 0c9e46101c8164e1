import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RateRule } from './bus.js';
import { type BucketState, takeTokens } from './token-bucket.js';

const rules = fc.record({
  capacity: fc.integer({ min: 1, max: 50 }),
  refillPerSecond: fc.double({ min: 0.1, max: 100, noNaN: true }),
});
const steps = fc.array(
  fc.record({ waitMs: fc.integer({ min: 0, max: 5_000 }), cost: fc.integer({ min: 1, max: 5 }) }),
  {
    maxLength: 60,
  },
);

describe('takeTokens', () => {
  it('never grants more than capacity plus what refilled', () => {
    fc.assert(
      fc.property(rules, steps, (rule: RateRule, plan) => {
        let state: BucketState | undefined;
        let now = 0;
        let granted = 0;
        for (const step of plan) {
          now += step.waitMs;
          const cost = Math.min(step.cost, rule.capacity);
          const outcome = takeTokens(state, rule, cost, now);
          if (outcome.decision.allowed) granted += cost;
          state = outcome.state;
        }
        expect(granted).toBeLessThanOrEqual(rule.capacity + (now * rule.refillPerSecond) / 1000 + 1e-6);
      }),
    );
  });

  it('refuses until exactly retryAfterMs has passed, then allows', () => {
    fc.assert(
      fc.property(rules, fc.integer({ min: 1, max: 5 }), (rule: RateRule, rawCost) => {
        const cost = Math.min(rawCost, rule.capacity);
        let state: BucketState | undefined;
        // Drain the bucket completely at t=0.
        for (let i = 0; i < rule.capacity; i++) state = takeTokens(state, rule, 1, 0).state;
        const refused = takeTokens(state, rule, cost, 0).decision;
        expect(refused.allowed).toBe(false);
        const wait = refused.retryAfterMs;
        if (wait > 1) expect(takeTokens(state, rule, cost, wait - 1).decision.allowed).toBe(false);
        expect(takeTokens(state, rule, cost, wait).decision).toEqual({ allowed: true, retryAfterMs: 0 });
      }),
    );
  });

  it('reports when the bucket is full again, and refills nothing when time goes backwards', () => {
    const rule: RateRule = { capacity: 4, refillPerSecond: 2 };
    const drained = takeTokens(undefined, rule, 3, 10_000);
    expect(drained.fullAtMs).toBe(11_500);
    const earlier = takeTokens(drained.state, rule, 1, 9_000);
    expect(earlier.decision.allowed).toBe(true);
    expect(earlier.state.tokens).toBe(0);
  });
});
