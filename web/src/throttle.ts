// Timing rules: the gate for client-originated notices (typing); when to refresh the token (the SDK's).
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

// When to refresh the token is the SDK's rule (packages/client/src/session-refresh.ts).
export { msUntilRefresh } from '../../packages/client/src/index.js';
