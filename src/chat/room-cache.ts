// The chat's read-through cache over the Cache port, shared by all nodes so reads skip the store: which
// rooms exist, each room's head (its last seq), and the room and its latest history page as of a head.
// Correct on writes: every write raises the head (monotonic, before it is acknowledged), and rooms and
// pages are keyed by head, so a cached value never changes. Knows nothing of Redis, HTTP or STOMP.
import * as z from 'zod/mini';
import type { Cache } from '../cluster/bus.js';
import { decodeJson, MessageSchema, RoomStateSchema, UserSchema } from '../protocol/index.js';
import type { Store } from '../store/store.js';
import type { Message, RoomId, StoredRoom } from './model.js';

export interface RoomHead {
  /** The room's last seq (messages and room events): never behind a write that was acknowledged. */
  readonly lastSeq: number;
}

export interface PageRange {
  readonly beforeSeq?: number;
  readonly afterSeq?: number;
  readonly limit: number;
}

/** The latest messages as of a head, ascending; `complete` when the room has no older ones. */
interface CachedPage {
  readonly complete: boolean;
  readonly seqs: number[];
  readonly messages: Message[];
}

export interface RoomCacheOptions {
  readonly cache: Cache;
  readonly store: Store;
  /** Messages in a cached latest page (the largest history page). */
  readonly pageSize: number;
  /** How long "this room exists" is believed (ROOM_CACHE_EXISTS_TTL_MS). */
  readonly existsTtlMs: number;
  /**
   * Bounds how long a head can lag when a writer could not raise it (Redis unreachable at that moment).
   * (ROOM_CACHE_HEAD_TTL_MS)
   */
  readonly headTtlMs: number;
  /** Rooms and pages are keyed by head, so they never go stale; this only frees memory (ROOM_CACHE_PAGE_TTL_MS). */
  readonly versionedTtlMs: number;
}

const existsKey = (id: RoomId): string => `room:${id}`;
const headKey = (id: RoomId): string => `head:${id}`;
const roomKey = (id: RoomId, lastSeq: number): string => `room:${id}:${lastSeq}`;
/** `page2`: pages hold message values since 2026-12-02 (JSON strings before), so builds never mix. */
const pageKey = (id: RoomId, lastSeq: number): string => `page2:${id}:${lastSeq}`;

export class RoomCache {
  readonly #cache: Cache;
  readonly #store: Store;
  readonly #pageSize: number;
  readonly #existsTtlMs: number;
  readonly #headTtlMs: number;
  readonly #versionedTtlMs: number;

  constructor(options: RoomCacheOptions) {
    this.#cache = options.cache;
    this.#store = options.store;
    this.#pageSize = options.pageSize;
    this.#existsTtlMs = options.existsTtlMs;
    this.#headTtlMs = options.headTtlMs;
    this.#versionedTtlMs = options.versionedTtlMs;
  }

  /** Whether the room exists (a cached yes, else the store). */
  async exists(id: RoomId): Promise<boolean> {
    if ((await this.#cache.get(existsKey(id))) !== undefined) return true;
    return (await this.#load(id)) !== undefined;
  }

  /** Where the room stands, or undefined when it does not exist. */
  async head(id: RoomId): Promise<RoomHead | undefined> {
    const cached = await this.#cache.getVersioned(headKey(id));
    if (cached !== undefined) return { lastSeq: cached.version };
    const stored = await this.#load(id);
    return stored === undefined ? undefined : { lastSeq: stored.lastSeq };
  }

  /** The room as of `head` or later, or undefined when it does not exist. */
  async room(id: RoomId, head: RoomHead): Promise<StoredRoom | undefined> {
    const cached = parseRoom(await this.#cache.get(roomKey(id, head.lastSeq)), id);
    if (cached !== undefined) return cached;
    const stored = await this.#load(id);
    if (stored !== undefined && stored.lastSeq >= head.lastSeq) {
      await this.#cache.set(roomKey(id, head.lastSeq), JSON.stringify(stored), this.#versionedTtlMs);
    }
    return stored;
  }

  /**
   * A history page answered from the cached latest page as of `head`, or undefined when that page does
   * not hold the whole answer (the caller asks the store). Ascending by seq.
   */
  async page(id: RoomId, head: RoomHead, range: PageRange): Promise<Message[] | undefined> {
    const key = pageKey(id, head.lastSeq);
    let page = parsePage(await this.#cache.get(key));
    if (page === undefined) {
      const latest = await this.#store.listMessages(id, { limit: this.#pageSize });
      // Read after the head, so the store is at or past it; what is past it is left out, so the page
      // is exactly "as of head" for every reader that later finds it under this key.
      const upToHead = latest.filter((m) => m.seq <= head.lastSeq);
      page = {
        complete: latest.length < this.#pageSize,
        seqs: upToHead.map((m) => m.seq),
        messages: upToHead,
      };
      await this.#cache.set(key, JSON.stringify(page), this.#versionedTtlMs);
    }
    return slicePage(page, range);
  }

  /** A new room: known to exist, empty head, so the first reads on any node need no query. */
  async created(room: StoredRoom): Promise<void> {
    await Promise.all([
      this.#cache.set(existsKey(room.id), '1', this.#existsTtlMs),
      this.#advance(room.id, room.lastSeq),
    ]);
  }

  /**
   * Every write that takes a room seq (a message, a room event) calls this before it is acknowledged,
   * so a read that starts after the acknowledgement, on any node, sees it. Rejects when the cache could
   * not be updated (the head then lags by at most `headTtlMs`).
   */
  async advanced(id: RoomId, seq: number): Promise<void> {
    await this.#advance(id, seq);
  }

  async #advance(id: RoomId, lastSeq: number): Promise<void> {
    await this.#cache.setIfNewer(headKey(id), lastSeq, '', this.#headTtlMs);
  }

  async #load(id: RoomId): Promise<StoredRoom | undefined> {
    const stored = await this.#store.findRoom(id);
    if (stored === undefined) return undefined;
    // Filling is best effort: a failure here only costs the next reader a query.
    await Promise.all([
      this.#cache.set(existsKey(id), '1', this.#existsTtlMs),
      this.#advance(id, stored.lastSeq).catch(() => undefined),
    ]);
    return stored;
  }
}

/**
 * The part of a cached latest page that answers `range`, or undefined when messages outside the page
 * could belong to the answer. Seqs need not be dense (room events take seqs too).
 */
function slicePage(page: CachedPage, range: PageRange): Message[] | undefined {
  const { seqs, messages, complete } = page;
  if (range.afterSeq !== undefined) {
    const afterSeq = range.afterSeq;
    const oldest = seqs[0];
    // Every message after afterSeq must be in the page: the page reaches back far enough, or holds all.
    if (!complete && (oldest === undefined || afterSeq < oldest - 1)) return undefined;
    const from = seqs.findIndex((seq) => seq > afterSeq);
    return from < 0 ? [] : messages.slice(from, from + range.limit);
  }
  const beforeSeq = range.beforeSeq;
  const end = beforeSeq === undefined ? seqs.length : countBelow(seqs, beforeSeq);
  if (end < range.limit && !complete) return undefined;
  return messages.slice(Math.max(0, end - range.limit), end);
}

function countBelow(seqs: readonly number[], bound: number): number {
  let count = 0;
  while (count < seqs.length && (seqs[count] ?? bound) < bound) count++;
  return count;
}

// Cached values come from a store shared with other nodes (and other builds): each is read with its
// schema, and anything else (a value of an older build, a room cached before epochs) is a miss.
const CachedRoomSchema = z.extend(RoomStateSchema, {
  createdBy: UserSchema,
  epoch: z.string(),
  lastSeq: z.number().check(z.int(), z.minimum(0)),
});

const CachedPageSchema = z
  .object({
    complete: z.boolean(),
    seqs: z.array(z.number()),
    messages: z.array(MessageSchema),
  })
  // Each message must be the one its seq names.
  .check(
    z.refine(
      (page) =>
        page.seqs.length === page.messages.length && page.messages.every((m, i) => m.seq === page.seqs[i]),
    ),
  );

function parseRoom(json: string | undefined, id: RoomId): StoredRoom | undefined {
  if (json === undefined) return undefined;
  const decoded = decodeJson(CachedRoomSchema, json);
  // Checked by the schema; the ids in it are ours (brands are inward).
  return decoded.ok && decoded.value.id === id ? (decoded.value as StoredRoom) : undefined;
}

function parsePage(json: string | undefined): CachedPage | undefined {
  if (json === undefined) return undefined;
  const decoded = decodeJson(CachedPageSchema, json);
  if (!decoded.ok) return undefined;
  const { complete, seqs, messages } = decoded.value;
  return { complete, seqs: [...seqs], messages: messages as Message[] };
}
