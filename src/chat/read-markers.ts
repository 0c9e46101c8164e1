// How far each member has read each room, and what is unread across their rooms. A marker only ever
// rises and never passes the room's last seq. Knows nothing of frames, HTTP or SQL.
import type { Store, UnreadRoom } from '../store/store.js';
import type { RoomCommand } from './commands.js';
import type { User } from './model.js';
import type { Permissions } from './permissions.js';
import { parseRoomId } from './room-id.js';

export class ReadMarkers {
  readonly #store: Store;
  readonly #permissions: Permissions;

  constructor(deps: { readonly store: Store; readonly permissions: Permissions }) {
    this.#store = deps.store;
    this.#permissions = deps.permissions;
  }

  /** Raises the user's read marker (clamped to the room's last seq); returns the stored value. */
  async markRead(user: User, command: Extract<RoomCommand, { readonly kind: 'read' }>): Promise<number> {
    // From the store, not the policy cache: the clamp needs the room's current lastSeq.
    const room = await this.#permissions.currentRoom(command.roomId);
    return this.#store.markRead(user.id, room.id, Math.min(command.seq, room.lastSeq));
  }

  /** The user's rooms: those they hold a marker in (read in, not left, not put out of), not taken down. */
  unread(user: User): Promise<UnreadRoom[]> {
    return this.#store.listUnread(user.id);
  }

  /**
   * Leaves one of the user's rooms: the marker goes, so the room leaves their rooms and counts nothing
   * for them until they read in it again. Idempotent: a room that is not theirs is left already.
   */
  async leave(user: User, roomId: string): Promise<void> {
    const id = parseRoomId(roomId);
    await this.#store.forgetRead(user.id, id);
  }
}
