// Who may do what in a room, as the client shows it (the server decides; this only hides choices that
// would surely be refused). Pure: roles from the room JSON, times passed in.
import type { Room } from './wire.js';

export type RoomRole = 'owner' | 'moderator' | 'member';

/** The server's default EDIT_WINDOW_SECONDS; a server with another window still has the last word. */
export const EDIT_WINDOW_MS = 900_000;

export function roleIn(room: Room | undefined, userId: string): RoomRole {
  if (room === undefined) return 'member';
  if (room.ownerId !== '' && room.ownerId === userId) return 'owner';
  return room.moderators.some((m) => m.id === userId) ? 'moderator' : 'member';
}

/** Staff cannot sanction the owner; moderators cannot sanction other moderators. */
export function canSanction(actor: RoomRole, target: RoomRole): boolean {
  if (actor === 'member' || target === 'owner') return false;
  return actor === 'owner' || target === 'member';
}

export function withinEditWindow(createdAt: string, nowMs: number): boolean {
  const at = Date.parse(createdAt);
  return !Number.isNaN(at) && nowMs - at < EDIT_WINDOW_MS;
}
