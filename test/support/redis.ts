// Test-side access to the machine's Redis: is it there (skip rule), a unique key prefix per test,
// removal of a prefix's keys, and forcing connections closed. Tests only; the app never imports this.
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { openRedisConnections, type RedisConnections } from '../../src/cluster/redis-client.js';

export const REDIS_TEST_URL = 'redis://127.0.0.1:6379';

let probe: Promise<boolean> | undefined;

/**
 * Whether the test Redis answers. When it does not: with CI=true this throws (the suite must run
 * there); otherwise it prints why the Redis tests are skipped and returns false.
 */
export async function redisAvailable(): Promise<boolean> {
  probe ??= (async () => {
    const client = new Redis(REDIS_TEST_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return true;
    } catch (error) {
      if (process.env.CI === 'true')
        throw new Error(`Redis at ${REDIS_TEST_URL} is required with CI=true`, { cause: error });
      console.warn(`[test] skipping Redis tests: no Redis at ${REDIS_TEST_URL} (${String(error)})`);
      return false;
    } finally {
      client.disconnect();
    }
  })();
  return probe;
}

/** A prefix no other test (or concurrent test run) uses; end with ':' so keys read well. */
export function uniqueKeyPrefix(label: string): string {
  return `test:${label}:${randomUUID().slice(0, 8)}:`;
}

/** Runs `fn` with a short-lived admin connection that is always closed afterwards. */
export async function withRedis<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(REDIS_TEST_URL, { lazyConnect: true });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string): Promise<void> {
  await withRedis(async (redis) => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  });
}

/** Lists the server's client connections whose name equals `name`, as `CLIENT LIST` ids. */
export async function clientIdsNamed(name: string): Promise<string[]> {
  return withRedis(async (redis) => {
    const list = String(await redis.client('LIST'));
    const ids: string[] = [];
    for (const line of list.split('\n')) {
      const fields = new Map(
        line
          .trim()
          .split(' ')
          .map((pair) => {
            const at = pair.indexOf('=');
            return [pair.slice(0, at), pair.slice(at + 1)] as const;
          }),
      );
      const id = fields.get('id');
      if (fields.get('name') === name && id !== undefined) ids.push(id);
    }
    return ids;
  });
}

/** Kills the named connections from another connection, as a network failure would; returns how many. */
export async function killClientsNamed(name: string): Promise<number> {
  const ids = await clientIdsNamed(name);
  await withRedis(async (redis) => {
    for (const id of ids) await redis.client('KILL', 'ID', id);
  });
  return ids.length;
}

export interface RedisProxy {
  /** A `redis://` URL that reaches the test Redis through this proxy. */
  readonly url: string;
  /** Drops every connection and refuses new ones, as an outage would. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy on port 0 in front of the test Redis, to simulate outages for one client only. */
export async function startRedisProxy(): Promise<RedisProxy> {
  const target = new URL(REDIS_TEST_URL);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.on('error', () => undefined);
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => resolve());
    });
  await listen(0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const port = address.port;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: stop,
    restore: () => listen(port),
    close: stop,
  };
}

/**
 * A node's two connections as the app opens them (named `parley-test-<random>`), for tests that build
 * the Redis-backed classes by hand; the caller closes them after the classes.
 */
export function openTestConnections(
  options: { redis?: string; connectAttempts?: number; onError?: (error: unknown) => void } = {},
): Promise<RedisConnections> {
  return openRedisConnections({
    redis: options.redis ?? REDIS_TEST_URL,
    name: `parley-test-${randomUUID().slice(0, 8)}`,
    ...(options.connectAttempts === undefined ? {} : { connectAttempts: options.connectAttempts }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
}

/** The names of the server's client connections that start with `prefix` (`CLIENT LIST`). */
export async function clientNamesStartingWith(prefix: string): Promise<string[]> {
  return withRedis(async (redis) => {
    const list = String(await redis.client('LIST'));
    return list
      .split('\n')
      .map((line) => / name=(\S*)/.exec(line)?.[1])
      .filter((name): name is string => name?.startsWith(prefix) === true);
  });
}
