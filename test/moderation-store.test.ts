// The store's room events on both engines: events and messages share one dense seq also when they
// race (and, on PostgreSQL, when two stores — two nodes — race); a refused event leaves no trace; a
// reaction that changes nothing takes no seq; sanctions expire; read markers never go down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MessageId, REACTION_USERS_SHOWN, type RoomEntry, type UserId } from '../src/chat/model.js';
import { ParleyError } from '../src/errors.js';
import type { Store } from '../src/store/store.js';
import { makePostgresFixture, makeSqliteFixture, postgresUnavailable } from './fixtures/store-fixtures.js';
import { newMessage, newRoom, rejection, user } from './store-contract.js';

const pgReason = await postgresUnavailable();
if (pgReason !== undefined && process.env.CI !== 'true')
  console.warn(`skipping PostgreSQL runs: ${pgReason}`);
const engines = pgReason === undefined || process.env.CI === 'true' ? ['sqlite', 'postgres'] : ['sqlite'];

const seqOf = (e: RoomEntry): number => (e.kind === 'message' ? e.message.seq : e.event.seq);
const range1 = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

async function allEntries(store: Store, roomId: Parameters<Store['listEntries']>[0]): Promise<RoomEntry[]> {
  const entries: RoomEntry[] = [];
  for (;;) {
    const page = await store.listEntries(roomId, {
      afterSeq: entries.at(-1) === undefined ? 0 : seqOf(entries.at(-1) as RoomEntry),
      limit: 50,
    });
    entries.push(...page);
    if (page.length < 50) return entries;
  }
}

describe.each(engines)('room events in the %s store', (engine) => {
  let fixture:
    | Awaited<ReturnType<typeof makeSqliteFixture>>
    | Awaited<ReturnType<typeof makePostgresFixture>>;
  let store: Store;

  beforeAll(async () => {
    fixture = engine === 'sqlite' ? await makeSqliteFixture() : await makePostgresFixture();
    store = await fixture.open();
  });
  afterAll(async () => {
    await fixture?.dispose();
  });

  it('gives messages and racing events one dense seq', async () => {
    const room = await store.createRoom(newRoom('race'));
    const target = (await store.appendMessage(newMessage(room.id, 'target'))).message;
    const reactors = Array.from({ length: 40 }, (_, i) => user(`r${i}`));
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      work.push(store.appendMessage(newMessage(room.id, `m${i}`)));
      const reactor = reactors[i];
      if (reactor !== undefined) {
        work.push(
          store.appendEvent({
            roomId: room.id,
            actor: reactor,
            at: new Date(),
            effect: { type: 'reaction.changed', messageId: target.id, emoji: '👍', added: true },
          }),
        );
      }
    }
    await Promise.all(work);
    const entries = await allEntries(store, room.id);
    expect(entries.map(seqOf)).toEqual(range1(101));
    expect(entries.filter((e) => e.kind === 'event')).toHaveLength(40);
    expect((await store.findRoom(room.id))?.lastSeq).toBe(101);
    const last = entries.filter((e) => e.kind === 'event').at(-1);
    const lastEvent = last?.kind === 'event' ? last.event.event : undefined;
    expect(lastEvent?.type === 'reaction.changed' ? lastEvent.count : 0).toBe(40);
    const [reaction] = (await store.findMessage(room.id, target.id))?.reactions ?? [];
    expect(reaction?.count).toBe(40);
    expect(reaction?.users).toHaveLength(REACTION_USERS_SHOWN);
  });

  it('holds the reaction caps when many add at once', async () => {
    const room = await store.createRoom(newRoom('caps race'));
    const target = (await store.appendMessage(newMessage(room.id, 'target'))).message;
    const caps = { emojisPerMessage: 5, perUserPerMessage: 3 };
    const emojis = ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆'];
    const crowd = Array.from({ length: 16 }, (_, i) => user(`c${i}`));
    const greedy = user('greedy');
    const outcomes = await Promise.allSettled([
      ...crowd.map((actor, i) =>
        store.appendEvent({
          roomId: room.id,
          actor,
          at: new Date(),
          effect: {
            type: 'reaction.changed',
            messageId: target.id,
            emoji: emojis[i % 8] ?? '😀',
            added: true,
            caps,
          },
        }),
      ),
      ...emojis.map((emoji) =>
        store.appendEvent({
          roomId: room.id,
          actor: greedy,
          at: new Date(),
          effect: { type: 'reaction.changed', messageId: target.id, emoji, added: true, caps },
        }),
      ),
    ]);
    const refused = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [o.reason instanceof ParleyError ? o.reason.code : String(o.reason)] : [],
    );
    expect(new Set(refused)).toEqual(new Set(['too_many_reactions']));
    const reactions = (await store.findMessage(room.id, target.id))?.reactions ?? [];
    expect(reactions).toHaveLength(5);
    expect(reactions.filter((r) => r.users.some((u) => u.id === greedy.id)).length).toBeLessThanOrEqual(3);
    const total = reactions.reduce((n, r) => n + r.count, 0);
    expect((await store.findRoom(room.id))?.lastSeq).toBe(1 + total);
  });

  it('a refused event takes no seq and changes nothing; an unchanged reaction takes none either', async () => {
    const room = await store.createRoom(newRoom('refusals'));
    const author = user('author');
    const message = (await store.appendMessage(newMessage(room.id, 'original', { author }))).message;
    const refused = await rejection(
      store.appendEvent({
        roomId: room.id,
        actor: user('other'),
        at: new Date(),
        effect: { type: 'message.edited', messageId: message.id, body: 'hijacked' },
        checkMessage: () => {
          throw new ParleyError('forbidden');
        },
      }),
    );
    expect(refused.code).toBe('forbidden');
    expect(
      (
        await rejection(
          store.appendEvent({
            roomId: room.id,
            actor: author,
            at: new Date(),
            effect: { type: 'message.deleted', messageId: 'missing' as MessageId },
          }),
        )
      ).code,
    ).toBe('message_not_found');
    const unchanged = await store.appendEvent({
      roomId: room.id,
      actor: author,
      at: new Date(),
      effect: { type: 'reaction.changed', messageId: message.id, emoji: '🎉', added: false },
    });
    expect(unchanged).toBeUndefined();
    expect((await store.findRoom(room.id))?.lastSeq).toBe(1);
    expect((await store.findMessage(room.id, message.id))?.body).toBe('original');
  });

  it('sanctions hold until they end; read markers only go up', async () => {
    const room = await store.createRoom(newRoom('sanctions'));
    const staff = room.createdBy;
    const target = user('target');
    const t0 = Date.UTC(2025, 5, 1);
    await store.appendEvent({
      roomId: room.id,
      actor: staff,
      at: new Date(t0),
      effect: { type: 'member.muted', user: target, until: new Date(t0 + 60_000), reason: null },
      audit: { details: {} },
    });
    await store.appendEvent({
      roomId: room.id,
      actor: staff,
      at: new Date(t0),
      effect: { type: 'member.banned', user: target, until: null, reason: 'x' },
      audit: { details: {} },
    });
    expect(await store.findSanctions(room.id, target.id, new Date(t0 + 1000))).toEqual({
      mutedUntil: new Date(t0 + 60_000).toISOString(),
      ban: { until: null },
    });
    expect(await store.findSanctions(room.id, target.id, new Date(t0 + 61_000))).toEqual({
      ban: { until: null },
    });
    expect((await store.listAudit(room.id, { limit: 10 })).map((e) => e.id)).toEqual([2, 1]);

    const reader = 'reader' as UserId;
    await store.appendMessage(newMessage(room.id, 'one'));
    await store.appendMessage(newMessage(room.id, 'two'));
    expect(await store.markRead(reader, room.id, 3)).toEqual({ lastReadSeq: 3, raised: true });
    expect(await store.markRead(reader, room.id, 1)).toEqual({ lastReadSeq: 3, raised: false });
    expect(await store.markRead(reader, room.id, 3)).toEqual({ lastReadSeq: 3, raised: false });
    expect(await store.listUnread(reader)).toEqual([
      { roomId: room.id, name: room.name, lastReadSeq: 3, unread: 1, mentions: 0 },
    ]);
  });

  it('a kick or a ban ends the member’s unread count: a room they are out of counts nothing for them', async () => {
    const room = await store.createRoom(newRoom('out'));
    const staff = room.createdBy;
    const [kicked, banned] = [user('kicked'), user('banned')];
    await store.appendMessage(newMessage(room.id, 'one'));
    for (const member of [kicked, banned]) await store.markRead(member.id, room.id, 1);
    await store.appendMessage(newMessage(room.id, 'two'));
    for (const member of [kicked, banned]) {
      expect(await store.listUnread(member.id)).toEqual([
        { roomId: room.id, name: room.name, lastReadSeq: 1, unread: 1, mentions: 0 },
      ]);
    }
    const at = new Date(Date.UTC(2025, 5, 1));
    await store.appendEvent({
      roomId: room.id,
      actor: staff,
      at,
      effect: { type: 'member.kicked', user: kicked, until: null, reason: null },
      audit: { details: {} },
    });
    await store.appendEvent({
      roomId: room.id,
      actor: staff,
      at,
      effect: { type: 'member.banned', user: banned, until: null, reason: null },
      audit: { details: {} },
    });
    await store.appendMessage(newMessage(room.id, 'three, said after they were out'));
    expect(await store.listUnread(kicked.id)).toEqual([]);
    expect(await store.listUnread(banned.id)).toEqual([]);
  });
});

describe.skipIf(pgReason !== undefined && process.env.CI !== 'true')(
  'room events from two PostgreSQL stores',
  () => {
    it('keep the seq dense when two nodes append messages and events to one room at once', async () => {
      const fixture = await makePostgresFixture();
      try {
        const [one, two] = [await fixture.open(), await fixture.open()];
        const room = await one.createRoom(newRoom('two nodes'));
        const target = (await one.appendMessage(newMessage(room.id, 'target'))).message;
        const work: Promise<unknown>[] = [];
        for (let i = 0; i < 30; i++) {
          for (const store of [one, two]) {
            work.push(store.appendMessage(newMessage(room.id, `m${i}`)));
            work.push(
              store.appendEvent({
                roomId: room.id,
                actor: user(`u${i}`),
                at: new Date(),
                effect: { type: 'reaction.changed', messageId: target.id, emoji: '🔥', added: true },
              }),
            );
          }
        }
        await Promise.all(work);
        expect((await allEntries(one, room.id)).map(seqOf)).toEqual(range1(1 + 60 + 60));
      } finally {
        await fixture.dispose();
      }
    });
  },
);
