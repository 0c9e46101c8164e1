import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { type AddressHash, AddressHasher } from '../net/address-hash.js';
import { AddressBans, type AddressBansOptions } from './address-bans.js';
import type { UserId } from './model.js';

const alice = 'alice' as UserId;
const HOUR = 3_600_000;

class FakeSightings {
  readonly writes: Array<{ userId: UserId; hash: AddressHash; at: number }> = [];
  prunedBefore: number | undefined;
  failNext = false;
  /** While set, writes wait for it. */
  gate: Promise<void> | undefined;

  async recordSighting(userId: UserId, hash: AddressHash, at: Date): Promise<void> {
    await this.gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store down');
    }
    this.writes.push({ userId, hash, at: at.getTime() });
  }
  async listRecentHashes(userId: UserId, since: Date, limit: number): Promise<AddressHash[]> {
    const seen = this.writes.filter((w) => w.userId === userId && w.at >= since.getTime()).reverse();
    return [...new Set(seen.map((w) => w.hash))].slice(0, limit);
  }
  async countIdentitiesFrom(hashes: readonly AddressHash[], since: Date): Promise<number> {
    return new Set(
      this.writes.filter((w) => hashes.includes(w.hash) && w.at >= since.getTime()).map((w) => w.userId),
    ).size;
  }
  async pruneSightings(before: Date): Promise<number> {
    this.prunedBefore = before.getTime();
    return 0;
  }
}

function setup(options: Partial<AddressBansOptions> = {}) {
  const clock = new ManualClock();
  const store = new FakeSightings();
  const bans = new AddressBans({
    store,
    hasher: new AddressHasher(Buffer.alloc(32, 7)),
    clock,
    logger: pino({ level: 'silent' }),
    retentionMs: 30 * 24 * HOUR,
    refreshMs: 300_000,
    banWindowMs: 48 * HOUR,
    maxHashesPerBan: 2,
    ...options,
  });
  return { clock, store, bans };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('AddressBans', () => {
  it('records a sighting at most once per refresh interval per (user, network), never a raw address', async () => {
    const { clock, store, bans } = setup();
    await bans.seen(alice, '203.0.113.7');
    await bans.seen(alice, '203.0.113.7');
    // The same /64 is the same network.
    await bans.seen(alice, '2001:db8::1');
    await bans.seen(alice, '2001:db8::ffff');
    expect(store.writes).toHaveLength(2);
    expect(JSON.stringify(store.writes)).not.toMatch(/203\.0\.113|2001:db8/);
    clock.advance(300_000);
    await bans.seen(alice, '203.0.113.7');
    expect(store.writes).toHaveLength(3);
  });

  it('resolves once the write has settled, and a sighting meanwhile waits for the same write', async () => {
    const { store, bans } = setup();
    let open = (): void => undefined;
    store.gate = new Promise((resolve) => {
      open = resolve;
    });
    let first = false;
    let second = false;
    void bans.seen(alice, '203.0.113.7').then(() => {
      first = true;
    });
    void bans.seen(alice, '203.0.113.7').then(() => {
      second = true;
    });
    await settle();
    expect([first, second, store.writes.length]).toEqual([false, false, 0]);
    open();
    await settle();
    expect([first, second, store.writes.length]).toEqual([true, true, 1]);
    // Within the refresh interval nothing is written and nothing waits.
    store.gate = new Promise(() => undefined);
    await bans.seen(alice, '203.0.113.7');
    expect(store.writes).toHaveLength(1);
  });

  it('ignores peers that are not IP addresses, and retries a sighting whose write failed', async () => {
    const { store, bans } = setup();
    await bans.seen(alice, 'unknown');
    expect(bans.hashOf('unknown')).toBeUndefined();
    store.failNext = true;
    // A failed write resolves all the same: a sighting never refuses a request.
    await expect(bans.seen(alice, '198.51.100.1')).resolves.toBeUndefined();
    expect(store.writes).toHaveLength(0);
    await bans.seen(alice, '198.51.100.1');
    expect(store.writes).toHaveLength(1);
  });

  it('a ban copies the networks seen within its window, most recent first, at most the configured number', async () => {
    const { clock, bans } = setup({ refreshMs: 0 });
    await bans.seen(alice, '192.0.2.1');
    clock.advance(49 * HOUR);
    await bans.seen(alice, '192.0.2.2');
    clock.advance(1);
    await bans.seen(alice, '192.0.2.3');
    clock.advance(1);
    await bans.seen(alice, '192.0.2.4');
    const hashes = await bans.recentHashes(alice);
    expect(hashes).toEqual([bans.hashOf('192.0.2.4'), bans.hashOf('192.0.2.3')]);
  });

  it('covers an address while the ban covering its network is in force', () => {
    const { clock, bans } = setup();
    const hash = bans.hashOf('203.0.113.7');
    if (hash === undefined) throw new Error('no hash');
    const timed = new Map([[hash, clock.now() + 1000]]);
    expect(bans.covers(timed, '203.0.113.7', clock.now())).toBe(true);
    expect(bans.covers(timed, '203.0.113.8', clock.now())).toBe(false);
    expect(bans.covers(timed, '203.0.113.7', clock.now() + 1000)).toBe(false);
    expect(bans.covers(new Map([[hash, null]]), '203.0.113.7', clock.now() + 10 ** 12)).toBe(true);
  });

  it('prunes what is older than the retention, at start and then periodically', async () => {
    const { clock, store, bans } = setup({ pruneEveryMs: HOUR });
    bans.start();
    await settle();
    expect(store.prunedBefore).toBe(clock.now() - 30 * 24 * HOUR);
    clock.advance(HOUR);
    await settle();
    expect(store.prunedBefore).toBe(clock.now() - 30 * 24 * HOUR);
    await bans.close();
  });
});
