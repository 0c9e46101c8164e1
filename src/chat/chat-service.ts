// The chat's rules over its ports: identities, rooms, messages, presence and rate limits. Callers
// (HTTP routes, STOMP routes) hand it validated identities and raw input; it validates the input,
// enforces limits, stores, and fans out through the bus. Knows nothing of HTTP, STOMP or SQL.

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Bus, Cache, PresenceRegistry, RateLimiter, RateRule } from '../cluster/bus.js';
import type { CacheTtls, Limits } from '../config.js';
import { ParleyError } from '../errors.js';
import { addressKey } from '../net/client-address.js';
import type { AppendResult, MessageRange, RoomQuery, Store, TagClaim } from '../store/store.js';
import { MessageIdGenerator } from './message-id.js';
import {
  isRoomId,
  type Message,
  type MessageId,
  type PresenceEvent,
  type Room,
  type RoomEvent,
  type RoomId,
  type StoredRoom,
  type User,
} from './model.js';
import { nameKey } from './name-scripts.js';
import { parseNickname, parseRoomName, parseRoomTopic } from './nickname.js';
import { takeOrRefuse } from './rate-limit.js';
import { RoomCache } from './room-cache.js';
import {
  type EncodedMessage,
  encodeBusEvent,
  encodeBusMessage,
  type FeedSink,
  RoomFeed,
} from './room-feed.js';
import { checkBodyText } from './text-safety.js';
import type { IssuedToken, TokenService } from './tokens.js';

/** The configured limits the chat enforces; their defaults live in the config schema only. */
export type ChatLimits = Pick<
  Limits,
  | 'messageMaxChars'
  | 'sendRatePerSecond'
  | 'sendBurst'
  | 'sessionsPerIpPerMinute'
  | 'roomsPerUserPerHour'
  | 'maxCombiningMarks'
  | 'roomJoinsPerUserPerMinute'
  | 'typingRatePerSecond'
  | 'typingBurst'
  | 'historyPageMax'
  | 'historyPageDefault'
  | 'roomRecentMessages'
>;

/** Tags are four digits: each look-alike nickname has 10,000 ("0000"–"9999"). */
export const TAGS_PER_NICKNAME = 10_000;

export interface ChatDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly presence: PresenceRegistry;
  readonly rateLimiter: RateLimiter;
  readonly tokens: TokenService;
  readonly clock: Clock;
  readonly limits: ChatLimits;
  readonly logger: Logger;
  /** Where room streams are delivered on this node (the STOMP broker's topics). */
  readonly sink: FeedSink;
  /**
   * Shared by the nodes of a deployment: room metadata, room heads and latest history pages are read
   * from here before the store. Without it every read goes to the store.
   */
  readonly cache?: Cache;
  /** How long the shared cache keeps what it holds (read only with `cache`). */
  readonly cacheTtls: Pick<CacheTtls, 'roomExistsTtlMs' | 'roomHeadTtlMs' | 'roomPageTtlMs'>;
  readonly observer?: ChatObserver;
}

/** Measurements the chat reports (metrics); called synchronously, so they must be cheap. */
export interface ChatObserver {
  messageStored(appendMs: number): void;
}

export type { PresenceEvent } from './model.js';
export { isRoomId } from './model.js';

const CLIENT_MSG_ID_PATTERN = /^[\x21-\x7e]{1,100}$/;
// Control characters other than tab, line feed and carriage return.
const FORBIDDEN_CONTROL = /(?![\t\n\r])\p{Cc}/u;

/** Parses a room id from user input, or ParleyError('room_not_found') (an id that cannot exist). */
export function parseRoomId(value: string): RoomId {
  if (!isRoomId(value)) throw new ParleyError('room_not_found');
  return value;
}

export interface MessageInput {
  readonly body: string;
  readonly clientMsgId?: string;
  /** Checked by the store: a message of the same room. */
  readonly replyTo?: MessageId;
  /** Already resolved from the body (see RoomModeration). */
  readonly mentions?: readonly User[];
}

/** A SEND body: JSON `{"body","clientMsgId"?}` or plain text, as the content type says. */
export function parseMessageInput(body: Buffer, contentType: string | undefined): MessageInput {
  return readMessageInput(body, contentType).input;
}

/**
 * parseMessageInput, also handing back the parsed JSON object (undefined for plain text) so callers
 * reading further fields (replyTo) do not parse the body a second time.
 */
export function readMessageInput(
  body: Buffer,
  contentType: string | undefined,
): { input: MessageInput; fields: Readonly<Record<string, unknown>> | undefined } {
  const text = body.toString('utf8');
  const isJson =
    contentType === undefined ? text.trimStart().startsWith('{') : /^application\/json\b/i.test(contentType);
  if (!isJson) return { input: { body: text }, fields: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ParleyError('invalid_message', 'The body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ParleyError('invalid_message', 'The body must be a JSON object {"body": "..."}.');
  }
  const fields = parsed as Record<string, unknown>;
  const { body: messageBody, clientMsgId } = fields;
  if (typeof messageBody !== 'string')
    throw new ParleyError('invalid_message', 'The field "body" must be a string.');
  if (clientMsgId === undefined || clientMsgId === null) return { input: { body: messageBody }, fields };
  if (typeof clientMsgId !== 'string' || !CLIENT_MSG_ID_PATTERN.test(clientMsgId)) {
    throw new ParleyError(
      'invalid_message',
      'The field "clientMsgId" must be 1–100 printable ASCII characters.',
    );
  }
  return { input: { body: messageBody, clientMsgId }, fields };
}

export class ChatService {
  readonly #deps: ChatDependencies;
  readonly #feeds = new Map<RoomId, Promise<RoomFeed>>();
  readonly #sendRule: RateRule;
  readonly #messageIds: MessageIdGenerator;
  readonly #roomRule: RateRule;
  readonly #sessionRule: RateRule;
  readonly #joinRule: RateRule;
  readonly #typingRule: RateRule;
  readonly #nameOptions: { readonly maxCombiningMarks: number };
  /**
   * Per connection and room: how many subscriptions are in, and the presence join they all wait for.
   * A second subscription shares the first's join, so a refusal (room_full) refuses both. `in` turns
   * true once the join succeeded: from then on the connection is a member and may talk in the room.
   */
  readonly #joined = new Map<string, { count: number; readonly entered: Promise<void>; in: boolean }>();
  readonly #roomCache: RoomCache | undefined;

  constructor(deps: ChatDependencies) {
    this.#deps = deps;
    this.#roomCache =
      deps.cache === undefined
        ? undefined
        : new RoomCache({
            cache: deps.cache,
            store: deps.store,
            pageSize: deps.limits.historyPageMax,
            existsTtlMs: deps.cacheTtls.roomExistsTtlMs,
            headTtlMs: deps.cacheTtls.roomHeadTtlMs,
            versionedTtlMs: deps.cacheTtls.roomPageTtlMs,
          });
    const { limits } = deps;
    this.#sendRule = { capacity: limits.sendBurst, refillPerSecond: limits.sendRatePerSecond };
    this.#messageIds = new MessageIdGenerator(() => deps.clock.now());
    this.#roomRule = {
      capacity: limits.roomsPerUserPerHour,
      refillPerSecond: limits.roomsPerUserPerHour / 3600,
    };
    this.#nameOptions = { maxCombiningMarks: limits.maxCombiningMarks };
    this.#sessionRule = {
      capacity: limits.sessionsPerIpPerMinute,
      refillPerSecond: limits.sessionsPerIpPerMinute / 60,
    };
    const joinsPerMinute = limits.roomJoinsPerUserPerMinute;
    this.#typingRule = { capacity: limits.typingBurst, refillPerSecond: limits.typingRatePerSecond };
    this.#joinRule = { capacity: joinsPerMinute, refillPerSecond: joinsPerMinute / 60 };
    deps.bus.onResync(() => {
      for (const feed of this.#feeds.values())
        void feed.then(
          (f) => f.resync(),
          () => undefined,
        );
    });
  }

  // Identity -----------------------------------------------------------------------------------------

  async createSession(rawNickname: unknown, remoteAddress: string): Promise<IssuedToken> {
    const nickname = parseNickname(rawNickname, this.#nameOptions);
    await this.#take(`session:${addressKey(remoteAddress)}`, this.#sessionRule);
    // newUser's random tag is only a draft: the store reserves the real one, unique among live holders.
    const draft = this.#deps.tokens.newUser(nickname);
    const tag = await this.#deps.store.reserveTag(this.#tagClaim(draft));
    return this.#deps.tokens.issue({ ...draft, tag });
  }

  async refreshSession(user: User): Promise<IssuedToken> {
    // A refreshed identity keeps its tag for the new token's life. False only for an identity older
    // than tag reservations whose pair a newer identity holds: it keeps working, as it did before.
    await this.#deps.store.renewTag({ ...this.#tagClaim(user), tag: user.tag });
    return this.#deps.tokens.issue(user);
  }

  #tagClaim(user: User): TagClaim {
    const now = this.#deps.clock.now();
    return {
      userId: user.id,
      nameKey: nameKey(user.nickname),
      expiresAt: new Date(now + this.#deps.tokens.ttlSeconds * 1000),
      now: new Date(now),
      tagSpace: TAGS_PER_NICKNAME,
    };
  }

  // Rooms --------------------------------------------------------------------------------------------

  async createRoom(user: User, input: { name: unknown; topic?: unknown }): Promise<Room> {
    const name = parseRoomName(input.name, this.#nameOptions);
    const topic = parseRoomTopic(input.topic, this.#nameOptions);
    await this.#take(`room:${user.id}`, this.#roomRule);
    const stored = await this.#deps.store.createRoom({
      id: randomBytes(9).toString('base64url') as RoomId,
      name,
      topic,
      createdBy: user,
      createdAt: new Date(this.#deps.clock.now()),
    });
    await this.#roomCache?.created(stored).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error, roomId: stored.id }, 'caching a new room failed');
    });
    return toRoom(stored, 0);
  }

  async getRoom(id: string): Promise<Room> {
    const roomId = parseRoomId(id);
    const cache = this.#roomCache;
    const head = await cache?.head(roomId);
    const stored = await (cache !== undefined && head !== undefined
      ? cache.room(roomId, head)
      : this.#deps.store.findRoom(roomId));
    if (stored === undefined) throw new ParleyError('room_not_found');
    const online = await this.#deps.presence.counts([stored.id]);
    return toRoom(stored, online.get(stored.id) ?? 0);
  }

  async listRooms(query: RoomQuery): Promise<{ rooms: Room[]; nextCursor: string | null }> {
    const page = await this.#deps.store.listRooms(query);
    const online = await this.#deps.presence.counts(page.rooms.map((r) => r.id));
    return { rooms: page.rooms.map((r) => toRoom(r, online.get(r.id) ?? 0)), nextCursor: page.nextCursor };
  }

  // Messages -----------------------------------------------------------------------------------------

  /**
   * Validates, rate-limits, stores (resolving only after commit) and fans out one message. A retry with
   * the same clientMsgId resolves with the stored original and is not broadcast again.
   */
  async postMessage(author: User, roomId: string, input: MessageInput): Promise<Message> {
    const { stored } = await this.admitMessage(author, roomId, input);
    return stored;
  }

  /**
   * postMessage in two phases: resolves once the message is admitted (validated, rate-limited) and its
   * append is queued, which takes the room's next seq in call order; `stored` then resolves after commit
   * and fan-out. Callers that serialise admissions get seqs in their order without waiting for commits.
   */
  async admitMessage(
    author: User,
    roomId: string,
    input: MessageInput,
  ): Promise<{ readonly stored: Promise<Message> }> {
    const body = input.body.trim();
    if (body.length === 0) throw new ParleyError('invalid_message', 'The message is empty.');
    if (FORBIDDEN_CONTROL.test(body))
      throw new ParleyError('invalid_message', 'The message contains control characters.');
    checkBodyText(body, this.#nameOptions.maxCombiningMarks);
    // Count code points, not UTF-16 units: an emoji is one character to the person typing it.
    if (
      body.length > this.#deps.limits.messageMaxChars &&
      codePoints(body) > this.#deps.limits.messageMaxChars
    ) {
      throw new ParleyError(
        'message_too_long',
        `A message is at most ${this.#deps.limits.messageMaxChars} characters.`,
      );
    }
    const id = parseRoomId(roomId);
    await this.#take(`send:${author.id}`, this.#sendRule);
    const startedMs = this.#deps.clock.now();
    // Called synchronously here, so the append is queued before this admission resolves.
    const appended = this.#deps.store.appendMessage({
      id: this.#messageIds.next() as MessageId,
      roomId: id,
      author,
      body,
      createdAt: new Date(this.#deps.clock.now()),
      ...(input.clientMsgId === undefined ? {} : { clientMsgId: input.clientMsgId }),
      ...(input.replyTo === undefined ? {} : { replyTo: input.replyTo }),
      ...(input.mentions === undefined ? {} : { mentions: input.mentions }),
    });
    return { stored: this.#afterAppend(id, appended, startedMs) };
  }

  async #afterAppend(id: RoomId, appended: Promise<AppendResult>, startedMs: number): Promise<Message> {
    const { message, duplicate } = await appended;
    // Before the caller acknowledges: a read on any node that starts after the RECEIPT sees the message.
    // Also for a retry, in case the original's node died between its commit and this step.
    await this.#roomCache?.advanced(id, message.seq).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error, roomId: id }, 'raising the cached room head failed');
    });
    if (!duplicate) {
      const storedAtMs = this.#deps.clock.now();
      this.#deps.observer?.messageStored(storedAtMs - startedMs);
      const { message: published, encoded } = encodeBusMessage(id, message, storedAtMs);
      const localFeed = this.#feeds.get(id);
      if (localFeed !== undefined)
        void localFeed.then(
          (feed) => feed.offer(encoded),
          () => undefined,
        );
      // The RECEIPT does not wait for the bus: stored is what counts. Other nodes fill a missed message
      // from the store on their next message or resync, and resuming clients read it with since-seq.
      void this.#deps.bus.publish(published).catch((error: unknown) => {
        this.#deps.logger.warn({ err: error, roomId: id }, 'publishing a stored message failed');
      });
    }
    return message;
  }

  /**
   * A stored room event (see RoomModeration): raises the shared head before the caller acknowledges,
   * delivers it to this node's feed at once and to the other nodes through the bus.
   */
  async roomEventStored(event: RoomEvent): Promise<void> {
    const id = event.roomId;
    await this.#roomCache?.advanced(id, event.seq).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error, roomId: id }, 'raising the cached room head failed');
    });
    const { message, encoded } = encodeBusEvent(event, this.#deps.clock.now());
    const localFeed = this.#feeds.get(id);
    if (localFeed !== undefined)
      void localFeed.then(
        (feed) => feed.offer(encoded),
        () => undefined,
      );
    void this.#deps.bus.publish(message).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error, roomId: id }, 'publishing a room event failed');
    });
  }

  async history(
    roomId: string,
    range: { beforeSeq?: number; afterSeq?: number; limit?: number },
  ): Promise<string[]> {
    const id = await this.#findRoom(roomId);
    const { historyPageMax, historyPageDefault } = this.#deps.limits;
    const limit = Math.min(historyPageMax, Math.max(1, range.limit ?? historyPageDefault));
    const normalized: MessageRange = {
      limit,
      ...(range.beforeSeq === undefined ? {} : { beforeSeq: range.beforeSeq }),
      ...(range.afterSeq === undefined ? {} : { afterSeq: range.afterSeq }),
    };
    // With other nodes writing, this node's feed may trail the room by a pub/sub hop: it answers only
    // when it has caught up with the shared head.
    const head = await this.#roomCache?.head(id);
    const feed = this.#feeds.get(id);
    if (feed !== undefined) {
      const live = await feed;
      const cached = head === undefined || live.lastSeq >= head.lastSeq ? live.recent(normalized) : undefined;
      if (cached !== undefined) return cached.map((m) => m.json);
    }
    if (this.#roomCache !== undefined && head !== undefined) {
      const page = await this.#roomCache.page(id, head, normalized);
      if (page !== undefined) return page;
    }
    const messages = await this.#deps.store.listMessages(id, normalized);
    return messages.map((m) => JSON.stringify(m));
  }

  /** Stored messages after `afterSeq`, page by page, for resuming subscribers. */
  async *messagesAfter(roomId: RoomId, afterSeq: number): AsyncGenerator<EncodedMessage> {
    let cursor = afterSeq;
    for (;;) {
      const page = await this.#deps.store.listMessages(roomId, {
        afterSeq: cursor,
        limit: this.#deps.limits.historyPageMax,
      });
      for (const message of page) yield { seq: message.seq, json: JSON.stringify(message) };
      const last = page.at(-1);
      if (last === undefined || page.length < this.#deps.limits.historyPageMax) return;
      cursor = last.seq;
    }
  }

  // Presence and live feeds --------------------------------------------------------------------------

  /** Starts (or shares) this node's live feed of a room; refuses unknown rooms. */
  async openFeed(roomId: string): Promise<RoomId> {
    const id = await this.#findRoom(roomId);
    let feed = this.#feeds.get(id);
    if (feed === undefined) {
      const created = new RoomFeed(id, {
        store: this.#deps.store,
        bus: this.#deps.bus,
        sink: this.#deps.sink,
        logger: this.#deps.logger,
        recentLimit: this.#deps.limits.roomRecentMessages,
      });
      feed = created.start().then(() => created);
      this.#feeds.set(id, feed);
      feed.catch(() => this.#feeds.delete(id));
    }
    (await feed).retain();
    return id;
  }

  closeFeed(roomId: RoomId): void {
    const feed = this.#feeds.get(roomId);
    if (feed === undefined) return;
    void feed.then(
      async (f) => {
        if (f.release()) {
          this.#feeds.delete(roomId);
          await f.stop();
        }
      },
      () => undefined,
    );
  }

  /** `maxUsers`: the room's member cap for this user (none for staff); refused with room_full. */
  async join(roomId: RoomId, user: User, connectionId: string, maxUsers?: number): Promise<void> {
    const key = `${connectionId}/${roomId}`;
    let entry = this.#joined.get(key);
    if (entry === undefined) {
      const created = { count: 0, entered: this.#enter(roomId, user, connectionId, maxUsers), in: false };
      created.entered.then(
        () => {
          created.in = true;
        },
        () => undefined,
      );
      entry = created;
      this.#joined.set(key, entry);
    }
    entry.count += 1;
    try {
      await entry.entered;
    } catch (error) {
      // Not in the room after all: this subscription is refused, and no leave will come for it.
      entry.count -= 1;
      if (entry.count <= 0 && this.#joined.get(key) === entry) this.#joined.delete(key);
      throw error;
    }
  }

  async #enter(
    roomId: RoomId,
    user: User,
    connectionId: string,
    maxUsers: number | undefined,
  ): Promise<void> {
    // Each entry and exit is broadcast to the room: churning subscriptions must not flood its members.
    await this.#take(`join:${user.id}:${roomId}`, this.#joinRule);
    const { firstForUser } = await this.#deps.presence.join(roomId, { user, connectionId }, { maxUsers });
    if (firstForUser) await this.#publishPresence(roomId, { type: 'join', user });
  }

  /**
   * Talking needs joining: SEND, typing, edits, reactions… come only from a connection whose
   * subscription to the room's messages is live (which passed the password, ban and member cap).
   */
  async requireJoined(connectionId: string, roomId: string): Promise<void> {
    // Read now, synchronously: what counts is the subscriptions in place when the frame arrived.
    if (this.#joined.get(`${connectionId}/${roomId}`)?.in === true) return;
    const id = await this.#findRoom(roomId);
    throw new ParleyError('not_joined', `Subscribe to /topic/rooms.${id} before sending to the room.`);
  }

  isJoined(connectionId: string, roomId: RoomId): boolean {
    return this.#joined.get(`${connectionId}/${roomId}`)?.in === true;
  }

  async leave(roomId: RoomId, connectionId: string): Promise<void> {
    const key = `${connectionId}/${roomId}`;
    const entry = this.#joined.get(key);
    if (entry === undefined) return;
    if (entry.count > 1) {
      entry.count -= 1;
      return;
    }
    this.#joined.delete(key);
    // A join still in flight would otherwise land after this leave and stay.
    await entry.entered.catch(() => undefined);
    const { lastForUser, user } = await this.#deps.presence.leave(roomId, connectionId);
    if (lastForUser && user !== undefined) await this.#publishPresence(roomId, { type: 'leave', user });
  }

  async typing(user: User, roomId: string): Promise<void> {
    const id = parseRoomId(roomId);
    const decision = await this.#deps.rateLimiter.take(`typing:${user.id}`, this.#typingRule);
    // Typing notices are hints: extra ones are dropped quietly rather than reported as errors.
    if (!decision.allowed) return;
    await this.#findRoom(id);
    await this.#publishPresence(id, { type: 'typing', user });
  }

  async members(roomId: string): Promise<User[]> {
    return this.#deps.presence.members(await this.#findRoom(roomId));
  }

  async close(): Promise<void> {
    const feeds = [...this.#feeds.values()];
    this.#feeds.clear();
    await Promise.allSettled(feeds.map(async (f) => (await f).stop()));
  }

  // ---------------------------------------------------------------------------------------------------

  /** The id of an existing room, or ParleyError('room_not_found'). */
  async #findRoom(roomId: string): Promise<RoomId> {
    const id = parseRoomId(roomId);
    const found = await (this.#roomCache?.exists(id) ?? this.#deps.store.findRoom(id));
    if (found === undefined || found === false) throw new ParleyError('room_not_found');
    return id;
  }

  async #publishPresence(roomId: RoomId, event: PresenceEvent): Promise<void> {
    await this.#deps.bus.publish({ kind: 'presence', roomId, event });
  }

  #take(key: string, rule: RateRule): Promise<void> {
    return takeOrRefuse(this.#deps.rateLimiter, key, rule);
  }
}

function toRoom(stored: StoredRoom, online: number): Room {
  const { lastSeq: _lastSeq, ...room } = stored;
  return { ...room, online };
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
