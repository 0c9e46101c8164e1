// How a room event is kept in `room_events.body`: the typed value as JSON (a storage encoding, not the
// wire), read back through the protocol schema. Rows written by older versions are upgraded on read.
// Knows nothing of SQL, connections or delivery.

import * as z from 'zod/mini';
import type { RoomEvent } from '../chat/model.js';
import { ParleyError } from '../errors.js';
import { decodeJsonValue, RoomEventSchema } from '../protocol/index.js';

/** The column value for a typed event. */
export function encodeRoomEvent(event: RoomEvent): string {
  return JSON.stringify(event);
}

/** A stored row: the event as written, older rows upgraded first (see upgradeLegacy). */
const StoredRoomEventSchema = z.pipe(
  z.transform((value: unknown) => upgradeLegacy(value)),
  RoomEventSchema,
);

/**
 * The typed event of a stored row. A row that does not decode is a bug or a damaged database, never a
 * client's doing: internal_error, with the row named.
 */
export function decodeRoomEvent(body: string, where: { roomId: string; seq: number }): RoomEvent {
  const decoded = decodeJsonValue(StoredRoomEventSchema, body);
  if (!decoded.ok) {
    throw new ParleyError(
      'internal_error',
      `Stored room event ${where.roomId}#${where.seq} does not decode: ${decoded.message}`,
    );
  }
  // The schema checked the shape; ids read from our own rows are the server's ids (brands are inward).
  return decoded.value as RoomEvent;
}

/**
 * Shapes older versions stored: `member.banned` without `scope`, `member.kicked` without `until` and
 * `room.updated` rooms without the newcomer gate (before migration 8) read as identity bans, kicks
 * without a cool-down and gates off. `reaction.changed` carried the message's whole `reactions` list instead
 * of the emoji's `count` (until 2026-12-02): the count is read from that list. `room.updated` carried
 * `room.online`, which the schema drops (presence is not part of the log), and before migration 13 no
 * `notice` or `pins` (none then).
 */
function upgradeLegacy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const row = value as Record<string, unknown>;
  // Before address bans and kick cool-downs (migration 8): every ban covered the identity alone, every
  // kick let them back at once, and rooms had no newcomer gate.
  if (row.type === 'member.banned' && !('scope' in row)) return { ...row, scope: 'identity' };
  if (row.type === 'member.kicked' && !('until' in row)) return { ...row, until: null };
  if (row.type === 'room.updated' && typeof row.room === 'object' && row.room !== null) {
    const room = row.room as Record<string, unknown>;
    if ('pins' in room) return value;
    // Before notices and pins (migration 13): none.
    const upgraded = { notice: null, ...room, pins: [] };
    if ('approveNewcomers' in room) return { ...row, room: upgraded };
    return {
      ...row,
      room: { newcomerMinutes: 0, newcomerMessages: 0, ...upgraded, approveNewcomers: false },
    };
  }
  if (row.type !== 'reaction.changed' || 'count' in row) return value;
  const { reactions, ...rest } = row;
  const listed = Array.isArray(reactions)
    ? reactions.find(
        (r: unknown) => typeof r === 'object' && r !== null && 'emoji' in r && r.emoji === row.emoji,
      )
    : undefined;
  let count = 0;
  if (typeof listed === 'object' && listed !== null) {
    if ('count' in listed && typeof listed.count === 'number') count = listed.count;
    else if ('users' in listed && Array.isArray(listed.users)) count = listed.users.length;
  }
  return { ...rest, count };
}
