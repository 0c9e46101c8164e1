// What the browser tests share: a Parley on port 0 over a fresh data directory (restartable on the same
// port and data), an up-to-date web/dist, Debian Chromium through playwright-core, and API seeding.
// Knows the public contract (HTTP, STOMP) and the start-up API; nothing of the server's internals.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type RunningParley, type StartOverrides, startParley } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { eventually } from '../support/eventually.js';
import { postJson } from '../support/parley.js';
import { connectStompClient, receiptOf } from '../support/stompjs-client.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WEB = join(ROOT, 'web');
const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. With CI=true a missing browser fails. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} not found (apt-get install -y chromium)`;
  if (process.env.CI === 'true') throw new Error(`browser tests must run in CI: ${reason}`);
  console.warn(`skipping browser tests: ${reason}`);
  return reason;
}

function newestMtimeMs(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  return newest;
}

/**
 * Builds web/ into web/dist when the build is missing or older than its sources (web/, the shared
 * src/protocol and the SDK in packages/client), so the tests run the client as it is in the tree. A
 * directory lock keeps parallel test files from building at once.
 */
export async function ensureWebBuilt(): Promise<void> {
  const lock = join(WEB, '.build-lock');
  await eventually(
    () => {
      // A lock left by a killed run would block every later run; a build never takes this long.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000)
        rmSync(lock, { recursive: true });
      mkdirSync(lock);
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
  try {
    const built = join(WEB, 'dist', 'index.html');
    const sources = Math.max(
      newestMtimeMs(join(WEB, 'src')),
      newestMtimeMs(join(WEB, 'index.html')),
      newestMtimeMs(join(WEB, 'public')),
      newestMtimeMs(join(WEB, 'vite.config.ts')),
      // The client reads the wire through the shared schemas: a change there is a change to it.
      newestMtimeMs(join(ROOT, 'src', 'protocol')),
      // Everything the client does on the wire is the SDK's.
      newestMtimeMs(join(ROOT, 'packages', 'client', 'src')),
    );
    if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
    const { build } = await import('vite');
    await build({ root: WEB, configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server; the data stays for `restart`. */
  stop(): Promise<void>;
  /** Starts again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops and removes the data. */
  dispose(): Promise<void>;
}

/**
 * `env` overrides the test defaults (e.g. tight rate limits for the failure path); `start` goes to
 * startParley (e.g. a ManualClock, to age sessions without waiting).
 */
export async function startServer(
  overrides: Readonly<Record<string, string>> = {},
  start: StartOverrides = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-e2e-'));
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    STOMP_PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    // Seeding sends fast on purpose; the limits have their own tests.
    SEND_RATE_PER_SECOND: '10000',
    SEND_BURST: '10000',
    SESSIONS_PER_IP_PER_MINUTE: '10000',
    ROOMS_PER_USER_PER_HOUR: '10000',
    ...overrides,
  };
  let app: RunningParley | undefined = await startParley(loadConfig(env), start);
  const port = app.port;
  const url = app.url;
  const stop = async (): Promise<void> => {
    const running = app;
    app = undefined;
    await running?.close();
  };
  return {
    url,
    port,
    stop,
    restart: async () => {
      await stop();
      app = await startParley(loadConfig({ ...env, PORT: String(port) }), start);
    },
    dispose: async () => {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/**
 * For the enclosing describe: builds the web client if needed, starts a Parley (the test defaults plus
 * `env`, and `start` such as a clock) and Chromium before its tests and hands both to `use`; closes them after its tests.
 */
export function withServerAndBrowser(
  env: Readonly<Record<string, string>>,
  use: (started: { server: TestServer; browser: Browser }) => void,
  start: StartOverrides = {},
): void {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startServer(env, start);
    browser = await launchBrowser();
    use({ server, browser });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export interface PageOptions {
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly locale?: string;
  readonly colorScheme?: 'light' | 'dark';
  /** Sent with every request of the context, the WebSocket upgrade included (e.g. X-Forwarded-For). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A fresh context (own storage, so its own identity) and page, with page errors collected. */
export async function openPage(
  browser: Browser,
  options: PageOptions = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[]; console: string[] }> {
  const viewport = options.viewport ?? DESKTOP;
  const context = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
    locale: options.locale ?? 'en-US',
    colorScheme: options.colorScheme ?? 'light',
    ...(options.headers === undefined ? {} : { extraHTTPHeaders: { ...options.headers } }),
    ...(viewport.width < 600 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  const page = await context.newPage();
  const errors: string[] = [];
  const consoleErrors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  return { context, page, errors, console: consoleErrors };
}

export interface SeedSession {
  readonly token: string;
  readonly user: { readonly id: string; readonly nickname: string; readonly tag: string };
}

export function createSession(server: TestServer, nickname: string): Promise<SeedSession> {
  return postJson<SeedSession>(`${server.url}/api/sessions`, { nickname }, undefined, 201);
}

export function createRoom(
  server: TestServer,
  token: string,
  name: string,
): Promise<{ id: string; name: string }> {
  return postJson(`${server.url}/api/rooms`, { name }, token, 201);
}

/** Sends `bodies` in order over STOMP, each confirmed by its RECEIPT before the next goes. */
export async function sendMessages(
  server: TestServer,
  token: string,
  roomId: string,
  bodies: readonly string[],
): Promise<void> {
  const client = await connectStompClient({ url: `${server.url.replace(/^http/, 'ws')}/ws`, token });
  try {
    // Talking needs joining (not_joined otherwise): subscribe first, waited for by its receipt.
    const joined = receiptOf(client, 'seed-join', 10_000);
    client.subscribe(`/topic/rooms.${roomId}`, () => undefined, { receipt: 'seed-join' });
    await joined;
    for (const [index, body] of bodies.entries()) {
      const receipt = `seed-${index}`;
      const confirmed = receiptOf(client, receipt, 10_000);
      client.publish({
        destination: `/app/rooms.${roomId}`,
        body: JSON.stringify({ body }),
        headers: { 'content-type': 'application/json', receipt },
      });
      await confirmed;
    }
  } finally {
    await client.deactivate();
  }
}

/** Goes through the nickname screen and waits for the room list. */
export async function signIn(page: Page, url: string, nickname: string): Promise<void> {
  await page.goto(url);
  const field = page.getByLabel('Nickname');
  await field.fill(nickname);
  await field.press('Enter');
  await page.getByLabel('Room name').waitFor();
}
