// The web client's HTTP calls (web/src/api.ts: the SDK's ParleyHttp) under Node against a real server: what they return is
// what the server sent, read through src/protocol. The audit log's ids are numbers (the events' seqs)
// and the panel's "Load more" pages by them; a client that turned them into strings paged by text.
import type { Client } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Session } from '../../src/protocol/index.js';
import { ApiError, api, olderAuditPage } from '../../web/src/api.js';
import { send } from '../support/chat-client.js';
import { startTestParley, type TestParley } from '../support/parley.js';

describe('web client API calls against a real server', () => {
  let parley: TestParley;
  let client: Client | undefined;
  let owner: Session;
  let bob: Session;

  beforeAll(async () => {
    parley = await startTestParley();
    // The client calls same-origin paths (`/api/...`); here they go to the test server.
    const serverFetch = globalThis.fetch;
    vi.stubGlobal('fetch', (input: string | URL | Request, init?: RequestInit) =>
      serverFetch(typeof input === 'string' && input.startsWith('/') ? `${parley.url}${input}` : input, init),
    );
    owner = await parley.session('owner');
    bob = await parley.session('bob');
    client = await parley.connect(owner.token);
  });
  afterAll(async () => {
    vi.unstubAllGlobals();
    await client?.deactivate();
    await parley?.dispose();
  });

  it('pages the audit log by the numeric ids the server sends', async () => {
    const room = await parley.createRoom(owner.token, 'audited');
    const moderate = `/app/rooms.${room.id}.moderate`;
    if (client === undefined) throw new Error('not connected');
    await send(client, moderate, { action: 'appoint', userId: bob.user.id });
    await send(client, moderate, { action: 'dismiss', userId: bob.user.id });
    await send(client, moderate, { action: 'settings', slowModeSeconds: 10 });
    await send(client, moderate, { action: 'mute', userId: bob.user.id, seconds: 60 });

    const all = await api.listAudit(owner.token, room.id);
    expect(all.map((e) => e.action)).toEqual([
      'member.muted',
      'room.updated',
      'moderator.removed',
      'moderator.added',
    ]);
    for (const entry of all) expect(typeof entry.id).toBe('number');
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));

    const first = await api.listAudit(owner.token, room.id, { limit: 2 });
    const next = olderAuditPage(first);
    expect(next).toEqual({ before: all[1]?.id });
    const second = await api.listAudit(owner.token, room.id, { ...next, limit: 2 });
    expect([...first, ...second]).toEqual(all);
    expect(olderAuditPage([])).toBeUndefined();
  });

  it('reads rooms as the contract has them, and refusals as ApiError with the catalogue code', async () => {
    const room = await parley.createRoom(owner.token, 'read back');
    expect(await api.getRoom(room.id)).toEqual(room);
    const page = await api.listRooms({ q: 'read back' });
    expect(page).toEqual({ rooms: [room], nextCursor: null });
    const refused = await api.getRoom('no-such-room').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: 'room_not_found', status: 404 });
    await expect(api.listAudit(bob.token, room.id)).rejects.toMatchObject({ code: 'forbidden', status: 403 });
  });
});
