// Keeping a session's token fresh: renewed ahead of its expiry (sliding sessions: the server still
// renews a token some time past its expiry, so the server, not this clock, has the last word). Knows
// the HTTP refresh call and timers, nothing of storage, rooms or STOMP.
import type { Session } from '../../../src/protocol/index.js';
import { ParleyError } from './errors.js';
import type { ParleyHttp } from './http.js';

/** Refresh this long before expiry, for tokens that live long enough. */
const REFRESH_LEAD_MS = 5 * 60_000;
/** After a failure that is not a refusal (network, server error), try again this much later. */
export const REFRESH_RETRY_MS = 15_000;
/** Timers longer than 2^31 ms fire at once in browsers; a long-lived token waits in steps. */
const MAX_TIMER_MS = 2_000_000_000;

/**
 * Milliseconds from `nowMs` until the token expiring at `expiresAtMs` should be refreshed: five minutes
 * ahead for long-lived tokens, half the remaining life for short ones (never a hot loop), 0 if expired.
 */
export function msUntilRefresh(expiresAtMs: number, nowMs: number): number {
  const remaining = expiresAtMs - nowMs;
  if (remaining <= 0) return 0;
  return remaining > 2 * REFRESH_LEAD_MS ? remaining - REFRESH_LEAD_MS : Math.floor(remaining / 2);
}

export interface KeepFreshOptions {
  readonly http: Pick<ParleyHttp, 'refreshSession'>;
  /** The latest session (a rename or a sign-out of other devices may have replaced it meanwhile). */
  readonly current: () => Session;
  /** Every renewed session. */
  readonly onRefreshed: (next: Session) => void;
  /** The server refused the token for good (401 for the token still in use): sign in again. */
  readonly onExpired: (error: ParleyError) => void;
  /** The clock (ms since the epoch); tests move it. */
  readonly now?: () => number;
  readonly retryMs?: number;
}

/** Renews the session before each expiry until the returned function is called. */
export function keepSessionFresh(options: KeepFreshOptions): () => void {
  const now = options.now ?? Date.now;
  const retryMs = options.retryMs ?? REFRESH_RETRY_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = (delayMs: number): void => {
    timer = setTimeout(
      () => {
        void refresh();
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
  };
  const refresh = async (): Promise<void> => {
    const used = options.current().token;
    try {
      const next = await options.http.refreshSession(used);
      if (stopped) return;
      options.onRefreshed(next);
      schedule(msUntilRefresh(Date.parse(next.expiresAt), now()));
    } catch (error) {
      if (stopped) return;
      const refused = error instanceof ParleyError && error.status === 401;
      // A 401 for a token that has since been replaced (renamed, other devices signed out) is no news:
      // try again at once with the new one.
      if (refused && options.current().token === used) options.onExpired(error);
      else schedule(refused ? 0 : retryMs);
    }
  };
  schedule(msUntilRefresh(Date.parse(options.current().expiresAt), now()));
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
