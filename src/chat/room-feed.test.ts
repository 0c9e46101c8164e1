// RoomFeed with room events, over a real SQLite store and the in-process bus: events reach the sink
// with their type in seq order, gaps over events are filled from the store, and the held history
// follows edits, deletions and reactions although messages alone have gaps in their seqs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../cluster/memory-bus.js';
import type { RoomEntryMessage } from '../cluster/messages.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Message, MessageId, RoomId, StoredRoomEvent, User, UserId } from './model.js';
import { type FeedEntry, liveEvent, liveMessage, RoomFeed, toRoomEntryMessage } from './room-feed.js';

const messagePayload = (message: Message): RoomEntryMessage =>
  toRoomEntryMessage(message.roomId, liveMessage(message, 0));
const eventPayload = (event: StoredRoomEvent): RoomEntryMessage =>
  toRoomEntryMessage(event.roomId, liveEvent(event, 0));

const alice: User = { id: 'alice-id' as UserId, nickname: 'alice', tag: '0001' };

describe('RoomFeed with room events', () => {
  let dir: string;
  let store: SqliteStore;
  let bus: MemoryBus;
  let feed: RoomFeed;
  let roomId: RoomId;
  const delivered: FeedEntry[] = [];
  let counter = 0;

  const post = async (body: string): Promise<Message> =>
    (
      await store.appendMessage({
        id: `m${++counter}` as MessageId,
        roomId,
        author: alice,
        body,
        createdAt: new Date(1_700_000_000_000),
      })
    ).message;
  const edit = async (message: Message, body: string): Promise<StoredRoomEvent> => {
    const event = await store.appendEvent({
      roomId,
      actor: alice,
      at: new Date(1_700_000_001_000),
      effect: { type: 'message.edited', messageId: message.id, body },
    });
    if (event === undefined) throw new Error('no event');
    return event;
  };
  const bodies = (messages: readonly Message[] | undefined): string[] => (messages ?? []).map((m) => m.body);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-feed-'));
    store = new SqliteStore({ file: join(dir, 'feed.db') });
    await store.migrate();
    bus = new MemoryBus();
    roomId = (
      await store.createRoom({
        id: 'room1' as RoomId,
        name: 'feed',
        topic: null,
        createdBy: alice,
        createdAt: new Date(1_700_000_000_000),
      })
    ).id;
    delivered.length = 0;
    feed = new RoomFeed(roomId, {
      store,
      bus,
      sink: { message: (_room, message) => delivered.push(message), presence: () => undefined },
      logger: pino({ level: 'silent' }),
      recentLimit: 3,
    });
  });
  afterEach(async () => {
    await feed.stop();
    await bus.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts where the room stands (an event last) and holds messages in their current state', async () => {
    const first = await post('helo');
    await post('two');
    await edit(first, 'hello');
    await feed.start();
    expect(feed.lastSeq).toBe(3);
    expect(bodies(feed.recent({ limit: 10 }))).toEqual(['hello', 'two']);
  });

  it('delivers events with their type, and fills a gap over events from the store', async () => {
    await feed.start();
    const first = await post('one');
    await bus.publish(messagePayload(first));
    const edited = await edit(first, 'one!');
    const second = await post('two');
    // The edit's publication is lost: the feed learns of it from the store when seq 3 arrives.
    await bus.publish(messagePayload(second));
    await expect
      .poll(() => delivered.map((m) => [m.seq, m.eventType]))
      .toEqual([
        [1, undefined],
        [2, 'message.edited'],
        [3, undefined],
      ]);
    expect(delivered[1]?.entry).toEqual({ kind: 'event', event: edited });
    expect(JSON.parse(delivered[1]?.json ?? '{}')).toEqual(edited.event);
    expect(bodies(feed.recent({ limit: 10 }))).toEqual(['one!', 'two']);
    // A duplicate of the event from the bus is dropped by seq.
    await bus.publish(eventPayload(edited));
    expect(delivered).toHaveLength(3);
  });

  it('keeps the held copy in step with reaction changes: counts, users, emojis gone at 0', async () => {
    await feed.start();
    const target = await post('react to me');
    await bus.publish(messagePayload(target));
    const users = Array.from(
      { length: 12 },
      (_, i): User => ({ id: `u${i}` as UserId, nickname: `u${i}`, tag: '0001' }),
    );
    const react = async (actor: User, emoji: string, added: boolean): Promise<void> => {
      const event = await store.appendEvent({
        roomId,
        actor,
        at: new Date(1_700_000_002_000),
        effect: { type: 'reaction.changed', messageId: target.id, emoji, added },
      });
      if (event !== undefined) await bus.publish(eventPayload(event));
    };
    for (const user of users) await react(user, '👍', true);
    await react(users[0] as User, '🎉', true);
    await react(users[3] as User, '👍', false);
    await react(users[0] as User, '🎉', false);
    await expect.poll(() => feed.lastSeq).toBe(16);
    const [held] = feed.recent({ limit: 1 }) ?? [];
    const stored = await store.findMessage(roomId, target.id);
    expect(held?.reactions?.map((r) => [r.emoji, r.count])).toEqual([['👍', 11]]);
    expect(stored?.reactions?.map((r) => [r.emoji, r.count])).toEqual([['👍', 11]]);
    // Both name at most 10 users; the held copy those it has seen arrive and stay.
    expect(held?.reactions?.[0]?.users.map((u) => u.id)).toEqual([
      'u0',
      'u1',
      'u2',
      'u4',
      'u5',
      'u6',
      'u7',
      'u8',
      'u9',
    ]);
    expect(stored?.reactions?.[0]?.users).toHaveLength(10);
  });

  it('answers pages over messages whose seqs have gaps, and sends older pages to the store', async () => {
    const messages: Message[] = [];
    for (const body of ['a', 'b', 'c', 'd']) {
      const message = await post(body);
      messages.push(message);
      await edit(message, `${body}2`);
    }
    await feed.start();
    // Seqs: a=1, b=3, c=5, d=7 (events in between); the feed holds the latest 3 messages.
    expect(bodies(feed.recent({ limit: 2 }))).toEqual(['c2', 'd2']);
    expect(bodies(feed.recent({ beforeSeq: 7, limit: 2 }))).toEqual(['b2', 'c2']);
    expect(feed.recent({ beforeSeq: 7, limit: 3 })).toBeUndefined();
    expect(bodies(feed.recent({ afterSeq: 3, limit: 5 }))).toEqual(['c2', 'd2']);
    expect(feed.recent({ afterSeq: 1, limit: 5 })).toBeUndefined();
  });
});
