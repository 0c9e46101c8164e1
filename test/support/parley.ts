// A whole Parley for integration tests: in-process on port 0 over a fresh SQLite directory or a fresh
// PostgreSQL database, plus the HTTP and STOMP calls a client makes. Tests own it and close it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@stomp/stompjs';
import { type RunningParley, type StartOverrides, startParley } from '../../src/app.js';
import type { Room, User } from '../../src/chat/model.js';
import { loadConfig } from '../../src/config.js';
import { makePostgresFixture, postgresUnavailable } from '../fixtures/store-fixtures.js';
import { subscribed } from './chat-client.js';
import { connectStompClient, type Inbox } from './stompjs-client.js';

export type Backend = 'sqlite' | 'postgres';

/** The backends to run a suite on: PostgreSQL is skipped (with a printed reason) only outside CI. */
export async function availableBackends(): Promise<Backend[]> {
  const reason = await postgresUnavailable();
  if (reason === undefined || process.env.CI === 'true') return ['sqlite', 'postgres'];
  console.warn(`skipping PostgreSQL runs: ${reason}`);
  return ['sqlite'];
}

export interface Session {
  readonly token: string;
  readonly user: User;
  readonly expiresAt: string;
}

export interface TestParley {
  readonly app: RunningParley;
  readonly url: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  session(nickname: string): Promise<Session>;
  createRoom(token: string, name: string, topic?: string): Promise<Room>;
  /** A connected @stomp/stompjs client; `dispose` deactivates every client this made. */
  connect(token: string, options?: { heartbeatMs?: number }): Promise<Client>;
  /** `connect` for a session, with its `/user/queue/errors` subscribed: refusals are read from `errors`. */
  connectWithErrors(session: { readonly token: string }): Promise<{ client: Client; errors: Inbox }>;
  /** Stops the server but keeps its data (for restarts). */
  stop(): Promise<void>;
  /** A new server on the same data (and the same port). */
  restart(): Promise<TestParley>;
  /** Stops and removes its data. */
  dispose(): Promise<void>;
}

export interface TestParleyOptions {
  readonly backend?: Backend;
  readonly env?: Readonly<Record<string, string>>;
  readonly overrides?: StartOverrides;
}

const QUIET_LIMITS = {
  // Tests send fast on purpose; the limits have their own tests.
  SEND_RATE_PER_SECOND: '10000',
  SEND_BURST: '10000',
  SESSIONS_PER_IP_PER_MINUTE: '10000',
  ROOMS_PER_USER_PER_HOUR: '10000',
};

export async function startTestParley(options: TestParleyOptions = {}): Promise<TestParley> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-it-'));
  const pgFixture = options.backend === 'postgres' ? await makePostgresFixture() : undefined;
  const baseEnv: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    STOMP_PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.PARLEY_TEST_LOG_LEVEL ?? 'silent',
    JWT_SECRET: 'integration-test-secret-of-at-least-32-bytes',
    ...QUIET_LIMITS,
    ...(pgFixture === undefined ? {} : { DATABASE_URL: pgFixture.url }),
    ...options.env,
  };
  // Shared by the server and its restarts, so one dispose ends every client a test connected.
  const clients: Client[] = [];
  const cleanup = async (): Promise<void> => {
    await pgFixture?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  };

  const launch = async (env: Record<string, string>): Promise<TestParley> => {
    const app = await startParley(loadConfig(env), options.overrides);
    const wsUrl = `${app.url.replace(/^http/, 'ws')}/ws`;
    const handle: TestParley = {
      app,
      url: app.url,
      wsUrl,
      dataDir,
      databaseUrl: pgFixture?.url,
      session: (nickname) => postJson<Session>(`${app.url}/api/sessions`, { nickname }, undefined, 201),
      createRoom: (token, name, topic) =>
        postJson<Room>(`${app.url}/api/rooms`, topic === undefined ? { name } : { name, topic }, token, 201),
      connect: async (token, connectOptions) => {
        const client = await connectStompClient({
          url: wsUrl,
          token,
          heartbeatIncoming: connectOptions?.heartbeatMs ?? 0,
          heartbeatOutgoing: connectOptions?.heartbeatMs ?? 0,
        });
        clients.push(client);
        return client;
      },
      connectWithErrors: async (session) => {
        const client = await handle.connect(session.token);
        return { client, errors: await subscribed(client, '/user/queue/errors') };
      },
      stop: () => app.close(),
      restart: async () => {
        await app.close();
        return launch({ ...env, PORT: String(app.port) });
      },
      dispose: async () => {
        await Promise.all(clients.splice(0).map((client) => client.deactivate()));
        await app.close();
        await cleanup();
      },
    };
    return handle;
  };

  try {
    return await launch(baseEnv);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

export async function postJson<T>(
  url: string,
  body: unknown,
  token?: string,
  expectStatus = 200,
): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expectStatus) {
    throw new Error(`POST ${url} → ${response.status} (expected ${expectStatus}): ${text}`);
  }
  return JSON.parse(text) as T;
}

export interface ApiCallOptions {
  readonly token?: string;
  /** A room grant (x-room-grant), for password rooms. */
  readonly grant?: string;
  /** Sent as JSON. */
  readonly body?: unknown;
}

/** Any answer of the HTTP API with its status, refusals included: for tests of exact statuses and bodies. */
export async function callApi(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  options: ApiCallOptions = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.grant !== undefined) headers['x-room-grant'] = options.grant;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  // A 204 (and any answer without a body) reads as undefined.
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

export async function getJson<T>(url: string, expectStatus = 200): Promise<T> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== expectStatus) {
    throw new Error(`GET ${url} → ${response.status} (expected ${expectStatus}): ${text}`);
  }
  return JSON.parse(text) as T;
}

/**
 * Two in-process nodes of one deployment: node A on a fresh PostgreSQL database, node B on the same
 * database, both on the machine's Redis under `redisKeyPrefix`. `env` and `overrides` go to both;
 * `b` adds to node B's overrides (e.g. its TCP listener).
 */
export async function startNodePair(options: {
  readonly redisUrl: string;
  readonly redisKeyPrefix: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly overrides?: StartOverrides;
  readonly b?: StartOverrides;
}): Promise<{ readonly a: TestParley; readonly b: TestParley }> {
  const env = { ...options.env, REDIS_URL: options.redisUrl };
  const overrides = { ...options.overrides, redisKeyPrefix: options.redisKeyPrefix };
  const a = await startTestParley({ backend: 'postgres', env, overrides });
  if (a.databaseUrl === undefined) {
    await a.dispose();
    throw new Error('node A has no database');
  }
  try {
    const b = await startTestParley({
      env: { ...env, DATABASE_URL: a.databaseUrl },
      overrides: { ...overrides, ...options.b },
    });
    return { a, b };
  } catch (error) {
    await a.dispose();
    throw error;
  }
}
