// Throughput of group commit on SQLite: 10,000 concurrent appends, each promise resolved only after
// its transaction committed with synchronous=FULL. Prints appends/s (target ≥ 20,000); asserts a
// floor far below it so a slow CI machine does not fail, while a lost batching would.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppendResult, Store } from '../src/store/store.js';
import { makePostgresFixture, makeSqliteFixture, shouldSkipPostgres } from './fixtures/store-fixtures.js';
import { newMessage, newRoom, type StoreFixture } from './store-contract.js';

const N = 10_000;
const skipPostgres = await shouldSkipPostgres();

async function measure(store: Store, label: string): Promise<number> {
  const rooms = await Promise.all(
    Array.from({ length: 10 }, (_, i) => store.createRoom(newRoom(`room ${i}`))),
  );
  const messages = Array.from({ length: N }, (_, i) => {
    const room = rooms[i % rooms.length];
    if (room === undefined) throw new Error('unreachable');
    return newMessage(room.id, `message number ${i} with a little text in it`, { clientMsgId: `c${i}` });
  });
  const started = performance.now();
  const results: AppendResult[] = await Promise.all(messages.map((m) => store.appendMessage(m)));
  const seconds = (performance.now() - started) / 1000;
  const perSecond = Math.round(N / seconds);
  console.log(
    `${label}: ${N} concurrent appends in ${(seconds * 1000).toFixed(0)} ms = ${perSecond} appends/s`,
  );
  expect(results.filter((r) => !r.duplicate)).toHaveLength(N);
  const total = (await Promise.all(rooms.map((r) => store.findRoom(r.id)))).reduce(
    (n, r) => n + (r?.lastSeq ?? 0),
    0,
  );
  expect(total).toBe(N);
  return perSecond;
}

describe('Store append throughput', () => {
  let fixture: StoreFixture | undefined;

  beforeEach(() => {
    fixture = undefined;
  });

  afterEach(async () => {
    await fixture?.dispose();
  });

  it('SQLite stores 10,000 concurrent appends quickly', async () => {
    fixture = await makeSqliteFixture();
    const perSecond = await measure(await fixture.open(), 'SqliteStore');
    expect(perSecond).toBeGreaterThan(2_000);
  });

  it.skipIf(skipPostgres)('PostgreSQL stores 10,000 concurrent appends', async () => {
    fixture = await makePostgresFixture();
    const perSecond = await measure(await fixture.open(), 'PostgresStore');
    expect(perSecond).toBeGreaterThan(500);
  });
});
