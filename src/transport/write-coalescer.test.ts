import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WriteCoalescer } from './write-coalescer.js';

/** Records each call the stream makes to its underlying sink: one entry per would-be syscall. */
function recordingSink(): { stream: Writable; calls: string[][] } {
  const calls: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      calls.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      calls.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
      done();
    },
  });
  return { stream, calls };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('WriteCoalescer', () => {
  it('sends a tick’s writes to one socket in one call, in order', async () => {
    const coalescer = new WriteCoalescer();
    const { stream, calls } = recordingSink();
    coalescer.write(stream, Buffer.from('a'));
    coalescer.write(stream, Buffer.from('b'));
    coalescer.write(stream, Buffer.from('c'));
    expect(calls).toEqual([]);
    await nextTick();
    expect(calls).toEqual([['a', 'b', 'c']]);
    expect(stream.writableCorked).toBe(0);
  });

  it('includes writes made by promise continuations of the same tick', async () => {
    const coalescer = new WriteCoalescer();
    const { stream, calls } = recordingSink();
    await Promise.resolve(); // from here on, inside a promise continuation, as a settled SEND is
    coalescer.write(stream, Buffer.from('receipt-1'));
    await Promise.resolve();
    coalescer.write(stream, Buffer.from('receipt-2'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(calls).toEqual([['receipt-1', 'receipt-2']]);
  });

  it('flushes every socket written in the tick, each on its own', async () => {
    const coalescer = new WriteCoalescer();
    const sinks = [recordingSink(), recordingSink(), recordingSink()];
    sinks.forEach(({ stream }, i) => {
      coalescer.write(stream, Buffer.from(`x${i}`));
      coalescer.write(stream, Buffer.from(`y${i}`));
    });
    await nextTick();
    expect(sinks.map(({ calls }) => calls)).toEqual([[['x0', 'y0']], [['x1', 'y1']], [['x2', 'y2']]]);
  });

  it('starts a new batch for writes after the flush', async () => {
    const coalescer = new WriteCoalescer();
    const { stream, calls } = recordingSink();
    coalescer.write(stream, Buffer.from('1'));
    await nextTick();
    coalescer.write(stream, Buffer.from('2'));
    await nextTick();
    expect(calls).toEqual([['1'], ['2']]);
  });

  it('leaves a stream that was ended or destroyed in the meantime alone', async () => {
    const coalescer = new WriteCoalescer();
    const ended = recordingSink();
    const destroyed = recordingSink();
    coalescer.write(ended.stream, Buffer.from('last'));
    ended.stream.end();
    coalescer.write(destroyed.stream, Buffer.from('lost'));
    destroyed.stream.destroy();
    await nextTick();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(ended.calls).toEqual([['last']]);
    expect(destroyed.calls).toEqual([]);
  });
});
