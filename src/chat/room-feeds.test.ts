// RoomFeeds hands an entry this node stored to the room's feed synchronously: the in-process bus
// delivers its echo synchronously too, so a late offer would make the feed decode its own entry back
// from JSON (a measured 4% of the persist path's CPU) and deliver a copy instead of the entry itself.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../cluster/memory-bus.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { MessageId, RoomId, User, UserId } from './model.js';
import { type FeedEntry, liveMessage, toRoomEntryMessage } from './room-feed.js';
import { RoomFeeds } from './room-feeds.js';

const alice: User = { id: 'alice-id' as UserId, nickname: 'alice', tag: '0001' };

describe('RoomFeeds', () => {
  let dir: string;
  let store: SqliteStore;
  let bus: MemoryBus;
  let feeds: RoomFeeds;
  const delivered: FeedEntry[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-feeds-'));
    store = new SqliteStore({ file: join(dir, 'feeds.db') });
    await store.migrate();
    bus = new MemoryBus();
    delivered.length = 0;
    feeds = new RoomFeeds({
      store,
      bus,
      sink: { message: (_room, entry) => delivered.push(entry), presence: () => undefined },
      logger: pino({ level: 'silent' }),
      recentLimit: 10,
    });
  });
  afterEach(async () => {
    await feeds.closeAll();
    await bus.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers the offered entry itself, not the bus echo decoded again', async () => {
    const room = await store.createRoom({
      id: 'room1' as RoomId,
      name: 'feeds',
      topic: null,
      createdBy: alice,
      createdAt: new Date(1_700_000_000_000),
    });
    await feeds.open(room.id);
    for (let i = 1; i <= 3; i++) {
      const { message } = await store.appendMessage({
        id: `m${i}` as MessageId,
        roomId: room.id,
        author: alice,
        body: `hello ${i}`,
        createdAt: new Date(1_700_000_000_000 + i),
      });
      const entry = liveMessage(message, 1_700_000_000_000 + i);
      // The order RoomWriter uses: this node's feed first, then the bus (which echoes back at once).
      feeds.offer(room.id, entry);
      await bus.publish(toRoomEntryMessage(room.id, entry));
      expect(delivered.at(-1)).toBe(entry);
    }
    expect(delivered.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});
