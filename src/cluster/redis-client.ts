// How a node's two Redis connections are made, connected and closed, and how Lua scripts run by hash.
// One command connection serves the bus's publications, presence, rate limits and the cache; one
// subscriber connection serves the bus's subscriptions (a subscribed connection can run nothing else).
// Only src/app.ts (and tests) open them; the Redis-backed classes borrow them and never close them.
// Knows nothing of rooms or users.
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { type Clock, systemClock, type Timer } from '../clock.js';
import { ParleyError } from '../errors.js';

/** A `redis://` URL or ioredis options; `lazyConnect`, `connectionName` and `retryStrategy` are set here. */
export type RedisTarget = string | RedisOptions;

/** What every class that borrows the node's connections is told. */
export interface RedisClientOptions {
  /** Prepended to every key and channel, so deployments and tests sharing one Redis stay apart. */
  readonly keyPrefix?: string;
  /** Where asynchronous failures go (connection errors, throwing listeners). Default: stderr. */
  readonly onError?: (error: unknown) => void;
  readonly clock?: Clock;
}

export interface RedisConnectOptions {
  readonly redis: RedisTarget;
  /**
   * Names the two connections in `CLIENT LIST`: `<name>:cmd` and `<name>:sub` (the app passes
   * `parley:<nodeId>`), so an operator can tell which node holds which connection.
   */
  readonly name: string;
  /** Connection attempts before `open` gives up (default 5). */
  readonly connectAttempts?: number;
  /** Delay before the second attempt; grows linearly (default 200 ms). */
  readonly connectDelayMs?: number;
  readonly onError?: (error: unknown) => void;
  readonly clock?: Clock;
}

/** One node's connections to Redis. Closed once, by their owner, after every borrower stopped. */
export interface RedisConnections {
  /** Commands and PUBLISH: the bus, presence, rate limits and the cache share it. */
  readonly command: Redis;
  /** SUBSCRIBE only; does not resubscribe by itself (RedisBus does, then announces a resync). */
  readonly subscriber: Redis;
  close(): Promise<void>;
}

/** Opens and connects both connections with bounded retries; rejects (leaving nothing open) on failure. */
export async function openRedisConnections(options: RedisConnectOptions): Promise<RedisConnections> {
  const onError = options.onError ?? defaultOnError;
  const command = createRedisClient(options.redis, `${options.name}:cmd`, onError);
  // ioredis would resubscribe on its own but announces 'ready' before Redis confirms; RedisBus
  // resubscribes itself so `onResync` fires only once the subscriptions are active again.
  const subscriber = createRedisClient(options.redis, `${options.name}:sub`, onError, {
    autoResubscribe: false,
  });
  let closing: Promise<void> | undefined;
  const connections: RedisConnections = {
    command,
    subscriber,
    close: () => {
      closing ??= Promise.all([
        closeRedis(command, options.clock),
        closeRedis(subscriber, options.clock),
      ]).then(() => undefined);
      return closing;
    },
  };
  const retry = { attempts: options.connectAttempts, delayMs: options.connectDelayMs, clock: options.clock };
  try {
    await Promise.all([connectRedis(command, retry), connectRedis(subscriber, retry)]);
  } catch (error) {
    // Start-up fails as a whole; a connection that did connect must not keep the process alive.
    await connections.close();
    throw error;
  }
  return connections;
}

export const defaultOnError = (error: unknown): void => {
  console.error('[parley:cluster]', error);
};

/** A client that does not connect until `connectRedis`, with an 'error' listener attached. */
function createRedisClient(
  target: RedisTarget,
  name: string,
  onError: (error: unknown) => void,
  extra: RedisOptions = {},
): Redis {
  let everReady = false;
  const overrides: RedisOptions = {
    ...extra,
    lazyConnect: true,
    connectionName: name,
    // Until the first connection succeeded, `connectRedis` owns retrying (bounded); ioredis' own retry
    // would leave the client 'reconnecting' forever, which even `disconnect()` does not end.
    retryStrategy: (times) => (everReady ? Math.min(times * 50, 2_000) : null),
  };
  const client =
    typeof target === 'string' ? new Redis(target, overrides) : new Redis({ ...target, ...overrides });
  client.once('ready', () => {
    everReady = true;
  });
  // ioredis emits 'error' for every failed (re)connect; without a listener the process would crash.
  client.on('error', onError);
  return client;
}

/** Connects with a bounded number of attempts; afterwards ioredis reconnects by itself. */
export async function connectRedis(
  client: Redis,
  options: { attempts?: number | undefined; delayMs?: number | undefined; clock?: Clock | undefined } = {},
): Promise<void> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const delayMs = options.delayMs ?? 200;
  const clock = options.clock ?? systemClock;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (client.status === 'ready') return;
    try {
      await client.connect();
      return;
    } catch (error) {
      lastError = error;
    }
    if (attempt < attempts)
      await new Promise<void>((resolve) => clock.setTimeout(resolve, delayMs * attempt));
  }
  throw new ParleyError('internal_error', `Redis unreachable after ${attempts} attempts`, {
    cause: lastError,
  });
}

/** Ends the connection and resolves once the socket is gone (no handle left behind). */
export async function closeRedis(client: Redis, clock: Clock = systemClock): Promise<void> {
  if (isEnded(client)) return;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  if (client.status === 'ready') {
    try {
      await client.quit();
    } catch {
      client.disconnect();
    }
  } else {
    // Between reconnect attempts there is no socket: this cancels the pending attempt, and ioredis
    // stays 'reconnecting' without ever emitting 'end', so there is nothing more to wait for.
    const hadSocket = client.status !== 'reconnecting';
    client.disconnect();
    if (!hadSocket) return;
  }
  if (isEnded(client)) return;
  let timer: Timer | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = clock.setTimeout(resolve, 2_000);
  });
  await Promise.race([ended, gaveUp]);
  timer?.cancel();
}

// A function, so TypeScript does not keep the narrowing from before the awaits above.
function isEnded(client: Redis): boolean {
  return client.status === 'end';
}

/** Rejects with `internal_error` when `promise` has not settled within `ms` (a command stuck in a reconnect). */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  clock: Clock,
  what: string,
): Promise<T> {
  let timer: Timer | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(
      () => reject(new ParleyError('internal_error', `${what} timed out after ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    timer?.cancel();
  }
}

/** A Lua script run by hash, falling back to the source once when Redis does not know it yet. */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return await client.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /** Loads the script so the first `run` on a fresh server costs no extra round trip. */
  async load(client: Redis): Promise<void> {
    await client.script('LOAD', this.source);
  }
}
