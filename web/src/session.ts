// The anonymous identity kept across reloads: token and user in localStorage, refreshed before the
// token expires. Knows the HTTP refresh call, nothing about rooms or STOMP.

import { type Session, SessionSchema } from '../../src/protocol/index.js';
import { ApiError, refreshSession } from './api.js';
import { readJson } from './decode.js';
import { msUntilRefresh } from './throttle.js';

const KEY = 'parley.session';
const RETRY_MS = 15_000;
const MAX_TIMER_MS = 2_000_000_000;

export function loadSession(): Session | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw === null) return undefined;
    const session = readJson(SessionSchema, raw, 'stored session');
    return Date.parse(session.expiresAt) > Date.now() ? session : undefined;
  } catch {
    // Storage blocked or a corrupt entry: start over with a new nickname.
    return undefined;
  }
}

export function saveSession(session: Session): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(session));
  } catch {
    // Private mode without storage: the identity lasts for this page only.
  }
}

export function clearSession(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // Nothing stored to clear.
  }
}

/**
 * Keeps `session` fresh until the returned stop function is called. `onRefreshed` gets every new
 * session (already saved); `onExpired` runs when the server refuses the token for good.
 */
export function keepFresh(
  session: Session,
  onRefreshed: (next: Session) => void,
  onExpired: () => void,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let current = session;
  const schedule = (delayMs: number): void => {
    // Browsers fire a timer early when the delay overflows 32 bits; a long-lived token waits in steps.
    timer = setTimeout(
      () => {
        void refresh();
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
  };
  const refresh = async (): Promise<void> => {
    try {
      const next = await refreshSession(current.token);
      if (stopped) return;
      current = next;
      saveSession(next);
      onRefreshed(next);
      schedule(msUntilRefresh(Date.parse(next.expiresAt), Date.now()));
    } catch (error) {
      if (stopped) return;
      if (error instanceof ApiError && error.status === 401) onExpired();
      else schedule(RETRY_MS);
    }
  };
  schedule(msUntilRefresh(Date.parse(session.expiresAt), Date.now()));
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
