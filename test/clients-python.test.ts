// docs/clients.md's Python recipe (docs/examples/python/parley_stomp.py) run as written, with Debian's
// stomp.py, against a live Parley with generic destinations: the chat part and the generic topic and
// queue. With CI=true it must run (CI installs python3-stomp); elsewhere it is skipped when missing.
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley } from './support/parley.js';

const PYTHON = '/usr/bin/python3';
const RECIPE = path.join(import.meta.dirname, '..', 'docs', 'examples', 'python', 'parley_stomp.py');
const probe = spawnSync(PYTHON, ['-c', 'import stomp'], { encoding: 'utf8' });
const ready = probe.status === 0;
const mustRun = process.env.CI === 'true';
if (!ready && !mustRun) console.log(`skipping the Python recipe: ${PYTHON} cannot import stomp`);

function runRecipe(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, [RECIPE, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!ready && !mustRun)('the Python (stomp.py, TCP) recipe of docs/clients.md', () => {
  let parley: TestParley;

  beforeAll(async () => {
    parley = await startTestParley({
      env: { GENERIC_DESTINATIONS: '/topic/=topic,/queue/=queue' },
      overrides: { ephemeralStompPort: true },
    });
  });

  afterAll(async () => {
    await parley?.dispose();
  });

  it('posts to a room and hears it, then uses a generic topic and a queue with NACK redelivery', async () => {
    const result = await runRecipe([
      '--http',
      parley.url,
      '--stomp',
      `127.0.0.1:${parley.app.stompPort}`,
      '--generic',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const seen = JSON.parse(result.stdout.trim()) as Record<string, Record<string, unknown>>;
    expect(seen.room).toEqual({ body: 'hello from python', seq: expect.any(String) });
    expect(seen.topic).toMatchObject({ body: 'news for everyone', 'x-lang': 'py' });
    expect(String(seen.topic?.['user-id'])).not.toBe('');
    expect(seen.queue).toEqual({ first: 'job 1', again: 'job 1', redelivered: 'true' });
  });

  it('fails loudly (non-zero exit) when the generic destinations are off', async () => {
    const plain = await startTestParley({ overrides: { ephemeralStompPort: true } });
    try {
      const result = await runRecipe([
        '--http',
        plain.url,
        '--stomp',
        `127.0.0.1:${plain.app.stompPort}`,
        '--generic',
      ]);
      expect(result.code).not.toBe(0);
      // The topic SUBSCRIBE is the first generic frame: no route, so the plain client gets ERROR.
      expect(result.stderr).toContain('ERROR unknown_destination');
    } finally {
      await plain.dispose();
    }
  });
});
