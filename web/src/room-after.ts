// The room as the client holds it after a room event: settings and staff follow the events, the online
// count follows presence (a `room.updated` event carries the room's stored state, never who is online).
// Pure, so the rule is tested under Node.
import type { Room, RoomEvent } from '../../src/protocol/index.js';

/** The room as it is after an event that changes it; other events leave it as it was. */
export function roomAfter(room: Room, event: RoomEvent): Room {
  switch (event.type) {
    case 'room.updated':
      // The event's room is the stored state: no online count or epoch (not part of the log): keep ours.
      return { ...room, ...event.room };
    case 'moderator.added':
      return room.moderators.some((m) => m.id === event.user.id)
        ? room
        : { ...room, moderators: [...room.moderators, event.user] };
    case 'moderator.removed':
      return { ...room, moderators: room.moderators.filter((m) => m.id !== event.user.id) };
    case 'owner.changed':
      // As the server does it: the new owner leaves the moderators, the previous one joins them last.
      return {
        ...room,
        ownerId: event.owner.id,
        moderators: [
          ...room.moderators.filter((m) => m.id !== event.owner.id && m.id !== event.previous.id),
          event.previous,
        ],
      };
    default:
      return room;
  }
}
