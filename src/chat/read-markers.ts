// How far each member has read each room, what is unread across their rooms, and the room's read
// counts (how many members have not read a message yet). A marker only ever rises and never passes the
// room's last seq. Knows nothing of frames, HTTP or SQL.
import type { Bus } from '../cluster/bus.js';
import type { ReadSummary as WireReadSummary } from '../protocol/index.js';
import type { Store, UnreadRoom } from '../store/store.js';
import type { RoomCommand } from './commands.js';
import type { RoomId, User } from './model.js';
import type { Permissions } from './permissions.js';
import type { ReaderKeys } from './reader-keys.js';
import { parseRoomId } from './room-id.js';

export interface ReadMarkersDependencies {
  readonly store: Store;
  readonly permissions: Permissions;
  readonly bus: Bus;
  readonly readerKeys: ReaderKeys;
  /**
   * READ_COUNTS_MAX_MEMBERS: up to this many members a room's reads go out live (each read to every
   * subscriber of its presence topic) and read summaries list every marker; above it, counts per seq
   * on request only. 0: no live reads anywhere.
   */
  readonly readCountsMaxMembers: number;
}

export class ReadMarkers {
  readonly #store: Store;
  readonly #permissions: Permissions;
  readonly #deps: ReadMarkersDependencies;

  constructor(deps: ReadMarkersDependencies) {
    this.#store = deps.store;
    this.#permissions = deps.permissions;
    this.#deps = deps;
  }

  /** Raises the user's read marker (clamped to the room's last seq); returns the stored value. */
  async markRead(user: User, command: Extract<RoomCommand, { readonly kind: 'read' }>): Promise<number> {
    // From the store, not the policy cache: the clamp needs the room's current lastSeq.
    const room = await this.#permissions.currentRoom(command.roomId);
    const marked = await this.#store.markRead(user.id, room.id, Math.min(command.seq, room.lastSeq));
    // Only a marker that rose is news: a repeated or lower read must not fan out to the room.
    if (marked.raised) await this.#announce(room.id, user, marked.lastReadSeq);
    return marked.lastReadSeq;
  }

  /**
   * How far the room is read, as read counts need it: each member's marker under a key of this room
   * (`markers`) in rooms up to READ_COUNTS_MAX_MEMBERS, else how many stand at each seq from `fromSeq`.
   */
  async summary(roomId: RoomId, fromSeq: number): Promise<WireReadSummary> {
    const { readerKeys, readCountsMaxMembers } = this.#deps;
    const summary = await this.#store.readSummary(roomId, readCountsMaxMembers, fromSeq);
    if (summary.markers !== undefined) {
      return {
        members: summary.members,
        live: true,
        markers: summary.markers.map((m) => ({ reader: readerKeys.of(roomId, m.userId), seq: m.seq })),
      };
    }
    return { members: summary.members, live: false, readBy: [...(summary.readBy ?? [])] };
  }

  /** A read goes out live while the room is small enough for every read to reach every member. */
  async #announce(roomId: RoomId, user: User, seq: number): Promise<void> {
    const { bus, readerKeys, readCountsMaxMembers } = this.#deps;
    if (readCountsMaxMembers === 0) return;
    if ((await this.#store.countReaders(roomId)) > readCountsMaxMembers) return;
    await bus.publish({
      kind: 'presence',
      roomId,
      event: { type: 'read', reader: readerKeys.of(roomId, user.id), seq },
    });
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
