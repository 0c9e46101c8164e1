// The Bus across nodes on Redis pub/sub, on the node's two shared connections: publications go out on
// the command connection, subscriptions live on the subscriber connection (neither is owned here).
// Channels are prefixed with `keyPrefix` (pub/sub ignores DB numbers). Every incoming payload is
// decoded once and checked against its channel before any listener sees it. Resubscribes itself after
// the subscriber reconnects and only then fires `onResync`, so a gap-fill started from there cannot
// miss later publications.
import type { Redis } from 'ioredis';
import { systemClock } from '../clock.js';
import { ParleyError } from '../errors.js';
import type { Bus } from './bus.js';
import {
  type ClusterChannel,
  type ClusterMessage,
  type ClusterMessageKind,
  type ClusterMessageOf,
  channelNameOf,
  decodeClusterMessage,
  encodeClusterMessage,
  isOfKind,
} from './messages.js';
import { defaultOnError, type RedisClientOptions, withTimeout } from './redis-client.js';

type Listener = (message: ClusterMessage) => void;

export interface RedisBusOptions extends RedisClientOptions {
  /** The node's command connection: PUBLISH and PING. */
  readonly publisher: Redis;
  /** The node's subscriber connection, opened with `autoResubscribe: false` (openRedisConnections). */
  readonly subscriber: Redis;
  /** `ping()` fails after this long (REDIS_PING_TIMEOUT_MS), so readiness checks answer promptly. */
  readonly pingTimeoutMs: number;
  /**
   * A payload from a peer that is not a well-formed message of its channel's kind: dropped, and told
   * here (the app logs it, sampled). Default: `onError`.
   */
  readonly onDropped?: (channel: string, reason: string) => void;
}

interface ChannelState {
  /** The channel's name without the prefix, to check a message arrived where it belongs. */
  readonly name: string;
  readonly kind: ClusterMessageKind;
  readonly listeners: Set<Listener>;
  readonly ready: Promise<unknown>;
}

export class RedisBus implements Bus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #options: RedisBusOptions;
  readonly #onError: (error: unknown) => void;
  readonly #onDropped: (channel: string, reason: string) => void;
  /** Keyed by the prefixed channel name. */
  readonly #channels = new Map<string, ChannelState>();
  readonly #resyncListeners = new Set<() => void>();
  /** The subscriber was ready once while this bus listened: its next 'ready' is a reconnect. */
  #wasReady: boolean;
  #closed = false;
  readonly #onMessage = (channel: string, payload: string): void => this.#deliver(channel, payload);
  readonly #onReady = (): void => this.#onSubscriberReady();

  constructor(options: RedisBusOptions) {
    this.#options = options;
    this.#pub = options.publisher;
    this.#sub = options.subscriber;
    this.#prefix = options.keyPrefix ?? '';
    this.#onError = options.onError ?? defaultOnError;
    this.#onDropped =
      options.onDropped ??
      ((channel, reason) =>
        this.#onError(
          new ParleyError('internal_error', `dropped a malformed message on ${channel}: ${reason}`),
        ));
    // Built before or after the connection is up: only a 'ready' after one already seen is a reconnect.
    this.#wasReady = this.#sub.status === 'ready';
    this.#sub.on('message', this.#onMessage);
    this.#sub.on('ready', this.#onReady);
  }

  async publish(message: ClusterMessage): Promise<void> {
    this.#assertOpen();
    await this.#pub.publish(this.#prefix + channelNameOf(message), encodeClusterMessage(message));
  }

  async subscribe<K extends ClusterMessageKind>(
    channel: ClusterChannel<K>,
    listener: (message: ClusterMessageOf<K>) => void,
  ): Promise<() => Promise<void>> {
    this.#assertOpen();
    const key = this.#prefix + channel.name;
    const { kind } = channel;
    // #deliver hands a listener only messages of its channel's kind; the guard states it for the types.
    const wrapper: Listener = (message) => {
      if (isOfKind(message, kind)) listener(message);
    };
    let state = this.#channels.get(key);
    if (state === undefined) {
      // Commands go out on one socket in call order, so a later UNSUBSCRIBE cannot overtake this.
      state = { name: channel.name, kind, listeners: new Set(), ready: this.#sub.subscribe(key) };
      this.#channels.set(key, state);
    } else if (state.kind !== kind) {
      throw new ParleyError('internal_error', `channel ${channel.name} carries ${state.kind}, not ${kind}`);
    }
    state.listeners.add(wrapper);
    let active = true;
    const unsubscribe = async (): Promise<void> => {
      if (!active) return;
      active = false;
      const current = this.#channels.get(key);
      if (current === undefined || !current.listeners.delete(wrapper) || current.listeners.size > 0) return;
      this.#channels.delete(key);
      if (!this.#closed) await this.#sub.unsubscribe(key);
    };
    try {
      await state.ready;
    } catch (error) {
      await unsubscribe().catch(() => undefined);
      throw new ParleyError('internal_error', `subscribing to ${channel.name} failed`, { cause: error });
    }
    return unsubscribe;
  }

  onResync(listener: () => void): void {
    this.#resyncListeners.add(listener);
  }

  /** Fails at once while either connection is down (readiness must not wait for a reconnect). */
  async ping(): Promise<void> {
    this.#assertOpen();
    if (this.#pub.status !== 'ready' || this.#sub.status !== 'ready') {
      throw new ParleyError(
        'internal_error',
        `Redis bus not connected (${this.#pub.status}/${this.#sub.status})`,
      );
    }
    await withTimeout(
      this.#pub.ping(),
      this.#options.pingTimeoutMs,
      this.#options.clock ?? systemClock,
      'Redis ping',
    );
  }

  /** Stops listening and leaves its channels; the connections stay open for their owner to close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const channels = [...this.#channels.keys()];
    this.#channels.clear();
    this.#resyncListeners.clear();
    this.#sub.off('message', this.#onMessage);
    this.#sub.off('ready', this.#onReady);
    if (channels.length > 0 && this.#sub.status === 'ready') {
      await this.#sub.unsubscribe(...channels).catch((error: unknown) => this.#onError(error));
    }
  }

  #deliver(channel: string, payload: string): void {
    const state = this.#channels.get(channel);
    if (state === undefined) return;
    const decoded = decodeClusterMessage(payload);
    if (!decoded.ok) {
      this.#onDropped(state.name, decoded.reason);
      return;
    }
    const { message } = decoded;
    if (message.kind !== state.kind || channelNameOf(message) !== state.name) {
      this.#onDropped(state.name, `a ${message.kind} message for ${channelNameOf(message)}`);
      return;
    }
    for (const listener of [...state.listeners]) {
      try {
        listener(message);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  #onSubscriberReady(): void {
    if (!this.#wasReady) {
      this.#wasReady = true;
      return;
    }
    const channels = [...this.#channels.keys()];
    const resubscribed = channels.length === 0 ? Promise.resolve(0) : this.#sub.subscribe(...channels);
    resubscribed.then(
      () => {
        if (this.#closed) return;
        for (const listener of [...this.#resyncListeners]) {
          try {
            listener();
          } catch (error) {
            this.#onError(error);
          }
        }
      },
      (error: unknown) => this.#onError(error),
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new ParleyError('shutting_down', 'The bus is closed.');
  }
}
