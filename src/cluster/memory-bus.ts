// The in-process Bus for a single node: every publication reaches every subscriber of its channel
// in publish order. Several MemoryBus instances may share one `MemoryBusHub` to stand in for nodes
// (tests). Messages stay in memory as the typed values they were published as (nothing crosses a
// process, so nothing is encoded or checked). Never disconnects, so `onResync` never fires.
import { ParleyError } from '../errors.js';
import type { Bus } from './bus.js';
import {
  type ClusterChannel,
  type ClusterMessage,
  type ClusterMessageKind,
  type ClusterMessageOf,
  channelNameOf,
  isOfKind,
} from './messages.js';
import { defaultOnError } from './redis-client.js';

type Listener = (message: ClusterMessage) => void;

/** The shared medium: one FIFO delivery queue, so nested publications cannot overtake earlier ones. */
export class MemoryBusHub {
  readonly #channels = new Map<string, Set<Listener>>();
  readonly #queue: { channel: string; message: ClusterMessage }[] = [];
  #draining = false;

  publish(message: ClusterMessage): void {
    this.#queue.push({ channel: channelNameOf(message), message });
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let item = this.#queue.shift(); item !== undefined; item = this.#queue.shift()) {
        const listeners = this.#channels.get(item.channel);
        if (listeners === undefined) continue;
        // Listeners are wrapped by their MemoryBus, which catches and reports their errors.
        for (const listener of [...listeners]) listener(item.message);
      }
    } finally {
      this.#draining = false;
    }
  }

  add(channel: string, listener: Listener): void {
    let listeners = this.#channels.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.#channels.set(channel, listeners);
    }
    listeners.add(listener);
  }

  remove(channel: string, listener: Listener): void {
    const listeners = this.#channels.get(channel);
    if (listeners === undefined) return;
    listeners.delete(listener);
    if (listeners.size === 0) this.#channels.delete(channel);
  }
}

export interface MemoryBusOptions {
  /** Share to make several buses behave as nodes of one deployment. */
  readonly hub?: MemoryBusHub;
  readonly onError?: (error: unknown) => void;
}

export class MemoryBus implements Bus {
  readonly #hub: MemoryBusHub;
  readonly #mine = new Set<{ channel: string; listener: Listener }>();
  readonly #onError: (error: unknown) => void;
  #closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.#hub = options.hub ?? new MemoryBusHub();
    this.#onError = options.onError ?? defaultOnError;
  }

  async publish(message: ClusterMessage): Promise<void> {
    this.#assertOpen();
    this.#hub.publish(message);
  }

  async subscribe<K extends ClusterMessageKind>(
    channel: ClusterChannel<K>,
    listener: (message: ClusterMessageOf<K>) => void,
  ): Promise<() => Promise<void>> {
    this.#assertOpen();
    const { name, kind } = channel;
    // A fresh wrapper per subscription, so subscribing one function twice needs two unsubscribes;
    // it also keeps a throwing listener from starving the others.
    const wrapper: Listener = (message) => {
      // Every publication on a channel name is of the channel's kind (channelNameOf); checked anyway.
      if (!isOfKind(message, kind)) return;
      try {
        listener(message);
      } catch (error) {
        this.#onError(error);
      }
    };
    const entry = { channel: name, listener: wrapper };
    this.#mine.add(entry);
    this.#hub.add(name, wrapper);
    return async () => {
      if (!this.#mine.delete(entry)) return;
      this.#hub.remove(name, wrapper);
    };
  }

  onResync(_listener: () => void): void {
    // An in-process bus loses nothing, so there is never a gap to fill.
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#mine) this.#hub.remove(entry.channel, entry.listener);
    this.#mine.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ParleyError('shutting_down', 'The bus is closed.');
  }
}
