// Timing rules: the gate for client-originated notices (typing) and when to refresh the token.
// Time is passed in, so tests need no timers.

/** Returns a gate that opens at most once per `intervalMs`. */
export function createThrottle(intervalMs: number): (nowMs: number) => boolean {
  let lastMs = Number.NEGATIVE_INFINITY;
  return (nowMs) => {
    if (nowMs - lastMs < intervalMs) return false;
    lastMs = nowMs;
    return true;
  };
}

/** Refresh this long before expiry, for tokens that live long enough. */
const REFRESH_LEAD_MS = 5 * 60_000;

/**
 * Milliseconds from `nowMs` until the token expiring at `expiresAtMs` should be refreshed: five minutes
 * ahead for long-lived tokens, half the remaining life for short ones (never a hot loop), 0 if expired.
 */
export function msUntilRefresh(expiresAtMs: number, nowMs: number): number {
  const remaining = expiresAtMs - nowMs;
  if (remaining <= 0) return 0;
  return remaining > 2 * REFRESH_LEAD_MS ? remaining - REFRESH_LEAD_MS : Math.floor(remaining / 2);
}
