// The Store contract, one suite run against every implementation (store-contract.test.ts). A fixture
// gives each test its own empty database plus the means to break it; the suite knows nothing of the
// engine behind it.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageId, RoomId, User, UserId } from '../src/chat/model.js';
import { ParleyError } from '../src/errors.js';
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
        await fixture.execute(
          `INSERT INTO room_events (room_id, seq, type, body, created_at) VALUES
             ('${room.id}', 2, 'reaction.changed', ${quote(reaction)}, ${T0 + 2000}),
             ('${room.id}', 3, 'room.updated', ${quote({ type: 'room.updated', room: roomState, by })}, ${T0 + 3000})`,
        );
        await fixture.execute(`UPDATE rooms SET last_seq = 3 WHERE id = '${room.id}'`);
        const entries = await store.listEntries(room.id, { afterSeq: 1, limit: 10 });
        expect(entries.map((e) => (e.kind === 'event' ? e.event.event : undefined))).toEqual([
          { type: 'reaction.changed', messageId: message.id, by, emoji: '👍', added: true, count: 2 },
          {
            type: 'room.updated',
            // The stored state as written, without the online count an older version kept in it.
            room: storedState,
            by,
          },
        ]);
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
  });
}
