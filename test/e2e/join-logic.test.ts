// Issue 15's pure rules for knowing what is going on, under Node: what the tab title counts (the room
// being read aside) and how the counts go in front of whatever title a screen set, replaced, not stacked.
import { describe, expect, it } from 'vitest';
import type { UnreadRoom } from '../../src/protocol/index.js';
import { retitle, titleCounts } from '../../web/src/my-rooms.js';

const room = (roomId: string, unread: number, mentions: number): UnreadRoom => ({
  roomId,
  name: roomId,
  lastReadSeq: 0,
  unread,
  mentions,
});

describe('the tab title counts', () => {
  it('sums unread and mentions over my rooms, leaving out the room being read', () => {
    const rooms = [room('a', 3, 1), room('b', 2, 0), room('c', 0, 0)];
    expect(titleCounts(rooms, undefined)).toEqual({ unread: 5, mentions: 1 });
    expect(titleCounts(rooms, 'a')).toEqual({ unread: 2, mentions: 0 });
    expect(titleCounts(undefined, undefined)).toEqual({ unread: 0, mentions: 0 });
  });

  it('puts the counts in front, replaces its own earlier counts, and gives the bare title back', () => {
    const first = retitle('Rooms — Parley', undefined, { unread: 3, mentions: 0 });
    expect(first.written).toBe('(3) Rooms — Parley');
    const second = retitle(first.written, first, { unread: 4, mentions: 2 });
    expect(second.written).toBe('(@2 · 4) Rooms — Parley');
    expect(retitle(second.written, second, { unread: 0, mentions: 0 }).written).toBe('Rooms — Parley');
    // A screen's new title replaces the old one under the counts.
    expect(retitle('Camp — Parley', second, { unread: 1, mentions: 0 }).written).toBe('(1) Camp — Parley');
  });

  it('never takes apart a title it did not write: a room named like a count keeps its name', () => {
    const named = retitle('(1) band — Parley', undefined, { unread: 0, mentions: 0 });
    expect(named.written).toBe('(1) band — Parley');
    expect(retitle(named.written, named, { unread: 2, mentions: 0 }).written).toBe('(2) (1) band — Parley');
  });
});
