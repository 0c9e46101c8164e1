// Read counts beside messages (the open-chat "1" that counts down): kept from the server's read summary
// and the presence topic's `read` events. Small rooms (`live`) keep every member's marker under a
// per-room key and count, for a message, the members who have not reached it; larger rooms hold counts
// per seq, read again now and then, and say "read by N". Pure: no requests, no views.
import type { ReadSummary } from '../../src/protocol/index.js';

export type ReadCounts =
  | { readonly live: true; readonly members: number; readonly markers: ReadonlyMap<string, number> }
  | {
      readonly live: false;
      readonly members: number;
      readonly readBy: readonly { readonly seq: number; readonly count: number }[];
    };

export function fromSummary(summary: ReadSummary): ReadCounts {
  if (summary.live) {
    return {
      live: true,
      members: summary.members,
      markers: new Map((summary.markers ?? []).map((m) => [m.reader, m.seq] as const)),
    };
  }
  return { live: false, members: summary.members, readBy: summary.readBy ?? [] };
}

/**
 * A summary just read, with the reads heard meanwhile kept (markers only rise, and a read heard while
 * the summary was on its way may be newer than it).
 */
export function withHeard(fresh: ReadCounts, heard: ReadCounts | undefined): ReadCounts {
  if (!fresh.live || heard === undefined || !heard.live) return fresh;
  let merged: ReadCounts = fresh;
  for (const [reader, seq] of heard.markers) {
    if (fresh.markers.has(reader)) merged = applyRead(merged, reader, seq) ?? merged;
  }
  return merged;
}

/** A member's marker rose (markers only rise: an older event arriving late changes nothing). */
export function applyRead(
  counts: ReadCounts | undefined,
  reader: string,
  seq: number,
): ReadCounts | undefined {
  if (counts === undefined || !counts.live) return counts;
  const before = counts.markers.get(reader);
  if (before !== undefined && before >= seq) return counts;
  const markers = new Map(counts.markers).set(reader, seq);
  // A reader new to this client is a new member: the room grew.
  return { live: true, members: before === undefined ? counts.members + 1 : counts.members, markers };
}

/** What to show beside the message at `seq`: members yet to read it, or how many read it. */
export function readCountOf(
  counts: ReadCounts | undefined,
  seq: number,
): { readonly unread: number } | { readonly readBy: number } | undefined {
  if (counts === undefined) return undefined;
  if (counts.live) {
    let reached = 0;
    for (const marker of counts.markers.values()) if (marker >= seq) reached += 1;
    return { unread: Math.max(0, counts.members - reached) };
  }
  let readBy = 0;
  for (const group of counts.readBy) if (group.seq >= seq) readBy += group.count;
  return { readBy };
}
