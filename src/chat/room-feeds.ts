// This node's live room feeds: one RoomFeed per room somebody here subscribes to, shared by its
// subscriptions and stopped with the last of them; caught up from the store after a bus resync. Owns
// the feeds' lifetimes only: what a feed does is room-feed.ts, where it delivers is the RoomOutput.
import type { Logger } from 'pino';
import type { Bus } from '../cluster/bus.js';
import type { Store } from '../store/store.js';
import type { RoomId } from './model.js';
import { type FeedEntry, type FeedSink, RoomFeed } from './room-feed.js';

export interface RoomFeedsDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly sink: FeedSink;
  readonly logger: Logger;
  /** Recent messages kept per active room for history reads. */
  readonly recentLimit: number;
}

export class RoomFeeds {
  readonly #deps: RoomFeedsDependencies;
  readonly #feeds = new Map<RoomId, Promise<RoomFeed>>();

  constructor(deps: RoomFeedsDependencies) {
    this.#deps = deps;
    deps.bus.onResync(() => {
      for (const feed of this.#feeds.values())
        void feed.then(
          (f) => f.resync(),
          () => undefined,
        );
    });
  }

  /** Starts (or shares) this node's feed of an existing room. */
  async open(id: RoomId): Promise<void> {
    let feed = this.#feeds.get(id);
    if (feed === undefined) {
      const created = new RoomFeed(id, {
        store: this.#deps.store,
        bus: this.#deps.bus,
        sink: this.#deps.sink,
        logger: this.#deps.logger,
        recentLimit: this.#deps.recentLimit,
      });
      feed = created.start().then(() => created);
      this.#feeds.set(id, feed);
      feed.catch(() => this.#feeds.delete(id));
    }
    (await feed).retain();
  }

  close(id: RoomId): void {
    const feed = this.#feeds.get(id);
    if (feed === undefined) return;
    void feed.then(
      async (f) => {
        if (f.release()) {
          this.#feeds.delete(id);
          await f.stop();
        }
      },
      () => undefined,
    );
  }

  /** An entry this node stored: delivered here without waiting for the bus round trip. */
  offer(id: RoomId, entry: FeedEntry): void {
    const feed = this.#feeds.get(id);
    if (feed !== undefined)
      void feed.then(
        (f) => f.offer(entry),
        () => undefined,
      );
  }

  /** The room's feed on this node, when there is one. */
  find(id: RoomId): Promise<RoomFeed> | undefined {
    return this.#feeds.get(id);
  }

  async closeAll(): Promise<void> {
    const feeds = [...this.#feeds.values()];
    this.#feeds.clear();
    await Promise.allSettled(feeds.map(async (f) => (await f).stop()));
  }
}
