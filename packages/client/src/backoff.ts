// How long to wait before the next reconnect attempt: exponential backoff with full jitter
// (a uniformly random delay between 0 and min(cap, base × 2^attempt)), so clients dropped together by
// a restart do not all come back in the same instant. Pure: the random source is passed in.

export interface BackoffOptions {
  /** The ceiling of the first retry's delay. */
  readonly baseMs: number;
  /** No delay is ever longer than this. */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 10_000 };

/** The ceiling of attempt `attempt`'s delay (0 for the first retry): base × 2^attempt, at most the cap. */
export function backoffCeilingMs(attempt: number, options: BackoffOptions): number {
  // 2^attempt overflows to Infinity for huge attempts; min() keeps it at the cap.
  return Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
}

/** A delay for attempt `attempt`: `random()` (in [0, 1)) times the ceiling, in whole milliseconds. */
export function fullJitterDelayMs(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeilingMs(attempt, options));
}
