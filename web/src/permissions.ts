// Who may do what in a room, as the client shows it (the server decides; this only hides choices that
// would surely be refused). Pure: roles from the room JSON, times passed in.
import type { Room } from '../../src/protocol/index.js';

export type RoomRole = 'owner' | 'moderator' | 'member';

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

/** `windowSeconds` is the server's EDIT_WINDOW_SECONDS (GET /api/limits). */
export function withinEditWindow(createdAt: string, nowMs: number, windowSeconds: number): boolean {
  const at = Date.parse(createdAt);
  return !Number.isNaN(at) && nowMs - at < windowSeconds * 1000;
}
