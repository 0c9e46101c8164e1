// The chat's STOMP face: which destinations exist and what a SEND or SUBSCRIBE there means.
//   SEND /app/rooms.<id>            → store and broadcast a message
//   SEND /app/rooms.<id>.typing     → typing notice
//   SUBSCRIBE /topic/rooms.<id>     → live messages (after replaying `since-seq`), joins the room
//   SUBSCRIBE /topic/rooms.<id>.presence → join/leave/typing events
import type { Broker, OutboundMessage } from '../broker/types.js';
import { ParleyError } from '../errors.js';
import { type ChatService, parseMessageInput } from './chat-service.js';
import type { RoomId, User } from './model.js';
import type { EncodedMessage, FeedSink } from './room-feed.js';

export const ROOM_TOPIC_PREFIX = '/topic/rooms.';
export const ROOM_APP_PREFIX = '/app/rooms.';
const TYPING_SUFFIX = '.typing';
const PRESENCE_SUFFIX = '.presence';
const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json' });

export function messageFrame(message: EncodedMessage): OutboundMessage {
  return {
    headers: { 'content-type': 'application/json', seq: String(message.seq) },
    body: Buffer.from(message.json),
    seq: message.seq,
  };
}

/** Where room feeds deliver on this node: the broker's room topics. */
export function brokerFeedSink(broker: Pick<Broker<User>, 'publish'>): FeedSink {
  return {
    message(roomId, message) {
      broker.publish(`${ROOM_TOPIC_PREFIX}${roomId}`, messageFrame(message));
    },
    presence(roomId, json) {
      broker.publish(`${ROOM_TOPIC_PREFIX}${roomId}${PRESENCE_SUFFIX}`, {
        headers: JSON_HEADERS,
        body: Buffer.from(json),
      });
    },
  };
}

function parseSinceSeq(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) {
    throw new ParleyError('invalid_request', 'The since-seq header must be a non-negative integer.');
  }
  return Number(value);
}

/** Splits `<id>` or `<id><suffix>`; the suffix is undefined for a bare room. */
function splitPath(path: string, suffix: string): { roomId: string; suffixed: boolean } {
  return path.endsWith(suffix)
    ? { roomId: path.slice(0, -suffix.length), suffixed: true }
    : { roomId: path, suffixed: false };
}

export function registerChatRoutes(broker: Broker<User>, chat: ChatService): void {
  broker.route(ROOM_APP_PREFIX, {
    async send(connection, message) {
      const { roomId, suffixed: typing } = splitPath(message.path, TYPING_SUFFIX);
      if (typing) {
        await chat.typing(connection.principal, roomId);
        return;
      }
      const input = parseMessageInput(message.body, message.headers['content-type']);
      await chat.postMessage(connection.principal, roomId, input);
    },
  });

  broker.route(ROOM_TOPIC_PREFIX, {
    async subscribe(context) {
      const { roomId: rawId, suffixed: presenceOnly } = splitPath(context.path, PRESENCE_SUFFIX);
      const sinceSeq = presenceOnly ? undefined : parseSinceSeq(context.headers['since-seq']);
      const roomId = await chat.openFeed(rawId);
      try {
        if (presenceOnly) return;
        if (sinceSeq !== undefined) {
          for await (const message of chat.messagesAfter(roomId, sinceSeq))
            context.replay(messageFrame(message));
        }
        await chat.join(roomId, context.connection.principal, context.connection.id);
      } catch (error) {
        chat.closeFeed(roomId);
        throw error;
      }
    },
    unsubscribed(connection, _destination, path) {
      const { roomId, suffixed: presenceOnly } = splitPath(path, PRESENCE_SUFFIX);
      const id = roomId as RoomId;
      chat.closeFeed(id);
      if (!presenceOnly) void chat.leave(id, connection.id).catch(() => undefined);
    },
  });
}
