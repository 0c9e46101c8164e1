// The RoomLog contract (src/store/room-log.ts), one suite run against every implementation
// (room-log-contract.test.ts): one dense seq per room over messages and events, typed entries read back
// in seq order, group-committed appends that settle one by one, and events that change nothing taking
// no seq. The suite knows nothing of the engine behind it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoomId } from '../src/chat/model.js';
import type { RoomLog } from '../src/store/room-log.js';
import type { Store } from '../src/store/store.js';
import { newMessage, newRoom, rejection, type StoreFixture, user } from './store-contract.js';

const T0 = Date.UTC(2025, 0, 1);

export function describeRoomLogContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`RoomLog contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;
    let log: RoomLog;
    let roomId: RoomId;

    beforeEach(async () => {
      fixture = await makeFixture();
      store = await fixture.open();
      log = store;
      roomId = (await store.createRoom(newRoom('log', T0))).id;
    });
    afterEach(async () => {
      await fixture.dispose();
    });

    it('gives messages and events one dense seq and reads them back typed, in seq order, paged', async () => {
      const alice = user('alice');
      const first = await log.appendMessage(newMessage(roomId, 'one', { author: alice }));
      const reacted = await log.appendEvent({
        roomId,
        actor: alice,
        at: new Date(T0 + 2000),
        effect: { type: 'reaction.changed', messageId: first.message.id, emoji: '🎉', added: true },
      });
      const second = await log.appendMessage(newMessage(roomId, 'two', { author: alice }));
      const kicked = await log.appendEvent({
        roomId,
        actor: alice,
        at: new Date(T0 + 3000),
        effect: { type: 'member.kicked', user: user('bob'), until: null, reason: 'spam' },
      });
      expect([first.message.seq, reacted?.seq, second.message.seq, kicked?.seq]).toEqual([1, 2, 3, 4]);
      expect(kicked?.event).toMatchObject({ type: 'member.kicked', reason: 'spam', by: alice });
      const all = await log.listEntries(roomId, { afterSeq: 0, limit: 10 });
      expect(all.map((e) => (e.kind === 'message' ? e.message.body : e.event.event.type))).toEqual([
        'one',
        'reaction.changed',
        'two',
        'member.kicked',
      ]);
      expect(await log.listEntries(roomId, { afterSeq: 1, limit: 2 })).toEqual([
        { kind: 'event', event: reacted },
        { kind: 'message', message: second.message },
      ]);
      // Messages alone have gaps; listMessages never returns events.
      expect((await log.listMessages(roomId, { limit: 10 })).map((m) => m.seq)).toEqual([1, 3]);
    });

    it('takes no seq for an event that changes nothing', async () => {
      const alice = user('alice');
      const { message } = await log.appendMessage(newMessage(roomId, 'hi', { author: alice }));
      const react = () =>
        log.appendEvent({
          roomId,
          actor: alice,
          at: new Date(T0 + 2000),
          effect: { type: 'reaction.changed', messageId: message.id, emoji: '👍', added: true },
        });
      expect((await react())?.seq).toBe(2);
      expect(await react()).toBeUndefined();
      expect((await store.findRoom(roomId))?.lastSeq).toBe(2);
    });

    it('owner.changed hands the room over: the previous owner becomes the last moderator, the new one leaves them', async () => {
      const creator = (await store.findRoom(roomId))?.createdBy ?? user('creator');
      const mod = user('mod');
      const heir = user('heir');
      for (const u of [heir, mod]) {
        await log.appendEvent({
          roomId,
          actor: creator,
          at: new Date(T0),
          effect: { type: 'moderator.added', user: u },
        });
      }
      const changed = await log.appendEvent({
        roomId,
        actor: creator,
        at: new Date(T0 + 5000),
        effect: { type: 'owner.changed', user: heir, previous: creator },
        audit: { details: { claimed: false } },
      });
      expect(changed?.event).toEqual({
        type: 'owner.changed',
        owner: heir,
        previous: creator,
        claimed: false,
        by: creator,
      });
      const room = await store.findRoom(roomId);
      expect(room?.ownerId).toBe(heir.id);
      expect(room?.createdBy).toEqual(creator);
      expect(room?.moderators).toEqual([mod, creator]);
      // The new owner counts as seen when the room became theirs.
      expect(await store.findOwnerSeenAt(roomId)).toEqual(new Date(T0 + 5000));
      const [audit] = await store.listAudit(roomId, { limit: 1 });
      expect(audit).toMatchObject({
        action: 'owner.changed',
        actor: creator,
        target: heir,
        details: { claimed: false },
      });
      // The creator is no longer the owner: handing the room over again from them is refused, taking no seq.
      const stale = await rejection(
        log.appendEvent({
          roomId,
          actor: creator,
          at: new Date(T0 + 6000),
          effect: { type: 'owner.changed', user: mod, previous: creator },
        }),
      );
      expect(stale.code).toBe('forbidden');
      expect((await store.findRoom(roomId))?.lastSeq).toBe(changed?.seq);
    });

    it('owner.changed as a claim needs the owner last seen at or before absentBefore, checked in the transaction', async () => {
      const creator = (await store.findRoom(roomId))?.createdBy ?? user('creator');
      const mod = user('mod');
      await store.markOwnerSeen(roomId, creator.id, new Date(T0 + 10_000));
      const claim = (absentBeforeMs: number) =>
        log.appendEvent({
          roomId,
          actor: mod,
          at: new Date(T0 + 50_000),
          effect: {
            type: 'owner.changed',
            user: mod,
            previous: creator,
            absentBefore: new Date(absentBeforeMs),
          },
        });
      expect((await rejection(claim(T0 + 9_999))).code).toBe('owner_not_absent');
      const claimed = await claim(T0 + 10_000);
      expect(claimed?.event).toMatchObject({
        type: 'owner.changed',
        owner: mod,
        previous: creator,
        claimed: true,
        by: mod,
      });
      // A second claim at once finds the room owned by someone else.
      expect((await rejection(claim(T0 + 40_000))).code).toBe('forbidden');
      expect((await store.findRoom(roomId))?.ownerId).toBe(mod.id);
    });

    it('pins messages up to maxPins in the room state; a repeat takes no seq; unpin of an unpinned one is refused', async () => {
      const alice = user('alice');
      const mod = user('mod');
      const messages = [];
      for (const body of ['one', 'two', 'three']) {
        messages.push((await log.appendMessage(newMessage(roomId, body, { author: alice }))).message);
      }
      const [one, two, three] = messages;
      if (one === undefined || two === undefined || three === undefined) throw new Error('no messages');
      const pin = (messageId: typeof one.id, at: number) =>
        log.appendEvent({
          roomId,
          actor: mod,
          at: new Date(at),
          effect: { type: 'message.pinned', messageId, maxPins: 2 },
          audit: { details: {} },
        });
      const pinned = await pin(one.id, T0 + 5000);
      const expectedPin = {
        id: one.id,
        seq: one.seq,
        author: alice,
        body: 'one',
        pinnedBy: mod,
        pinnedAt: new Date(T0 + 5000).toISOString(),
      };
      expect(pinned?.event).toEqual({ type: 'message.pinned', pin: expectedPin, by: mod });
      expect(pinned?.seq).toBe(4);
      // Pinning it again changes nothing.
      expect(await pin(one.id, T0 + 5500)).toBeUndefined();
      await pin(two.id, T0 + 6000);
      const full = await rejection(pin(three.id, T0 + 7000));
      expect(full.code).toBe('too_many_pins');
      const room = await store.findRoom(roomId);
      expect(room?.pins.map((p) => p.id)).toEqual([one.id, two.id]);
      expect(room?.pins[0]).toEqual(expectedPin);
      expect(room?.lastSeq).toBe(5);

      const unpinned = await log.appendEvent({
        roomId,
        actor: mod,
        at: new Date(T0 + 8000),
        effect: { type: 'message.unpinned', messageId: one.id },
        audit: { details: {} },
      });
      expect(unpinned?.event).toEqual({ type: 'message.unpinned', messageId: one.id, by: mod });
      expect((await store.findRoom(roomId))?.pins.map((p) => p.id)).toEqual([two.id]);
      const again = await rejection(
        log.appendEvent({
          roomId,
          actor: mod,
          at: new Date(T0 + 9000),
          effect: { type: 'message.unpinned', messageId: one.id },
        }),
      );
      expect(again.code).toBe('invalid_request');
      const audit = await store.listAudit(roomId, { limit: 5 });
      expect(audit.map((a) => [a.action, a.target?.id, a.messageId])).toEqual([
        ['message.unpinned', alice.id, one.id],
        ['message.pinned', alice.id, two.id],
        ['message.pinned', alice.id, one.id],
      ]);
      // Replayed events read back as they were delivered.
      const replayed = await log.listEntries(roomId, { afterSeq: 3, limit: 10 });
      expect(replayed.map((e) => (e.kind === 'event' ? e.event.event : undefined))).toEqual([
        pinned?.event,
        expect.objectContaining({ type: 'message.pinned' }),
        unpinned?.event,
      ]);
    });

    it('a pin follows its message: an edit or a hide changes its body, a deletion takes it out of the pins', async () => {
      const alice = user('alice');
      const { message } = await log.appendMessage(newMessage(roomId, 'rules', { author: alice }));
      const { message: other } = await log.appendMessage(newMessage(roomId, 'other', { author: alice }));
      for (const id of [message.id, other.id]) {
        await log.appendEvent({
          roomId,
          actor: alice,
          at: new Date(T0 + 3000),
          effect: { type: 'message.pinned', messageId: id, maxPins: 5 },
        });
      }
      const apply = (effect: Parameters<RoomLog['appendEvent']>[0]['effect']) =>
        log.appendEvent({ roomId, actor: alice, at: new Date(T0 + 4000), effect });
      await apply({ type: 'message.edited', messageId: message.id, body: 'new rules' });
      expect((await store.findRoom(roomId))?.pins[0]).toMatchObject({
        id: message.id,
        body: 'new rules',
        pinnedBy: alice,
      });
      await apply({ type: 'message.hidden', messageId: message.id });
      expect((await store.findRoom(roomId))?.pins[0]?.body).toBe('');
      await apply({ type: 'message.restored', messageId: message.id });
      expect((await store.findRoom(roomId))?.pins[0]?.body).toBe('new rules');
      const deleted = await apply({ type: 'message.deleted', messageId: message.id });
      expect(deleted?.event.type).toBe('message.deleted');
      const room = await store.findRoom(roomId);
      expect(room?.pins.map((p) => p.id)).toEqual([other.id]);
      // The deletion took one seq, no more.
      expect(room?.lastSeq).toBe(deleted?.seq);
    });

    it('sets, replaces and clears the notice in the room state; clearing none is refused', async () => {
      const mod = user('mod');
      const set = (body: string | null, at: number) =>
        log.appendEvent({
          roomId,
          actor: mod,
          at: new Date(at),
          effect: { type: 'notice.changed', body },
          audit: { details: { notice: body === null ? 'cleared' : 'set' } },
        });
      expect((await store.findRoom(roomId))?.notice).toBeNull();
      const first = await set('Be kind', T0 + 1000);
      const notice = { body: 'Be kind', by: mod, at: new Date(T0 + 1000).toISOString() };
      expect(first?.event).toEqual({ type: 'notice.changed', notice, by: mod });
      expect((await store.findRoom(roomId))?.notice).toEqual(notice);
      await set('No spoilers', T0 + 2000);
      expect((await store.findRoom(roomId))?.notice?.body).toBe('No spoilers');
      const cleared = await set(null, T0 + 3000);
      expect(cleared?.event).toEqual({ type: 'notice.changed', notice: null, by: mod });
      expect((await store.findRoom(roomId))?.notice).toBeNull();
      expect((await rejection(set(null, T0 + 4000))).code).toBe('invalid_request');
      expect((await store.findRoom(roomId))?.lastSeq).toBe(3);
      const audit = await store.listAudit(roomId, { limit: 5 });
      expect(audit.map((a) => [a.action, a.details])).toEqual([
        ['notice.changed', { notice: 'cleared' }],
        ['notice.changed', { notice: 'set' }],
        ['notice.changed', { notice: 'set' }],
      ]);
      const replayed = await log.listEntries(roomId, { afterSeq: 0, limit: 10 });
      expect(replayed.map((e) => (e.kind === 'event' ? e.event.event : undefined))[0]).toEqual(first?.event);
    });

    it('refuses events on an unknown room or message, taking no seq', async () => {
      const alice = user('alice');
      const { message } = await log.appendMessage(newMessage(roomId, 'hi', { author: alice }));
      const onMissingRoom = await rejection(
        log.appendEvent({
          roomId: 'no-such-room' as RoomId,
          actor: alice,
          at: new Date(T0),
          effect: { type: 'message.deleted', messageId: message.id },
        }),
      );
      expect(onMissingRoom.code).toBe('room_not_found');
      const onMissingMessage = await rejection(
        log.appendEvent({
          roomId,
          actor: alice,
          at: new Date(T0),
          effect: { type: 'message.deleted', messageId: 'no-such-message' as typeof message.id },
        }),
      );
      expect(onMissingMessage.code).toBe('message_not_found');
      expect((await store.findRoom(roomId))?.lastSeq).toBe(1);
    });

    it('stores a reply with its quote; a reply outside the room fails alone, its batch still stored', async () => {
      const alice = user('alice');
      const target = await log.appendMessage(newMessage(roomId, 'quoted', { author: alice }));
      const otherRoom = (await store.createRoom(newRoom('elsewhere', T0))).id;
      const foreign = await log.appendMessage(newMessage(otherRoom, 'not here', { author: alice }));
      // One tick: one batch. The third item quotes the first, accepted earlier in that same batch.
      const first = newMessage(roomId, 'first of the batch', { author: alice });
      const [reply, crossRoom, , inBatch, missing] = await Promise.allSettled([
        log.appendMessage({ ...newMessage(roomId, 'reply', { author: alice }), replyTo: target.message.id }),
        log.appendMessage({ ...newMessage(roomId, 'cross', { author: alice }), replyTo: foreign.message.id }),
        log.appendMessage(first),
        log.appendMessage({ ...newMessage(roomId, 'to first', { author: alice }), replyTo: first.id }),
        log.appendMessage({
          ...newMessage(roomId, 'to nothing', { author: alice }),
          replyTo: 'no-such-message' as typeof first.id,
        }),
      ]);
      const quote = { id: target.message.id, seq: 1, author: alice, body: 'quoted' };
      expect(reply).toMatchObject({ status: 'fulfilled', value: { message: { seq: 2, replyTo: quote } } });
      expect(crossRoom.status === 'rejected' && crossRoom.reason.code).toBe('message_not_found');
      expect(missing.status === 'rejected' && missing.reason.code).toBe('message_not_found');
      expect(inBatch).toMatchObject({
        status: 'fulfilled',
        value: { message: { seq: 4, replyTo: { id: first.id, seq: 3, body: 'first of the batch' } } },
      });
      const stored = await log.listMessages(roomId, { limit: 10 });
      expect(stored.map((m) => [m.seq, m.body, m.replyTo?.id])).toEqual([
        [1, 'quoted', undefined],
        [2, 'reply', target.message.id],
        [3, 'first of the batch', undefined],
        [4, 'to first', first.id],
      ]);
      expect(stored[1]).toEqual(reply.status === 'fulfilled' && reply.value.message);
    });

    it('group-commits concurrent appends and events (from two handles on PostgreSQL) into one dense seq', async () => {
      // Two handles on one database only where several nodes share it (PostgreSQL). On SQLite, another
      // process's writer makes an event transaction (deferred BEGIN) fail with SQLITE_BUSY at once.
      const other = store.kind === 'postgres' ? await fixture.open() : log;
      const alice = user('alice');
      const { message } = await log.appendMessage(newMessage(roomId, 'target', { author: alice }));
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 60; i++) {
        const handle = i % 2 === 0 ? log : other;
        work.push(handle.appendMessage(newMessage(roomId, `m${i}`, { author: alice })));
        if (i % 3 === 0) {
          work.push(
            handle.appendEvent({
              roomId,
              actor: user(`r${i}`),
              at: new Date(T0 + i),
              effect: { type: 'reaction.changed', messageId: message.id, emoji: '👍', added: true },
            }),
          );
        }
      }
      // One append to an unknown room fails alone; the rest of its batch is stored.
      const lost = rejection(log.appendMessage(newMessage('no-such-room' as RoomId, 'lost')));
      await Promise.all(work);
      expect((await lost).code).toBe('room_not_found');
      const entries = await log.listEntries(roomId, { afterSeq: 0, limit: 200 });
      expect(entries.map((e) => (e.kind === 'message' ? e.message.seq : e.event.seq))).toEqual(
        Array.from({ length: 81 }, (_, i) => i + 1),
      );
      const last = entries.filter((e) => e.kind === 'event').at(-1);
      expect(
        last?.kind === 'event' && last.event.event.type === 'reaction.changed' && last.event.event.count,
      ).toBe(20);
    });
  });
}
