// Durability under a crash: a child process appends, prints each seq once its promise resolved, and is
// SIGKILLed mid-stream; after reopening, every printed seq must be stored (and seqs stay dense).
// The child runs plain JS, so the store is compiled first into a private directory under dist/.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RoomId } from '../src/chat/model.js';
import type { Store } from '../src/store/store.js';
import { makePostgresFixture, makeSqliteFixture, shouldSkipPostgres } from './fixtures/store-fixtures.js';
import { newRoom, type StoreFixture } from './store-contract.js';

const root = join(import.meta.dirname, '..');
const outDir = join(root, 'dist', `.store-crash-${randomBytes(4).toString('hex')}`);
const storeModule = join(outDir, 'src', 'store', 'open-store.js');
const child = join(root, 'test', 'fixtures', 'store-crash-child.mjs');
const skipPostgres = await shouldSkipPostgres();

beforeAll(async () => {
  // Only the store and what it imports, into a directory no one else builds to.
  await promisify(execFile)(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--outDir',
      outDir,
      '--rootDir',
      root,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--strict',
      '--skipLibCheck',
      '--types',
      'node',
      join(root, 'src', 'store', 'open-store.ts'),
    ],
    { cwd: root },
  );
}, 120_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

interface Run {
  readonly printed: Map<number, string>;
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  readonly stderr: () => string;
}

function startChild(env: { DATA_DIR: string; ROOM_ID: RoomId; DATABASE_URL?: string }): Run {
  const proc = spawn(process.execPath, [child], {
    env: { ...process.env, STORE_MODULE: storeModule, DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const printed = new Map<number, string>();
  let pending = '';
  let stderr = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const [seq, id] = line.split(' ');
      if (seq !== undefined && id !== undefined) printed.set(Number(seq), id);
    }
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  proc.on('error', () => {});
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return { printed, proc, exited, stderr: () => stderr };
}

async function crashAndCheck(fixture: StoreFixture, env: { DATA_DIR: string; DATABASE_URL?: string }) {
  const setup = await fixture.open();
  const room = await setup.createRoom(newRoom('crash'));
  await setup.close();

  const run = startChild({ ...env, ROOM_ID: room.id });
  try {
    await vi.waitFor(
      () => {
        if (run.proc.exitCode !== null) throw new Error(`child exited early: ${run.stderr()}`);
        expect(run.printed.size).toBeGreaterThanOrEqual(2000);
      },
      { timeout: 20_000, interval: 5 },
    );
  } finally {
    run.proc.kill('SIGKILL');
    await run.exited;
  }
  expect(run.proc.signalCode).toBe('SIGKILL');

  const reopened: Store = await fixture.open();
  const lastSeq = (await reopened.findRoom(room.id))?.lastSeq ?? 0;
  const stored = await reopened.listMessages(room.id, { afterSeq: 0, limit: lastSeq + 1 });
  const byseq = new Map(stored.map((m) => [m.seq, m.id]));
  const missing = [...run.printed].filter(([seq, id]) => byseq.get(seq) !== id);
  expect(missing).toEqual([]);
  expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
  expect(lastSeq).toBeGreaterThanOrEqual(run.printed.size);
}

describe('Store durability when the process is killed', () => {
  let fixture: StoreFixture | undefined;

  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it('SQLite: every resolved append survives SIGKILL', async () => {
    const sqlite = await makeSqliteFixture();
    fixture = sqlite;
    await crashAndCheck(sqlite, { DATA_DIR: dirname(sqlite.file) });
  });

  it.skipIf(skipPostgres)('PostgreSQL: every resolved append survives SIGKILL', async () => {
    const postgres = await makePostgresFixture();
    fixture = postgres;
    await crashAndCheck(postgres, { DATA_DIR: '/nonexistent', DATABASE_URL: postgres.url });
  });
});
