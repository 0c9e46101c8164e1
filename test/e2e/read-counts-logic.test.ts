// Read counts under Node: members yet to reach a message in a small room, read by N in a large one.
import { describe, expect, it } from 'vitest';
import { applyRead, fromSummary, readCountOf } from '../../web/src/read-counts.js';

describe('read counts', () => {
  it('counts the members of a small room who have not reached a message, as reads come in', () => {
    let counts = fromSummary({
      members: 3,
      live: true,
      markers: [
        { reader: 'a', seq: 5 },
        { reader: 'b', seq: 3 },
        { reader: 'c', seq: 1 },
      ],
    });
    expect(readCountOf(counts, 5)).toEqual({ unread: 2 });
    expect(readCountOf(counts, 3)).toEqual({ unread: 1 });
    expect(readCountOf(counts, 1)).toEqual({ unread: 0 });
    counts = applyRead(counts, 'b', 5) ?? counts;
    expect(readCountOf(counts, 5)).toEqual({ unread: 1 });
    // Markers only rise: a late, older read changes nothing.
    expect(applyRead(counts, 'b', 4)).toBe(counts);
    // Someone new reads: one more member, who has read up to there.
    counts = applyRead(counts, 'd', 2) ?? counts;
    expect(readCountOf(counts, 2)).toEqual({ unread: 1 });
    expect(readCountOf(counts, 5)).toEqual({ unread: 2 });
  });

  it('says how many read a message in a large room, from counts per seq', () => {
    const counts = fromSummary({
      members: 500,
      live: false,
      readBy: [
        { seq: 9, count: 4 },
        { seq: 7, count: 10 },
      ],
    });
    expect(readCountOf(counts, 9)).toEqual({ readBy: 4 });
    expect(readCountOf(counts, 8)).toEqual({ readBy: 4 });
    expect(readCountOf(counts, 7)).toEqual({ readBy: 14 });
    // Large rooms take no live reads.
    expect(applyRead(counts, 'x', 9)).toBe(counts);
    expect(readCountOf(undefined, 1)).toBeUndefined();
  });
});
