// The room as the client holds it after a room event: settings, staff, the notice and the pins follow
// the events, the online count follows presence (a `room.updated` event carries the room's stored state, never who is online).
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
    case 'message.pinned':
      return room.pins.some((p) => p.id === event.pin.id)
        ? room
        : { ...room, pins: [...room.pins, event.pin] };
    case 'message.unpinned':
      return { ...room, pins: room.pins.filter((p) => p.id !== event.messageId) };
    case 'notice.changed':
      return { ...room, notice: event.notice };
    // A pinned message's pin follows it, as the server keeps it: its quote as it is now, gone once deleted.
    case 'message.deleted':
      return room.pins.some((p) => p.id === event.message.id)
        ? { ...room, pins: room.pins.filter((p) => p.id !== event.message.id) }
        : room;
    case 'message.edited':
    case 'message.hidden':
    case 'message.restored': {
      const { message } = event;
      if (!room.pins.some((p) => p.id === message.id)) return room;
      const body =
        message.hidden === true || message.deleted === true
          ? ''
          : Array.from(message.body).slice(0, 200).join('');
      return { ...room, pins: room.pins.map((p) => (p.id === message.id ? { ...p, body } : p)) };
    }
    default:
      return room;
  }
}
