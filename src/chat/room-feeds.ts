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
  /**
   * The feed object exists from the first open, before its start() settles, so an entry this node
   * stores is offered synchronously: the in-process bus delivers the echo synchronously too, and an
   * offer that came a microtask late would make the feed decode its own echo from JSON.
   */
  readonly #feeds = new Map<RoomId, { readonly feed: RoomFeed; readonly started: Promise<RoomFeed> }>();

  constructor(deps: RoomFeedsDependencies) {
    this.#deps = deps;
    deps.bus.onResync(() => {
      for (const { started } of this.#feeds.values())
        void started.then(
          (f) => f.resync(),
          () => undefined,
        );
    });
  }

  /** Starts (or shares) this node's feed of an existing room. */
  async open(id: RoomId): Promise<void> {
    let entry = this.#feeds.get(id);
    if (entry === undefined) {
      const feed = new RoomFeed(id, {
        store: this.#deps.store,
        bus: this.#deps.bus,
        sink: this.#deps.sink,
        logger: this.#deps.logger,
        recentLimit: this.#deps.recentLimit,
      });
      const created = { feed, started: feed.start().then(() => feed) };
      entry = created;
      this.#feeds.set(id, created);
      created.started.catch(() => {
        if (this.#feeds.get(id) === created) this.#feeds.delete(id);
      });
    }
    (await entry.started).retain();
  }

  close(id: RoomId): void {
    const entry = this.#feeds.get(id);
    if (entry === undefined) return;
    void entry.started.then(
      async (f) => {
        if (f.release()) {
          if (this.#feeds.get(id) === entry) this.#feeds.delete(id);
          await f.stop();
        }
      },
      () => undefined,
    );
  }

  /** An entry this node stored: delivered here without waiting for the bus round trip. */
  offer(id: RoomId, entry: FeedEntry): void {
    this.#feeds.get(id)?.feed.offer(entry);
  }

  /** The room's feed on this node, when there is one. */
  find(id: RoomId): Promise<RoomFeed> | undefined {
    return this.#feeds.get(id)?.started;
  }

  async closeAll(): Promise<void> {
    const feeds = [...this.#feeds.values()];
    this.#feeds.clear();
    await Promise.allSettled(feeds.map(async ({ started }) => (await started).stop()));
  }
}
