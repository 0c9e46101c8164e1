// LogSampler with a manual clock and a real pino logger writing to memory: per kind, the first lines of
// a window pass, the rest become one "suppressed" line when the window ends, and kinds stay bounded.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { LogSampler } from './log-sampler.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.length > 0) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { lines, logger: pino({ level: 'info' }, sink) };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('LogSampler', () => {
  it('writes the first lines of a kind per window, then one line counting the rest', async () => {
    const { lines, logger } = capture();
    const clock = new ManualClock();
    const sampler = new LogSampler(logger, clock, { lines: 3, windowMs: 1000 });
    for (let i = 0; i < 1000; i += 1) sampler.log('info', { i }, 'refused');
    sampler.log('warn', {}, 'other kind');
    await settle();
    expect(lines.map((l) => l.msg)).toEqual(['refused', 'refused', 'refused', 'other kind']);
    clock.advance(1000);
    await settle();
    expect(lines.at(-1)).toMatchObject({ msg: 'suppressed 997 similar: refused', suppressed: 997 });
    expect(lines).toHaveLength(5);
    // A new window starts afresh.
    sampler.log('info', {}, 'refused');
    await settle();
    expect(lines.at(-1)?.msg).toBe('refused');
  });

  it('bounds the kinds it tracks, and flush() reports what is pending', async () => {
    const { lines, logger } = capture();
    const sampler = new LogSampler(logger, new ManualClock(), { lines: 1, windowMs: 60_000 });
    for (let i = 0; i < 10_000; i += 1) sampler.log('info', {}, `kind ${i}`);
    await settle();
    // 256 kinds of their own, then one shared window for all the others.
    expect(lines).toHaveLength(257);
    sampler.flush();
    await settle();
    expect(lines.at(-1)?.msg).toBe('suppressed 9743 similar: (other kinds)');
  });
});
