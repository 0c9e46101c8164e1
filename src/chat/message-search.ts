// Message search for the room domain: one room's messages (whoever may read its history; the adapter
// checks that first) or every room a user follows, rationed per identity (per address without one),
// each match with the code point ranges where the query occurs. The store finds; this decides the
// scope, the budget and the answer's shape. Knows no transport.
import type { RateLimiter, RateRule } from '../cluster/bus.js';
import { addressKey } from '../net/client-address.js';
import type { MemberSearchPage, SearchPage } from '../protocol/index.js';
import type { MessageSearchPage, SearchScope, Store } from '../store/store.js';
import type { RoomId, User } from './model.js';
import { takeOrRefuse } from './rate-limit.js';
import { highlightRanges } from './search-highlights.js';

export interface MessageSearchDependencies {
  readonly store: Store;
  readonly rateLimiter: RateLimiter;
  /** SEARCH_RATE_PER_MINUTE: one budget for room and cross-room searches. */
  readonly searchesPerMinute: number;
  /** SEARCH_SHORT_QUERY_SCAN_MAX. */
  readonly shortQueryScanMax: number;
}

/** A search as the adapter read it: `q` non-empty and within its length, `limit` within the page. */
export interface SearchRequest {
  readonly q: string;
  readonly before?: string | undefined;
  readonly limit: number;
}

export class MessageSearch {
  readonly #deps: MessageSearchDependencies;
  readonly #rule: RateRule;

  constructor(deps: MessageSearchDependencies) {
    this.#deps = deps;
    this.#rule = { capacity: deps.searchesPerMinute, refillPerSecond: deps.searchesPerMinute / 60 };
  }

  /** One room (the caller has checked the searcher may read its history). */
  async inRoom(
    searcher: { readonly user: User | undefined; readonly address: string },
    roomId: RoomId,
    request: SearchRequest,
  ): Promise<SearchPage> {
    const key =
      searcher.user === undefined ? `search:a:${addressKey(searcher.address)}` : `search:${searcher.user.id}`;
    await takeOrRefuse(this.#deps.rateLimiter, key, this.#rule, 'searches');
    const page = await this.#find({ kind: 'room', roomId }, request);
    return {
      results: page.messages.map((message) => ({
        message,
        highlights: highlightRanges(message.body, request.q),
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** Every room the user follows (holds a read marker in), rooms taken down left out. */
  async acrossRooms(user: User, request: SearchRequest): Promise<MemberSearchPage> {
    await takeOrRefuse(this.#deps.rateLimiter, `search:${user.id}`, this.#rule, 'searches');
    const page = await this.#find({ kind: 'member', userId: user.id }, request);
    const names = new Map<string, string>();
    for (const roomId of new Set(page.messages.map((m) => m.roomId))) {
      names.set(roomId, (await this.#deps.store.findRoom(roomId))?.name ?? '');
    }
    return {
      results: page.messages.map((message) => ({
        message,
        highlights: highlightRanges(message.body, request.q),
        roomName: names.get(message.roomId) ?? '',
      })),
      nextCursor: page.nextCursor,
    };
  }

  #find(scope: SearchScope, request: SearchRequest): Promise<MessageSearchPage> {
    return this.#deps.store.searchMessages({
      scope,
      // Surrounding spaces are how the query was typed, not what is looked for.
      text: request.q.trim(),
      limit: request.limit,
      shortQueryScanMax: this.#deps.shortQueryScanMax,
      ...(request.before === undefined || request.before === '' ? {} : { cursor: request.before }),
    });
  }
}
