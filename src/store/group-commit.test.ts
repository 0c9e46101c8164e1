import { describe, expect, it } from 'vitest';
import { ParleyError } from '../errors.js';
import { GroupCommitter, type Outcome } from './group-commit.js';

/** A flush that records its batches and answers each item with itself doubled (negatives fail). */
function recorder(options: { delayMs?: number; fail?: boolean } = {}) {
  const batches: number[][] = [];
  const flush = async (items: readonly number[]): Promise<Outcome<number>[]> => {
    batches.push([...items]);
    if (options.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    if (options.fail === true) throw new Error('disk on fire');
    return items.map((n) =>
      n < 0 ? { ok: false, error: new ParleyError('room_not_found') } : { ok: true, value: n * 2 },
    );
  };
  return { batches, flush };
}

describe('GroupCommitter', () => {
  it('puts calls of one tick into one batch and settles each with its own outcome', async () => {
    const { batches, flush } = recorder();
    const gc = new GroupCommitter(flush, { maxBatch: 100 });
    const settled = await Promise.allSettled([gc.submit(1), gc.submit(-1), gc.submit(3)]);
    expect(batches).toEqual([[1, -1, 3]]);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(settled[1]?.status === 'rejected' && settled[1].reason.code).toBe('room_not_found');
    expect(settled[2]).toEqual({ status: 'fulfilled', value: 6 });
  });

  it('collects calls made while a flush is in flight into the next batch, in order', async () => {
    const { batches, flush } = recorder({ delayMs: 20 });
    const gc = new GroupCommitter(flush, { maxBatch: 100 });
    const first = gc.submit(1);
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    const later = [gc.submit(2), gc.submit(3)];
    await new Promise((resolve) => setTimeout(resolve, 1));
    later.push(gc.submit(4));
    expect(await Promise.all([first, ...later])).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('bounds the batch size', async () => {
    const { batches, flush } = recorder();
    const gc = new GroupCommitter(flush, { maxBatch: 4 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => gc.submit(i)));
    expect(batches).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it('rejects the whole batch with storage_unavailable when the flush throws, then carries on', async () => {
    const failing = recorder({ fail: true });
    const gc = new GroupCommitter(failing.flush, { maxBatch: 10 });
    const settled = await Promise.allSettled([gc.submit(1), gc.submit(2)]);
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      if (s.status === 'rejected') {
        expect(s.reason).toBeInstanceOf(ParleyError);
        expect(s.reason.code).toBe('storage_unavailable');
        expect((s.reason as Error).cause).toEqual(new Error('disk on fire'));
      }
    }
    let healthy = true;
    const flaky = new GroupCommitter(
      async (items: readonly number[]): Promise<Outcome<number>[]> => {
        if (!healthy) throw new Error('down');
        return items.map((n) => ({ ok: true, value: n }));
      },
      { maxBatch: 10 },
    );
    healthy = false;
    await expect(flaky.submit(1)).rejects.toMatchObject({ code: 'storage_unavailable' });
    healthy = true;
    await expect(flaky.submit(2)).resolves.toBe(2);
  });

  it('drain waits until everything submitted has settled', async () => {
    const { flush } = recorder({ delayMs: 10 });
    const gc = new GroupCommitter(flush, { maxBatch: 2 });
    const done: number[] = [];
    for (let i = 0; i < 5; i++) void gc.submit(i).then((v) => done.push(v));
    await gc.drain();
    await Promise.resolve();
    expect(done.sort((x, y) => x - y)).toEqual([0, 2, 4, 6, 8]);
    expect(gc.queued).toBe(0);
  });

  it('refuses a batch bound below 1', () => {
    expect(() => new GroupCommitter(recorder().flush, { maxBatch: 0 })).toThrow(RangeError);
  });
});
