// Issue #12 item 7 over real sockets: nicknames that pose as someone else are refused at
// POST /api/sessions, live identities never share nickname#tag (also under concurrency, on both
// databases), a refresh extends the hold on the tag, and bodies that would disguise themselves or
// paint over other rows are refused on SEND and on edit while the connection carries on.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room, UserId } from '../src/chat/model.js';
import { nameKey } from '../src/chat/name-scripts.js';
import { ManualClock } from '../src/clock.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { availableBackends, type Session, startTestParley, type TestParley } from './support/parley.js';
import { RawWebSocket } from './support/raw-ws.js';
import { stompText } from './support/stomp-text.js';

const backends = await availableBackends();

async function post(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function codeOf(response: Response): Promise<{ status: number; code: string }> {
  const body = (await response.json()) as { error: { code: string } };
  return { status: response.status, code: body.error.code };
}

describe.each(backends)('nicknames on %s', (backend) => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({ backend });
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  it('gives concurrent sessions of one nickname (any case or width) distinct tags', async () => {
    const spellings = ['alice', 'Alice', 'ALICE', 'ａｌｉｃｅ'];
    const sessions = await Promise.all(
      Array.from({ length: 32 }, (_, i) => parley.session(spellings[i % spellings.length] ?? 'alice')),
    );
    const tags = sessions.map((s) => s.user.tag);
    expect(new Set(tags).size).toBe(sessions.length);
    for (const tag of tags) expect(tag).toMatch(/^\d{4}$/);
  });

  it.each<[string, number, string]>([
    ['alice#0412', 400, 'invalid_nickname'],
    ['bob ＃1234', 400, 'invalid_nickname'],
    ['\u3164', 400, 'invalid_nickname'],
    ['\u2800\u2800', 400, 'invalid_nickname'],
    ['\u115f\u1160', 400, 'invalid_nickname'],
    ['\u200b\u200b', 400, 'invalid_nickname'],
    [`z${'\u0301\u0300\u0302\u0303\u0304'.repeat(40)}`, 400, 'invalid_nickname'],
    ['\u0430dmin', 400, 'invalid_nickname'],
    ['eve\u202e', 400, 'invalid_nickname'],
    ['Admin', 400, 'nickname_reserved'],
    ['m0derator', 400, 'nickname_reserved'],
    ['관리자', 400, 'nickname_reserved'],
  ])('refuses %j with %i %s', async (nickname, status, code) => {
    expect(await codeOf(await post(`${parley.url}/api/sessions`, { nickname }))).toEqual({ status, code });
  });

  it.each(['김철수', '철수99', 'José', 'Zoë', '山田太郎', 'Иван'])('accepts %j', async (nickname) => {
    expect((await parley.session(nickname)).user.nickname).toBe(nickname);
  });
});

describe('tag holds follow the token and its renewal grace (SQLite, manual clock)', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let parley: TestParley;
  let probe: SqliteStore;
  beforeAll(async () => {
    parley = await startTestParley({
      env: { TOKEN_TTL_SECONDS: '60', TOKEN_REFRESH_GRACE_SECONDS: '30' },
      overrides: { clock },
    });
    probe = new SqliteStore({ file: join(parley.dataDir, 'parley.db') });
  });
  afterAll(async () => {
    await probe?.close();
    await parley?.dispose();
  });

  /** True when another identity could take carol's pair right now (it is then taken by the probe). */
  const free = (tag: string): Promise<boolean> =>
    probe.renewTag({
      userId: randomUUID() as UserId,
      nameKey: nameKey('Carol'),
      tag,
      expiresAt: new Date(clock.now() + 1000),
      now: new Date(clock.now()),
      tagSpace: 10_000,
    });

  it('holds the tag for the token life plus the renewal grace, extends it on refresh, frees it after', async () => {
    const carol = await parley.session('Carol');
    // Past the token's end (60 s), within its grace (30 s more): still carol's, as she may still renew.
    clock.advance(70_000);
    expect(await free(carol.user.tag)).toBe(false);
    const refreshed = await post(`${parley.url}/api/sessions/refresh`, {}, carol.token);
    expect(refreshed.status).toBe(200);
    expect(((await refreshed.json()) as Session).user).toEqual(carol.user);
    // Past the first hold's end (90 s), within the refreshed one's (70 + 90 s): still carol's.
    clock.advance(30_000);
    expect(await free(carol.user.tag)).toBe(false);
    // Past the refreshed hold's end: a new identity may take the pair.
    clock.advance(61_000);
    expect(await free(carol.user.tag)).toBe(true);
  });
});

describe('bodies that would disguise themselves', () => {
  let parley: TestParley;
  let room: Room;
  let ws: RawWebSocket;
  beforeAll(async () => {
    parley = await startTestParley();
    const user = await parley.session('writer');
    room = await parley.createRoom(user.token, 'bidi');
    ws = await RawWebSocket.open(parley.app.port);
    ws.send(stompText('CONNECT', { 'accept-version': '1.2', Authorization: `Bearer ${user.token}` }));
    await ws.waitFor((t) => t.startsWith('CONNECTED\n'), 'CONNECTED');
    ws.send(stompText('SUBSCRIBE', { id: 'e', destination: '/user/queue/errors' }));
    ws.send(stompText('SUBSCRIBE', { id: 'r', destination: `/topic/rooms.${room.id}`, receipt: 'subs' }));
    await ws.waitFor((t) => t.includes('receipt-id:subs'), 'subscriptions');
  });
  afterAll(async () => {
    ws?.destroy();
    await parley?.dispose();
  });

  let n = 0;
  const send = async (body: string): Promise<string> => {
    const destination = `/app/rooms.${room.id}`;
    const receipt = `r${n++}`;
    const mark = ws.text.length;
    ws.send(
      stompText(
        'SEND',
        { destination, 'content-type': 'application/json', receipt },
        JSON.stringify({ body }),
      ),
    );
    await ws.waitFor((t) => t.slice(mark).includes(`receipt-id:${receipt}\n`), receipt);
    const after = ws.text.slice(mark);
    const refusal = new RegExp(`receipt-id:${receipt}\\n[^\\0]*?"code":"([a-z_]+)"`).exec(after);
    return refusal?.[1] ?? 'stored';
  };

  it.each<[string, string]>([
    ['see https://example.com/\u202egpj.exe', 'right-to-left override before a link'],
    ['\u202dabc', 'left-to-right override'],
    ['a\u202bb', 'an embedding left open'],
    ['a\u2067b\nc\u2069', 'an isolate closed only on the next line'],
    ['a\u2069', 'a stray isolate terminator'],
    ['a\u202cb', 'a stray PDF'],
    ['a\u2066b\u202c', 'an isolate closed by a PDF'],
    [`Z${'\u0301\u0300\u0302\u0303'.repeat(50)}`, 'Zalgo'],
    ['x\u0301\u0300\u0302\u0303', 'four marks on one character'],
    ['x\u0301\u200c\u0300\u200c\u0302\u200c\u0303', 'four marks with non-joiners between'],
    ['x\u20dd\u20dd\u20dd\u20dd', 'four enclosing marks'],
    [`x${'\u0301\u0300\u1160'.repeat(6)}`, 'marks split by zero-width Hangul fillers'],
  ])('refuses %j (%s) with unsafe_text, and the connection stays', async (body) => {
    expect(await send(body)).toBe('unsafe_text');
  });

  it.each<string>([
    'مرحبا hello שלום',
    'a\u2067مرحبا\u2069 b',
    'a\u202bשלום\u202c b\nnext',
    'דָּוִד',
    'कार्त्स्न्य',
    'Nguyễn',
    '1️⃣ keycap',
    'x\u0301\u0300\u0302',
  ])('stores %j', async (body) => {
    expect(await send(body)).toBe('stored');
  });

  it('refuses the same on edit', async () => {
    const mark = ws.text.length;
    expect(await send('plain')).toBe('stored');
    const id = /"id":"([0-9a-f-]{36})"[^\0]*"body":"plain"/.exec(ws.text.slice(mark))?.[1];
    expect(id).toBeDefined();
    const edit = (body: string): Promise<string> => {
      const receipt = `e${n++}`;
      const at = ws.text.length;
      ws.send(
        stompText(
          'SEND',
          { destination: `/app/rooms.${room.id}.edit`, 'content-type': 'application/json', receipt },
          JSON.stringify({ messageId: id, body }),
        ),
      );
      return ws
        .waitFor((t) => t.slice(at).includes(`receipt-id:${receipt}\n`), receipt)
        .then(() => {
          const refusal = new RegExp(`receipt-id:${receipt}\\n[^\\0]*?"code":"([a-z_]+)"`).exec(
            ws.text.slice(at),
          );
          return refusal?.[1] ?? 'stored';
        });
    };
    expect(await edit('evil \u202eexe.txt')).toBe('unsafe_text');
    expect(await edit(`x${'\u0336'.repeat(9)}`)).toBe('unsafe_text');
    expect(await edit('fine')).toBe('stored');
    expect(ws.ended).toBe(false);
  });
  it('refuses the same in report and sanction reasons, which staff and the sanctioned see', async () => {
    const refusal = async (destination: string, fields: Record<string, unknown>): Promise<string> => {
      const receipt = `m${n++}`;
      const at = ws.text.length;
      ws.send(
        stompText(
          'SEND',
          { destination, 'content-type': 'application/json', receipt },
          JSON.stringify(fields),
        ),
      );
      await ws.waitFor((t) => t.slice(at).includes(`receipt-id:${receipt}\n`), receipt);
      const code = new RegExp(`receipt-id:${receipt}\\n[^\\0]*?"code":"([a-z_]+)"`).exec(ws.text.slice(at));
      return code?.[1] ?? 'accepted';
    };
    const messageId = '00000000-0000-7000-8000-000000000000';
    const report = `/app/rooms.${room.id}.report`;
    expect(await refusal(report, { messageId, reason: 'spam \u202egpj.exe' })).toBe('unsafe_text');
    expect(await refusal(report, { messageId, reason: `z${'\u0336'.repeat(9)}` })).toBe('unsafe_text');
    const other = await parley.session('target');
    const moderate = `/app/rooms.${room.id}.moderate`;
    expect(await refusal(moderate, { action: 'kick', userId: other.user.id, reason: 'bye \u202d' })).toBe(
      'unsafe_text',
    );
    expect(await refusal(report, { messageId, reason: 'spam' })).not.toBe('unsafe_text');
    expect(ws.ended).toBe(false);
  });
});

describe('MAX_COMBINING_MARKS', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({ env: { MAX_COMBINING_MARKS: '1' } });
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  it('bounds marks per character in bodies and nicknames as configured', async () => {
    expect((await parley.session('Zoë')).user.nickname).toBe('Zoë');
    expect(await codeOf(await post(`${parley.url}/api/sessions`, { nickname: 'x\u0301\u0300' }))).toEqual({
      status: 400,
      code: 'invalid_nickname',
    });
    const user = await parley.session('marks');
    const room = await parley.createRoom(user.token, 'marks');
    const ws = await RawWebSocket.open(parley.app.port);
    try {
      ws.send(stompText('CONNECT', { 'accept-version': '1.2', Authorization: `Bearer ${user.token}` }));
      ws.send(stompText('SUBSCRIBE', { id: 'e', destination: '/user/queue/errors' }));
      // Talking needs joining: the SEND below waits for this SUBSCRIBE.
      ws.send(stompText('SUBSCRIBE', { id: 'r', destination: `/topic/rooms.${room.id}` }));
      const send = (body: string, receipt: string): void =>
        ws.send(
          stompText(
            'SEND',
            { destination: `/app/rooms.${room.id}`, 'content-type': 'text/plain', receipt },
            body,
          ),
        );
      send('x\u0301', 'one');
      await ws.waitFor((t) => t.includes('RECEIPT\nreceipt-id:one\n'), 'one mark stored');
      send('x\u0301\u0300', 'two');
      await ws.waitFor((t) => /receipt-id:two\n[^\0]*"code":"unsafe_text"/.test(t), 'two marks refused');
      expect(ws.ended).toBe(false);
    } finally {
      ws.destroy();
    }
  });
});
