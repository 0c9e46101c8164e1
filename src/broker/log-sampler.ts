// Bounds the log lines that peers can cause: per kind of line, the first `lines` of each window are
// written and the rest are counted into one "suppressed" line when the window ends. Owns only the
// counting; what is logged, and at which level, is the caller's. Knows nothing of STOMP or sockets.
import type { Logger } from 'pino';
import type { Clock, Timer } from '../clock.js';

export interface LogSampling {
  /** Lines of one kind written per window (default 10). */
  readonly lines: number;
  /** The window, from the first line of a kind (default 10000). */
  readonly windowMs: number;
}

type Level = 'info' | 'warn' | 'error';

interface Window {
  readonly level: Level;
  written: number;
  suppressed: number;
  readonly timer: Timer;
}

/** Kinds tracked at once; beyond it new kinds share one window, so a spray of kinds stays bounded too. */
const MAX_KINDS = 256;
const OVERFLOW_KIND = '(other kinds)';

export class LogSampler {
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #lines: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, Window>();

  constructor(logger: Logger, clock: Clock, sampling: Partial<LogSampling> = {}) {
    this.#logger = logger;
    this.#clock = clock;
    this.#lines = sampling.lines ?? 10;
    this.#windowMs = sampling.windowMs ?? 10_000;
  }

  /** Logs `message` unless this window already had `lines` of it; the kind is the message itself. */
  log(level: Level, details: object, message: string): void {
    let kind = message;
    let window = this.#windows.get(kind);
    if (window === undefined && this.#windows.size >= MAX_KINDS) {
      kind = OVERFLOW_KIND;
      window = this.#windows.get(kind);
    }
    if (window === undefined) {
      const opened: Window = {
        level,
        written: 0,
        suppressed: 0,
        timer: this.#clock.setTimeout(() => this.#endWindow(kind, opened), this.#windowMs),
      };
      window = opened;
      this.#windows.set(kind, window);
    }
    if (window.written >= this.#lines) {
      window.suppressed += 1;
      return;
    }
    window.written += 1;
    this.#logger[level](details, message);
  }

  /** Ends every window now, writing what each suppressed (at shutdown, so no count is lost). */
  flush(): void {
    for (const [kind, window] of [...this.#windows]) {
      window.timer.cancel();
      this.#endWindow(kind, window);
    }
  }

  #endWindow(kind: string, window: Window): void {
    if (this.#windows.get(kind) !== window) return;
    this.#windows.delete(kind);
    if (window.suppressed > 0) {
      this.#logger[window.level](
        { suppressed: window.suppressed, windowMs: this.#windowMs },
        `suppressed ${window.suppressed} similar: ${kind}`,
      );
    }
  }
}
