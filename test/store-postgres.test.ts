// PostgreSQL across processes: several PostgresStore instances (each its own pool, as separate nodes
// would have) appending to the same rooms at once must still give dense, unique seqs per room.
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/store/postgres-store.js';
import type { AppendResult, Store } from '../src/store/store.js';
import { makePostgresFixture, shouldSkipPostgres } from './fixtures/store-fixtures.js';
import { newMessage, newRoom, type StoreFixture, user } from './store-contract.js';

const skip = await shouldSkipPostgres();

describe.skipIf(skip)('PostgresStore on several nodes', () => {
  let fixture: StoreFixture;
  let nodes: Store[];

  beforeEach(async () => {
    fixture = await makePostgresFixture();
    nodes = await Promise.all([fixture.open(), fixture.open(), fixture.open()]);
  });

  afterEach(async () => {
    await fixture.dispose();
  });

  it('allocates dense seqs when three stores append to the same rooms concurrently', async () => {
    const [first] = nodes;
    if (first === undefined) throw new Error('no node');
    const a = await first.createRoom(newRoom('a'));
    const b = await first.createRoom(newRoom('b'));
    const perNode = 600;
    const pending: Promise<AppendResult>[] = [];
    for (let i = 0; i < perNode; i++) {
      for (const [n, node] of nodes.entries()) {
        // Alternate room order between nodes so their batches lock overlapping rooms.
        const room = (i + n) % 2 === 0 ? a : b;
        pending.push(node.appendMessage(newMessage(room.id, `n${n} m${i}`)));
      }
      if (i % 50 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const results = await Promise.all(pending);
    for (const room of [a, b]) {
      const seqs = results
        .filter((r) => r.message.roomId === room.id)
        .map((r) => r.message.seq)
        .sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      const stored = await first.listMessages(room.id, { limit: 2000 });
      expect(stored.map((m) => m.seq)).toEqual(seqs);
      expect((await first.findRoom(room.id))?.lastSeq).toBe(seqs.length);
    }
    expect(results).toHaveLength(perNode * nodes.length);
  });

  it('stores a clientMsgId sent to several nodes at once only once', async () => {
    const [first] = nodes;
    if (first === undefined) throw new Error('no node');
    const room = await first.createRoom(newRoom('r'));
    const alice = user('alice');
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all(
        nodes.map((node) =>
          node.appendMessage(
            newMessage(room.id, `round ${round}`, { author: alice, clientMsgId: `c${round}` }),
          ),
        ),
      );
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => r.message.seq))).toEqual(new Set([round + 1]));
    }
    expect(await first.listMessages(room.id, { limit: 100 })).toHaveLength(20);
  });
});

describe.skipIf(skip)('PostgresStore statement timeout', () => {
  let fixture: StoreFixture & { readonly url: string };
  let store: PostgresStore;
  let locker: pg.Client;

  beforeEach(async () => {
    fixture = await makePostgresFixture();
    // Migrated by the fixture's own store; this one has the short timeout under test.
    await fixture.open();
    store = new PostgresStore({ connectionString: fixture.url, poolMax: 2, statementTimeoutMs: 300 });
    locker = new pg.Client({ connectionString: fixture.url });
    locker.on('error', () => undefined);
    await locker.connect();
  });

  afterEach(async () => {
    await locker.end().catch(() => undefined);
    await store.close();
    await fixture.dispose();
  });

  it('fails an append held by another session’s lock as storage_unavailable, then works once it is gone', async () => {
    const room = await store.createRoom(newRoom('locked'));
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE');
    const started = performance.now();
    await expect(store.appendMessage(newMessage(room.id, 'waits'))).rejects.toMatchObject({
      code: 'storage_unavailable',
    });
    const waitedMs = performance.now() - started;
    expect(waitedMs).toBeGreaterThanOrEqual(250);
    expect(waitedMs).toBeLessThan(5000);
    await locker.query('ROLLBACK');
    const stored = await store.appendMessage(newMessage(room.id, 'after'));
    expect(stored.message.seq).toBe(1);
  });
});
