// Rate gates for client-originated notices (typing). Time is passed in so tests need no timers.

/** Returns a gate that opens at most once per `intervalMs`. */
export function createThrottle(intervalMs: number): (nowMs: number) => boolean {
  let lastMs = Number.NEGATIVE_INFINITY;
  return (nowMs) => {
    if (nowMs - lastMs < intervalMs) return false;
    lastMs = nowMs;
    return true;
  };
}
