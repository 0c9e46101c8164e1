// Link codes are short (40 bits): besides the per-address budget, the whole service takes only
// LINK_CODE_ATTEMPTS_PER_MINUTE guesses, counted across nodes (Redis), whatever address they come from,
// so an attacker with many networks gains nothing from their number. Recovery codes (140 bits) are not
// held back by it. Two nodes over PostgreSQL and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { clusterSkipReason } from './support/cluster.js';
import { startNodePair, type TestParley } from './support/parley.js';
import { deleteKeys, REDIS_TEST_URL, uniqueKeyPrefix } from './support/redis.js';

const PER_MINUTE = 4;
const skip = await clusterSkipReason();

describe.skipIf(skip !== undefined)('the service-wide budget of link code attempts', () => {
  const clock = new ManualClock(Date.now());
  const prefix = uniqueKeyPrefix('link-budget');
  let nodes: { readonly a: TestParley; readonly b: TestParley } | undefined;
  let address = 0;

  beforeAll(async () => {
    nodes = await startNodePair({
      redisUrl: REDIS_TEST_URL,
      redisKeyPrefix: prefix,
      env: { LINK_CODE_ATTEMPTS_PER_MINUTE: String(PER_MINUTE), TRUST_PROXY: 'true' },
      overrides: { clock },
    });
  }, 30_000);
  afterAll(async () => {
    await nodes?.b.dispose();
    await nodes?.a.dispose();
    await deleteKeys(prefix);
  });

  /** A guess from an address never seen before (each of its own /64), so no per-address budget binds. */
  async function guess(node: TestParley, path: '/api/sessions/link' | '/api/sessions/recover') {
    address += 1;
    const response = await fetch(`${node.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': `2001:db8:${address.toString(16)}::1`,
      },
      body: JSON.stringify({ code: 'AAAA-AAAA' }),
    });
    return { status: response.status, body: (await response.json()) as { error?: { code?: string } } };
  }

  it('refuses link guesses beyond the budget from any address on any node, and not recovery', async () => {
    if (nodes === undefined) throw new Error('no nodes');
    const { a, b } = nodes;
    const statuses: number[] = [];
    for (let i = 0; i < PER_MINUTE; i++)
      statuses.push((await guess(i % 2 === 0 ? a : b, '/api/sessions/link')).status);
    expect(statuses).toEqual(Array(PER_MINUTE).fill(403));
    for (const node of [a, b]) {
      const refused = await guess(node, '/api/sessions/link');
      expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    }
    // Recovery codes are long enough to need no service-wide bound.
    expect((await guess(b, '/api/sessions/recover')).status).toBe(403);
    // The budget refills.
    clock.advance(60_000 / PER_MINUTE + 1000);
    expect((await guess(a, '/api/sessions/link')).status).toBe(403);
  });
});
