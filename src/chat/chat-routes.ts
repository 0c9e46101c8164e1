// The chat's STOMP face: which destinations exist and what a SEND or SUBSCRIBE there means.
//   SEND /app/rooms.<id>            → store and broadcast a message
//   SEND /app/rooms.<id>.typing     → typing notice
//   SUBSCRIBE /topic/rooms.<id>     → live messages (after replaying `since-seq` in `epoch`), joins the room
//   SEND /app/rooms.<id>.{edit,delete,react,report,read,moderate} → see RoomModeration
//   SUBSCRIBE /topic/rooms.<id>.presence → join/leave/typing events
// Room events go out on the room topic with an `event:<type>` header; chat messages have none.
// The session pipelines SENDs, so each connection's room SENDs are put back in order here (SendOrder).
import type { Broker, OutboundMessage } from '../broker/types.js';
import { assertNever, ParleyError } from '../errors.js';
import { type ChatService, isRoomId, parseMessageInput } from './chat-service.js';
import type { RoomId, User } from './model.js';
import type { RoomModeration } from './moderation.js';
import { historyResetFrame, resumeFrom } from './resume.js';
import type { FeedEntry, FeedSink } from './room-feed.js';

export const ROOM_TOPIC_PREFIX = '/topic/rooms.';
export const ROOM_APP_PREFIX = '/app/rooms.';
const TYPING_SUFFIX = '.typing';
const PRESENCE_SUFFIX = '.presence';
const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json' });
export const MENTIONS_DESTINATION = '/user/queue/mentions';
const ERRORS_DESTINATION = '/user/queue/errors';
/** Replayed messages between two turns of the event loop. */
const REPLAY_YIELD_EVERY = 200;
const ACTION_SUFFIXES = ['edit', 'delete', 'react', 'report', 'read', 'moderate'] as const;
type Action = (typeof ACTION_SUFFIXES)[number];

/** The MESSAGE of a room entry; its JSON is the entry's, encoded once however many frames use it. */
export function messageFrame(entry: FeedEntry): OutboundMessage {
  const event = entry.eventType;
  return {
    headers:
      event === undefined
        ? { 'content-type': 'application/json', seq: String(entry.seq) }
        : { 'content-type': 'application/json', seq: String(entry.seq), event },
    body: Buffer.from(entry.json),
    seq: entry.seq,
  };
}

/** The user a `member.kicked`/`member.banned` event removes. */
function removedUserId(entry: FeedEntry): string | undefined {
  if (entry.entry.kind !== 'event') return undefined;
  const { event } = entry.entry.event;
  return event.type === 'member.kicked' || event.type === 'member.banned' ? event.user.id : undefined;
}

/** Where room feeds deliver on this node: the broker's room topics. */
export function brokerFeedSink(
  broker: Pick<Broker<User>, 'publish' | 'endSubscriptions' | 'sendToUser'>,
): FeedSink {
  return {
    message(roomId, message) {
      broker.publish(`${ROOM_TOPIC_PREFIX}${roomId}`, messageFrame(message));
      // Every node ends its own connections' subscriptions when it delivers the event, so a kick or
      // ban takes effect cluster-wide; everyone, the target included, has seen the event first.
      const userId = removedUserId(message);
      if (userId === undefined) return;
      const ended =
        broker.endSubscriptions(userId, `${ROOM_TOPIC_PREFIX}${roomId}`) +
        broker.endSubscriptions(userId, `${ROOM_TOPIC_PREFIX}${roomId}${PRESENCE_SUFFIX}`);
      if (ended === 0) return;
      const code = message.eventType === 'member.banned' ? 'banned' : 'kicked';
      broker.sendToUser(userId, ERRORS_DESTINATION, {
        headers: { 'content-type': 'application/json', 'room-id': roomId },
        body: Buffer.from(
          JSON.stringify({
            code,
            message:
              code === 'banned' ? 'You were banned from this room.' : 'You were removed from this room.',
          }),
        ),
      });
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

/** `<id>.<action>` for the room actions; room ids never contain a dot. */
function splitAction(path: string): { roomId: string; action: Action | undefined } {
  const dot = path.indexOf('.');
  if (dot < 0) return { roomId: path, action: undefined };
  const suffix = path.slice(dot + 1);
  const action = ACTION_SUFFIXES.find((a) => a === suffix);
  if (action === undefined)
    throw new ParleyError('unknown_destination', `No such destination: /app/rooms.${path}`);
  return { roomId: path.slice(0, dot), action };
}

/**
 * One connection's room SENDs in flight. A message's admission (rules, rate limits, queueing its append)
 * waits for the previous admissions, so its seq follows the earlier messages', but not for their
 * commits. Any other action (edit, react, moderate…) waits until everything before it is stored, and
 * everything after it waits for it, as when SENDs were handled one at a time.
 */
interface SendOrder {
  /** Settles when every earlier message is admitted and every earlier action done. */
  admitted: Promise<void>;
  /** Settles when everything earlier has fully settled. */
  completed: Promise<void>;
  pending: number;
}

function ignore(): void {}

class SendOrdering {
  readonly #orders = new WeakMap<object, SendOrder>();

  /** `admit` resolves once the message's append is queued; the result resolves after `stored`. */
  async message<T>(connection: object, admit: () => Promise<{ readonly stored: Promise<T> }>): Promise<T> {
    const order = this.#enter(connection);
    const admission = order.admitted.then(admit);
    const stored = admission.then((admitted) => admitted.stored);
    order.admitted = admission.then(ignore, ignore);
    order.completed = Promise.all([order.completed, stored.then(ignore, ignore)]).then(ignore);
    try {
      return await stored;
    } finally {
      this.#leave(connection, order);
    }
  }

  async action<T>(connection: object, run: () => Promise<T>): Promise<T> {
    const order = this.#enter(connection);
    const result = order.completed.then(run);
    order.completed = order.admitted = result.then(ignore, ignore);
    try {
      return await result;
    } finally {
      this.#leave(connection, order);
    }
  }

  #enter(connection: object): SendOrder {
    let order = this.#orders.get(connection);
    if (order === undefined) {
      const settled = Promise.resolve();
      order = { admitted: settled, completed: settled, pending: 0 };
      this.#orders.set(connection, order);
    }
    order.pending += 1;
    return order;
  }

  /** The last one out drops the entry, so an idle connection keeps nothing here. */
  #leave(connection: object, order: SendOrder): void {
    order.pending -= 1;
    if (order.pending === 0 && this.#orders.get(connection) === order) this.#orders.delete(connection);
  }
}

export function registerChatRoutes(
  broker: Broker<User>,
  chat: ChatService,
  moderation?: RoomModeration,
): void {
  const ordering = new SendOrdering();
  broker.route(ROOM_APP_PREFIX, {
    async send(connection, message) {
      const { roomId, suffixed: typing } = splitPath(message.path, TYPING_SUFFIX);
      if (typing) {
        await chat.requireJoined(connection.id, roomId).catch(async (error: unknown) => {
          await moderation?.refuseBannedFrom(connection.principal, roomId);
          throw error;
        });
        await (moderation ?? chat).typing(connection.principal, roomId);
        return;
      }
      const user = connection.principal;
      const contentType = message.headers['content-type'];
      if (moderation === undefined) {
        const joined = chat.requireJoined(connection.id, roomId);
        joined.catch(() => undefined);
        await ordering.message(connection, async () => {
          await joined;
          return chat.admitMessage(user, roomId, parseMessageInput(message.body, contentType));
        });
        return;
      }
      const { roomId: id, action } = splitAction(message.path);
      // Staff moderate a room without being in it; everything else is said from inside the room. The
      // banned, who cannot be in it, are told they are banned.
      const joined =
        action === 'moderate'
          ? Promise.resolve()
          : chat.requireJoined(connection.id, id).catch(async (error: unknown) => {
              await moderation.refuseBannedFrom(user, id);
              throw error;
            });
      // Settled here too, so a refusal is never an unhandled rejection while earlier SENDs still run.
      joined.catch(() => undefined);
      if (action === undefined) {
        await ordering.message(connection, async () => {
          await joined;
          return moderation.admitPost(user, id, message.body, contentType);
        });
        return;
      }
      await ordering.action(connection, async () => {
        await joined;
        switch (action) {
          case 'edit':
            return moderation.edit(user, id, message.body);
          case 'delete':
            return moderation.remove(user, id, message.body);
          case 'react':
            return moderation.react(user, id, message.body);
          case 'report':
            await moderation.report(user, id, message.body);
            return;
          case 'read':
            await moderation.markRead(user, id, message.body);
            return;
          case 'moderate':
            return moderation.moderate(user, id, message.body);
          default:
            assertNever(action);
        }
      });
    },
  });

  broker.route(ROOM_TOPIC_PREFIX, {
    async subscribe(context) {
      const { roomId: rawId, suffixed: presenceOnly } = splitPath(context.path, PRESENCE_SUFFIX);
      const sinceSeq = presenceOnly ? undefined : parseSinceSeq(context.headers['since-seq']);
      const admission = await moderation?.checkJoin(context.connection.principal, rawId, {
        password: context.headers['room-password'],
        grant: context.headers['room-grant'],
        address: context.connection.remoteAddress,
        // The presence of a room this connection is in needs no second proof.
        joined: isRoomId(rawId) && chat.isJoined(context.connection.id, rawId),
        presenceOnly,
      });
      const roomId = await chat.openFeed(rawId);
      try {
        if (presenceOnly) return;
        const resume =
          sinceSeq === undefined
            ? undefined
            : resumeFrom(await chat.logHead(roomId), sinceSeq, context.headers.epoch);
        if (resume?.kind === 'reset') {
          // Another history than the client's: say so, replay nothing; it reloads over HTTP.
          context.resumeAfter(resume.notice.lastSeq);
          context.replay(historyResetFrame(resume.notice));
        } else if (resume !== undefined) {
          const { afterSeq } = resume;
          // The client has everything up to since-seq: a late live message at or below it is not news.
          context.resumeAfter(afterSeq);
          const entries = moderation?.entriesAfter(roomId, afterSeq) ?? chat.messagesAfter(roomId, afterSeq);
          // Stops once nobody receives it (unsubscribed, gone, dropped): a SUBSCRIBE since-seq:0 and a
          // hang-up must not make the server read a long history for nothing. Yields between pages so
          // a hang-up (and everyone else) is heard while a long history streams.
          let replayed = 0;
          for await (const message of entries) {
            if (!context.replay(messageFrame(message))) break;
            replayed += 1;
            if (replayed % REPLAY_YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
          }
        }
        await chat.join(roomId, context.connection.principal, context.connection.id, admission?.maxUsers);
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
