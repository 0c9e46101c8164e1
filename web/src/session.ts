// The anonymous identity kept across reloads: token and user in localStorage, renewed on each visit
// and before the token expires (sliding sessions: the server still renews a token some time past its
// expiry, so a stored session is kept and tried rather than judged by this browser's clock). Knows the
// storage; the refresh itself is the SDK's (keepSessionFresh). Nothing about rooms or STOMP.

import { keepSessionFresh } from '../../packages/client/src/index.js';
import { type Session, SessionSchema } from '../../src/protocol/index.js';
import { api } from './api.js';
import { readJson } from './decode.js';

const KEY = 'parley.session';
const RENEWED_KEY = 'parley.session.renewedAt';
/** A visit renews the token unless it was renewed this recently (a burst of reloads spends one renewal). */
const VISIT_RENEWAL_AFTER_MS = 60_000;

export function loadSession(): Session | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw === null) return undefined;
    // Even when expired by this clock: the server decides (it renews within its grace, else 401).
    return readJson(SessionSchema, raw, 'stored session');
  } catch {
    // Storage blocked or a corrupt entry: start over with a new nickname.
    return undefined;
  }
}

export function saveSession(session: Session): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(session));
    localStorage.setItem(RENEWED_KEY, String(Date.now()));
  } catch {
    // Private mode without storage: the identity lasts for this page only.
  }
}

export function clearSession(): void {
  try {
    localStorage.removeItem(KEY);
    localStorage.removeItem(RENEWED_KEY);
  } catch {
    // Nothing stored to clear.
  }
}

/** When the stored session was last renewed (ms), or 0 when unknown. */
function renewedAtMs(): number {
  try {
    const value = Number(localStorage.getItem(RENEWED_KEY));
    return Number.isFinite(value) ? value : 0;
  } catch {
    return 0;
  }
}

/** Whether loading the page now should renew the stored token first (a visit). */
export function visitRenewalDue(nowMs: number): boolean {
  return nowMs - renewedAtMs() >= VISIT_RENEWAL_AFTER_MS;
}

/**
 * Keeps the session fresh until the returned stop function is called: renewed before each expiry (the
 * SDK's keepSessionFresh), each new session saved first. `current` gives the latest session (it may have
 * changed by a rename or a sign-out of other devices); `onRefreshed` gets every new session;
 * `onExpired` runs when the server refuses the token for good.
 */
export function keepFresh(
  current: () => Session,
  onRefreshed: (next: Session) => void,
  onExpired: () => void,
): () => void {
  return keepSessionFresh({
    http: api,
    current,
    onRefreshed: (next) => {
      saveSession(next);
      onRefreshed(next);
    },
    onExpired: () => onExpired(),
  });
}
