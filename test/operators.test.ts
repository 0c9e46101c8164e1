// Operators, word filters and reports with teeth over HTTP and real sockets, on every storage backend:
// the operator secret, taking a room down (members removed live, hidden from the list, closed to every
// read and write) and restoring it, the cross-room report queue (hide after N reporters, live counts
// to staff, dismiss restores, delete), server-wide bans of an identity and its address, server and room
// word lists (refuse and mask; names too), reserved names, and both audit logs.
import type { Client, IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Room } from '../src/chat/model.js';
import { bodyOf, join, refusal, send, subscribed, subscribeRefusal } from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import { availableBackends, type Session, startTestParley, type TestParley } from './support/parley.js';

const backends = await availableBackends();
const SECRET = 'operator-secret-for-tests-0123456789abcdef';
const OTHER_SECRET = 'another-operator-secret-0123456789abcdefgh';

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

describe.each(backends)('operators on %s', (backend) => {
  let parley: TestParley;

  const call = async (
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string; body?: unknown; forwardedFor?: string } = {},
  ): Promise<Answer> => {
    const response = await fetch(`${parley.url}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...(options.forwardedFor === undefined ? {} : { 'x-forwarded-for': options.forwardedFor }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  };
  const admin = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> =>
    call(method, `/api/admin/${path}`, { token: SECRET, ...(body === undefined ? {} : { body }) });
  const errorCode = (answer: Answer): unknown => (answer.body.error as { code?: unknown } | undefined)?.code;
  const session = async (nickname: string, forwardedFor?: string): Promise<Session> => {
    const answer = await call('POST', '/api/sessions', {
      body: { nickname },
      ...(forwardedFor === undefined ? {} : { forwardedFor }),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body as unknown as Session;
  };
  const post = async (client: Client, roomId: string, body: string): Promise<void> =>
    send(client, `/app/rooms.${roomId}`, { body });
  const lastMessage = (inbox: { messages: IMessage[] }): Message =>
    bodyOf(
      inbox.messages.filter((m) => m.headers.event === undefined).at(-1) as IMessage,
    ) as unknown as Message;

  beforeAll(async () => {
    parley = await startTestParley({
      backend,
      env: { OPERATOR_TOKENS: `${SECRET}, ${OTHER_SECRET}`, REPORT_HIDE_THRESHOLD: '2', TRUST_PROXY: 'true' },
    });
  }, 30_000);

  afterAll(async () => {
    await parley?.dispose();
  });

  it('refuses the operator API without the secret; each secret names its own operator', async () => {
    const user = await session('nobody');
    expect(errorCode(await call('GET', '/api/admin/rooms'))).toBe('not_operator');
    const wrong = await call('GET', '/api/admin/rooms', { token: `${SECRET}x` });
    expect([wrong.status, errorCode(wrong)]).toEqual([401, 'not_operator']);
    // A member's own token is no operator secret.
    expect(errorCode(await call('POST', '/api/admin/session', { token: user.token }))).toBe('not_operator');
    const one = await admin('POST', 'session');
    const two = await call('POST', '/api/admin/session', { token: OTHER_SECRET });
    expect(one.status).toBe(200);
    const idOf = (a: Answer): string => (a.body.operator as { id: string }).id;
    expect(idOf(one)).toMatch(/^op-[0-9a-f]{12}$/);
    expect(idOf(two)).not.toBe(idOf(one));
    expect(JSON.stringify(one.body)).not.toContain(SECRET);
  });

  it('takes a room down: members are removed live, it leaves the list, every read and write is refused; restorable', async () => {
    const owner = await session('owner');
    const member = await session('member');
    const room = await parley.createRoom(owner.token, 'to be closed');
    const memberClient = await parley.connect(member.token);
    const errors = await subscribed(memberClient, '/user/queue/errors');
    const inbox = await join(memberClient, room.id);
    await post(memberClient, room.id, 'evidence');

    const closed = await admin('POST', `rooms/${room.id}/close`, { reason: 'spam ring' });
    expect(closed.status).toBe(200);
    expect(closed.body.closedAt).toEqual(expect.any(String));
    await eventually(() => expect(inbox.messages.map((m) => m.headers.event)).toContain('room.closed'));
    const event = bodyOf(inbox.messages.find((m) => m.headers.event === 'room.closed') as IMessage);
    expect(event).toMatchObject({ type: 'room.closed', reason: 'spam ring', by: { nickname: 'Operator' } });
    await eventually(() => expect(errors.messages.map((m) => bodyOf(m).code)).toContain('room_closed'));

    const listed = await call('GET', '/api/rooms?limit=100');
    expect((listed.body.rooms as Room[]).map((r) => r.id)).not.toContain(room.id);
    const searched = await call('GET', `/api/rooms?q=${encodeURIComponent('to be closed')}`);
    expect(searched.body.rooms).toEqual([]);
    const got = await call('GET', `/api/rooms/${room.id}`);
    expect([got.status, errorCode(got)]).toEqual([410, 'room_closed']);
    expect(errorCode(await call('GET', `/api/rooms/${room.id}/messages`))).toBe('room_closed');
    expect(await subscribeRefusal(memberClient, errors, `/topic/rooms.${room.id}`)).toBe('room_closed');
    expect(errorCode(await call('GET', `/api/rooms/${room.id}/members`))).toBe('room_closed');
    // Staff are inside the room too: closed to the owner as well.
    expect(errorCode(await call('GET', `/api/rooms/${room.id}/audit`, { token: owner.token }))).toBe(
      'room_closed',
    );

    const operatorRooms = (await admin('GET', 'rooms?limit=200')).body.rooms as Array<
      Record<string, unknown>
    >;
    expect(operatorRooms.find((r) => r.id === room.id)).toMatchObject({ closedAt: expect.any(String) });
    expect(errorCode(await admin('POST', `rooms/${room.id}/close`, {}))).toBe('invalid_request');

    const reopened = await admin('POST', `rooms/${room.id}/reopen`);
    expect(reopened.body.closedAt).toBeNull();
    expect(((await call('GET', '/api/rooms?limit=100')).body.rooms as Room[]).map((r) => r.id)).toContain(
      room.id,
    );
    // History kept through it all, and the owner's audit log records both actions.
    const history = await call('GET', `/api/rooms/${room.id}/messages`);
    expect((history.body.messages as Message[]).map((m) => m.body)).toEqual(['evidence']);
    const audit = await call('GET', `/api/rooms/${room.id}/audit`, { token: owner.token });
    expect((audit.body.entries as Array<{ action: string }>).map((e) => e.action)).toEqual([
      'room.reopened',
      'room.closed',
    ]);
    const operatorAudit = (await admin('GET', 'audit')).body.entries as Array<Record<string, unknown>>;
    expect(operatorAudit.filter((e) => e.roomId === room.id).map((e) => e.action)).toEqual([
      'room.reopened',
      'room.closed',
    ]);
  });

  it('hides a message after N distinct reporters, tells staff live, and dismissing restores it', async () => {
    const owner = await session('keeper');
    const author = await session('author');
    const r1 = await session('reporter1');
    const r2 = await session('reporter2');
    const room = await parley.createRoom(owner.token, 'reported room');
    const ownerClient = await parley.connect(owner.token);
    const counts = await subscribed(ownerClient, '/user/queue/reports');
    const ownerInbox = await join(ownerClient, room.id);
    const authorClient = await parley.connect(author.token);
    await join(authorClient, room.id);
    await post(authorClient, room.id, 'something nasty');
    await eventually(() => expect(ownerInbox.messages.length).toBeGreaterThan(0));
    const message = lastMessage(ownerInbox);

    const r1Client = await parley.connect(r1.token);
    await join(r1Client, room.id);
    const report = { messageId: message.id, reason: 'rude' };
    await send(r1Client, `/app/rooms.${room.id}.report`, report);
    // The same reporter twice is still one reporter.
    await send(r1Client, `/app/rooms.${room.id}.report`, report);
    await eventually(() => expect(counts.messages.map((m) => bodyOf(m).open)).toEqual([1, 2]));
    expect(counts.messages[0]?.headers['room-id']).toBe(room.id);
    expect(ownerInbox.messages.some((m) => m.headers.event === 'message.hidden')).toBe(false);

    const r2Client = await parley.connect(r2.token);
    await join(r2Client, room.id);
    await send(r2Client, `/app/rooms.${room.id}.report`, { messageId: message.id, reason: 'spam' });
    await eventually(() =>
      expect(ownerInbox.messages.map((m) => m.headers.event)).toContain('message.hidden'),
    );
    const hidden = bodyOf(ownerInbox.messages.find((m) => m.headers.event === 'message.hidden') as IMessage);
    expect(hidden.message).toMatchObject({ id: message.id, body: '', hidden: true });
    const history = (await call('GET', `/api/rooms/${room.id}/messages`)).body.messages as Message[];
    expect(history.find((m) => m.id === message.id)).toMatchObject({ body: '', hidden: true });
    // Staff review the body; so do operators, in the queue.
    const staffView = await call('GET', `/api/rooms/${room.id}/reports`, { token: owner.token });
    expect(staffView.body.open).toBe(3);
    expect((staffView.body.reports as Array<{ message: Message }>)[0]?.message).toMatchObject({
      body: 'something nasty',
      hidden: true,
    });
    const queue = (await admin('GET', 'reports')).body.items as Array<Record<string, unknown>>;
    const item = queue.find((i) => (i.message as Message).id === message.id);
    expect(item).toMatchObject({
      roomId: room.id,
      roomName: 'reported room',
      message: { body: 'something nasty' },
    });
    expect(item?.reports).toHaveLength(3);
    const ranked = (await admin('GET', 'rooms?order=reports')).body.rooms as Array<Record<string, unknown>>;
    expect(ranked[0]).toMatchObject({ id: room.id, openReports: 3 });

    // Staff dismiss in the room: the message is back, the count is 0, the audit log has it.
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, {
      action: 'dismissReports',
      messageId: message.id,
    });
    await eventually(() =>
      expect(ownerInbox.messages.map((m) => m.headers.event)).toContain('message.restored'),
    );
    await eventually(() =>
      expect(counts.messages.at(-1) && bodyOf(counts.messages.at(-1) as IMessage).open).toBe(0),
    );
    const restored = (await call('GET', `/api/rooms/${room.id}/messages`)).body.messages as Message[];
    expect(restored.find((m) => m.id === message.id)).toMatchObject({ body: 'something nasty' });
    expect(restored.find((m) => m.id === message.id)?.hidden).toBeUndefined();
    const audit = (await call('GET', `/api/rooms/${room.id}/audit`, { token: owner.token })).body
      .entries as Array<{
      action: string;
      details: Record<string, unknown>;
    }>;
    expect(audit.map((e) => e.action)).toEqual(['message.restored', 'message.hidden']);
    expect(audit[0]?.details).toEqual({ reportsDismissed: 3 });
    expect(((await admin('GET', 'reports')).body.items as unknown[]).length).toBe(0);

    // A new report lands in the operators' queue; the operator dismisses it there, then deletes another.
    await send(r2Client, `/app/rooms.${room.id}.report`, { messageId: message.id, reason: 'again' });
    const dismissed = await admin('POST', 'reports/dismiss', { roomId: room.id, messageId: message.id });
    expect(dismissed.body).toEqual({ dismissed: 1 });
    expect(
      errorCode(await admin('POST', 'reports/dismiss', { roomId: room.id, messageId: message.id })),
    ).toBe('not_found');
    await send(r2Client, `/app/rooms.${room.id}.report`, { messageId: message.id, reason: 'once more' });
    expect((await admin('POST', 'messages/delete', { roomId: room.id, messageId: message.id })).body).toEqual(
      {
        deleted: true,
      },
    );
    await eventually(() =>
      expect(ownerInbox.messages.map((m) => m.headers.event)).toContain('message.deleted'),
    );
    expect(((await admin('GET', 'reports')).body.items as unknown[]).length).toBe(0);
    const actions = ((await admin('GET', 'audit')).body.entries as Array<Record<string, unknown>>)
      .filter((e) => e.messageId === message.id)
      .map((e) => e.action);
    expect(actions).toEqual(['message.deleted', 'reports.dismissed']);
  });

  it('bans an identity and its address server-wide; another address is unaffected; lifting restores', async () => {
    const banned = await session('troll', '203.0.113.7');
    const bystander = await session('bystander', '198.51.100.9');
    // A recovery code made before the ban must not bring the identity back past it (see below).
    const recovery = await call('POST', '/api/sessions/recovery-code', {
      token: banned.token,
      forwardedFor: '203.0.113.7',
    });
    expect(recovery.status).toBe(201);
    const trollClient = await parley.connect(banned.token);
    let ended = '';
    trollClient.onStompError = (frame) => {
      ended = frame.headers.message ?? '';
    };
    const laid = await admin('POST', 'bans', { userId: banned.user.id, reason: 'abuse' });
    expect(laid.status).toBe(201);
    // Seen from two addresses: its HTTP calls' (203.0.113.7) and its socket's (this test's loopback).
    expect((laid.body.bans as Array<{ kind: string }>).map((b) => b.kind).sort()).toEqual([
      'address',
      'address',
      'user',
    ]);
    expect(JSON.stringify(laid.body)).not.toContain('203.0.113');
    await eventually(() => expect(ended).toContain('server_banned'));

    const me = await call('POST', '/api/rooms', { token: banned.token, body: { name: 'x' } });
    expect([me.status, errorCode(me)]).toEqual([403, 'server_banned']);
    // A fresh identity from the same address (another host of its /64 would be the same for IPv6).
    const fresh = await call('POST', '/api/sessions', {
      body: { nickname: 'troll2' },
      forwardedFor: '203.0.113.7',
    });
    expect([fresh.status, errorCode(fresh)]).toEqual([403, 'server_banned']);
    // The bystander's token from the banned address is refused too; from its own address it works.
    expect(
      errorCode(
        await call('POST', '/api/sessions/refresh', { token: bystander.token, forwardedFor: '203.0.113.7' }),
      ),
    ).toBe('server_banned');
    expect(
      (await call('POST', '/api/sessions/refresh', { token: bystander.token, forwardedFor: '198.51.100.9' }))
        .status,
    ).toBe(200);
    expect((await session('newcomer', '198.51.100.10')).user.nickname).toBe('newcomer');
    // Nor does its recovery code, even from an address the ban never saw.
    const recovered = await call('POST', '/api/sessions/recover', {
      body: { code: recovery.body.code },
      forwardedFor: '192.0.2.44',
    });
    expect([recovered.status, errorCode(recovered)]).toEqual([403, 'server_banned']);
    await expect(parley.connect(banned.token)).rejects.toThrow();

    const listed = (await admin('GET', 'bans')).body.bans as Array<{ user: { id: string } }>;
    expect(listed.filter((b) => b.user.id === banned.user.id)).toHaveLength(3);
    expect((await admin('POST', 'bans/lift', { userId: banned.user.id })).body).toEqual({ lifted: 3 });
    expect(errorCode(await admin('POST', 'bans/lift', { userId: banned.user.id }))).toBe('not_banned');
    expect(
      (await call('POST', '/api/sessions', { body: { nickname: 'troll3' }, forwardedFor: '203.0.113.7' }))
        .status,
    ).toBe(201);
    const back = await parley.connect(banned.token);
    expect(back.connected).toBe(true);
  });

  it('filters words server-wide and per room (refuse or mask), names too; reserved names', async () => {
    const settings = await admin('POST', 'settings', {
      reservedNames: ['Support'],
      wordFilter: { mode: 'refuse', words: ['forbidden'] },
    });
    expect(settings.body).toEqual({
      reservedNames: ['Support'],
      wordFilter: { mode: 'refuse', words: ['forbidden'] },
    });
    expect(errorCode(await call('POST', '/api/sessions', { body: { nickname: 'ＳＵＰＰＯＲＴ' } }))).toBe(
      'nickname_reserved',
    );
    expect(errorCode(await call('POST', '/api/sessions', { body: { nickname: 'x forbidden x' } }))).toBe(
      'word_filtered',
    );
    // A rename is held to the same list as a new identity.
    const renaming = await session('renamer');
    const rename = (nickname: string): Promise<Answer> =>
      call('POST', '/api/sessions/rename', { token: renaming.token, body: { nickname } });
    expect(errorCode(await rename('Support'))).toBe('nickname_reserved');
    // Reserved names are compared as the built-in ones: look-alikes, digits and separators do not disguise.
    expect(errorCode(await rename('Supp0rt'))).toBe('nickname_reserved');
    expect(errorCode(await rename('s.u.p.p.o.r.t'))).toBe('nickname_reserved');
    expect(errorCode(await rename('a Forbidden name'))).toBe('word_filtered');
    expect((await rename('renamed fine')).status).toBe(200);
    const owner = await session('filterer');
    expect(
      errorCode(await call('POST', '/api/rooms', { token: owner.token, body: { name: 'FORBIDDEN zone' } })),
    ).toBe('word_filtered');
    const room = await parley.createRoom(owner.token, 'clean words');
    const client = await parley.connect(owner.token);
    const errors = await subscribed(client, '/user/queue/errors');
    const inbox = await join(client, room.id);
    expect(await refusal(client, errors, `/app/rooms.${room.id}`, { body: 'so for\u200Bbidden' })).toBe(
      'word_filtered',
    );

    await send(client, `/app/rooms.${room.id}.moderate`, {
      action: 'settings',
      wordFilter: { mode: 'mask', words: ['darn', 'heck'] },
    });
    await post(client, room.id, 'oh DARN it, what the ｈｅｃｋ');
    await eventually(() => expect(lastMessage(inbox).body).toBe('oh *** it, what the ***'));
    const list = await call('GET', `/api/rooms/${room.id}/word-filter`, { token: owner.token });
    expect(list.body).toEqual({
      wordFilter: { mode: 'mask', words: ['darn', 'heck'] },
      reportHideThreshold: null,
    });
    // Members never see the list: not in the room, not in the update event.
    const outside = await call('GET', `/api/rooms/${room.id}`);
    expect(JSON.stringify(outside.body)).not.toContain('darn');
    expect(
      inbox.messages
        .filter((m) => m.headers.event === 'room.updated')
        .map((m) => m.body)
        .join(),
    ).not.toContain('darn');
    expect(
      await refusal(client, errors, `/app/rooms.${room.id}.moderate`, {
        action: 'settings',
        topic: 'the heck topic',
      }),
    ).toBe('word_filtered');
    // Over the configured size: refused.
    const tooMany = Array.from({ length: 501 }, (_, i) => `w${i}`);
    expect(
      await refusal(client, errors, `/app/rooms.${room.id}.moderate`, {
        action: 'settings',
        wordFilter: { mode: 'refuse', words: tooMany },
      }),
    ).toBe('invalid_request');
    expect(errorCode(await admin('POST', 'settings', { wordFilter: { mode: 'mask', words: tooMany } }))).toBe(
      'invalid_request',
    );
    await admin('POST', 'settings', { reservedNames: [], wordFilter: null });
    await post(client, room.id, 'forbidden fruit');
    await eventually(() => expect(lastMessage(inbox).body).toBe('forbidden fruit'));
  });
});
