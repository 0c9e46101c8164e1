// Message search over HTTP on a real server (SQLite): a room's search answers the history's messages
// with code point highlight ranges, paged; password rooms need their grant and the banned are refused
// as for history; the cross-room search covers exactly the rooms the user follows; hostile queries
// (wildcards, FTS syntax, regex characters, NUL, over-long, empty) are taken literally or refused as
// invalid_request; both routes share the SEARCH_RATE_PER_MINUTE budget.
import type { Client } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { MemberSearchPageSchema, SearchPageSchema } from '../src/protocol/index.js';
import { join, send } from './support/chat-client.js';
import {
  type ApiCallOptions,
  callApi,
  type Session,
  startTestParley,
  type TestParley,
} from './support/parley.js';
import { exactly } from './support/wire-shape.js';

const SEARCHES_PER_MINUTE = 400;
const MAX_CHARS = 40;

describe('message search over HTTP', () => {
  let parley: TestParley;
  let owner: Session;
  let alice: Session;
  let bob: Session;
  let room: Room;
  let ownerClient: Client;

  const call = (path: string, options?: ApiCallOptions) => callApi(parley.url, 'GET', path, options);
  const codeOf = (body: unknown): unknown => (body as { error?: { code?: unknown } }).error?.code;
  const search = async (roomId: string, q: string, options: ApiCallOptions = {}, extra = '') => {
    const { status, body } = await call(
      `/api/rooms/${roomId}/search?q=${encodeURIComponent(q)}${extra}`,
      options,
    );
    expect(status, JSON.stringify(body)).toBe(200);
    return exactly(SearchPageSchema, body, 'search page');
  };
  const say = (client: Client, roomId: string, body: string) =>
    send(client, `/app/rooms.${roomId}`, { body });

  beforeAll(async () => {
    parley = await startTestParley({
      env: { SEARCH_RATE_PER_MINUTE: String(SEARCHES_PER_MINUTE), SEARCH_QUERY_MAX_CHARS: String(MAX_CHARS) },
    });
    owner = await parley.session('owner');
    alice = await parley.session('alice');
    bob = await parley.session('bob');
    room = await parley.createRoom(owner.token, 'searchable', 'a room to search');
    ownerClient = await parley.connect(owner.token);
    await join(ownerClient, room.id);
    for (const body of [
      'Hello world',
      '안녕하세요 여러분, 안녕!',
      'a*b "quoted" NEAR(x y) ^caret',
      '100% snake_case back\\slash (x|y)+ [abc] a.b',
      '🎉 party HELLO 🎉',
    ]) {
      await say(ownerClient, room.id, body);
    }
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  it('answers history messages, newest first, with case-insensitive code point highlight ranges', async () => {
    const page = await search(room.id, 'hello');
    expect(page.results.map((r) => r.message.body)).toEqual(['🎉 party HELLO 🎉', 'Hello world']);
    // "🎉 party " is 8 code points (10 UTF-16 units): ranges count code points.
    expect(page.results.map((r) => r.highlights)).toEqual([[{ start: 8, end: 13 }], [{ start: 0, end: 5 }]]);
    const history = (await call(`/api/rooms/${room.id}/messages`)).body as { messages: unknown[] };
    expect(history.messages).toContainEqual(page.results[1]?.message);
    const korean = await search(room.id, '안녕');
    expect(korean.results[0]?.highlights).toEqual([
      { start: 0, end: 2 },
      { start: 11, end: 13 },
    ]);
    expect((await search(room.id, '하세요 여러')).results).toHaveLength(1);
    expect(page.nextCursor).toBeNull();
  });

  it('pages by the opaque cursor given back as before', async () => {
    const first = await search(room.id, 'e', {}, '&limit=2');
    expect(first.results).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await search(
      room.id,
      'e',
      {},
      `&limit=2&before=${encodeURIComponent(first.nextCursor ?? '')}`,
    );
    const seqs = [...first.results, ...second.results].map((r) => r.message.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(seqs.length);
    const bad = await call(`/api/rooms/${room.id}/search?q=hello&before=garbage`);
    expect([bad.status, codeOf(bad.body)]).toEqual([400, 'invalid_request']);
  });

  it('takes wildcard, FTS and regex characters literally', async () => {
    const only = async (q: string) => (await search(room.id, q)).results.map((r) => r.message.body);
    const hostile = 'a*b "quoted" NEAR(x y) ^caret';
    const symbols = '100% snake_case back\\slash (x|y)+ [abc] a.b';
    for (const q of ['*', 'a*b', '"quoted"', '"', 'NEAR(', '^', '^caret'])
      expect(await only(q)).toEqual([hostile]);
    for (const q of ['%', '_', '\\', '(x|y)+', '[abc]', 'a.b', 'e_c'])
      expect(await only(q)).toEqual([symbols]);
    for (const q of ['%%', '__', '.*', '\\\\', 'a%b', 'h_llo', '[a-z]+']) expect(await only(q)).toEqual([]);
    const marked = (await search(room.id, '(x|y)+')).results[0];
    expect(marked?.highlights).toEqual([{ start: 27, end: 33 }]);
  });

  it('refuses empty, blank, NUL and over-long queries and bad limits with invalid_request', async () => {
    for (const query of [
      '',
      'q=',
      'q=%20%20',
      'q=a%00b',
      `q=${'x'.repeat(MAX_CHARS + 1)}`,
      `q=${encodeURIComponent('한'.repeat(MAX_CHARS + 1))}`,
      'q=hello&limit=0',
      'q=hello&limit=51',
    ]) {
      const { status, body } = await call(`/api/rooms/${room.id}/search?${query}`);
      expect([query, status, codeOf(body)]).toEqual([query, 400, 'invalid_request']);
    }
    // At the limit, counted in code points (emoji are two UTF-16 units each).
    await search(room.id, '🎉'.repeat(MAX_CHARS));
    expect((await call('/api/rooms/nosuchroom00/search?q=hello')).status).toBe(404);
  });

  it('needs the grant in a password room, refuses the banned, and finds nothing deleted', async () => {
    const secret = await parley.createRoom(owner.token, 'secret search');
    const moderate = `/app/rooms.${secret.id}.moderate`;
    await send(ownerClient, moderate, { action: 'settings', password: 'sesame' });
    await join(ownerClient, secret.id);
    await say(ownerClient, secret.id, 'the vault code is 1234');
    await say(ownerClient, secret.id, 'the vault is empty now');
    const grantOf = async (session: Session) => {
      const { body } = await callApi(parley.url, 'POST', `/api/rooms/${secret.id}/join`, {
        token: session.token,
        body: { password: 'sesame' },
      });
      return String((body as { grant: string }).grant);
    };
    const bobGrant = await grantOf(bob);
    await send(ownerClient, moderate, { action: 'ban', userId: bob.user.id });
    const path = `/api/rooms/${secret.id}/search?q=vault`;
    expect(codeOf((await call(path)).body)).toBe('not_joined');
    expect(codeOf((await call(path, { token: alice.token })).body)).toBe('not_joined');
    expect(codeOf((await call(path, { token: bob.token })).body)).toBe('banned');
    expect(codeOf((await call(path, { grant: bobGrant })).body)).toBe('banned');
    const grant = await grantOf(alice);
    const found = await search(secret.id, 'vault', { grant });
    expect(found.results.map((r) => r.message.body)).toEqual([
      'the vault is empty now',
      'the vault code is 1234',
    ]);
    const code = found.results[1]?.message;
    await send(ownerClient, `/app/rooms.${secret.id}.delete`, { messageId: code?.id });
    expect((await search(secret.id, 'code is', { grant })).results).toEqual([]);
    expect((await search(secret.id, 'vault', { token: owner.token })).results).toHaveLength(1);
  });

  it('searches every room the signed-in user follows, with room names, and refuses short queries', async () => {
    const followed = await parley.createRoom(owner.token, 'followed room');
    const unfollowed = await parley.createRoom(owner.token, 'other room');
    await join(ownerClient, followed.id);
    await join(ownerClient, unfollowed.id);
    await say(ownerClient, followed.id, 'zebra crossing ahead');
    await say(ownerClient, unfollowed.id, 'zebra in another room');
    const aliceClient = await parley.connect(alice.token);
    await join(aliceClient, followed.id);
    await send(aliceClient, `/app/rooms.${followed.id}.read`, { seq: 1 });
    const { status, body } = await call('/api/search?q=ZEBRA', { token: alice.token });
    expect(status, JSON.stringify(body)).toBe(200);
    const page = exactly(MemberSearchPageSchema, body, 'member search page');
    expect(page.results.map((r) => [r.roomName, r.message.body, r.highlights])).toEqual([
      ['followed room', 'zebra crossing ahead', [{ start: 0, end: 5 }]],
    ]);
    const short = await call('/api/search?q=ze', { token: alice.token });
    expect([short.status, codeOf(short.body)]).toEqual([400, 'query_too_short']);
    expect((await call('/api/search?q=zebra')).status).toBe(401);
  });

  it('rations searches per identity (both routes) and per address without one', async () => {
    const limited = await startTestParley({ env: { SEARCH_RATE_PER_MINUTE: '3' } });
    try {
      const carol = await limited.session('carol');
      const open = await limited.createRoom(carol.token, 'rationed');
      const statuses: number[] = [];
      for (const path of [
        `/api/rooms/${open.id}/search?q=abc`,
        '/api/search?q=abc',
        `/api/rooms/${open.id}/search?q=abc`,
        '/api/search?q=abc',
      ]) {
        statuses.push((await callApi(limited.url, 'GET', path, { token: carol.token })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await callApi(limited.url, 'GET', '/api/search?q=abc', { token: carol.token });
      expect(codeOf(refused.body)).toBe('rate_limited');
      // Another identity has its own budget; the anonymous share their address's.
      const dave = await limited.session('dave');
      expect((await callApi(limited.url, 'GET', '/api/search?q=abc', { token: dave.token })).status).toBe(
        200,
      );
      const anonymous = [];
      for (let i = 0; i < 4; i++) {
        anonymous.push((await callApi(limited.url, 'GET', `/api/rooms/${open.id}/search?q=abc`)).status);
      }
      expect(anonymous).toEqual([200, 200, 200, 429]);
    } finally {
      await limited.dispose();
    }
  });
});
