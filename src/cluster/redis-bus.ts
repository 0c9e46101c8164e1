// The Bus across nodes on Redis pub/sub: one connection publishes, one subscribes. Channels are
// prefixed with `keyPrefix` (pub/sub ignores DB numbers). Resubscribes itself after a reconnect and
// only then fires `onResync`, so a gap-fill started from there cannot miss later publications.
import type { Redis } from 'ioredis';
import { systemClock } from '../clock.js';
import { ParleyError } from '../errors.js';
import type { Bus } from './bus.js';
import {
  closeRedis,
  connectRedis,
  createRedisClient,
  defaultOnError,
  type RedisConnectionOptions,
  withTimeout,
} from './redis-client.js';

type Listener = (payload: string) => void;

export interface RedisBusOptions extends RedisConnectionOptions {
  /** Names the two connections in `CLIENT LIST` (`<name>:pub`, `<name>:sub`). Default `parley-bus`. */
  readonly connectionName?: string;
  /** `ping()` fails after this long (default 1 s), so readiness checks answer promptly. */
  readonly pingTimeoutMs?: number;
}

export class RedisBus implements Bus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #options: RedisBusOptions;
  readonly #onError: (error: unknown) => void;
  /** Keyed by the prefixed channel name. */
  readonly #channels = new Map<string, { listeners: Set<Listener>; ready: Promise<unknown> }>();
  readonly #resyncListeners = new Set<() => void>();
  #connectedOnce = false;
  #closed = false;

  constructor(options: RedisBusOptions) {
    this.#options = options;
    this.#prefix = options.keyPrefix ?? '';
    this.#onError = options.onError ?? defaultOnError;
    const name = options.connectionName ?? 'parley-bus';
    this.#pub = createRedisClient(options.redis, `${name}:pub`, this.#onError);
    // ioredis would resubscribe on its own but announces 'ready' before Redis confirms; we resubscribe
    // ourselves so `onResync` fires only once the subscriptions are active again.
    this.#sub = createRedisClient(options.redis, `${name}:sub`, this.#onError, { autoResubscribe: false });
    this.#sub.on('message', (channel: string, payload: string) => this.#deliver(channel, payload));
    this.#sub.on('ready', () => this.#onSubscriberReady());
  }

  /** Connects both connections with bounded retries; ioredis reconnects by itself afterwards. */
  async connect(): Promise<void> {
    const retry = {
      attempts: this.#options.connectAttempts,
      delayMs: this.#options.connectDelayMs,
      clock: this.#options.clock,
    };
    await Promise.all([connectRedis(this.#pub, retry), connectRedis(this.#sub, retry)]);
  }

  async publish(channel: string, payload: string): Promise<void> {
    this.#assertOpen();
    await this.#pub.publish(this.#prefix + channel, payload);
  }

  async subscribe(channel: string, listener: Listener): Promise<() => Promise<void>> {
    this.#assertOpen();
    const key = this.#prefix + channel;
    const wrapper: Listener = (payload) => listener(payload);
    let state = this.#channels.get(key);
    if (state === undefined) {
      // Commands go out on one socket in call order, so a later UNSUBSCRIBE cannot overtake this.
      state = { listeners: new Set(), ready: this.#sub.subscribe(key) };
      this.#channels.set(key, state);
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
      throw new ParleyError('internal_error', `subscribing to ${channel} failed`, { cause: error });
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
      this.#options.pingTimeoutMs ?? 1_000,
      this.#options.clock ?? systemClock,
      'Redis ping',
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    this.#resyncListeners.clear();
    await Promise.all([closeRedis(this.#pub), closeRedis(this.#sub)]);
  }

  #deliver(channel: string, payload: string): void {
    const state = this.#channels.get(channel);
    if (state === undefined) return;
    for (const listener of [...state.listeners]) {
      try {
        listener(payload);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  #onSubscriberReady(): void {
    if (!this.#connectedOnce) {
      this.#connectedOnce = true;
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
