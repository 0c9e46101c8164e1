// Smoke test of the benchmark harness: a few seconds, tiny numbers, against Parley (from dist/) and the
// bare-ws reference. Proves the load generator connects, subscribes, publishes and counts deliveries
// and losses; it says nothing about performance.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from './scenarios.js';
import { repoRoot } from './targets.js';

const root = repoRoot();
const needed = [
  join(root, 'dist', 'src', 'main.js'),
  join(root, 'dist', 'bench', 'ws-server.js'),
  join(root, 'dist', 'bench', 'collect-garbage.js'),
];

describe('benchmark harness smoke', () => {
  beforeAll(() => {
    // `npm ci` builds dist/ (prepare); a bare checkout gets the TypeScript half of the build here.
    if (needed.every((file) => existsSync(file))) return;
    spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'ignore',
        timeout: 120_000,
      },
    );
    for (const file of needed) expect(existsSync(file), `${file} after build`).toBe(true);
  }, 150_000);

  it('fans out to Parley subscribers without loss', async () => {
    const result = await runScenario({ scenario: 'fanout', target: 'parley', subscribers: 20, seconds: 1 });
    expect(result.main.published).toBeGreaterThan(0);
    expect(result.main.delivered).toBeGreaterThan(0);
    expect(result.main.delivered).toBe(result.main.published * 20);
    expect(result.main.lost).toBe(0);
    expect(result.main.rejected).toBe(0);
    expect(result.main.p99Ms).toBeGreaterThan(0);
    expect(result.main.rssBytes).toBeGreaterThan(0);
  });

  it('fans out through the bare ws reference without loss', async () => {
    const result = await runScenario({ scenario: 'fanout', target: 'ws', subscribers: 20, seconds: 1 });
    expect(result.main.delivered).toBe(result.main.published * 20);
    expect(result.main.lost).toBe(0);
  });

  it('fans out through the raw socket floor (pre-built frames) without loss', async () => {
    const result = await runScenario({ scenario: 'fanout', target: 'floor', subscribers: 20, seconds: 1 });
    expect(result.main.delivered).toBe(result.main.published * 20);
    expect(result.main.lost).toBe(0);
  });

  it('reads idle memory after a full garbage collection in the server', async () => {
    const result = await runScenario({ scenario: 'idle', target: 'parley', connections: 40 });
    expect(result.connections).toBe(40);
    expect(result.note ?? '').not.toContain('without a full collection');
    expect(result.bytesPerConnection).toBeDefined();
    expect(result.bytesPerConnectionMarginal).toBeDefined();
  });

  it('stores Parley SENDs with receipts', async () => {
    const result = await runScenario({
      scenario: 'persist',
      target: 'parley',
      storage: 'sqlite',
      senders: 2,
      window: 2,
      rooms: 1,
      seconds: 1,
    });
    expect(result.main.delivered).toBeGreaterThan(0);
    expect(result.main.rejected).toBe(0);
    expect(result.main.p50Ms).toBeGreaterThan(0);
  });
});
