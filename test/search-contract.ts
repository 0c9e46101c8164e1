// The MessageSearch contract (src/store/store.ts), one suite run against every implementation
// (search-contract.test.ts): substring matches of the current body, case-insensitive, Hangul without a
// dictionary, deleted and hidden messages never found, newest first with a cursor, short room queries
// by a bounded scan, member scope over followed open rooms only, and user input never a pattern.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageId, RoomId, User } from '../src/chat/model.js';
import type { MessageSearchPage, MessageSearchQuery, SearchScope, Store } from '../src/store/store.js';
import { newMessage, newRoom, rejection, type StoreFixture, user } from './store-contract.js';

const T0 = Date.UTC(2025, 0, 1);

export function describeSearchContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`MessageSearch contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;
    let roomId: RoomId;
    const alice = user('alice');

    beforeEach(async () => {
      fixture = await makeFixture();
      store = await fixture.open();
      roomId = (await store.createRoom(newRoom('search', T0))).id;
    });
    afterEach(async () => {
      await fixture.dispose();
    });

    let clock = T0;
    /** A later time for each write: messages are ordered by time across rooms. */
    const tick = (): Date => {
      clock += 1000;
      return new Date(clock);
    };
    const post = async (body: string, room = roomId, author: User = alice) =>
      (await store.appendMessage(newMessage(room, body, { author, atMs: tick().getTime() }))).message;

    const inRoom = (text: string, extra: Partial<MessageSearchQuery> = {}): Promise<MessageSearchPage> =>
      store.searchMessages({
        scope: { kind: 'room', roomId },
        text,
        limit: 50,
        shortQueryScanMax: 10_000,
        ...extra,
      });
    const bodies = async (text: string, extra: Partial<MessageSearchQuery> = {}) =>
      (await inRoom(text, extra)).messages.map((m) => m.body);

    /** Every page of a query, following the cursor; the bodies in order. */
    async function allPages(text: string, scope: SearchScope, limit: number, scanMax = 10_000) {
      const pages: string[][] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 50; i++) {
        const page = await store.searchMessages({
          scope,
          text,
          limit,
          shortQueryScanMax: scanMax,
          ...(cursor === undefined ? {} : { cursor }),
        });
        pages.push(page.messages.map((m) => m.body));
        if (page.nextCursor === null) return pages;
        cursor = page.nextCursor;
      }
      throw new Error('the cursor never ended');
    }

    it('finds a case-insensitive substring anywhere in the body, newest first, as the Message history gives', async () => {
      const first = await post('Hello world');
      await post('nothing here');
      await post('say HELLO again');
      await post('othello is a play');
      expect(await bodies('hello')).toEqual(['othello is a play', 'say HELLO again', 'Hello world']);
      expect(await bodies('LLO WOR')).toEqual(['Hello world']);
      expect(await bodies('absent words')).toEqual([]);
      const [found] = (await inRoom('world')).messages;
      expect(found).toEqual((await store.listMessages(roomId, { limit: 10 }))[0]);
      expect(found?.id).toBe(first.id);
    });

    it('finds Hangul, emoji and mixed scripts without a dictionary, also inside words', async () => {
      await post('안녕하세요 여러분, 반갑습니다');
      await post('오늘 회의는 세 시에 합니다');
      await post('release 🎉🎉 party at 3');
      await post('Parley는 좋은 채팅 앱');
      expect(await bodies('녕하세')).toEqual(['안녕하세요 여러분, 반갑습니다']);
      expect(await bodies('반갑습니다')).toEqual(['안녕하세요 여러분, 반갑습니다']);
      expect(await bodies('회의는 세')).toEqual(['오늘 회의는 세 시에 합니다']);
      expect(await bodies('🎉🎉 p')).toEqual(['release 🎉🎉 party at 3']);
      expect(await bodies('ley는 좋')).toEqual(['Parley는 좋은 채팅 앱']);
    });

    it('searches messages as they are now: edits by their current text, never deleted or hidden ones', async () => {
      const edited = await post('original wording');
      const deleted = await post('secret wording');
      const hidden = await post('reported wording');
      await post('plain wording');
      const act = (effect: Parameters<Store['appendEvent']>[0]['effect']) =>
        store.appendEvent({ roomId, actor: alice, at: tick(), effect });
      await act({ type: 'message.edited', messageId: edited.id, body: 'revised phrasing' });
      await act({ type: 'message.deleted', messageId: deleted.id });
      await act({ type: 'message.hidden', messageId: hidden.id });
      expect(await bodies('original')).toEqual([]);
      expect(await bodies('revised')).toEqual(['revised phrasing']);
      expect((await inRoom('revised')).messages[0]?.editedAt).toBeDefined();
      expect(await bodies('secret')).toEqual([]);
      expect(await bodies('reported')).toEqual([]);
      expect(await bodies('wording')).toEqual(['plain wording']);
      // Short queries (the scan) leave them out as well.
      expect(await bodies('ec')).toEqual([]);
      expect(await bodies('ep')).toEqual([]);
      await act({ type: 'message.restored', messageId: hidden.id });
      expect(await bodies('reported')).toEqual(['reported wording']);
    });

    it('pages newest first by an opaque cursor, each match once', async () => {
      // Another room's matches in between: a page holds this room's only.
      const elsewhere = (await store.createRoom(newRoom('elsewhere', T0))).id;
      for (let i = 1; i <= 7; i++) {
        await post(`match number ${i}`);
        await post(`match elsewhere ${i}`, elsewhere);
      }
      await post('other');
      const pages = await allPages('match', { kind: 'room', roomId }, 3);
      expect(pages).toEqual([
        ['match number 7', 'match number 6', 'match number 5'],
        ['match number 4', 'match number 3', 'match number 2'],
        ['match number 1'],
      ]);
      const rejected = await rejection(inRoom('match', { cursor: 'not a cursor' }));
      expect(rejected.code).toBe('invalid_request');
    });

    it('short room queries scan at most shortQueryScanMax messages a page, and the cursor goes on below', async () => {
      await post('서울 첫째');
      await post('부산');
      await post('서울 둘째');
      await post('대구');
      await post('광주');
      await post('서울 셋째');
      // A window of two: the newest page holds one match; the others come on later pages.
      const firstPage = await inRoom('서울', { shortQueryScanMax: 2, limit: 10 });
      expect(firstPage.messages.map((m) => m.body)).toEqual(['서울 셋째']);
      expect(firstPage.nextCursor).not.toBeNull();
      const pages = await allPages('서울', { kind: 'room', roomId }, 10, 2);
      expect(pages.flat()).toEqual(['서울 셋째', '서울 둘째', '서울 첫째']);
      expect(pages.length).toBeGreaterThan(1);
      expect(pages.every((p) => p.length <= 2)).toBe(true);
      // A window as large as the room: one page, complete.
      expect(await allPages('서울', { kind: 'room', roomId }, 10, 100)).toEqual([
        ['서울 셋째', '서울 둘째', '서울 첫째'],
      ]);
      expect(await bodies('a')).toEqual([]);
      expect(await bodies('구')).toEqual(['대구']);
    });

    it('searches every room the user follows (a read marker), not others and not closed ones, paged', async () => {
      const bob = user('bob');
      const followed = (await store.createRoom(newRoom('followed', T0))).id;
      const closed = (await store.createRoom(newRoom('closed', T0))).id;
      const other = (await store.createRoom(newRoom('other', T0))).id;
      await post('meeting at noon', roomId);
      await post('meeting moved', followed);
      await post('meeting in closed room', closed);
      await post('meeting elsewhere', other);
      await post('meeting again', followed);
      for (const room of [roomId, followed, closed]) await store.markRead(bob.id, room, 0);
      await store.appendEvent({
        roomId: closed,
        actor: alice,
        at: tick(),
        effect: { type: 'room.closed', reason: null },
      });
      const scope: SearchScope = { kind: 'member', userId: bob.id };
      expect(await allPages('MEETING', scope, 2)).toEqual([
        ['meeting again', 'meeting moved'],
        ['meeting at noon'],
      ]);
      expect((await allPages('meeting', { kind: 'member', userId: alice.id }, 10)).flat()).toEqual([]);
      const short = await rejection(
        store.searchMessages({ scope, text: '회의', limit: 5, shortQueryScanMax: 10 }),
      );
      expect(short.code).toBe('query_too_short');
      const roomCursor = (
        await store.searchMessages({
          scope: { kind: 'room', roomId: followed },
          text: 'meeting',
          limit: 1,
          shortQueryScanMax: 10,
        })
      ).nextCursor;
      expect(roomCursor).not.toBeNull();
      const mixed = await rejection(
        store.searchMessages({
          scope,
          text: 'meeting',
          limit: 5,
          shortQueryScanMax: 10,
          cursor: roomCursor ?? '',
        }),
      );
      expect(mixed.code).toBe('invalid_request');
    });

    it('takes every query literally: wildcard, FTS and regex characters, quotes, NUL, very long input', async () => {
      const hostile = [
        'a*b',
        'say "hi" now',
        'NEAR(a b)',
        '^start',
        '100%',
        'snake_case',
        'back\\slash',
        'a.b',
        '(x|y)+',
        '[abc]',
        '$end',
        'col:val',
        'x AND y',
        'x OR y',
        'NOT z',
        '-minus',
        '{1,2}',
      ];
      const ids = new Map<string, MessageId>();
      for (const body of hostile) ids.set(body, (await post(`${body} tail`)).id);
      await post('plain filler text with ab and 100 and snakecase and backslash');
      const needles: [string, string][] = [
        ['*', 'a*b'],
        ['a*b', 'a*b'],
        ['"hi"', 'say "hi" now'],
        ['"', 'say "hi" now'],
        ['NEAR(', 'NEAR(a b)'],
        ['^st', '^start'],
        ['^', '^start'],
        ['%', '100%'],
        ['0%', '100%'],
        ['_', 'snake_case'],
        ['e_c', 'snake_case'],
        ['\\', 'back\\slash'],
        ['k\\s', 'back\\slash'],
        ['a.b', 'a.b'],
        ['(x|y)+', '(x|y)+'],
        ['[abc]', '[abc]'],
        ['$end', '$end'],
        ['col:val', 'col:val'],
        ['x AND y', 'x AND y'],
        ['x OR y', 'x OR y'],
        ['NOT z', 'NOT z'],
        ['-minus', '-minus'],
        ['{1,2}', '{1,2}'],
      ];
      for (const [needle, body] of needles) {
        const found = (await inRoom(needle)).messages.map((m) => m.id);
        expect({ needle, found }).toEqual({ needle, found: [ids.get(body)] });
      }
      // Patterns that would match everything as a pattern match nothing literally.
      for (const needle of ['%%%', '___', '.*', '\\\\\\', '*', '""']) {
        if (needle === '*') continue;
        expect({ needle, found: await bodies(needle) }).toEqual({ needle, found: [] });
      }
      expect(await bodies('a\u0000b')).toEqual([]);
      expect(await bodies('\u0000')).toEqual([]);
      expect(await bodies('x'.repeat(10_000))).toEqual([]);
      expect(await bodies('안'.repeat(5000))).toEqual([]);
    });
  });
}
