// The rooms themselves and what is read from them: creating a room, finding and listing rooms, history
// pages (from this node's feed when it is current, else the shared cache, else the store) and the
// stored entries a resuming subscriber replays. Writes to a room's log go through RoomWriter.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { PresenceRegistry, RateLimiter, RateRule } from '../cluster/bus.js';
import { ParleyError } from '../errors.js';
import type { MessageRange, RoomQuery, Store } from '../store/store.js';
import { entrySeq, type Message, type Room, type RoomId, type StoredRoom, type User } from './model.js';
import { parseRoomName, parseRoomTopic } from './nickname.js';
import { takeOrRefuse } from './rate-limit.js';
import type { LogHead } from './resume.js';
import type { RoomCache } from './room-cache.js';
import { FeedEntry } from './room-feed.js';
import type { RoomFeeds } from './room-feeds.js';
import { parseRoomId } from './room-id.js';
import type { ServerPolicy } from './server-policy.js';

export interface RoomsDependencies {
  readonly store: Store;
  readonly presence: PresenceRegistry;
  readonly rateLimiter: RateLimiter;
  readonly feeds: RoomFeeds;
  readonly roomCache: RoomCache | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Reserved names and banned words apply to room names and topics. */
  readonly serverPolicy: ServerPolicy;
  readonly roomsPerUserPerHour: number;
  readonly maxCombiningMarks: number;
  /** HISTORY_PAGE_MAX and HISTORY_PAGE_DEFAULT. */
  readonly historyPages: { readonly max: number; readonly default: number };
}

export class Rooms {
  readonly #deps: RoomsDependencies;
  readonly #roomRule: RateRule;

  constructor(deps: RoomsDependencies) {
    this.#deps = deps;
    this.#roomRule = { capacity: deps.roomsPerUserPerHour, refillPerSecond: deps.roomsPerUserPerHour / 3600 };
  }

  async createRoom(user: User, input: { readonly name: unknown; readonly topic?: unknown }): Promise<Room> {
    const options = { maxCombiningMarks: this.#deps.maxCombiningMarks };
    const name = parseRoomName(input.name, options);
    const topic = parseRoomTopic(input.topic, options);
    this.#deps.serverPolicy.checkName(name, { reserved: true });
    if (topic !== null) this.#deps.serverPolicy.checkName(topic, { reserved: false });
    await takeOrRefuse(this.#deps.rateLimiter, `room:${user.id}`, this.#roomRule);
    const stored = await this.#deps.store.createRoom({
      id: randomBytes(9).toString('base64url') as RoomId,
      name,
      topic,
      createdBy: user,
      createdAt: new Date(this.#deps.clock.now()),
    });
    await this.#deps.roomCache?.created(stored).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error, roomId: stored.id }, 'caching a new room failed');
    });
    return toRoom(stored, 0);
  }

  async getRoom(id: string): Promise<Room> {
    const roomId = parseRoomId(id);
    const cache = this.#deps.roomCache;
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

  /** The id of an existing room, or ParleyError('room_not_found'). */
  async requireRoom(roomId: string): Promise<RoomId> {
    const id = parseRoomId(roomId);
    const found = await (this.#deps.roomCache?.exists(id) ?? this.#deps.store.findRoom(id));
    if (found === undefined || found === false) throw new ParleyError('room_not_found');
    return id;
  }

  /** A history page, ascending by seq, in the messages' current state. */
  async history(
    roomId: string,
    range: { beforeSeq?: number; afterSeq?: number; limit?: number },
  ): Promise<Message[]> {
    const id = await this.requireRoom(roomId);
    const limit = Math.min(
      this.#deps.historyPages.max,
      Math.max(1, range.limit ?? this.#deps.historyPages.default),
    );
    const normalized: MessageRange = {
      limit,
      ...(range.beforeSeq === undefined ? {} : { beforeSeq: range.beforeSeq }),
      ...(range.afterSeq === undefined ? {} : { afterSeq: range.afterSeq }),
    };
    // With other nodes writing, this node's feed may trail the room by a pub/sub hop: it answers only
    // when it has caught up with the shared head.
    const cache = this.#deps.roomCache;
    const head = await cache?.head(id);
    const feed = this.#deps.feeds.find(id);
    if (feed !== undefined) {
      const live = await feed;
      const cached = head === undefined || live.lastSeq >= head.lastSeq ? live.recent(normalized) : undefined;
      if (cached !== undefined) return cached;
    }
    if (cache !== undefined && head !== undefined) {
      const page = await cache.page(id, head, normalized);
      if (page !== undefined) return page;
    }
    return this.#deps.store.listMessages(id, normalized);
  }

  /** Where the room's history stands (epoch, last seq), from the store: what a resume is checked against. */
  async logHead(roomId: RoomId): Promise<LogHead> {
    const stored = await this.#deps.store.findRoom(roomId);
    if (stored === undefined) throw new ParleyError('room_not_found');
    return { epoch: stored.epoch, lastSeq: stored.lastSeq };
  }

  /** Stored messages and events after `afterSeq`, page by page, for resuming subscribers. */
  async *entriesAfter(roomId: RoomId, afterSeq: number): AsyncGenerator<FeedEntry> {
    let cursor = afterSeq;
    for (;;) {
      const page = await this.#deps.store.listEntries(roomId, {
        afterSeq: cursor,
        limit: this.#deps.historyPages.max,
      });
      for (const entry of page) yield new FeedEntry(entry);
      const last = page.at(-1);
      if (last === undefined || page.length < this.#deps.historyPages.max) return;
      cursor = entrySeq(last);
    }
  }
}

/** What anyone may see of a room: the word list and the report threshold are staff settings. */
function toRoom(stored: StoredRoom, online: number): Room {
  const {
    lastSeq: _lastSeq,
    closedAt: _closedAt,
    wordFilter: _wordFilter,
    reportHideThreshold: _threshold,
    ...room
  } = stored;
  return { ...room, online };
}
