// The Store contract, one suite run against every implementation (store-contract.test.ts). A fixture
// gives each test its own empty database plus the means to break it; the suite knows nothing of the
// engine behind it.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageId, RoomId, User, UserId } from '../src/chat/model.js';
import { ParleyError } from '../src/errors.js';
import type { AddressHash } from '../src/net/address-hash.js';
import type { AppendResult, NewMessage, NewRoom, Store, TagClaim } from '../src/store/store.js';

export interface StoreFixture {
  /** Opens a migrated store on this fixture's database; several may be open at once. */
  open(): Promise<Store>;
  /** Makes the database unavailable to this fixture's stores; the returned function restores it. */
  breakDatabase(): Promise<() => Promise<void>>;
  /** Runs one SQL statement on this fixture's database, outside any store (rows older versions wrote). */
  execute(statement: string): Promise<void>;
  /** From now on, inserting a message with this body fails inside the write transaction. */
  poisonBody(body: string): Promise<void>;
  /** Closes every store opened here and removes the database. */
  dispose(): Promise<void>;
}

const T0 = Date.UTC(2025, 0, 1);

export function user(nickname: string, tag = '0412'): User {
  return { id: randomUUID() as UserId, nickname, tag };
}

export function newRoom(name: string, createdAtMs = T0, topic: string | null = null): NewRoom {
  return {
    id: randomUUID() as RoomId,
    name,
    topic,
    createdBy: user('creator'),
    createdAt: new Date(createdAtMs),
  };
}

export function newMessage(
  roomId: RoomId,
  body: string,
  options: { author?: User; clientMsgId?: string; atMs?: number } = {},
): NewMessage {
  const base = {
    id: randomUUID() as MessageId,
    roomId,
    author: options.author ?? user('alice'),
    body,
    createdAt: new Date(options.atMs ?? T0 + 1000),
  };
  return options.clientMsgId === undefined ? base : { ...base, clientMsgId: options.clientMsgId };
}

/** The error a promise rejected with, or a failure when it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<ParleyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ParleyError) return error;
    throw new Error(`expected a ParleyError, got ${String(error)}`);
  }
  throw new Error('expected a rejection, but the promise resolved');
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function describeStoreContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await makeFixture();
      store = await fixture.open();
    });

    afterEach(async () => {
      await fixture.dispose();
    });

    describe('migrations', () => {
      it('is idempotent, also when several stores migrate at once', async () => {
        const others = await Promise.all([fixture.open(), fixture.open()]);
        await Promise.all([store.migrate(), ...others.map((s) => s.migrate())]);
        const room = await store.createRoom(newRoom('after migrate'));
        expect(await others[0]?.findRoom(room.id)).toEqual(room);
      });

      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('rooms', () => {
      it('creates and finds a room, with ISO times, lastSeq 0 and an epoch', async () => {
        const input = newRoom('General', T0, 'Anything goes');
        const created = await store.createRoom(input);
        const other = await store.createRoom(newRoom('Other', T0));
        expect(created.epoch).toMatch(/^[A-Za-z0-9_-]{8,}$/);
        expect(other.epoch).not.toBe(created.epoch);
        const given = await store.createRoom({ ...newRoom('Given', T0), epoch: 'given-epoch' });
        expect(given.epoch).toBe('given-epoch');
        expect(created).toEqual({
          id: input.id,
          name: 'General',
          topic: 'Anything goes',
          createdAt: new Date(T0).toISOString(),
          createdBy: input.createdBy,
          lastMessageAt: null,
          lastSeq: 0,
          ownerId: input.createdBy.id,
          moderators: [],
          memberCap: null,
          slowModeSeconds: 0,
          hasPassword: false,
          newcomerMinutes: 0,
          newcomerMessages: 0,
          approveNewcomers: false,
          notice: null,
          pins: [],
          epoch: created.epoch,
        });
        expect(await store.findRoom(input.id)).toEqual(created);
        expect(await store.findRoom(randomUUID() as RoomId)).toBeUndefined();
      });

      it("keeps the owner's last-seen time: from creation, only forward, only for the owner", async () => {
        const room = await store.createRoom(newRoom('seen', T0));
        expect(room.ownerId).toBe(room.createdBy.id);
        expect(await store.findOwnerSeenAt(room.id)).toEqual(new Date(T0));
        await store.markOwnerSeen(room.id, room.ownerId, new Date(T0 + 5000));
        await store.markOwnerSeen(room.id, room.ownerId, new Date(T0 + 1000));
        await store.markOwnerSeen(room.id, user('someone').id, new Date(T0 + 9000));
        expect(await store.findOwnerSeenAt(room.id)).toEqual(new Date(T0 + 5000));
        expect(await store.findOwnerSeenAt('no-such-room' as RoomId)).toBeUndefined();
      });

      it('lists most recently active first (last message, else creation), then id', async () => {
        const old = await store.createRoom(newRoom('old', T0));
        const mid = await store.createRoom(newRoom('mid', T0 + 10));
        const fresh = await store.createRoom(newRoom('fresh', T0 + 20));
        let page = await store.listRooms({ limit: 10 });
        expect(page.rooms.map((r) => r.name)).toEqual(['fresh', 'mid', 'old']);
        expect(page.nextCursor).toBeNull();

        await store.appendMessage(newMessage(old.id, 'wake up', { atMs: T0 + 30 }));
        page = await store.listRooms({ limit: 10 });
        expect(page.rooms.map((r) => r.id)).toEqual([old.id, fresh.id, mid.id]);
        expect(page.rooms[0]?.lastMessageAt).toBe(new Date(T0 + 30).toISOString());
        expect(page.rooms[0]?.lastSeq).toBe(1);

        // Equal activity: id descending.
        const a = await store.createRoom(newRoom('tie a', T0 + 40));
        const b = await store.createRoom(newRoom('tie b', T0 + 40));
        page = await store.listRooms({ limit: 2 });
        expect(page.rooms.map((r) => r.id)).toEqual([a.id, b.id].sort().reverse());
      });

      it('pages with an opaque cursor through every room exactly once', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 23; i++) {
          // Pairs share a creation time so pages also break inside a tie.
          ids.push((await store.createRoom(newRoom(`room ${i}`, T0 + Math.floor(i / 2)))).id);
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listRooms(cursor === undefined ? { limit: 5 } : { limit: 5, cursor });
          expect(page.rooms.length).toBeLessThanOrEqual(5);
          seen.push(...page.rooms.map((r) => r.id));
          cursor = page.nextCursor ?? undefined;
          pages += 1;
        } while (cursor !== undefined);
        expect(pages).toBe(5);
        expect(seen).toHaveLength(23);
        expect(new Set(seen)).toEqual(new Set(ids));
        const all = await store.listRooms({ limit: 100 });
        expect(seen).toEqual(all.rooms.map((r) => r.id));
        // A page that ends exactly at the last room says so.
        const exact = await store.listRooms({ limit: 23 });
        expect(exact.nextCursor).toBeNull();
      });

      it('rejects a malformed cursor with invalid_request', async () => {
        expect((await rejection(store.listRooms({ limit: 5, cursor: 'not-a-cursor' }))).code).toBe(
          'invalid_request',
        );
      });

      it('searches names case-insensitively by substring, taking % and _ literally', async () => {
        const names = [
          'General Chat',
          'random',
          'CHATTERBOX',
          '100% real',
          'a_b',
          'axb',
          'Ärger',
          '한국어 방',
          '日本語',
        ];
        for (const [i, n] of names.entries()) await store.createRoom(newRoom(n, T0 + i));
        const search = async (query: string) =>
          (await store.listRooms({ query, limit: 50 })).rooms.map((r) => r.name).sort();
        expect(await search('chat')).toEqual(['CHATTERBOX', 'General Chat']);
        expect(await search('%')).toEqual(['100% real']);
        expect(await search('_')).toEqual(['a_b']);
        expect(await search('a_')).toEqual(['a_b']);
        expect(await search('ärg')).toEqual(['Ärger']);
        expect(await search('국어')).toEqual(['한국어 방']);
        expect(await search('本')).toEqual(['日本語']);
        expect(await search('nothing like it')).toEqual([]);
        expect(await search('')).toHaveLength(names.length);
        const paged = await store.listRooms({ query: 'a', limit: 2 });
        expect(paged.rooms).toHaveLength(2);
        expect(paged.nextCursor).not.toBeNull();
      });

      it('matches the topic as well as the name, case-insensitively (ASCII at least), patterns taken literally', async () => {
        await store.createRoom(newRoom('Band practice', T0, 'Weekly JAM sessions'));
        await store.createRoom(newRoom('독서 모임', T0 + 1, '이번 달의 책: 소년이 온다'));
        await store.createRoom(newRoom('Plain', T0 + 2, '50% off_topic'));
        await store.createRoom(newRoom('No topic', T0 + 3));
        const search = async (query: string) =>
          (await store.listRooms({ query, limit: 50 })).rooms.map((r) => r.name).sort();
        expect(await search('jam sess')).toEqual(['Band practice']);
        expect(await search('소년이')).toEqual(['독서 모임']);
        expect(await search('0%')).toEqual(['Plain']);
        expect(await search('f_t')).toEqual(['Plain']);
        expect(await search('f%t')).toEqual([]);
        expect(await search('topic')).toEqual(['No topic', 'Plain']);
      });
    });

    describe('appendMessage', () => {
      it('assigns dense seqs from 1 and returns the message as stored', async () => {
        const room = await store.createRoom(newRoom('r'));
        const first = await store.appendMessage(newMessage(room.id, 'one'));
        const second = await store.appendMessage(newMessage(room.id, 'two', { clientMsgId: 'c-2' }));
        expect(first.duplicate).toBe(false);
        expect(first.message.seq).toBe(1);
        expect(second.message.seq).toBe(2);
        expect('clientMsgId' in first.message).toBe(false);
        expect(second.message.clientMsgId).toBe('c-2');
        expect(second.message.createdAt).toBe(new Date(T0 + 1000).toISOString());
        const listed = await store.listMessages(room.id, { limit: 10 });
        expect(listed).toEqual([first.message, second.message]);
        expect((await store.findRoom(room.id))?.lastSeq).toBe(2);
      });

      it('stores a retried clientMsgId once and returns the original', async () => {
        const room = await store.createRoom(newRoom('r'));
        const alice = user('alice');
        const bob = user('bob');
        const original = await store.appendMessage(
          newMessage(room.id, 'hi', { author: alice, clientMsgId: 'm1' }),
        );
        const retry = await store.appendMessage(
          newMessage(room.id, 'hi again', { author: alice, clientMsgId: 'm1' }),
        );
        expect(retry.duplicate).toBe(true);
        expect(retry.message).toEqual(original.message);
        // Same clientMsgId from someone else, or in another room, is a different message.
        const other = await store.appendMessage(
          newMessage(room.id, 'hi', { author: bob, clientMsgId: 'm1' }),
        );
        expect(other.duplicate).toBe(false);
        expect(other.message.seq).toBe(2);
        const room2 = await store.createRoom(newRoom('r2'));
        const elsewhere = await store.appendMessage(
          newMessage(room2.id, 'hi', { author: alice, clientMsgId: 'm1' }),
        );
        expect(elsewhere).toMatchObject({ duplicate: false, message: { seq: 1 } });
        expect(await store.listMessages(room.id, { limit: 10 })).toHaveLength(2);
      });

      it('stores concurrent duplicates within one batch once', async () => {
        const room = await store.createRoom(newRoom('r'));
        const alice = user('alice');
        const results = await Promise.all([
          store.appendMessage(newMessage(room.id, 'before')),
          ...range(1, 5).map((i) =>
            store.appendMessage(newMessage(room.id, `try ${i}`, { author: alice, clientMsgId: 'same' })),
          ),
          store.appendMessage(newMessage(room.id, 'after')),
        ]);
        const dupes = results.slice(1, 6);
        expect(dupes.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(new Set(dupes.map((r) => r.message.id)).size).toBe(1);
        expect(dupes.every((r) => r.message.seq === 2 && r.message.body === 'try 1')).toBe(true);
        expect(results.map((r) => r.message.seq)).toEqual([1, 2, 2, 2, 2, 2, 3]);
        expect((await store.listMessages(room.id, { limit: 10 })).map((m) => m.body)).toEqual([
          'before',
          'try 1',
          'after',
        ]);
      });

      it('keeps the order of appends issued in sequence by one caller', async () => {
        const room = await store.createRoom(newRoom('r'));
        const pending: Promise<AppendResult>[] = [];
        for (let i = 0; i < 300; i++) {
          pending.push(store.appendMessage(newMessage(room.id, `m${i}`)));
          // Spread the calls over several ticks so they land in several batches.
          if (i % 40 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        const results = await Promise.all(pending);
        expect(results.map((r) => r.message.seq)).toEqual(range(1, 300));
        expect(results.map((r) => r.message.body)).toEqual(range(0, 299).map((i) => `m${i}`));
      });

      it('gives 2,000 concurrent appends over three rooms dense seqs 1..N per room', async () => {
        const rooms = await Promise.all(['a', 'b', 'c'].map((n) => store.createRoom(newRoom(n))));
        const results = await Promise.all(
          range(0, 1999).map((i) => {
            const room = rooms[i % 3];
            if (room === undefined) throw new Error('unreachable');
            return store.appendMessage(newMessage(room.id, `m${i}`));
          }),
        );
        for (const [k, room] of rooms.entries()) {
          const mine = results.filter((_, i) => i % 3 === k).map((r) => r.message.seq);
          expect(mine).toEqual(range(1, mine.length));
          const stored = await store.listMessages(room.id, { limit: 1000 });
          expect(stored.map((m) => m.seq)).toEqual(range(1, mine.length));
          expect((await store.findRoom(room.id))?.lastSeq).toBe(mine.length);
        }
      });

      it('rejects only the append to an unknown room, with room_not_found', async () => {
        const room = await store.createRoom(newRoom('r'));
        const settled = await Promise.allSettled([
          store.appendMessage(newMessage(room.id, 'one')),
          store.appendMessage(newMessage(randomUUID() as RoomId, 'lost')),
          store.appendMessage(newMessage(room.id, 'two')),
        ]);
        expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        const failed = settled[1];
        expect(
          failed?.status === 'rejected' && failed.reason instanceof ParleyError && failed.reason.code,
        ).toBe('room_not_found');
        expect((await store.listMessages(room.id, { limit: 10 })).map((m) => m.seq)).toEqual([1, 2]);
      });

      it('refuses input that would fail the whole batch (NUL, invalid date) with invalid_message', async () => {
        const room = await store.createRoom(newRoom('r'));
        const [nul, badDate, good] = await Promise.allSettled([
          store.appendMessage(newMessage(room.id, 'a\u0000b')),
          store.appendMessage({ ...newMessage(room.id, 'when?'), createdAt: new Date(Number.NaN) }),
          store.appendMessage(newMessage(room.id, 'fine')),
        ]);
        for (const bad of [nul, badDate]) {
          expect(bad?.status === 'rejected' && bad.reason instanceof ParleyError && bad.reason.code).toBe(
            'invalid_message',
          );
        }
        expect(good?.status === 'fulfilled' && good.value.message.seq).toBe(1);
      });
    });

    describe('listMessages', () => {
      it('returns latest, before and after ranges ascending, bounded by limit', async () => {
        const room = await store.createRoom(newRoom('r'));
        for (let i = 1; i <= 10; i++) await store.appendMessage(newMessage(room.id, `m${i}`));
        const seqs = async (r: { beforeSeq?: number; afterSeq?: number; limit: number }) =>
          (await store.listMessages(room.id, r)).map((m) => m.seq);
        expect(await seqs({ limit: 3 })).toEqual([8, 9, 10]);
        expect(await seqs({ limit: 50 })).toEqual(range(1, 10));
        expect(await seqs({ afterSeq: 2, limit: 3 })).toEqual([3, 4, 5]);
        expect(await seqs({ afterSeq: 0, limit: 50 })).toEqual(range(1, 10));
        expect(await seqs({ afterSeq: 10, limit: 5 })).toEqual([]);
        expect(await seqs({ beforeSeq: 6, limit: 3 })).toEqual([3, 4, 5]);
        expect(await seqs({ beforeSeq: 3, limit: 5 })).toEqual([1, 2]);
        expect(await seqs({ beforeSeq: 1, limit: 5 })).toEqual([]);
        expect(await seqs({ limit: 0 })).toEqual([]);
        expect(await store.listMessages(randomUUID() as RoomId, { limit: 5 })).toEqual([]);
        expect(
          (await rejection(store.listMessages(room.id, { beforeSeq: 5, afterSeq: 1, limit: 5 }))).code,
        ).toBe('invalid_request');
        expect((await rejection(store.listMessages(room.id, { limit: -1 }))).code).toBe('invalid_request');
      });
    });

    describe('room events', () => {
      it('stores typed events and returns them as given, live and read back', async () => {
        const room = await store.createRoom(newRoom('events'));
        const alice = user('alice');
        const bob = user('bob', '0001');
        const { message } = await store.appendMessage(newMessage(room.id, 'hi', { author: alice }));
        const edited = await store.appendEvent({
          roomId: room.id,
          actor: alice,
          at: new Date(T0 + 2000),
          effect: { type: 'message.edited', messageId: message.id, body: 'hi!' },
        });
        const reacted = await store.appendEvent({
          roomId: room.id,
          actor: bob,
          at: new Date(T0 + 3000),
          effect: { type: 'reaction.changed', messageId: message.id, emoji: '👍', added: true },
        });
        const muted = await store.appendEvent({
          roomId: room.id,
          actor: alice,
          at: new Date(T0 + 4000),
          effect: { type: 'member.muted', user: bob, until: new Date(T0 + 60_000), reason: null },
        });
        expect(edited?.event).toEqual({
          type: 'message.edited',
          message: { ...message, body: 'hi!', editedAt: new Date(T0 + 2000).toISOString() },
        });
        expect(reacted).toEqual({
          roomId: room.id,
          seq: 3,
          createdAt: new Date(T0 + 3000).toISOString(),
          event: {
            type: 'reaction.changed',
            messageId: message.id,
            emoji: '👍',
            added: true,
            count: 1,
            by: bob,
          },
        });
        expect(muted?.event).toEqual({
          type: 'member.muted',
          user: bob,
          until: new Date(T0 + 60_000).toISOString(),
          reason: null,
          by: alice,
        });
        // The message in its current state (the edit and the reaction applied), then the events as given.
        const entries = await store.listEntries(room.id, { afterSeq: 0, limit: 10 });
        expect(entries).toEqual([
          {
            kind: 'message',
            message: {
              ...message,
              body: 'hi!',
              editedAt: new Date(T0 + 2000).toISOString(),
              reactions: [{ emoji: '👍', count: 1, users: [bob] }],
            },
          },
          { kind: 'event', event: edited },
          { kind: 'event', event: reacted },
          { kind: 'event', event: muted },
        ]);
      });

      it('room.updated carries the stored room state, never an online count', async () => {
        const room = await store.createRoom(newRoom('settings'));
        const owner = user('owner');
        const updated = await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: new Date(T0 + 2000),
          effect: { type: 'room.updated', topic: 'new topic', slowModeSeconds: 5 },
        });
        const event = updated?.event;
        expect(event?.type).toBe('room.updated');
        if (event?.type !== 'room.updated') return;
        expect(event.room).not.toHaveProperty('online');
        // The creator is stored state and stays in the event, as it always was.
        expect(event.room).toMatchObject({
          id: room.id,
          topic: 'new topic',
          slowModeSeconds: 5,
          createdBy: room.createdBy,
        });
        const [entry] = await store.listEntries(room.id, { afterSeq: 0, limit: 1 });
        expect(entry).toEqual({ kind: 'event', event: updated });
      });

      it('reads rows older versions wrote: a reaction list becomes the count, a room online count is dropped', async () => {
        const room = await store.createRoom(newRoom('legacy'));
        const alice = user('alice');
        const { message } = await store.appendMessage(newMessage(room.id, 'old', { author: alice }));
        const by = { id: alice.id, nickname: alice.nickname, tag: alice.tag };
        const reaction = {
          type: 'reaction.changed',
          messageId: message.id,
          reactions: [
            { emoji: '🎉', count: 1, users: [by] },
            { emoji: '👍', count: 2, users: [by, by] },
          ],
          by,
          emoji: '👍',
          added: true,
        };
        const roomState = {
          id: room.id,
          name: room.name,
          topic: 't',
          createdAt: room.createdAt,
          createdBy: room.createdBy,
          lastMessageAt: null,
          ownerId: room.ownerId,
          moderators: [],
          memberCap: null,
          slowModeSeconds: 0,
          hasPassword: false,
          online: 7,
        };
        const { online: _online, ...storedState } = roomState;
        const quote = (value: unknown): string => `'${JSON.stringify(value).replaceAll("'", "''")}'`;
        // Before migration 8: bans had no scope, kicks no cool-down.
        const banned = { type: 'member.banned', user: by, until: null, reason: 'x', by };
        const kicked = { type: 'member.kicked', user: by, reason: null, by };
        await fixture.execute(
          `INSERT INTO room_events (room_id, seq, type, body, created_at) VALUES
             ('${room.id}', 2, 'reaction.changed', ${quote(reaction)}, ${T0 + 2000}),
             ('${room.id}', 3, 'room.updated', ${quote({ type: 'room.updated', room: roomState, by })}, ${T0 + 3000}),
             ('${room.id}', 4, 'member.banned', ${quote(banned)}, ${T0 + 4000}),
             ('${room.id}', 5, 'member.kicked', ${quote(kicked)}, ${T0 + 5000})`,
        );
        await fixture.execute(`UPDATE rooms SET last_seq = 5 WHERE id = '${room.id}'`);
        const entries = await store.listEntries(room.id, { afterSeq: 1, limit: 10 });
        expect(entries.map((e) => (e.kind === 'event' ? e.event.event : undefined))).toEqual([
          { type: 'reaction.changed', messageId: message.id, by, emoji: '👍', added: true, count: 2 },
          {
            type: 'room.updated',
            // The stored state as written, without the online count an older version kept in it, and
            // with the newcomer gate off, no notice and no pins (rooms had none).
            room: {
              ...storedState,
              newcomerMinutes: 0,
              newcomerMessages: 0,
              approveNewcomers: false,
              notice: null,
              pins: [],
            },
            by,
          },
          { ...banned, scope: 'identity' },
          { ...kicked, until: null },
        ]);
      });
    });

    describe('durable identities', () => {
      it('renames a user in place: the state read gives the new name and the stamp in one read', async () => {
        const alice = user('alice', '0001');
        expect(await store.findUserState(alice.id)).toEqual({});
        await store.rememberUser(alice, new Date(T0));
        expect(await store.findUserState(alice.id)).toEqual({ user: alice });
        await store.revokeTokens(alice.id, new Date(T0 + 10));
        const renamed = { ...alice, nickname: 'Alicia', tag: '0002' };
        await store.renameUser(renamed, new Date(T0 + 20));
        expect(await store.findUserState(alice.id)).toEqual({ user: renamed, validAfter: new Date(T0 + 10) });
        expect(await store.findUser(alice.id)).toEqual(renamed);
        // Mentions resolve the new handle, no longer the old one.
        expect(await store.findUsersByHandle([{ nickname: 'alicia', tag: '0002' }])).toEqual([renamed]);
        expect(await store.findUsersByHandle([{ nickname: 'alice', tag: '0001' }])).toEqual([]);
        // rememberUser never undoes a rename; renameUser records an id it never saw.
        await store.rememberUser(alice, new Date(T0 + 30));
        expect(await store.findUser(alice.id)).toEqual(renamed);
        const stranger = user('stranger');
        await store.renameUser(stranger, new Date(T0 + 40));
        expect(await store.findUserState(stranger.id)).toEqual({ user: stranger });
        // A stamp without a user row (an identity from before users were recorded) is read too.
        const legacy = user('legacy');
        await store.revokeTokens(legacy.id, new Date(T0 + 50));
        expect(await store.findUserState(legacy.id)).toEqual({ validAfter: new Date(T0 + 50) });
      });

      it('keeps when an identity was last used, only ever moving forward', async () => {
        const bob = user('bob');
        expect(await store.findUserSeenAt(bob.id)).toBeUndefined();
        await store.rememberUser(bob, new Date(T0));
        expect(await store.findUserSeenAt(bob.id)).toEqual(new Date(T0));
        await store.touchUser(bob.id, new Date(T0 + 5000));
        await store.touchUser(bob.id, new Date(T0 + 1000));
        expect(await store.findUserSeenAt(bob.id)).toEqual(new Date(T0 + 5000));
        await store.renameUser({ ...bob, nickname: 'robert' }, new Date(T0 + 9000));
        expect(await store.findUserSeenAt(bob.id)).toEqual(new Date(T0 + 9000));
      });

      it('keeps one recovery code hash per user; a new one replaces the old', async () => {
        const carol = user('carol');
        expect(await store.findRecoveryCodeCreatedAt(carol.id)).toBeUndefined();
        await store.setRecoveryCode(carol.id, 'hash-1', new Date(T0));
        expect(await store.findRecoveryCode('hash-1')).toEqual({ userId: carol.id, at: new Date(T0) });
        await store.setRecoveryCode(carol.id, 'hash-2', new Date(T0 + 1000));
        expect(await store.findRecoveryCode('hash-1')).toBeUndefined();
        expect(await store.findRecoveryCode('hash-2')).toEqual({ userId: carol.id, at: new Date(T0 + 1000) });
        expect(await store.findRecoveryCodeCreatedAt(carol.id)).toEqual(new Date(T0 + 1000));
      });

      it('redeems a device link once, also when redeemed at once, and never after it expired', async () => {
        const dana = user('dana');
        const now = new Date(T0);
        await store.createDeviceLink(dana.id, 'link-1', new Date(T0 + 300_000), now);
        const racing = await Promise.all(range(1, 8).map(() => store.redeemDeviceLink('link-1', now)));
        expect(racing.filter((r) => r !== undefined)).toEqual([
          { userId: dana.id, at: new Date(T0 + 300_000) },
        ]);
        expect(racing.filter((r) => r === undefined)).toHaveLength(7);
        // A newer code replaces the older one; an expired one is gone.
        await store.createDeviceLink(dana.id, 'link-2', new Date(T0 + 300_000), now);
        await store.createDeviceLink(dana.id, 'link-3', new Date(T0 + 300_000), now);
        expect(await store.redeemDeviceLink('link-2', now)).toBeUndefined();
        expect(await store.redeemDeviceLink('link-3', new Date(T0 + 300_000))).toBeUndefined();
      });

      it('lists the rooms a user owns or moderates, and no room where another id merely shares a prefix', async () => {
        const owned = await store.createRoom(newRoom('owned', T0));
        const owner = owned.createdBy;
        const other = await store.createRoom(newRoom('moderated', T0 + 1000));
        await store.appendEvent({
          roomId: other.id,
          actor: other.createdBy,
          at: new Date(T0 + 2000),
          effect: { type: 'moderator.added', user: owner },
        });
        const lookalike = { ...user('x'), id: `${owner.id}0` as UserId };
        const third = await store.createRoom(newRoom('unrelated', T0 + 3000));
        await store.appendEvent({
          roomId: third.id,
          actor: third.createdBy,
          at: new Date(T0 + 4000),
          effect: { type: 'moderator.added', user: lookalike },
        });
        expect(await store.listStaffRooms(owner.id, 10)).toEqual([
          { id: other.id, name: 'moderated', role: 'moderator' },
          { id: owned.id, name: 'owned', role: 'owner' },
        ]);
        expect(await store.listStaffRooms(owner.id, 1)).toHaveLength(1);
        // Ownership moves: the heir owns the room now, and the previous owner moderates it.
        const heir = user('heir');
        await store.appendEvent({
          roomId: owned.id,
          actor: owner,
          at: new Date(T0 + 5000),
          effect: { type: 'owner.changed', user: heir, previous: owner },
        });
        expect(await store.listStaffRooms(heir.id, 10)).toEqual([
          { id: owned.id, name: 'owned', role: 'owner' },
        ]);
        expect((await store.listStaffRooms(owner.id, 10)).find((r) => r.id === owned.id)?.role).toBe(
          'moderator',
        );
      });
    });

    describe('address sightings', () => {
      const h = (name: string): AddressHash => `hash-${name}` as AddressHash;

      it("records first and last seen (last only forward), lists a user's recent hashes newest first", async () => {
        const alice = user('alice');
        await store.recordSighting(alice.id, h('home'), new Date(T0));
        await store.recordSighting(alice.id, h('phone'), new Date(T0 + 2000));
        await store.recordSighting(alice.id, h('home'), new Date(T0 + 5000));
        // A late write from a node with a slower clock does not move last-seen back.
        await store.recordSighting(alice.id, h('home'), new Date(T0 + 1000));
        expect(await store.listRecentHashes(alice.id, new Date(T0), 10)).toEqual([h('home'), h('phone')]);
        expect(await store.listRecentHashes(alice.id, new Date(T0), 1)).toEqual([h('home')]);
        expect(await store.listRecentHashes(alice.id, new Date(T0 + 3000), 10)).toEqual([h('home')]);
        expect(await store.listRecentHashes(user('nobody').id, new Date(T0), 10)).toEqual([]);
      });

      it('counts distinct identities seen from any of the hashes since a time', async () => {
        const [alice, bob, carol] = [user('alice'), user('bob'), user('carol')];
        await store.recordSighting(alice.id, h('cafe'), new Date(T0 + 1000));
        await store.recordSighting(alice.id, h('home'), new Date(T0 + 1000));
        await store.recordSighting(bob.id, h('cafe'), new Date(T0 + 2000));
        await store.recordSighting(carol.id, h('cafe'), new Date(T0));
        expect(await store.countIdentitiesFrom([h('cafe'), h('home')], new Date(T0))).toBe(3);
        expect(await store.countIdentitiesFrom([h('cafe'), h('home')], new Date(T0 + 500))).toBe(2);
        expect(await store.countIdentitiesFrom([h('home')], new Date(T0))).toBe(1);
        expect(await store.countIdentitiesFrom([], new Date(T0))).toBe(0);
      });

      it('breaks ties in last seen by hash, so every node copies the same hashes into a ban', async () => {
        const alice = user('alice');
        for (const name of ['c', 'a', 'b']) await store.recordSighting(alice.id, h(name), new Date(T0));
        expect(await store.listRecentHashes(alice.id, new Date(T0), 2)).toEqual([h('a'), h('b')]);
      });

      it('prunes sightings last seen before a time, and only those', async () => {
        const [alice, bob] = [user('alice'), user('bob')];
        await store.recordSighting(alice.id, h('old'), new Date(T0));
        await store.recordSighting(bob.id, h('new'), new Date(T0 + 10_000));
        // Seen again after the old first sighting: last seen decides, not first.
        await store.recordSighting(bob.id, h('back'), new Date(T0));
        await store.recordSighting(bob.id, h('back'), new Date(T0 + 5000));
        expect(await store.pruneSightings(new Date(T0 + 5000))).toBe(1);
        expect(await store.listRecentHashes(alice.id, new Date(0), 10)).toEqual([]);
        expect(await store.listRecentHashes(bob.id, new Date(0), 10)).toEqual([h('new'), h('back')]);
      });
    });

    describe('address bans, kick cool-downs', () => {
      const h = (name: string): AddressHash => `hash-${name}` as AddressHash;

      it('an address ban stores its hashes; the list shows its scope; unban and a new ban replace them', async () => {
        const room = await store.createRoom(newRoom('bans'));
        const owner = room.createdBy;
        const [bob, carol] = [user('bob'), user('carol')];
        const banned = await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: new Date(T0),
          effect: {
            type: 'member.banned',
            user: bob,
            until: new Date(T0 + 60_000),
            reason: null,
            addressHashes: [h('a'), h('b'), h('a')],
          },
        });
        expect(banned?.event).toMatchObject({ type: 'member.banned', scope: 'address' });
        await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: new Date(T0 + 1),
          effect: { type: 'member.banned', user: carol, until: null, reason: 'x' },
        });
        expect(await store.listBannedAddresses(room.id, new Date(T0 + 10))).toEqual([
          { hash: h('a'), until: new Date(T0 + 60_000).toISOString() },
          { hash: h('b'), until: new Date(T0 + 60_000).toISOString() },
        ]);
        // The ban runs out: its addresses stop being banned with it.
        expect(await store.listBannedAddresses(room.id, new Date(T0 + 60_000))).toEqual([]);
        const bans = await store.listBans(room.id, new Date(T0 + 10));
        expect(bans.map((b) => [b.user.id, b.scope, b.addressHashes])).toEqual([
          [carol.id, 'identity', []],
          [bob.id, 'address', [h('a'), h('b')]],
        ]);
        // A new ban of bob, identity only, drops the addresses of the old one.
        await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: new Date(T0 + 2),
          effect: { type: 'member.banned', user: bob, until: null, reason: null },
        });
        expect(await store.listBannedAddresses(room.id, new Date(T0 + 10))).toEqual([]);
        await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: new Date(T0 + 3),
          effect: { type: 'member.banned', user: bob, until: null, reason: null, addressHashes: [h('c')] },
        });
        expect(await store.listBannedAddresses(room.id, new Date(T0 + 10))).toEqual([
          { hash: h('c'), until: null },
        ]);
        await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: new Date(T0 + 4),
          effect: { type: 'member.unbanned', user: bob },
        });
        expect(await store.listBannedAddresses(room.id, new Date(T0 + 10))).toEqual([]);
        // An address ban with no sighting known still says what staff chose.
        await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: new Date(T0 + 5),
          effect: { type: 'member.banned', user: bob, until: null, reason: null, addressHashes: [] },
        });
        expect((await store.listBans(room.id, new Date(T0 + 10)))[0]).toMatchObject({
          scope: 'address',
          addressHashes: [],
        });
      });

      it('lists the mutes in force, soonest ending first, until they run out or are lifted', async () => {
        const room = await store.createRoom(newRoom('mutes'));
        const owner = room.createdBy;
        const [bob, carol, dave] = [user('bob'), user('carol'), user('dave')];
        const mute = (who: typeof bob, at: number, until: number, reason: string | null) =>
          store.appendEvent({
            roomId: room.id,
            actor: owner,
            at: new Date(at),
            effect: { type: 'member.muted', user: who, until: new Date(until), reason },
          });
        await mute(bob, T0, T0 + 600_000, 'spam');
        await mute(carol, T0 + 1, T0 + 60_000, null);
        await mute(dave, T0 + 2, T0 + 5, null);
        // A ban and a kick are no mutes.
        await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: new Date(T0 + 3),
          effect: { type: 'member.banned', user: user('erin'), until: null, reason: null },
        });
        expect(await store.listMutes(room.id, new Date(T0 + 10))).toEqual([
          {
            user: carol,
            until: new Date(T0 + 60_000).toISOString(),
            reason: null,
            by: owner,
            createdAt: new Date(T0 + 1).toISOString(),
          },
          {
            user: bob,
            until: new Date(T0 + 600_000).toISOString(),
            reason: 'spam',
            by: owner,
            createdAt: new Date(T0).toISOString(),
          },
        ]);
        // Carol's runs out; bob's is lifted.
        await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: new Date(T0 + 20),
          effect: { type: 'member.unmuted', user: bob },
        });
        expect(await store.listMutes(room.id, new Date(T0 + 60_000))).toEqual([]);
        expect((await store.listMutes(room.id, new Date(T0 + 59_999))).map((m) => m.user.id)).toEqual([
          carol.id,
        ]);
      });

      it('a kick with a cool-down is a sanction until it ends; a kick without one clears it', async () => {
        const room = await store.createRoom(newRoom('kicks'));
        const owner = room.createdBy;
        const bob = user('bob');
        const kicked = await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: new Date(T0),
          effect: { type: 'member.kicked', user: bob, until: new Date(T0 + 600_000), reason: 'calm down' },
        });
        expect(kicked?.event).toMatchObject({
          until: new Date(T0 + 600_000).toISOString(),
          reason: 'calm down',
        });
        expect(await store.findSanctions(room.id, bob.id, new Date(T0 + 1))).toEqual({
          kickedUntil: new Date(T0 + 600_000).toISOString(),
        });
        expect(await store.findSanctions(room.id, bob.id, new Date(T0 + 600_000))).toEqual({});
        await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: new Date(T0 + 2),
          effect: { type: 'member.kicked', user: bob, until: null, reason: null },
        });
        expect(await store.findSanctions(room.id, bob.id, new Date(T0 + 3))).toEqual({});
        // A kick is no ban: the ban list stays empty.
        expect(await store.listBans(room.id, new Date(T0 + 3))).toEqual([]);
      });
    });

    describe('newcomers', () => {
      it("records an arrival once, at the room's seq, and counts others' messages since, up to a bound", async () => {
        const room = await store.createRoom(newRoom('gate'));
        const [alice, bob] = [user('alice'), user('bob')];
        await store.rememberUser(bob, new Date(T0 + 5));
        await store.appendMessage(newMessage(room.id, 'before', { author: alice }));
        await store.recordArrival(room.id, bob.id, new Date(T0 + 10));
        await store.recordArrival(room.id, bob.id, new Date(T0 + 99));
        let standing = await store.findNewcomerStanding(room.id, bob.id, 5);
        expect(standing).toEqual({
          identityCreatedAt: new Date(T0 + 5),
          arrivedAt: new Date(T0 + 10),
          messagesSince: 0,
          passed: false,
          approval: 'none',
        });
        for (const body of ['one', 'two', 'three']) {
          await store.appendMessage(newMessage(room.id, body, { author: alice }));
        }
        // Their own messages do not count.
        await store.appendMessage(newMessage(room.id, 'mine', { author: bob }));
        standing = await store.findNewcomerStanding(room.id, bob.id, 5);
        expect(standing.messagesSince).toBe(3);
        expect((await store.findNewcomerStanding(room.id, bob.id, 2)).messagesSince).toBe(2);
        await store.markNewcomerPassed(room.id, bob.id, new Date(T0 + 20));
        expect((await store.findNewcomerStanding(room.id, bob.id, 5)).passed).toBe(true);
      });

      it('someone who spoke in the room before arriving (before the gate) has passed; the unknown have not', async () => {
        const room = await store.createRoom(newRoom('old hands'));
        const alice = user('alice');
        await store.appendMessage(newMessage(room.id, 'I was here', { author: alice }));
        await store.recordArrival(room.id, alice.id, new Date(T0 + 10));
        expect((await store.findNewcomerStanding(room.id, alice.id, 5)).passed).toBe(true);
        expect(await store.findNewcomerStanding(room.id, user('ghost').id, 5)).toEqual({
          identityCreatedAt: undefined,
          arrivedAt: undefined,
          messagesSince: 0,
          passed: false,
          approval: 'none',
        });
      });

      it('approvals: a newcomer asks once, staff approve (they pass) or deny (not once passed)', async () => {
        const room = await store.createRoom(newRoom('approvals'));
        const owner = room.createdBy;
        const [ann, ben, cat] = [user('ann'), user('ben'), user('cat')];
        const at = (ms: number) => new Date(T0 + ms);
        // Asking needs an arrival.
        expect(
          (
            await rejection(
              store.appendEvent({
                roomId: room.id,
                actor: ann,
                at: at(1),
                effect: { type: 'member.asked', user: ann },
              }),
            )
          ).code,
        ).toBe('invalid_request');
        await store.recordArrival(room.id, ann.id, at(2));
        const asked = await store.appendEvent({
          roomId: room.id,
          actor: ann,
          at: at(3),
          effect: { type: 'member.asked', user: ann },
        });
        expect(asked?.event).toEqual({ type: 'member.asked', user: ann });
        // Asking again changes nothing: no seq, no event.
        expect(
          await store.appendEvent({
            roomId: room.id,
            actor: ann,
            at: at(4),
            effect: { type: 'member.asked', user: ann },
          }),
        ).toBeUndefined();
        expect((await store.findNewcomerStanding(room.id, ann.id, 0)).approval).toBe('asked');
        const approved = await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: at(5),
          effect: { type: 'member.approved', user: ann },
          audit: { details: {} },
        });
        expect(approved?.event).toMatchObject({ type: 'member.approved', user: ann, by: owner });
        expect(await store.findNewcomerStanding(room.id, ann.id, 0)).toMatchObject({
          approval: 'approved',
          passed: true,
        });
        // Denying someone who may post already is refused; one who never came is recorded as declined.
        expect(
          (
            await rejection(
              store.appendEvent({
                roomId: room.id,
                actor: owner,
                at: at(6),
                effect: { type: 'member.denied', user: ann },
              }),
            )
          ).code,
        ).toBe('invalid_request');
        await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: at(7),
          effect: { type: 'member.denied', user: ben },
        });
        expect(await store.findNewcomerStanding(room.id, ben.id, 0)).toMatchObject({
          approval: 'denied',
          passed: false,
        });
        // The declined may not ask again.
        expect(
          (
            await rejection(
              store.appendEvent({
                roomId: room.id,
                actor: ben,
                at: at(8),
                effect: { type: 'member.asked', user: ben },
              }),
            )
          ).code,
        ).toBe('forbidden');
        // Turning approvals on passes those who already spoke.
        await store.recordArrival(room.id, cat.id, at(9));
        await store.appendMessage(newMessage(room.id, 'cat speaks', { author: cat }));
        await store.appendEvent({
          roomId: room.id,
          actor: owner,
          at: at(10),
          effect: { type: 'room.updated', approveNewcomers: true },
        });
        expect((await store.findRoom(room.id))?.approveNewcomers).toBe(true);
        expect((await store.findNewcomerStanding(room.id, cat.id, 0)).passed).toBe(true);
      });
    });

    describe('token revocation', () => {
      it('keeps one stamp per user that only moves forward, also when revoked at once, and across reopen', async () => {
        const alice = user('alice');
        const bob = user('bob');
        expect(await store.findTokensValidAfter(alice.id)).toBeUndefined();
        expect(await store.revokeTokens(alice.id, new Date(T0 + 5000))).toEqual(new Date(T0 + 5000));
        // An older stamp (a node with a slow clock, a late retry) never reopens what was closed.
        expect(await store.revokeTokens(alice.id, new Date(T0 + 1000))).toEqual(new Date(T0 + 5000));
        const racing = await Promise.all(
          range(1, 20).map((i) => store.revokeTokens(bob.id, new Date(T0 + i))),
        );
        expect(racing.every((d) => d.getTime() <= T0 + 20)).toBe(true);
        expect(await store.findTokensValidAfter(bob.id)).toEqual(new Date(T0 + 20));
        await store.close();
        const reopened = await fixture.open();
        expect(await reopened.findTokensValidAfter(alice.id)).toEqual(new Date(T0 + 5000));
        expect(await reopened.findTokensValidAfter(user('carol').id)).toBeUndefined();
      });
    });

    describe('my rooms (read markers as membership)', () => {
      it('lists the rooms a user read in, with name, unread and unread mentions; leaving forgets one', async () => {
        const reader = user('reader');
        const other = user('other');
        const hiking = await store.createRoom(newRoom('Weekend hiking'));
        const quiet = await store.createRoom(newRoom('Quiet'));
        await store.appendMessage(newMessage(hiking.id, 'before'));
        await store.markRead(reader.id, hiking.id, 1);
        await store.markRead(reader.id, quiet.id, 0);
        await store.appendMessage({ ...newMessage(hiking.id, 'hi @reader#0412'), mentions: [reader] });
        await store.appendMessage({ ...newMessage(hiking.id, 'hi @other#0412'), mentions: [other] });
        await store.appendMessage(newMessage(hiking.id, 'plain'));
        await store.appendMessage({
          ...newMessage(hiking.id, 'own', { author: reader }),
          mentions: [reader],
        });
        const mine = await store.listUnread(reader.id);
        expect(mine).toHaveLength(2);
        expect(mine).toEqual(
          expect.arrayContaining([
            { roomId: hiking.id, name: 'Weekend hiking', lastReadSeq: 1, unread: 3, mentions: 1 },
            { roomId: quiet.id, name: 'Quiet', lastReadSeq: 0, unread: 0, mentions: 0 },
          ]),
        );
        expect((await store.listUnread(other.id)).map((r) => r.roomId)).toEqual([]);

        expect((await store.listReaders(hiking.id, 10)).sort()).toEqual([reader.id]);
        expect(await store.forgetRead(reader.id, hiking.id)).toBe(true);
        expect(await store.forgetRead(reader.id, hiking.id)).toBe(false);
        expect((await store.listUnread(reader.id)).map((r) => r.roomId)).toEqual([quiet.id]);
        expect(await store.listReaders(hiking.id, 10)).toEqual([]);
      });

      it('lists a room’s followers up to the limit, in user id order', async () => {
        const room = await store.createRoom(newRoom('busy'));
        const readers = [user('a'), user('b'), user('c')];
        for (const r of readers) await store.markRead(r.id, room.id, 0);
        const sorted = readers.map((r) => r.id).sort();
        expect(await store.listReaders(room.id, 2)).toEqual(sorted.slice(0, 2));
        expect(await store.listReaders(room.id, 10)).toEqual(sorted);
      });

      it('sums up how far a room is read: each marker in a small room, counts per seq in a large one', async () => {
        const room = await store.createRoom(newRoom('read counts'));
        for (let i = 0; i < 5; i++) await store.appendMessage(newMessage(room.id, `m${i}`));
        const [a, b, c] = [user('a'), user('b'), user('c')];
        await store.markRead(a.id, room.id, 5);
        await store.markRead(b.id, room.id, 3);
        await store.markRead(c.id, room.id, 3);
        expect(await store.countReaders(room.id)).toBe(3);
        const small = await store.readSummary(room.id, 3, 0);
        expect(small.members).toBe(3);
        expect(small.readBy).toBeUndefined();
        expect([...(small.markers ?? [])].sort((x, y) => x.userId.localeCompare(y.userId))).toEqual(
          [
            { userId: a.id, seq: 5 },
            { userId: b.id, seq: 3 },
            { userId: c.id, seq: 3 },
          ].sort((x, y) => x.userId.localeCompare(y.userId)),
        );
        // Above the size: counts per seq, highest first, from the given seq on; the rest only in members.
        await store.markRead(user('d').id, room.id, 1);
        expect(await store.readSummary(room.id, 3, 2)).toEqual({
          members: 4,
          readBy: [
            { seq: 5, count: 1 },
            { seq: 3, count: 2 },
          ],
        });
        expect(await store.readSummary(room.id, 3, 0)).toMatchObject({
          readBy: [
            { seq: 5, count: 1 },
            { seq: 3, count: 2 },
            { seq: 1, count: 1 },
          ],
        });
      });
    });

    describe('lifecycle', () => {
      it('keeps rooms and messages across close and reopen', async () => {
        const room = await store.createRoom(newRoom('durable'));
        const sent = await store.appendMessage(newMessage(room.id, 'remember me', { clientMsgId: 'k' }));
        await store.close();
        const reopened = await fixture.open();
        expect(await reopened.findRoom(room.id)).toMatchObject({ name: 'durable', lastSeq: 1 });
        expect(await reopened.listMessages(room.id, { limit: 5 })).toEqual([sent.message]);
        const retry = await reopened.appendMessage(
          newMessage(room.id, 'remember me', { author: sent.message.author, clientMsgId: 'k' }),
        );
        expect(retry).toEqual({ message: sent.message, duplicate: true });
        expect((await reopened.appendMessage(newMessage(room.id, 'next'))).message.seq).toBe(2);
      });

      it('close waits for appends in flight; later calls are refused', async () => {
        const room = await store.createRoom(newRoom('r'));
        const pending = range(1, 50).map((i) => store.appendMessage(newMessage(room.id, `m${i}`)));
        const closed = store.close();
        expect((await rejection(store.appendMessage(newMessage(room.id, 'late')))).code).toBe(
          'storage_unavailable',
        );
        const results = await Promise.all(pending);
        await closed;
        expect(results.map((r) => r.message.seq)).toEqual(range(1, 50));
        const reopened = await fixture.open();
        expect(await reopened.listMessages(room.id, { limit: 100 })).toHaveLength(50);
      });
    });

    describe('storage failure', () => {
      it('rejects every append of a failed batch with storage_unavailable and stores none of it', async () => {
        const room = await store.createRoom(newRoom('r'));
        await store.appendMessage(newMessage(room.id, 'kept'));
        await fixture.poisonBody('poison');
        const settled = await Promise.allSettled([
          store.appendMessage(newMessage(room.id, 'a')),
          store.appendMessage(newMessage(room.id, 'poison')),
          store.appendMessage(newMessage(room.id, 'c', { clientMsgId: 'c' })),
        ]);
        for (const s of settled) {
          expect(s.status === 'rejected' && s.reason instanceof ParleyError && s.reason.code).toBe(
            'storage_unavailable',
          );
          expect(s.status === 'rejected' && s.reason instanceof ParleyError && s.reason.cause).toBeDefined();
        }
        expect((await store.listMessages(room.id, { limit: 10 })).map((m) => m.body)).toEqual(['kept']);
        expect((await store.findRoom(room.id))?.lastSeq).toBe(1);
        // The seqs of the failed batch were never taken.
        const next = await store.appendMessage(newMessage(room.id, 'c', { clientMsgId: 'c' }));
        expect(next).toMatchObject({ duplicate: false, message: { seq: 2 } });
      });

      it('rejects with storage_unavailable while the database is down, and works again after', async () => {
        const room = await store.createRoom(newRoom('r'));
        await store.appendMessage(newMessage(room.id, 'before'));
        const heal = await fixture.breakDatabase();
        try {
          const settled = await Promise.allSettled([
            store.appendMessage(newMessage(room.id, 'x')),
            store.appendMessage(newMessage(room.id, 'y')),
          ]);
          for (const s of settled) {
            expect(s.status === 'rejected' && s.reason instanceof ParleyError && s.reason.code).toBe(
              'storage_unavailable',
            );
          }
        } finally {
          await heal();
        }
        const after = await store.appendMessage(newMessage(room.id, 'after'));
        expect(after.message.seq).toBe(2);
        expect((await store.listMessages(room.id, { limit: 10 })).map((m) => m.body)).toEqual([
          'before',
          'after',
        ]);
      });
    });

    // Issue #12: two live identities must never share nickname#tag (mentions would reach both).
    describe('identity tags', () => {
      const claim = (nameKey: string, nowMs: number, ttlMs: number, tagSpace = 10_000): TagClaim => ({
        userId: randomUUID() as UserId,
        nameKey,
        expiresAt: new Date(nowMs + ttlMs),
        now: new Date(nowMs),
        tagSpace,
      });

      it('gives concurrent identities of one name key distinct tags, across two stores, until none is left', async () => {
        const other = await fixture.open();
        const claims = Array.from({ length: 40 }, () => claim('alice', T0, 60_000, 40));
        const tags = await Promise.all(claims.map((c, i) => (i % 2 === 0 ? store : other).reserveTag(c)));
        expect(new Set(tags).size).toBe(40);
        for (const tag of tags) expect(tag).toMatch(/^00[0-3]\d$/);
        const full = await rejection(store.reserveTag(claim('alice', T0 + 1, 60_000, 40)));
        expect(full.code).toBe('nickname_unavailable');
        // Another name key has its own tag space.
        expect(await other.reserveTag(claim('bob', T0, 60_000, 40))).toMatch(/^\d{4}$/);
      });

      it('hands out four-digit tags over the whole space', async () => {
        const tags = await Promise.all(
          Array.from({ length: 30 }, () => store.reserveTag(claim('zed', T0, 1000))),
        );
        expect(new Set(tags).size).toBe(30);
        for (const tag of tags) expect(tag).toMatch(/^\d{4}$/);
      });

      it('lets a tag be reused once its holder has expired, not before', async () => {
        const first = claim('carol', T0, 1000, 1);
        expect(await store.reserveTag(first)).toBe('0000');
        const early = await rejection(store.reserveTag(claim('carol', T0 + 999, 1000, 1)));
        expect(early.code).toBe('nickname_unavailable');
        const later = claim('carol', T0 + 1000, 1000, 1);
        expect(await store.reserveTag(later)).toBe('0000');
        // The old holder cannot renew what is now someone else's.
        expect(await store.renewTag({ ...first, tag: '0000', now: new Date(T0 + 1500) })).toBe(false);
        expect(await store.renewTag({ ...later, tag: '0000', now: new Date(T0 + 1500) })).toBe(true);
      });

      it('resolves a handle to its holder only, not to ids that held it before', async () => {
        const holder = user('Frank', '0000');
        const before = user('frank', '0000');
        await store.rememberUser(before, new Date(T0));
        await store.rememberUser(holder, new Date(T0 + 1));
        expect(await store.findUsersByHandle([{ nickname: 'FRANK', tag: '0000' }])).toEqual([before, holder]);
        expect(await store.reserveTag({ ...claim('frank', T0, 1000, 1), userId: holder.id })).toBe('0000');
        expect(await store.findUsersByHandle([{ nickname: 'FRANK', tag: '0000' }])).toEqual([holder]);
        // Handles nobody holds resolve as before.
        const legacy = user('gina', '0001');
        await store.rememberUser(legacy, new Date(T0));
        expect(await store.findUsersByHandle([{ nickname: 'gina', tag: '0001' }])).toEqual([legacy]);
      });

      it('renewTag extends the hold (never shortens it) and claims an unheld pair', async () => {
        const held = claim('dave', T0, 1000, 1);
        expect(await store.reserveTag(held)).toBe('0000');
        expect(
          await store.renewTag({
            ...held,
            tag: '0000',
            now: new Date(T0 + 500),
            expiresAt: new Date(T0 + 5000),
          }),
        ).toBe(true);
        // A renewal computed from an older clock does not pull the expiry back.
        expect(
          await store.renewTag({
            ...held,
            tag: '0000',
            now: new Date(T0 + 600),
            expiresAt: new Date(T0 + 2000),
          }),
        ).toBe(true);
        const during = await rejection(store.reserveTag(claim('dave', T0 + 4999, 1000, 1)));
        expect(during.code).toBe('nickname_unavailable');
        expect(await store.reserveTag(claim('dave', T0 + 5000, 1000, 1))).toBe('0000');
        // An identity made before reservations existed holds its pair from its first refresh.
        const legacy = claim('erin', T0, 1000, 1);
        expect(await store.renewTag({ ...legacy, tag: '0000' })).toBe(true);
        expect((await rejection(store.reserveTag(claim('erin', T0 + 1, 1000, 1)))).code).toBe(
          'nickname_unavailable',
        );
      });
    });

    describe('operator records', () => {
      it('counts open reports and distinct reporters, queues them across rooms, resolves them', async () => {
        const room = await store.createRoom(newRoom('reported'));
        const other = await store.createRoom(newRoom('quiet'));
        const stored = (await store.appendMessage(newMessage(room.id, 'bad words'))).message;
        const [r1, r2] = [user('r1'), user('r2')];
        const report = (reporter: User, atMs: number) =>
          store.addReport({
            id: randomUUID(),
            roomId: room.id,
            messageId: stored.id,
            reporter,
            reason: 'rude',
            createdAt: new Date(atMs),
          });
        await report(r1, T0 + 10);
        await report(r1, T0 + 20);
        await report(r2, T0 + 30);
        expect(await store.countOpenReports(room.id)).toBe(3);
        expect(await store.countOpenReporters(room.id, stored.id)).toBe(2);
        expect(await store.countOpenReports(other.id)).toBe(0);
        const queue = await store.listReportQueue(10);
        expect(queue).toHaveLength(1);
        expect(queue[0]).toMatchObject({ roomId: room.id, roomName: 'reported', message: { id: stored.id } });
        expect(queue[0]?.reports.map((r) => r.reporter.id)).toEqual([r1.id, r1.id, r2.id]);
        const ranked = await store.listRoomsForOperators({ order: 'reports', limit: 10 });
        expect(ranked.map((r) => [r.room.id, r.openReports])).toEqual([
          [room.id, 3],
          [other.id, 0],
        ]);
        const resolution = {
          roomId: room.id,
          messageId: stored.id,
          how: 'dismissed' as const,
          by: 'op-1',
          at: new Date(T0 + 40),
        };
        expect(await store.resolveReports(resolution)).toBe(3);
        expect(await store.resolveReports(resolution)).toBe(0);
        expect(await store.countOpenReports(room.id)).toBe(0);
        expect(await store.listReportQueue(10)).toEqual([]);
        expect(await store.listReports(room.id, 10)).toEqual([]);
      });

      it('hides and restores a message, closes and reopens a room; closed rooms leave the list', async () => {
        const room = await store.createRoom(newRoom('to hide'));
        const stored = (await store.appendMessage(newMessage(room.id, 'secret body'))).message;
        const actor = user('op');
        const hidden = await store.appendEvent({
          roomId: room.id,
          actor,
          at: new Date(T0 + 5000),
          effect: { type: 'message.hidden', messageId: stored.id },
        });
        expect(hidden?.event).toMatchObject({ type: 'message.hidden', message: { body: '', hidden: true } });
        // Hiding again changes nothing and takes no seq.
        expect(
          await store.appendEvent({
            roomId: room.id,
            actor,
            at: new Date(T0 + 5001),
            effect: { type: 'message.hidden', messageId: stored.id },
          }),
        ).toBeUndefined();
        expect((await store.listMessages(room.id, { limit: 10 }))[0]).toMatchObject({
          body: '',
          hidden: true,
        });
        await store.appendEvent({
          roomId: room.id,
          actor,
          at: new Date(T0 + 5002),
          effect: { type: 'message.restored', messageId: stored.id },
        });
        const back = (await store.listMessages(room.id, { limit: 10 }))[0];
        expect(back?.body).toBe('secret body');
        expect(back?.hidden).toBeUndefined();

        await store.appendEvent({
          roomId: room.id,
          actor,
          at: new Date(T0 + 6000),
          effect: { type: 'room.closed', reason: 'spam' },
        });
        expect((await store.findRoom(room.id))?.closedAt).toBe(new Date(T0 + 6000).toISOString());
        expect((await store.listRooms({ limit: 10 })).rooms.map((r) => r.id)).not.toContain(room.id);
        expect(
          (await store.listRoomsForOperators({ order: 'activity', limit: 10 })).map((r) => r.room.id),
        ).toContain(room.id);
        const twice = await rejection(
          store.appendEvent({
            roomId: room.id,
            actor,
            at: new Date(T0 + 6001),
            effect: { type: 'room.closed', reason: null },
          }),
        );
        expect(twice.code).toBe('invalid_request');
        await store.appendEvent({
          roomId: room.id,
          actor,
          at: new Date(T0 + 7000),
          effect: { type: 'room.reopened' },
        });
        expect((await store.findRoom(room.id))?.closedAt).toBeUndefined();
        expect((await store.listRooms({ limit: 10 })).rooms.map((r) => r.id)).toContain(room.id);
      });

      it('keeps a room word filter and report threshold from settings events', async () => {
        const room = await store.createRoom(newRoom('filtered'));
        await store.appendEvent({
          roomId: room.id,
          actor: user('owner'),
          at: new Date(T0 + 100),
          effect: {
            type: 'room.updated',
            wordFilter: { mode: 'mask', words: ['darn'] },
            reportHideThreshold: 5,
          },
        });
        expect(await store.findRoom(room.id)).toMatchObject({
          wordFilter: { mode: 'mask', words: ['darn'] },
          reportHideThreshold: 5,
        });
        await store.appendEvent({
          roomId: room.id,
          actor: user('owner'),
          at: new Date(T0 + 200),
          effect: { type: 'room.updated', wordFilter: null, reportHideThreshold: null },
        });
        const cleared = await store.findRoom(room.id);
        expect(cleared?.wordFilter).toBeUndefined();
        expect(cleared?.reportHideThreshold).toBeUndefined();
      });

      it('lays, lists, expires and lifts server bans', async () => {
        const troll = user('troll');
        const now = new Date(T0 + 1000);
        const common = { user: troll, reason: 'abuse', byOperator: 'op-1', createdAt: now };
        await store.addServerBans([
          { kind: 'user', subject: troll.id, until: null, ...common },
          { kind: 'address', subject: 'hash-a', until: new Date(T0 + 2000), ...common },
        ]);
        expect((await store.listServerBans(now)).map((b) => [b.kind, b.subject])).toEqual([
          ['user', troll.id],
          ['address', 'hash-a'],
        ]);
        expect((await store.listServerBans(new Date(T0 + 2000))).map((b) => b.kind)).toEqual(['user']);
        // Laying it again replaces it.
        await store.addServerBans([
          { kind: 'user', subject: troll.id, until: null, ...common, reason: 'again' },
        ]);
        expect((await store.listServerBans(now)).find((b) => b.kind === 'user')?.reason).toBe('again');
        expect(await store.liftServerBans(troll.id)).toBe(2);
        expect(await store.listServerBans(now)).toEqual([]);
      });

      it('stores server settings and the operator audit log', async () => {
        expect(await store.listServerSettings()).toEqual({});
        await store.saveServerSetting('wordFilter', '{"mode":"refuse","words":["x"]}', new Date(T0));
        await store.saveServerSetting('wordFilter', '{"mode":"mask","words":["y"]}', new Date(T0 + 1));
        expect(await store.listServerSettings()).toEqual({ wordFilter: '{"mode":"mask","words":["y"]}' });
        await store.addOperatorAudit({
          id: 'a1',
          operatorId: 'op-1',
          action: 'room.closed',
          roomId: 'r1',
          details: { reason: 'x' },
          createdAt: new Date(T0),
        });
        await store.addOperatorAudit({
          id: 'a2',
          operatorId: 'op-1',
          action: 'server.banned',
          targetId: 'u1',
          details: {},
          createdAt: new Date(T0 + 1),
        });
        const entries = await store.listOperatorAudit(10);
        expect(entries.map((e) => [e.id, e.action, e.roomId, e.targetId])).toEqual([
          ['a2', 'server.banned', undefined, 'u1'],
          ['a1', 'room.closed', 'r1', undefined],
        ]);
        expect(entries[1]?.details).toEqual({ reason: 'x' });
      });
    });
  });
}
