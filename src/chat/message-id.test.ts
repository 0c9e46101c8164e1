import { describe, expect, it } from 'vitest';
import { MessageIdGenerator } from './message-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('MessageIdGenerator', () => {
  it('makes RFC 9562 version 7 UUIDs that carry the clock in their first 48 bits', () => {
    const ms = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    const id = new MessageIdGenerator(() => ms).next();
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
  });

  it('sorts in the order the ids were made, within one millisecond and across many', () => {
    let ms = 1_700_000_000_000;
    let calls = 0;
    const generator = new MessageIdGenerator(() => {
      calls += 1;
      if (calls % 7 === 0) ms += 1;
      return ms;
    });
    const ids = Array.from({ length: 20_000 }, () => generator.next());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('borrows the next millisecond when one millisecond runs out of counter values', () => {
    const generator = new MessageIdGenerator(() => 5_000);
    const ids = Array.from({ length: 5_000 }, () => generator.next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const stamp = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(stamp(ids[0] ?? '')).toBe(5_000);
    expect(stamp(ids.at(-1) ?? '')).toBeGreaterThan(5_000);
  });

  it('keeps order when the clock steps back', () => {
    const times = [10_000, 10_000, 9_000, 9_500, 10_001];
    let i = 0;
    const generator = new MessageIdGenerator(() => times[Math.min(i++, times.length - 1)] ?? 0);
    const ids = times.map(() => generator.next());
    expect([...ids].sort()).toEqual(ids);
  });

  it('draws fresh randomness for each id', () => {
    const generator = new MessageIdGenerator(() => 42);
    const tails = new Set(Array.from({ length: 1_000 }, () => generator.next().slice(19)));
    expect(tails.size).toBe(1_000);
  });
});
