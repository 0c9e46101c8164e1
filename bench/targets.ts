// Starting, addressing and stopping the servers under test: Parley (built, from dist/), the bare-ws and
// Socket.IO references (dist/bench/), and the machine's RabbitMQ Web-STOMP. Each runs as its own
// process, optionally pinned to core 0, so its CPU and RSS can be read from /proc.
// Knows nothing of scenarios or figures.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { ParleyError } from '../src/errors.js';
import { GARBAGE_COLLECTED } from './collect-garbage.js';
import type { Dialect } from './wire.js';

export type TargetName = 'parley' | 'ws' | 'socketio' | 'rabbitmq' | 'floor';
export const TARGET_NAMES: readonly TargetName[] = ['parley', 'ws', 'socketio', 'rabbitmq', 'floor'];

export interface TargetOptions {
  /** Pin the server to core 0 (the load generator pins itself to core 1). */
  readonly pin: boolean;
  /** Parley only. */
  readonly storage?: 'sqlite' | 'postgres';
  /** Parley only: 2 starts two nodes sharing PostgreSQL and Redis. */
  readonly nodes?: 1 | 2;
}

export interface RunningTarget {
  readonly name: TargetName;
  /** Server processes whose CPU and memory are the figures (all nodes of a cluster). */
  readonly pids: readonly number[];
  readonly nodeCount: number;
  /** Room keys as the dialect expects them (Parley room ids, names elsewhere). */
  createRooms(count: number): Promise<string[]>;
  /** Addressing for one client identity on one node; Parley issues a token per identity. */
  dialect(node: number, identity: string): Promise<Dialect>;
  /** A full garbage collection in every server process; false where it cannot be done (not Node). */
  collectGarbage(): Promise<boolean>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 8_000;
const RABBIT_WS_PORT = 15_674;
const POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = 'redis://127.0.0.1:6379';

/** The repository root (the directory holding package.json), from dist/bench or bench alike. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new ParleyError('internal_error', 'package.json not found above bench/');
    dir = parent;
  }
  return dir;
}

/** Limits of Parley raised so the benchmark measures the server, not its abuse protection. */
export const PARLEY_BENCH_ENV: Readonly<Record<string, string>> = {
  MAX_CONNECTIONS_PER_IP: '1000000',
  MAX_HTTP_CONNECTIONS_PER_IP: '1000000',
  MAX_SUBSCRIPTIONS: '10000',
  MAX_OUTBOUND_BYTES: String(256 * 1024 * 1024),
  SEND_RATE_PER_SECOND: '1000000',
  SEND_BURST: '1000000',
  SESSIONS_PER_IP_PER_MINUTE: '1000000',
  ROOMS_PER_USER_PER_HOUR: '1000000',
  HEARTBEAT_MS: '0',
  DB_POOL_MAX: '10',
};

export async function startTarget(name: TargetName, options: TargetOptions): Promise<RunningTarget> {
  switch (name) {
    case 'ws':
      return startReference('ws', 'ws-server.js', options);
    case 'floor':
      return startReference('floor', 'ws-server.js', options, { SEND_MODE: 'raw' });
    case 'socketio':
      return startReference('socketio', 'socketio-server.js', options);
    case 'rabbitmq':
      return startRabbit(options);
    case 'parley':
      return startParley(options);
  }
}

interface Launched {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly collectGarbage: () => Promise<boolean>;
  readonly stop: () => Promise<void>;
}

const GC_TIMEOUT_MS = 10_000;

/** Spawns `node script` (pinned when asked) and waits for its JSON `listening` line. */
async function launch(script: string, env: Record<string, string>, pin: boolean): Promise<Launched> {
  if (!existsSync(script)) {
    throw new ParleyError('internal_error', `${script} is missing: run \`npm run build\` first`);
  }
  const command = pin ? 'taskset' : process.execPath;
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the servers under load.
  const nodeArgs = [
    '--expose-gc',
    `--import=${pathToFileURL(join(repoRoot(), 'dist', 'bench', 'collect-garbage.js')).href}`,
    ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
  ];
  const args = pin ? ['-c', '0', process.execPath, ...nodeArgs, script] : [...nodeArgs, script];
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  /** Callers waiting for the server's next "garbage collected" line. */
  const collected: (() => void)[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
  });
  child.on('error', (error) => keep(`spawn error: ${error.message}`));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ParleyError('internal_error', `${script} not listening in time:\n${tail.join('\n')}`));
    }, READY_TIMEOUT_MS);
    let buffered = '';
    // Logs are read to the end: an unread pipe would block the server once full.
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        keep(line);
        if (line.includes(GARBAGE_COLLECTED)) for (const done of collected.splice(0)) done();
        const listening = listeningUrl(line);
        if (listening !== undefined) {
          clearTimeout(timer);
          resolve(listening);
        }
        newline = buffered.indexOf('\n');
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => keep(chunk.toString().trimEnd()));
    child.stdout?.on('error', () => undefined);
    child.stderr?.on('error', () => undefined);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(
        new ParleyError('internal_error', `${script} exited (${code}) before listening:\n${tail.join('\n')}`),
      );
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new ParleyError('internal_error', `${script} has no pid`);
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
  };
  const collectGarbage = () =>
    new Promise<boolean>((resolve) => {
      if (exited) {
        resolve(false);
        return;
      }
      const timer = setTimeout(() => resolve(false), GC_TIMEOUT_MS);
      collected.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      child.kill('SIGUSR2');
    });
  return { child, pid, url, collectGarbage, stop };
}

function listeningUrl(line: string): string | undefined {
  if (!line.includes('"listening"')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'url' in parsed && typeof parsed.url === 'string') {
      return parsed.url;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

async function startReference(
  name: 'ws' | 'floor' | 'socketio',
  scriptName: string,
  options: TargetOptions,
  env: Record<string, string> = {},
): Promise<RunningTarget> {
  const script = join(repoRoot(), 'dist', 'bench', scriptName);
  const launched = await launch(script, { PORT: '0', ...env }, options.pin);
  const dialect: Dialect = {
    protocol: name === 'socketio' ? 'socketio' : 'raw',
    url: launched.url,
    connectHeaders: {},
    errorDestination: undefined,
    subscribeDestination: (room) => room,
    sendDestination: (room) => room,
    encodeBody: (text) => text,
  };
  return {
    name,
    pids: [launched.pid],
    nodeCount: 1,
    createRooms: async (count) => roomNames(count),
    dialect: async () => dialect,
    collectGarbage: launched.collectGarbage,
    stop: launched.stop,
  };
}

function roomNames(count: number): string[] {
  const prefix = randomBytes(4).toString('hex');
  return Array.from({ length: count }, (_, i) => `bench-${prefix}-${i}`);
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => done(true));
  });
}

/** The RabbitMQ node's OS process (beam.smp running the `rabbit` application), if any. */
function rabbitPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'beam.smp') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('rabbit')) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

/** Whether RabbitMQ Web-STOMP can be measured here, and why not when it cannot. */
export async function rabbitAvailability(): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (rabbitPid() === undefined) return { ok: false, reason: 'no running RabbitMQ node (beam.smp)' };
  if (await portOpen(RABBIT_WS_PORT)) return { ok: true };
  try {
    execFileSync('rabbitmq-plugins', ['enable', 'rabbitmq_web_stomp'], { stdio: 'ignore', timeout: 60_000 });
  } catch {
    return { ok: false, reason: '`rabbitmq-plugins enable rabbitmq_web_stomp` failed' };
  }
  for (let i = 0; i < 20; i++) {
    if (await portOpen(RABBIT_WS_PORT)) return { ok: true };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { ok: false, reason: `Web-STOMP is not listening on ${RABBIT_WS_PORT}` };
}

/**
 * How many client connections the RabbitMQ node can take safely: 60% of its open-file soft limit
 * (past about 90% it raises the file-descriptor alarm, refuses connections and can lose internal
 * processes). undefined when there is no node.
 */
export function rabbitConnectionCap(): number | undefined {
  const pid = rabbitPid();
  if (pid === undefined) return undefined;
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1]);
  return Number.isFinite(soft) ? Math.floor(soft * 0.6) : undefined;
}

async function startRabbit(options: TargetOptions): Promise<RunningTarget> {
  const availability = await rabbitAvailability();
  if (!availability.ok) throw new ParleyError('internal_error', `RabbitMQ: ${availability.reason}`);
  const pid = rabbitPid();
  if (pid === undefined) throw new ParleyError('internal_error', 'RabbitMQ vanished');
  // The node is the machine's service: pin all its threads for the run and put the old mask back after.
  const previousMask = options.pin ? affinityMask(pid) : undefined;
  if (options.pin) execFileSync('taskset', ['-a', '-p', '1', String(pid)], { stdio: 'ignore' });
  const dialect: Dialect = {
    protocol: 'stomp',
    url: `ws://127.0.0.1:${RABBIT_WS_PORT}/ws`,
    connectHeaders: { login: 'guest', passcode: 'guest' },
    errorDestination: undefined,
    subscribeDestination: (room) => `/topic/${room}`,
    sendDestination: (room) => `/topic/${room}`,
    encodeBody: (text) => text,
  };
  return {
    name: 'rabbitmq',
    pids: [pid],
    nodeCount: 1,
    createRooms: async (count) => roomNames(count),
    dialect: async () => dialect,
    collectGarbage: async () => false,
    stop: async () => {
      if (previousMask !== undefined) {
        execFileSync('taskset', ['-a', '-p', previousMask, String(pid)], { stdio: 'ignore' });
      }
    },
  };
}

function affinityMask(pid: number): string {
  const out = execFileSync('taskset', ['-p', String(pid)], { encoding: 'utf8' });
  const mask = /:\s*([0-9a-f]+)\s*$/.exec(out.trim())?.[1];
  if (mask === undefined) throw new ParleyError('internal_error', `cannot read affinity of ${pid}: ${out}`);
  return mask;
}

interface ParleyNode {
  readonly httpUrl: string;
  readonly wsUrl: string;
}

async function startParley(options: TargetOptions): Promise<RunningTarget> {
  const nodeCount = options.nodes ?? 1;
  const storage = nodeCount > 1 ? 'postgres' : (options.storage ?? 'sqlite');
  const main = join(repoRoot(), 'dist', 'src', 'main.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const database = storage === 'postgres' ? await createDatabase() : undefined;
  const env: Record<string, string> = {
    ...PARLEY_BENCH_ENV,
    PORT: '0',
    HOST: '127.0.0.1',
    STOMP_PORT: '0',
    DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
  };
  if (database !== undefined) env.DATABASE_URL = database.url;
  if (nodeCount > 1) env.REDIS_URL = REDIS_URL;
  const launched: Launched[] = [];
  const cleanup = async () => {
    await Promise.all(launched.map((node) => node.stop()));
    if (database !== undefined) await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // Nodes start one after the other so the first one migrates the schema alone.
    for (let i = 0; i < nodeCount; i++) launched.push(await launch(main, env, options.pin));
  } catch (error) {
    await cleanup();
    throw error;
  }
  const nodes: ParleyNode[] = launched.map((node) => ({
    httpUrl: node.url.replace(/\/$/, ''),
    wsUrl: `${node.url.replace(/^http/, 'ws').replace(/\/$/, '')}/ws`,
  }));
  const first = nodes[0];
  if (first === undefined) throw new ParleyError('internal_error', 'no Parley node started');
  const tokens = new Map<string, Promise<string>>();
  const tokenFor = (identity: string): Promise<string> => {
    let token = tokens.get(identity);
    if (token === undefined) {
      token = createSession(first.httpUrl, identity);
      tokens.set(identity, token);
    }
    return token;
  };
  return {
    name: 'parley',
    pids: launched.map((node) => node.pid),
    nodeCount,
    createRooms: async (count) => {
      const token = await tokenFor('rooms');
      const ids: string[] = [];
      for (let i = 0; i < count; i++) ids.push(await createRoom(first.httpUrl, token, `bench ${i}`));
      return ids;
    },
    dialect: async (node, identity) => {
      const chosen = nodes[node % nodes.length] ?? first;
      const token = await tokenFor(identity);
      return {
        protocol: 'stomp',
        url: chosen.wsUrl,
        connectHeaders: { Authorization: `Bearer ${token}` },
        errorDestination: '/user/queue/errors',
        subscribeDestination: (room) => `/topic/rooms.${room}`,
        sendDestination: (room) => `/app/rooms.${room}`,
        encodeBody: (text) => `{"body":${JSON.stringify(text)}}`,
      };
    },
    collectGarbage: async () =>
      (await Promise.all(launched.map((node) => node.collectGarbage()))).every((done) => done),
    stop: cleanup,
  };
}

async function postJson(url: string, body: unknown, token?: string): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new ParleyError('internal_error', `POST ${url} → ${response.status}: ${text}`);
  return JSON.parse(text);
}

async function createSession(httpUrl: string, identity: string): Promise<string> {
  const nickname = `bench ${identity}`.slice(0, 32);
  const result = await postJson(`${httpUrl}/api/sessions`, { nickname });
  if (
    typeof result === 'object' &&
    result !== null &&
    'token' in result &&
    typeof result.token === 'string'
  ) {
    return result.token;
  }
  throw new ParleyError('internal_error', 'POST /api/sessions returned no token');
}

async function createRoom(httpUrl: string, token: string, name: string): Promise<string> {
  const result = await postJson(`${httpUrl}/api/rooms`, { name }, token);
  if (typeof result === 'object' && result !== null && 'id' in result && typeof result.id === 'string') {
    return result.id;
  }
  throw new ParleyError('internal_error', 'POST /api/rooms returned no id');
}

/** A fresh PostgreSQL database for one run; dropped (connections forced off) afterwards. */
async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `parley_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
