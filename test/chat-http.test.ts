// The HTTP API of the contract, on every storage backend: sessions, rooms, history, members, errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { join } from './support/chat-client.js';
import { availableBackends, getJson, postJson, startTestParley, type TestParley } from './support/parley.js';

const backends = await availableBackends();

interface ErrorBody {
  error: { code: string; message: string };
}

async function errorOf(response: Response): Promise<{ status: number; code: string }> {
  const body = (await response.json()) as ErrorBody;
  expect(typeof body.error.message).toBe('string');
  return { status: response.status, code: body.error.code };
}

describe.each(backends)('HTTP API on %s', (backend) => {
  let parley: TestParley;

  beforeAll(async () => {
    parley = await startTestParley({ backend });
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  const post = (path: string, body: unknown, token?: string): Promise<Response> =>
    fetch(`${parley.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  describe('sessions', () => {
    it('issues an anonymous identity with a 4-digit tag', async () => {
      const session = await parley.session('  김철수 ');
      expect(session.user.nickname).toBe('김철수');
      expect(session.user.tag).toMatch(/^\d{4}$/);
      expect(session.user.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(session.token.split('.')).toHaveLength(3);
      expect(new Date(session.expiresAt).getTime()).toBeGreaterThan(Date.now());
    });

    it('refuses a bad nickname with invalid_nickname', async () => {
      for (const nickname of ['', '   ', 'a\u0000', 'x'.repeat(33), 17]) {
        expect(await errorOf(await post('/api/sessions', { nickname }))).toEqual({
          status: 400,
          code: 'invalid_nickname',
        });
      }
    });

    it('answers malformed JSON with invalid_request', async () => {
      const response = await fetch(`${parley.url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"nickname":',
      });
      expect(await errorOf(response)).toEqual({ status: 400, code: 'invalid_request' });
    });

    it('refreshes a token: same user, new expiry', async () => {
      const first = await parley.session('alice');
      await new Promise((r) => setTimeout(r, 1100)); // expiry has one-second resolution
      const refreshed = await postJson<typeof first>(`${parley.url}/api/sessions/refresh`, {}, first.token);
      expect(refreshed.user).toEqual(first.user);
      expect(new Date(refreshed.expiresAt).getTime()).toBeGreaterThan(new Date(first.expiresAt).getTime());
    });

    it('refuses refresh without or with a forged token', async () => {
      expect(await errorOf(await post('/api/sessions/refresh', {}))).toEqual({
        status: 401,
        code: 'unauthorized',
      });
      const { token } = await parley.session('mallory');
      const [h, p] = token.split('.');
      const forged = `${h}.${p}.${'A'.repeat(43)}`;
      expect(await errorOf(await post('/api/sessions/refresh', {}, forged))).toEqual({
        status: 401,
        code: 'unauthorized',
      });
    });
  });

  describe('rooms', () => {
    it('creates a room owned by the caller and reads it back', async () => {
      const { token, user } = await parley.session('owner');
      const room = await parley.createRoom(token, ' Rust 🦀 ', 'systems talk');
      expect(room).toMatchObject({
        name: 'Rust 🦀',
        topic: 'systems talk',
        createdBy: user,
        online: 0,
        lastMessageAt: null,
        notice: null,
        pins: [],
      });
      expect(Object.keys(room).sort()).toEqual(
        [
          'createdAt',
          'createdBy',
          'id',
          'lastMessageAt',
          'name',
          'online',
          'topic',
          'ownerId',
          'moderators',
          'memberCap',
          'slowModeSeconds',
          'hasPassword',
          'newcomerMinutes',
          'newcomerMessages',
          'approveNewcomers',
          'notice',
          'pins',
          'epoch',
        ].sort(),
      );
      expect(await getJson<Room>(`${parley.url}/api/rooms/${room.id}`)).toEqual(room);
    });

    it('requires a valid token and a valid name', async () => {
      expect(await errorOf(await post('/api/rooms', { name: 'x' }))).toEqual({
        status: 401,
        code: 'unauthorized',
      });
      const { token } = await parley.session('namer');
      expect(await errorOf(await post('/api/rooms', { name: '' }, token))).toEqual({
        status: 400,
        code: 'invalid_room',
      });
      expect(await errorOf(await post('/api/rooms', { name: 'n'.repeat(65) }, token))).toEqual({
        status: 400,
        code: 'invalid_room',
      });
    });

    it('answers 404 room_not_found for unknown and impossible ids', async () => {
      for (const id of ['doesnotexist', '..%2F..', 'a.b']) {
        expect(await errorOf(await fetch(`${parley.url}/api/rooms/${id}`))).toEqual({
          status: 404,
          code: 'room_not_found',
        });
      }
    });

    it('lists rooms most recently active first, searches names, pages with a cursor', async () => {
      const { token } = await parley.session('lister');
      const tag = `p${Date.now().toString(36)}`;
      const rooms: Room[] = [];
      for (let i = 0; i < 5; i++) rooms.push(await parley.createRoom(token, `${tag} room ${i}`));
      // Activity in room 1 moves it to the front.
      const client = await parley.connect(token);
      try {
        await join(client, rooms[1]?.id ?? '');
        await new Promise<void>((resolve, reject) => {
          client.watchForReceipt('r1', () => resolve());
          client.publish({
            destination: `/app/rooms.${rooms[1]?.id}`,
            body: JSON.stringify({ body: 'hi' }),
            headers: { receipt: 'r1' },
          });
          setTimeout(() => reject(new Error('no receipt')), 5000);
        });
      } finally {
        await client.deactivate();
      }
      const first = await getJson<{ rooms: Room[]; nextCursor: string | null }>(
        `${parley.url}/api/rooms?q=${encodeURIComponent(tag)}&limit=2`,
      );
      expect(first.rooms.map((r) => r.name)).toEqual([`${tag} room 1`, `${tag} room 4`]);
      expect(first.rooms[0]?.lastMessageAt).not.toBeNull();
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await getJson<{ rooms: Room[]; nextCursor: string | null }>(
        `${parley.url}/api/rooms?q=${encodeURIComponent(tag)}&limit=2&cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
      );
      expect(second.rooms.map((r) => r.name)).toEqual([`${tag} room 3`, `${tag} room 2`]);
      const third = await getJson<{ rooms: Room[]; nextCursor: string | null }>(
        `${parley.url}/api/rooms?q=${encodeURIComponent(tag)}&limit=2&cursor=${encodeURIComponent(second.nextCursor ?? '')}`,
      );
      expect(third.rooms.map((r) => r.name)).toEqual([`${tag} room 0`]);
      expect(third.nextCursor).toBeNull();
      // Search is case-insensitive and treats % and _ literally.
      const upper = await getJson<{ rooms: Room[] }>(
        `${parley.url}/api/rooms?q=${tag.toUpperCase()}%20ROOM%203`,
      );
      expect(upper.rooms.map((r) => r.name)).toEqual([`${tag} room 3`]);
      const wildcard = await getJson<{ rooms: Room[] }>(`${parley.url}/api/rooms?q=${tag}%25`);
      expect(wildcard.rooms).toEqual([]);
    });
  });

  describe('history', () => {
    let room: Room;
    beforeAll(async () => {
      const { token } = await parley.session('historian');
      room = await parley.createRoom(token, 'history');
      const client = await parley.connect(token);
      try {
        await join(client, room.id);
        const receipts: Promise<void>[] = [];
        for (let i = 1; i <= 260; i++) {
          receipts.push(
            new Promise<void>((resolve) => {
              client.watchForReceipt(`h${i}`, () => resolve());
            }),
          );
          client.publish({
            destination: `/app/rooms.${room.id}`,
            body: JSON.stringify({ body: `m${i}` }),
            headers: { receipt: `h${i}` },
          });
        }
        await Promise.all(receipts);
      } finally {
        await client.deactivate();
      }
    });

    type Page = { messages: Array<{ seq: number; body: string; roomId: string }> };
    const page = (query: string): Promise<Page> =>
      getJson<Page>(`${parley.url}/api/rooms/${room.id}/messages${query}`);

    it('returns the latest 50 by default, ascending by seq', async () => {
      const { messages } = await page('');
      expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 211 + i));
      expect(messages[0]).toMatchObject({ roomId: room.id, body: 'm211' });
    });

    it('pages before and after a seq, up to 200', async () => {
      expect((await page('?before=11&limit=5')).messages.map((m) => m.seq)).toEqual([6, 7, 8, 9, 10]);
      expect((await page('?after=255&limit=10')).messages.map((m) => m.seq)).toEqual([
        256, 257, 258, 259, 260,
      ]);
      expect((await page('?after=0&limit=200')).messages).toHaveLength(200);
      expect((await page('?before=3')).messages.map((m) => m.seq)).toEqual([1, 2]);
      expect((await page('?after=260')).messages).toEqual([]);
    });

    it('refuses a limit over 200 and bad cursors', async () => {
      for (const query of ['?limit=201', '?limit=0', '?before=x', '?before=5&after=1', '?after=-1']) {
        expect(await errorOf(await fetch(`${parley.url}/api/rooms/${room.id}/messages${query}`))).toEqual({
          status: 400,
          code: 'invalid_request',
        });
      }
    });
  });

  describe('operations', () => {
    it('answers liveness, readiness and metrics', async () => {
      expect(await getJson(`${parley.url}/healthz`)).toEqual({ status: 'ok' });
      expect(await getJson(`${parley.url}/readyz`)).toMatchObject({
        status: 'ready',
        checks: { storage: 'ok' },
      });
      const metrics = await (await fetch(`${parley.url}/metrics`)).text();
      expect(metrics).toContain('parley_stomp_connections');
      expect(metrics).toContain('parley_messages_stored_total');
    });

    it('answers unknown API paths with the error envelope', async () => {
      expect(await errorOf(await fetch(`${parley.url}/api/nothing`))).toEqual({
        status: 404,
        code: 'not_found',
      });
    });

    it('sends security headers and CORS only for allowed origins', async () => {
      // The page's own origin (localhost on other ports only with ALLOW_LOCALHOST_ORIGINS: hostile-origin).
      const allowed = await fetch(`${parley.url}/api/rooms`, { headers: { origin: parley.url } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe(parley.url);
      expect(allowed.headers.get('x-content-type-options')).toBe('nosniff');
      const foreign = await fetch(`${parley.url}/api/rooms`, { headers: { origin: 'https://evil.example' } });
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
