// Bounded waiting for tests: retry an assertion until it passes or a deadline passes. Tests wait for
// conditions with this instead of sleeping; it knows nothing of what it waits for.

export interface EventuallyOptions {
  /** Give up after this long and rethrow the last failure (default 5000). */
  readonly timeoutMs?: number;
  /** Pause between attempts (default 20). */
  readonly intervalMs?: number;
}

/** Runs `check` until it returns without throwing; returns its value. Rethrows the last error on timeout. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await new Promise<void>((resolve) => {
      setTimeout(resolve, intervalMs);
    });
  }
}

/** Resolves with `promise`, or rejects with a named timeout error after `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let handle: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    handle = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(handle);
  }
}
