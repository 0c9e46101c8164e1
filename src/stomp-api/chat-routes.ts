// The room domain's STOMP adapter: which destinations exist, what a SEND or SUBSCRIBE there means as a
// typed command, and the RoomOutput the domain delivers through (the broker's topics and user queues).
//   SEND /app/rooms.<id>            → post a message (JSON body or plain text)
//   SEND /app/rooms.<id>.typing     → typing notice
//   SEND /app/rooms.<id>.{edit,delete,react,report,read,moderate} → that command (JSON body)
//   SUBSCRIBE /topic/rooms.<id>     → live messages (after replaying `since-seq` in `epoch`), joins the room
//   SUBSCRIBE /topic/rooms.<id>.presence → join/leave/typing events
// Room events go out on the room topic with an `event:<type>` header; chat messages have none.
// The session pipelines SENDs, so each connection's room SENDs are put back in order here (SendOrder).
import type { Authenticator, Broker, Connection, OutboundMessage } from '../broker/types.js';
import type { Identity } from '../chat/identity.js';
import type { RoomId, User } from '../chat/model.js';
import { resumeFrom } from '../chat/resume.js';
import type { RoomDomain } from '../chat/room-domain.js';
import type { FeedEntry } from '../chat/room-feed.js';
import { isRoomId, parseRoomId } from '../chat/room-id.js';
import type { RoomOutput } from '../chat/room-output.js';
import { bearerToken } from '../chat/tokens.js';
import { type ErrorCode, ParleyError } from '../errors.js';
import { type HistoryReset, ROOM_ACTION_BODIES, type RoomAction } from '../protocol/index.js';
import { readActionCommand, readPostCommand } from './command-readers.js';

export const ROOM_TOPIC_PREFIX = '/topic/rooms.';
export const ROOM_APP_PREFIX = '/app/rooms.';
export const TYPING_SUFFIX = '.typing';
export const PRESENCE_SUFFIX = '.presence';
const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json' });
export const MENTIONS_DESTINATION = '/user/queue/mentions';
/** Staff only: `{"roomId","open"}` whenever a room's count of open reports changes. */
export const REPORTS_DESTINATION = '/user/queue/reports';
/** Each follower of a room, whenever a message is stored there: `{"roomId","seq"}` (unread counts). */
export const UNREAD_DESTINATION = '/user/queue/unread';
export const ERRORS_DESTINATION = '/user/queue/errors';
/** Replayed messages between two turns of the event loop. */
const REPLAY_YIELD_EVERY = 200;
const ACTION_SUFFIXES = Object.keys(ROOM_ACTION_BODIES) as readonly RoomAction[];

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

/** Who a CONNECT speaks for: its bearer token (`Authorization`, either spelling) or `passcode`. */
export function stompAuthenticator(identity: Identity): Authenticator<User> {
  // STOMP header names are case-sensitive; clients spell this one both ways.
  return (headers, remoteAddress) =>
    identity.connect(
      bearerToken(headers.Authorization ?? headers.authorization) ?? headers.passcode,
      remoteAddress,
    );
}

/** Where the room domain delivers on this node: the broker's room topics and user queues. */
export function brokerRoomOutput(
  broker: Pick<Broker<User>, 'publish' | 'endSubscriptions' | 'sendToUser' | 'endDestination'>,
): RoomOutput {
  return {
    message(roomId, message) {
      broker.publish(`${ROOM_TOPIC_PREFIX}${roomId}`, messageFrame(message));
      if (message.eventType === 'room.closed') {
        // Taken down: everyone here is out of it, after seeing the event; told why on their error queue.
        const users = new Set([
          ...broker.endDestination(`${ROOM_TOPIC_PREFIX}${roomId}`),
          ...broker.endDestination(`${ROOM_TOPIC_PREFIX}${roomId}${PRESENCE_SUFFIX}`),
        ]);
        const code: ErrorCode = 'room_closed';
        const body = Buffer.from(JSON.stringify({ code, message: 'An operator took this room down.' }));
        for (const userId of users) {
          broker.sendToUser(userId, ERRORS_DESTINATION, {
            headers: { 'content-type': 'application/json', 'room-id': roomId },
            body,
          });
        }
        return;
      }
      // Every node ends its own connections' subscriptions when it delivers the event, so a kick or
      // ban takes effect cluster-wide; everyone, the target included, has seen the event first.
      const userId = removedUserId(message);
      if (userId === undefined) return;
      const ended =
        broker.endSubscriptions(userId, `${ROOM_TOPIC_PREFIX}${roomId}`) +
        broker.endSubscriptions(userId, `${ROOM_TOPIC_PREFIX}${roomId}${PRESENCE_SUFFIX}`);
      if (ended === 0) return;
      // A catalogue code, typed so: a code the catalogue (and docs/errors.md) lacks cannot be sent.
      const code: ErrorCode = message.eventType === 'member.banned' ? 'banned' : 'kicked';
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
    presence(roomId, event) {
      broker.publish(`${ROOM_TOPIC_PREFIX}${roomId}${PRESENCE_SUFFIX}`, {
        headers: JSON_HEADERS,
        body: Buffer.from(JSON.stringify(event)),
      });
    },
    mention(userId, roomId, json) {
      broker.sendToUser(userId, MENTIONS_DESTINATION, {
        headers: { 'content-type': 'application/json', 'room-id': roomId },
        body: Buffer.from(json),
      });
    },
    reports(userId, roomId, json) {
      broker.sendToUser(userId, REPORTS_DESTINATION, {
        headers: { 'content-type': 'application/json', 'room-id': roomId },
        body: Buffer.from(json),
      });
    },
    unread(userId, roomId, json) {
      broker.sendToUser(userId, UNREAD_DESTINATION, {
        headers: { 'content-type': 'application/json', 'room-id': roomId },
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
function splitAction(path: string): { roomId: string; action: RoomAction | undefined } {
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

export function registerChatRoutes(broker: Broker<User>, domain: RoomDomain): void {
  const ordering = new SendOrdering();
  const { membership, permissions } = domain;
  /** Talking needs joining; the banned, who cannot be in the room, are told they are banned. */
  const requireJoined = (connection: Connection<User>, roomId: string): Promise<void> => {
    const joined = membership.requireJoined(connection.id, roomId).catch(async (error: unknown) => {
      await permissions.refuseBannedFrom(connection.principal, parseRoomId(roomId), connection.remoteAddress);
      throw error;
    });
    // Settled here too, so a refusal is never an unhandled rejection while earlier SENDs still run.
    joined.catch(() => undefined);
    return joined;
  };

  broker.route(ROOM_APP_PREFIX, {
    async send(connection, message) {
      const user = connection.principal;
      const { roomId: typingRoom, suffixed: typing } = splitPath(message.path, TYPING_SUFFIX);
      if (typing) {
        await requireJoined(connection, typingRoom);
        await domain.execute(user, { kind: 'typing', roomId: typingRoom as RoomId });
        return;
      }
      const { roomId, action } = splitAction(message.path);
      if (action === undefined) {
        const joined = requireJoined(connection, roomId);
        await ordering.message(connection, async () => {
          await joined;
          const command = readPostCommand(
            roomId as RoomId,
            message.body.toString('utf8'),
            message.headers['content-type'],
          );
          // Where it is said from is the connection's, never the body's.
          return domain.admitPost(user, { ...command, address: connection.remoteAddress });
        });
        return;
      }
      // Staff moderate a room without being in it; everything else is said from inside the room.
      const joined = action === 'moderate' ? undefined : requireJoined(connection, roomId);
      await ordering.action(connection, async () => {
        let id: RoomId;
        if (joined === undefined) {
          id = parseRoomId(roomId);
        } else {
          await joined;
          // The connection is in the room: its id is well-formed.
          id = roomId as RoomId;
        }
        await domain.execute(user, readActionCommand(action, id, message.body.toString('utf8')));
      });
    },
  });

  broker.route(ROOM_TOPIC_PREFIX, {
    async subscribe(context) {
      const { connection } = context;
      const { roomId: rawId, suffixed: presenceOnly } = splitPath(context.path, PRESENCE_SUFFIX);
      const sinceSeq = presenceOnly ? undefined : parseSinceSeq(context.headers['since-seq']);
      const admission = await permissions.checkJoin(connection.principal, parseRoomId(rawId), {
        password: context.headers['room-password'],
        grant: context.headers['room-grant'],
        address: connection.remoteAddress,
        // The presence of a room this connection is in needs no second proof.
        joined: isRoomId(rawId) && membership.isJoined(connection.id, rawId),
        presenceOnly,
      });
      const roomId = await domain.openFeed(rawId);
      try {
        if (presenceOnly) return;
        const resume =
          sinceSeq === undefined
            ? undefined
            : resumeFrom(await domain.rooms.logHead(roomId), sinceSeq, context.headers.epoch || undefined);
        if (resume?.kind === 'reset') {
          // Another history than the client's: say so, replay nothing; it reloads over HTTP.
          context.resumeAfter(resume.notice.lastSeq);
          context.replay(historyResetFrame(resume.notice));
        } else if (resume !== undefined) {
          const { afterSeq } = resume;
          // The client has everything up to since-seq: a late live message at or below it is not news.
          context.resumeAfter(afterSeq);
          // Stops once nobody receives it (unsubscribed, gone, dropped): a SUBSCRIBE since-seq:0 and a
          // hang-up must not make the server read a long history for nothing. Yields between pages so
          // a hang-up (and everyone else) is heard while a long history streams.
          let replayed = 0;
          for await (const entry of domain.rooms.entriesAfter(roomId, afterSeq)) {
            if (!context.replay(messageFrame(entry))) break;
            replayed += 1;
            if (replayed % REPLAY_YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
          }
        }
        await membership.join(roomId, connection.principal, connection.id, admission.maxUsers);
        // The newcomer gate counts the room's messages from a member's first arrival.
        await permissions.arrived(connection.principal, roomId);
      } catch (error) {
        domain.closeFeed(roomId);
        throw error;
      }
    },
    unsubscribed(connection, _destination, path) {
      const { roomId, suffixed: presenceOnly } = splitPath(path, PRESENCE_SUFFIX);
      const id = roomId as RoomId;
      domain.closeFeed(id);
      if (!presenceOnly) void membership.leave(id, connection.id).catch(() => undefined);
    },
  });
}

/** The MESSAGE that tells the subscription so: unsequenced, before anything live. */
export function historyResetFrame(notice: HistoryReset): OutboundMessage {
  return {
    headers: {
      'content-type': 'application/json',
      event: notice.type,
      epoch: notice.epoch,
      'last-seq': String(notice.lastSeq),
    },
    body: Buffer.from(JSON.stringify(notice)),
  };
}
