// A node-local copy (a cache) kept in step with the other nodes by one bus channel. The copy may be
// trusted only while the channel is followed: messages published while it is not, or while the bus
// was away, are lost. So the copy is reset when following starts and stops and on every resync.
import type { Bus } from './bus.js';
import type { ClusterChannel, ClusterMessageKind, ClusterMessageOf } from './messages.js';

export class ChannelFollower<K extends ClusterMessageKind> {
  readonly #bus: Bus;
  readonly #channel: ClusterChannel<K>;
  readonly #listener: (message: ClusterMessageOf<K>) => void;
  readonly #reset: () => void;
  #live = false;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    bus: Bus,
    channel: ClusterChannel<K>,
    listener: (message: ClusterMessageOf<K>) => void,
    reset: () => void,
  ) {
    this.#bus = bus;
    this.#channel = channel;
    this.#listener = listener;
    this.#reset = reset;
    bus.onResync(reset);
  }

  /** Whether the channel is followed, so the copy may be used. */
  get live(): boolean {
    return this.#live;
  }

  /** Follows the channel; the copy is used from then on. */
  async start(): Promise<void> {
    this.#unsubscribe = await this.#bus.subscribe(this.#channel, this.#listener);
    this.#reset();
    this.#live = true;
  }

  async close(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    this.#live = false;
    this.#reset();
    await unsubscribe?.();
  }
}
