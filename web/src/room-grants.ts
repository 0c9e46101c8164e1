// Room grants kept for this tab: the proof a password room's reads and SUBSCRIBE take instead of the
// password (docs/protocol.md), per identity and room, in sessionStorage so a reload does not ask again.
// Knows no HTTP or view; a grant the server no longer takes is forgotten by the caller.

const key = (userId: string, roomId: string): string => `parley.grant.${userId}.${roomId}`;

export function loadGrant(userId: string, roomId: string): string | undefined {
  try {
    return sessionStorage.getItem(key(userId, roomId)) ?? undefined;
  } catch {
    // Storage blocked: the password is asked for again.
    return undefined;
  }
}

export function saveGrant(userId: string, roomId: string, grant: string): void {
  try {
    sessionStorage.setItem(key(userId, roomId), grant);
  } catch {
    // Without storage the grant lasts while the room is open.
  }
}

export function forgetGrant(userId: string, roomId: string): void {
  try {
    sessionStorage.removeItem(key(userId, roomId));
  } catch {
    // Nothing stored to forget.
  }
}
