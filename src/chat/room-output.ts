// The room domain's output port: what this node's rooms hand to the people connected here (room
// entries in seq order, presence, mention notices). The STOMP broker adapter implements it
// (chat-routes.ts); the domain is built with it and never sees the broker, so wiring runs one way.
import type { RoomId, UserId } from './model.js';
import type { FeedSink } from './room-feed.js';

export interface RoomOutput extends FeedSink {
  /** A mention of the user (the message's JSON), to this node's connections of the user; at most once. */
  mention(userId: UserId, roomId: RoomId, json: string): void;
  /** The room's count of open reports (`{"roomId","open"}`), to this node's connections of a staff member. */
  reports?(userId: UserId, roomId: RoomId, json: string): void;
  /** A new message in one of the user's rooms (`{"roomId","seq"}`), to this node's connections of the user. */
  unread?(userId: UserId, roomId: RoomId, json: string): void;
}
