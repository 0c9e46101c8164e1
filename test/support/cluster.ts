// Several real Parley processes on one fresh PostgreSQL database and one Redis key prefix, for the
// cluster suites; plus a private redis-server a test may stop and start without touching the shared
// one. Tests own what these return and always dispose it. Knows only the contract (env, HTTP, STOMP).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, IMessage } from '@stomp/stompjs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { Room } from '../../src/chat/model.js';
import { makePostgresFixture, postgresUnavailable } from '../fixtures/store-fixtures.js';
import { eventually } from './eventually.js';
import { postJson, type Session, startNodePair, type TestParley } from './parley.js';
import { type ParleyProcess, startParleyProcess } from './parley-process.js';
import { RawStompClient } from './raw-stomp.js';
import { deleteKeys, REDIS_TEST_URL, redisAvailable, uniqueKeyPrefix } from './redis.js';
import { connectStompClient, receiptOf } from './stompjs-client.js';

export const CLUSTER_SECRET = 'cluster-test-secret-of-at-least-32-bytes!!';

/** Generous limits: the suites send fast on purpose; the rate-limit test sets its own. */
const QUIET_ENV: Readonly<Record<string, string>> = {
  SEND_RATE_PER_SECOND: '100000',
  SEND_BURST: '100000',
  SESSIONS_PER_IP_PER_MINUTE: '100000',
  ROOMS_PER_USER_PER_HOUR: '100000',
  DB_POOL_MAX: '3',
  PRESENCE_TTL_MS: '2000',
  SHUTDOWN_TIMEOUT_MS: '5000',
};

/**
 * Why the cluster suites cannot run here (no PostgreSQL or Redis), or undefined. With CI=true they
 * must run, so this never skips there (the suites then fail on the missing service).
 */
export async function clusterSkipReason(): Promise<string | undefined> {
  const pgReason = await postgresUnavailable();
  const redisReason = (await redisAvailable()) ? undefined : `no Redis at ${REDIS_TEST_URL}`;
  const reason = pgReason ?? redisReason;
  if (reason === undefined || process.env.CI === 'true') return undefined;
  console.warn(`skipping cluster tests: ${reason}`);
  return reason;
}

export interface Cluster {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly keyPrefix: string;
  /** Every node started so far (killed ones included), in start order. */
  readonly nodes: ParleyProcess[];
  /** Starts one more node of this deployment; `env` adds to or overrides the cluster's. */
  startNode(env?: Record<string, string>): Promise<ParleyProcess>;
  /** Makes the database refuse connections (and drops the open ones); resolves to a restore function. */
  breakDatabase(): Promise<() => Promise<void>>;
  dispose(): Promise<void>;
}

export interface ClusterOptions {
  readonly nodes: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Default: the machine's shared Redis (isolated by a unique key prefix). */
  readonly redisUrl?: string;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const database = await makePostgresFixture();
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-cluster-'));
  const keyPrefix = uniqueKeyPrefix('cluster');
  const redisUrl = options.redisUrl ?? REDIS_TEST_URL;
  const nodes: ParleyProcess[] = [];
  const baseEnv: Record<string, string> = {
    ...QUIET_ENV,
    JWT_SECRET: CLUSTER_SECRET,
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    // Unused with PostgreSQL and a JWT_SECRET, but never the working tree's ./data.
    DATA_DIR: dataDir,
    ...options.env,
  };
  const cluster: Cluster = {
    databaseUrl: database.url,
    redisUrl,
    keyPrefix,
    nodes,
    async startNode(env = {}) {
      const node = await startParleyProcess({ ...baseEnv, ...env });
      nodes.push(node);
      return node;
    },
    breakDatabase: () => database.breakDatabase(),
    async dispose() {
      await Promise.all(
        nodes.map(async (node) => {
          node.kill('SIGKILL');
          await node.exited;
        }),
      );
      await database.dispose();
      await rm(dataDir, { recursive: true, force: true });
      if (redisUrl === REDIS_TEST_URL) await deleteKeys(keyPrefix);
    },
  };
  try {
    // One at a time: the first migrates, the others find the schema in place.
    for (let i = 0; i < options.nodes; i++) await cluster.startNode();
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
  return cluster;
}

export async function newSession(node: ParleyProcess, nickname: string): Promise<Session> {
  return postJson<Session>(`${node.url}/api/sessions`, { nickname }, undefined, 201);
}

export async function newRoom(node: ParleyProcess, token: string, name: string): Promise<Room> {
  return postJson<Room>(`${node.url}/api/rooms`, { name }, token, 201);
}

/** A STOMP client on `node` that records MESSAGEs of every room subscription and errors. */
export interface RoomClient {
  readonly client: Client;
  /** MESSAGEs of the room topic, in arrival order. */
  readonly messages: IMessage[];
  /** Bodies of `/user/queue/errors` frames, parsed, with their receipt-id. */
  readonly errors: Array<{ code: string; receiptId: string | undefined }>;
  /** Resolves when the socket closed (a killed node, a drain). */
  readonly closed: Promise<void>;
  seqs(): number[];
  /** Bounded wait until at least `count` messages arrived. */
  waitForCount(count: number, timeoutMs?: number): Promise<void>;
  /**
   * Publishes one chat message with a receipt and clientMsgId `id`; resolves on its RECEIPT, rejects
   * with the error code when `/user/queue/errors` reports it (or on timeout).
   */
  send(roomId: string, id: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function connectRoomClient(
  node: ParleyProcess,
  token: string,
  roomId: string | undefined,
  options: { sinceSeq?: number; messages?: IMessage[] } = {},
): Promise<RoomClient> {
  const client = await connectStompClient({ url: node.wsUrl, token });
  // A dropped socket is part of these tests: it is an outcome to wait for, not a failure.
  const closed = new Promise<void>((resolve) => {
    client.onWebSocketClose = () => resolve();
  });
  const messages = options.messages ?? [];
  const errors: RoomClient['errors'] = [];
  const refusals = new Map<string, (code: string) => void>();
  const ready: Array<Promise<unknown>> = [];
  const subscribeWithReceipt = (
    destination: string,
    listener: (m: IMessage) => void,
    headers: Record<string, string>,
  ) => {
    const receipt = `sub-${destination}`;
    ready.push(receiptOf(client, receipt, 10_000));
    client.subscribe(destination, listener, { ...headers, receipt });
  };
  subscribeWithReceipt(
    '/user/queue/errors',
    (m) => {
      const body = JSON.parse(m.body) as { code: string };
      const receiptId = m.headers['receipt-id'];
      errors.push({ code: body.code, receiptId });
      if (receiptId !== undefined) refusals.get(receiptId)?.(body.code);
    },
    {},
  );
  if (roomId !== undefined) {
    subscribeWithReceipt(
      `/topic/rooms.${roomId}`,
      (m) => messages.push(m),
      options.sinceSeq === undefined ? {} : { 'since-seq': String(options.sinceSeq) },
    );
  }
  await Promise.all(ready);
  return {
    client,
    messages,
    errors,
    closed,
    seqs: () => messages.map((m) => Number(m.headers.seq)),
    waitForCount: (count, timeoutMs = 10_000) =>
      eventually(
        () => {
          if (messages.length < count) throw new Error(`have ${messages.length} of ${count} messages`);
        },
        { timeoutMs },
      ),
    send: (target, id, timeoutMs = 10_000) => {
      const refused = new Promise<never>((_, reject) => {
        refusals.set(id, (code) => reject(new Error(code)));
      });
      const outcome = Promise.race([receiptOf(client, id, timeoutMs), refused]).finally(() =>
        refusals.delete(id),
      );
      client.publish({
        destination: `/app/rooms.${target}`,
        body: JSON.stringify({ body: id, clientMsgId: id }),
        headers: { receipt: id, 'content-type': 'application/json' },
      });
      return outcome.then(() => undefined);
    },
    close: () => client.deactivate(),
  };
}

/** 1..n */
export function range1(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** A redis-server of this test's own on a free port, which it may stop and start again. */
export interface PrivateRedis {
  readonly url: string;
  /** Kills the server (SIGKILL: nothing is saved, as a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async (): Promise<void> => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    child.on('error', () => undefined);
    proc = child;
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await eventually(
      async () => {
        const probe = new Redis(url, {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          await probe.ping();
        } finally {
          probe.disconnect();
        }
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  };
  const stop = async (): Promise<void> => {
    proc?.kill('SIGKILL');
    proc = undefined;
    await exited;
  };
  await start();
  return { url, stop, start, dispose: stop };
}

/** Status of GET `path` on `node`; network failures count as 0. */
export async function statusOf(node: ParleyProcess, path: string): Promise<number> {
  try {
    const response = await fetch(`${node.url}${path}`);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/**
 * For one describe block: two in-process nodes on PostgreSQL and Redis under a key prefix of their own,
 * node B with a STOMP TCP port, started before the block's tests and ended after (their Redis keys
 * too). `connectRaw` opens a raw STOMP connection to node B for a token and waits for CONNECTED; the
 * block closes it.
 */
export function nodePairForSuite(name: string): {
  readonly a: () => TestParley;
  readonly b: () => TestParley;
  connectRaw(token: string): Promise<RawStompClient>;
} {
  const prefix = uniqueKeyPrefix(name);
  let pair: { readonly a: TestParley; readonly b: TestParley } | undefined;
  const raw: RawStompClient[] = [];
  const started = (): { readonly a: TestParley; readonly b: TestParley } => {
    if (pair === undefined) throw new Error(`${name}: the nodes are not started`);
    return pair;
  };
  beforeAll(async () => {
    pair = await startNodePair({
      redisUrl: REDIS_TEST_URL,
      redisKeyPrefix: prefix,
      b: { ephemeralStompPort: true },
    });
  }, 30_000);
  afterAll(async () => {
    for (const client of raw) client.destroy();
    await pair?.b.dispose();
    await pair?.a.dispose();
    await deleteKeys(prefix);
  });
  return {
    a: () => started().a,
    b: () => started().b,
    async connectRaw(token) {
      const client = await RawStompClient.open(started().b.app.stompPort);
      raw.push(client);
      client.write('CONNECT', { 'accept-version': '1.2', host: 'parley', passcode: token });
      await client.waitFor((f) => f.command === 'CONNECTED');
      return client;
    },
  };
}
