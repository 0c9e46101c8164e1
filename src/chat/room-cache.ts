// The chat's read-through cache over the Cache port: room metadata, each room's head (last seq and
// last activity) and its latest history page, shared by all nodes so reads skip the store. Correct on
// writes: a post raises the head (monotonic, before its RECEIPT), pages are keyed by the head's seq and
// so never change. Knows nothing of Redis, HTTP or STOMP; the store stays the source of truth.
import type { Cache } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import type { Message, RoomId, StoredRoom, User } from './model.js';

/** A room's fields that never change once it exists. */
export type RoomInfo = Omit<StoredRoom, 'lastSeq' | 'lastMessageAt'>;

export interface RoomHead {
  readonly lastSeq: number;
  readonly lastMessageAt: string | null;
}

export interface PageRange {
  readonly beforeSeq?: number;
  readonly afterSeq?: number;
  readonly limit: number;
}

export interface RoomCacheOptions {
  readonly cache: Cache;
  readonly store: Store;
  /** Messages in a cached latest page (the largest history page). */
  readonly pageSize: number;
  /** Room metadata never changes, so it may stay long. Default 10 min. */
  readonly roomTtlMs?: number;
  /**
   * Bounds how long a head can lag if a writer could not raise it (Redis unreachable at that moment).
   * Default 15 s.
   */
  readonly headTtlMs?: number;
  /** Pages are immutable; this only frees memory. Default 60 s. */
  readonly pageTtlMs?: number;
}

const roomKey = (id: RoomId): string => `room:${id}`;
const headKey = (id: RoomId): string => `head:${id}`;
const pageKey = (id: RoomId, lastSeq: number): string => `page:${id}:${lastSeq}`;

export class RoomCache {
  readonly #cache: Cache;
  readonly #store: Store;
  readonly #pageSize: number;
  readonly #roomTtlMs: number;
  readonly #headTtlMs: number;
  readonly #pageTtlMs: number;

  constructor(options: RoomCacheOptions) {
    this.#cache = options.cache;
    this.#store = options.store;
    this.#pageSize = options.pageSize;
    this.#roomTtlMs = options.roomTtlMs ?? 600_000;
    this.#headTtlMs = options.headTtlMs ?? 15_000;
    this.#pageTtlMs = options.pageTtlMs ?? 60_000;
  }

  /** The room's fixed fields, or undefined when it does not exist. */
  async info(id: RoomId): Promise<RoomInfo | undefined> {
    const cached = parseRoomInfo(await this.#cache.get(roomKey(id)));
    if (cached !== undefined) return cached;
    return this.#load(id);
  }

  /** The whole room (fixed fields and head), or undefined when it does not exist. */
  async room(id: RoomId): Promise<StoredRoom | undefined> {
    const [info, head] = await Promise.all([
      this.#cache.get(roomKey(id)).then(parseRoomInfo),
      this.#cache.getVersioned(headKey(id)),
    ]);
    if (info !== undefined && head !== undefined) {
      const lastMessageAt = parseLastMessageAt(head.value);
      if (lastMessageAt !== undefined) return { ...info, lastSeq: head.version, lastMessageAt };
    }
    return this.#load(id);
  }

  /** Where the room stands: never behind a message whose post has returned. */
  async head(id: RoomId): Promise<RoomHead | undefined> {
    const cached = await this.#cache.getVersioned(headKey(id));
    const lastMessageAt = cached === undefined ? undefined : parseLastMessageAt(cached.value);
    if (cached !== undefined && lastMessageAt !== undefined)
      return { lastSeq: cached.version, lastMessageAt };
    const stored = await this.#load(id);
    return stored === undefined
      ? undefined
      : { lastSeq: stored.lastSeq, lastMessageAt: stored.lastMessageAt };
  }

  /**
   * A history page answered from the cached latest page of `head`, or undefined when the page does not
   * cover the range (the caller asks the store). Results are message JSON strings, ascending by seq.
   */
  async page(id: RoomId, head: RoomHead, range: PageRange): Promise<string[] | undefined> {
    let lastSeq = head.lastSeq;
    let messages = parsePage(await this.#cache.get(pageKey(id, lastSeq)));
    if (messages === undefined) {
      const latest = await this.#store.listMessages(id, { limit: this.#pageSize });
      messages = latest.map((m) => JSON.stringify(m));
      // Seqs are dense, so the page's last seq names it; the store may already be ahead of the head.
      lastSeq = latest.at(-1)?.seq ?? 0;
      if (lastSeq < head.lastSeq) return undefined;
      if (lastSeq > head.lastSeq) {
        const newest = latest.at(-1);
        if (newest !== undefined) await this.#raise(id, lastSeq, newest.createdAt).catch(() => undefined);
      }
      await this.#cache.set(pageKey(id, lastSeq), JSON.stringify(messages), this.#pageTtlMs);
    }
    return slicePage(messages, lastSeq - messages.length + 1, range);
  }

  /** A new room: its fields and empty head, so the first reads on any node need no query. */
  async created(room: StoredRoom): Promise<void> {
    await Promise.all([
      this.#cache.set(roomKey(room.id), JSON.stringify(roomInfoOf(room)), this.#roomTtlMs),
      this.#raise(room.id, room.lastSeq, room.lastMessageAt),
    ]);
  }

  /** A stored message: raise the head. Rejects when the cache could not be updated. */
  async appended(message: Message): Promise<void> {
    await this.#raise(message.roomId, message.seq, message.createdAt);
  }

  async #raise(id: RoomId, lastSeq: number, lastMessageAt: string | null): Promise<void> {
    await this.#cache.setIfNewer(headKey(id), lastSeq, JSON.stringify(lastMessageAt), this.#headTtlMs);
  }

  async #load(id: RoomId): Promise<StoredRoom | undefined> {
    const stored = await this.#store.findRoom(id);
    if (stored === undefined) return undefined;
    // Filling is best effort: a failure here only costs the next reader a query.
    await Promise.all([
      this.#cache.set(roomKey(id), JSON.stringify(roomInfoOf(stored)), this.#roomTtlMs),
      this.#raise(id, stored.lastSeq, stored.lastMessageAt).catch(() => undefined),
    ]);
    return stored;
  }
}

/**
 * The part of a contiguous page (first message at seq `first`) that answers `range`, or undefined when
 * messages outside the page would belong to the answer.
 */
export function slicePage<T>(messages: readonly T[], first: number, range: PageRange): T[] | undefined {
  if (range.afterSeq !== undefined) {
    if (range.afterSeq + 1 < first) return undefined;
    const from = range.afterSeq + 1 - first;
    return messages.slice(from, from + range.limit);
  }
  const end =
    range.beforeSeq === undefined
      ? messages.length
      : Math.max(0, Math.min(messages.length, range.beforeSeq - first));
  const start = end - range.limit;
  if (start < 0 && first > 1) return undefined;
  return messages.slice(Math.max(0, start), end);
}

function roomInfoOf(room: StoredRoom): RoomInfo {
  return {
    id: room.id,
    name: room.name,
    topic: room.topic,
    createdAt: room.createdAt,
    createdBy: room.createdBy,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isUser(value: unknown): value is User {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.nickname === 'string' &&
    typeof value.tag === 'string'
  );
}

// Cached values come back from a shared store another build may have written: check their shape.
function parseRoomInfo(json: string | undefined): RoomInfo | undefined {
  const value = parseJson(json);
  if (
    !isRecord(value) ||
    typeof value.id !== 'string' ||
    typeof value.name !== 'string' ||
    !(typeof value.topic === 'string' || value.topic === null) ||
    typeof value.createdAt !== 'string' ||
    !isUser(value.createdBy)
  ) {
    return undefined;
  }
  return {
    id: value.id as RoomId,
    name: value.name,
    topic: value.topic,
    createdAt: value.createdAt,
    createdBy: { id: value.createdBy.id, nickname: value.createdBy.nickname, tag: value.createdBy.tag },
  };
}

function parseLastMessageAt(json: string): string | null | undefined {
  const value = parseJson(json);
  return typeof value === 'string' || value === null ? value : undefined;
}

function parsePage(json: string | undefined): string[] | undefined {
  const value = parseJson(json);
  if (!Array.isArray(value) || !value.every((m): m is string => typeof m === 'string')) return undefined;
  return value;
}

function parseJson(json: string | undefined): unknown {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}
