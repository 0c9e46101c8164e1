// Time as a port: heart-beats, presence expiry and rate limits read the clock through this, so tests
// drive them with `ManualClock` instead of sleeping.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `delayMs`; the returned timer never keeps the process alive on its own. */
  setTimeout(fn: () => void, delayMs: number): Timer;
  /** Runs `fn` every `intervalMs` until cancelled; never keeps the process alive on its own. */
  setInterval(fn: () => void, intervalMs: number): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, delayMs) {
    const handle = setTimeout(fn, delayMs);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
  setInterval(fn, intervalMs) {
    const handle = setInterval(fn, intervalMs);
    handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
};

interface PendingTimer {
  at: number;
  fn: () => void;
  intervalMs: number | undefined;
  cancelled: boolean;
}

/** A clock that moves only when told to; timers fire in time order during `advance`. */
export class ManualClock implements Clock {
  #now: number;
  #timers: PendingTimer[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, delayMs: number): Timer {
    return this.#schedule(fn, delayMs, undefined);
  }

  setInterval(fn: () => void, intervalMs: number): Timer {
    return this.#schedule(fn, intervalMs, Math.max(1, intervalMs));
  }

  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#timers.filter((t) => !t.cancelled && t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      this.#now = next.at;
      if (next.intervalMs === undefined) next.cancelled = true;
      else next.at += next.intervalMs;
      next.fn();
    }
    this.#timers = this.#timers.filter((t) => !t.cancelled);
    this.#now = target;
  }

  #schedule(fn: () => void, delayMs: number, intervalMs: number | undefined): Timer {
    const timer: PendingTimer = { at: this.#now + Math.max(0, delayMs), fn, intervalMs, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }
}
