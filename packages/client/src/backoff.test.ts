import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, fullJitterDelayMs } from './backoff.js';

describe('reconnect backoff with full jitter', () => {
  const options = { baseMs: 500, capMs: 10_000 };

  it('doubles the ceiling per attempt up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 60, 5000].map((n) => backoffCeilingMs(n, options))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000,
    ]);
  });

  it('draws uniformly between 0 and the ceiling from the injected random source', () => {
    expect(fullJitterDelayMs(0, options, () => 0)).toBe(0);
    expect(fullJitterDelayMs(0, options, () => 0.5)).toBe(250);
    expect(fullJitterDelayMs(3, options, () => 0.25)).toBe(1000);
    expect(fullJitterDelayMs(9, options, () => 0.999_999)).toBe(9999);
    // Full jitter: the same attempt spreads over the whole range, not around a mean.
    const draws = [0.1, 0.3, 0.7, 0.9].map((r) => fullJitterDelayMs(2, options, () => r));
    expect(draws).toEqual([200, 600, 1400, 1800]);
  });
});
