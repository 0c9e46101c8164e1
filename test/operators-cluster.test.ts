// Operator actions across nodes: two in-process Parleys on one PostgreSQL database and one Redis
// (unique key prefix). A take-down on node A removes node B's subscribers and closes the room there
// at once; a server-wide ban laid on A ends the identity's connection on B and refuses it (and its
// address) on B; server settings changed on A hold at the next SEND on B.
import type { IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join, refusal, send, subscribed, subscribeRefusal } from './support/chat-client.js';
import { clusterSkipReason } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import type { Session, TestParley } from './support/parley.js';
import { startNodePair } from './support/parley.js';
import { deleteKeys, REDIS_TEST_URL, uniqueKeyPrefix } from './support/redis.js';

const skip = (await clusterSkipReason()) !== undefined;
const SECRET = 'cluster-operator-secret-0123456789abcdef';
const codeOf = (m: IMessage): unknown => (JSON.parse(m.body) as { code?: unknown }).code;

describe.skipIf(skip)('operator actions across two nodes', () => {
  const prefix = uniqueKeyPrefix('operators-cluster');
  let a: TestParley;
  let b: TestParley;
  const call = async (
    node: TestParley,
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string; body?: unknown; forwardedFor?: string } = {},
  ): Promise<{ status: number; code: unknown; body: Record<string, unknown> }> => {
    const response = await fetch(`${node.url}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...(options.forwardedFor === undefined ? {} : { 'x-forwarded-for': options.forwardedFor }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    return { status: response.status, code: (body.error as { code?: unknown } | undefined)?.code, body };
  };

  beforeAll(async () => {
    ({ a, b } = await startNodePair({
      redisUrl: REDIS_TEST_URL,
      redisKeyPrefix: prefix,
      env: { OPERATOR_TOKENS: SECRET, TRUST_PROXY: 'true' },
    }));
  }, 30_000);

  afterAll(async () => {
    await b?.dispose();
    await a?.dispose();
    await deleteKeys(prefix);
  });

  it('a room taken down on node A is closed on node B at once; restored there too', async () => {
    const owner = await a.session('owner');
    const bob = await b.session('bob');
    const room = await a.createRoom(owner.token, 'closing across');
    const bobClient = await b.connect(bob.token);
    const bobErrors = await subscribed(bobClient, '/user/queue/errors');
    const bobRoom = await join(bobClient, room.id);
    // Node B caches the room's policy now.
    await send(bobClient, `/app/rooms.${room.id}`, { body: 'hello' });

    const closed = await call(a, 'POST', `/api/admin/rooms/${room.id}/close`, { token: SECRET, body: {} });
    expect(closed.status).toBe(200);
    await eventually(() => expect(bobRoom.messages.map((m) => m.headers.event)).toContain('room.closed'));
    await eventually(() => expect(bobErrors.messages.map(codeOf)).toContain('room_closed'));
    expect(await subscribeRefusal(bobClient, bobErrors, `/topic/rooms.${room.id}`)).toBe('room_closed');
    expect((await call(b, 'GET', `/api/rooms/${room.id}/messages`)).code).toBe('room_closed');
    const listed = await call(b, 'GET', '/api/rooms?limit=100');
    expect((listed.body.rooms as Array<{ id: string }>).map((r) => r.id)).not.toContain(room.id);

    await call(a, 'POST', `/api/admin/rooms/${room.id}/reopen`, { token: SECRET });
    const rejoined = await join(bobClient, room.id);
    await send(bobClient, `/app/rooms.${room.id}`, { body: 'back' });
    await eventually(() => expect(rejoined.bodies().some((x) => x.includes('back'))).toBe(true));
  });

  it('a server-wide ban laid on node A ends the connection on node B and refuses the identity and its address there', async () => {
    const troll = await call(b, 'POST', '/api/sessions', {
      body: { nickname: 'troll' },
      forwardedFor: '203.0.113.50',
    });
    const session = troll.body as unknown as Session;
    const trollClient = await b.connect(session.token);
    let ended = '';
    trollClient.onStompError = (frame) => {
      ended = frame.headers.message ?? '';
    };
    const laid = await call(a, 'POST', '/api/admin/bans', {
      token: SECRET,
      body: { userId: session.user.id, reason: 'abuse' },
    });
    expect(laid.status).toBe(201);
    await eventually(() => expect(ended).toContain('server_banned'));
    expect(
      (await call(b, 'POST', '/api/sessions/refresh', { token: session.token, forwardedFor: '198.51.100.1' }))
        .code,
    ).toBe('server_banned');
    expect(
      (await call(b, 'POST', '/api/sessions', { body: { nickname: 'sock' }, forwardedFor: '203.0.113.50' }))
        .code,
    ).toBe('server_banned');
    expect(
      (await call(b, 'POST', '/api/sessions', { body: { nickname: 'other' }, forwardedFor: '198.51.100.2' }))
        .status,
    ).toBe(201);
    // Lifted on A: the loopback address the socket came from is free again on B for the next test.
    expect(
      (await call(a, 'POST', '/api/admin/bans/lift', { token: SECRET, body: { userId: session.user.id } }))
        .status,
    ).toBe(200);
    await eventually(async () =>
      expect((await call(b, 'POST', '/api/sessions/refresh', { token: session.token })).status).toBe(200),
    );
  });

  it('server settings changed on node A hold at the next SEND on node B', async () => {
    const carol = await b.session('carol');
    const room = await b.createRoom(carol.token, 'filtered across');
    const client = await b.connect(carol.token);
    const errors = await subscribed(client, '/user/queue/errors');
    await join(client, room.id);
    await send(client, `/app/rooms.${room.id}`, { body: 'verboten before' });
    const set = await call(a, 'POST', '/api/admin/settings', {
      token: SECRET,
      body: { wordFilter: { mode: 'refuse', words: ['verboten'] } },
    });
    expect(set.status).toBe(200);
    await eventually(async () =>
      expect((await call(b, 'GET', '/api/admin/settings', { token: SECRET })).body.wordFilter).not.toBeNull(),
    );
    await eventually(async () =>
      expect(await refusal(client, errors, `/app/rooms.${room.id}`, { body: 'VERBOTEN now' })).toBe(
        'word_filtered',
      ),
    );
    await call(a, 'POST', '/api/admin/settings', { token: SECRET, body: { wordFilter: null } });
  });
});
