// Room ids as they arrive from outside (destinations, URL paths, bus payloads): the one check that a
// string can name a room. Pure; whether the room exists is the store's to say.
import { ParleyError } from '../errors.js';
import { ROOM_ID_PATTERN } from '../protocol/index.js';
import type { RoomId } from './model.js';

export function isRoomId(value: string): value is RoomId {
  return ROOM_ID_PATTERN.test(value);
}

/** Parses a room id from user input, or ParleyError('room_not_found') (an id that cannot exist). */
export function parseRoomId(value: string): RoomId {
  if (!isRoomId(value)) throw new ParleyError('room_not_found');
  return value;
}
