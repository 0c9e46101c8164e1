// The wire contract (src/protocol) against a real server on every storage backend: every JSON body the
// HTTP API answers is held to its schema with no field more or less, and so are the STOMP bodies a
// member meets on the way (room events, mentions, the kicked and banned notices on /user/queue/errors).
// A field added, renamed or dropped on either side fails here, as does an error code outside the catalogue.
import type { Client, IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditPageSchema,
  BansSchema,
  ClientLimitsSchema,
  ERROR_CATALOGUE,
  ErrorBodySchema,
  HealthSchema,
  IdentitySchema,
  LinkCodeSchema,
  MembersSchema,
  MessageSchema,
  MessagesPageSchema,
  OwnershipSchema,
  ReadinessSchema,
  RecoveryCodeSchema,
  ReportsSchema,
  RoomEventSchema,
  RoomGrantSchema,
  RoomPageSchema,
  RoomSchema,
  type Session,
  SessionSchema,
  UnreadSchema,
  WireErrorSchema,
} from '../src/protocol/index.js';
import { join, send, subscribed } from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import {
  type ApiCallOptions,
  availableBackends,
  callApi,
  startTestParley,
  type TestParley,
} from './support/parley.js';
import type { Inbox } from './support/stompjs-client.js';
import { exactly } from './support/wire-shape.js';

const backends = await availableBackends();

describe.each(backends)('HTTP bodies against src/protocol on %s', (backend) => {
  let parley: TestParley;
  let owner: Session;
  let bob: Session;

  /** The status and parsed JSON body of a request. */
  const call = (
    method: 'GET' | 'POST',
    path: string,
    options?: ApiCallOptions,
  ): Promise<{ status: number; body: unknown }> => callApi(parley.url, method, path, options);

  const connect = (session: Session): Promise<{ client: Client; errors: Inbox }> =>
    parley.connectWithErrors(session);

  beforeAll(async () => {
    parley = await startTestParley({ backend });
    owner = exactly(
      SessionSchema,
      (await call('POST', '/api/sessions', { body: { nickname: 'owner' } })).body,
      'POST /api/sessions',
    );
    bob = exactly(
      SessionSchema,
      (await call('POST', '/api/sessions', { body: { nickname: 'bob' } })).body,
      'POST /api/sessions',
    );
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  it('sessions: issue, refresh and revoke answer a session', async () => {
    const issued = await call('POST', '/api/sessions', { body: { nickname: 'carol' } });
    expect(issued.status).toBe(201);
    const carol = exactly(SessionSchema, issued.body, 'POST /api/sessions');
    const refreshed = await call('POST', '/api/sessions/refresh', { token: carol.token });
    expect(exactly(SessionSchema, refreshed.body, 'POST /api/sessions/refresh').user).toEqual(carol.user);
    const revoked = await call('POST', '/api/sessions/revoke', { token: carol.token });
    expect(exactly(SessionSchema, revoked.body, 'POST /api/sessions/revoke').user).toEqual(carol.user);
  });

  it('identity: rename, describe, recovery and link codes answer exactly their schemas', async () => {
    const dora = exactly(
      SessionSchema,
      (await call('POST', '/api/sessions', { body: { nickname: 'dora' } })).body,
      'POST /api/sessions',
    );
    const renamed = await call('POST', '/api/sessions/rename', {
      token: dora.token,
      body: { nickname: 'dorota' },
    });
    expect(exactly(SessionSchema, renamed.body, 'POST /api/sessions/rename').user.id).toBe(dora.user.id);
    const described = await call('GET', '/api/sessions/identity', { token: dora.token });
    expect(exactly(IdentitySchema, described.body, 'GET /api/sessions/identity').user.nickname).toBe(
      'dorota',
    );
    const recovery = await call('POST', '/api/sessions/recovery-code', { token: dora.token });
    expect(recovery.status).toBe(201);
    const { code } = exactly(RecoveryCodeSchema, recovery.body, 'POST /api/sessions/recovery-code');
    const recovered = await call('POST', '/api/sessions/recover', { body: { code } });
    expect(recovered.status).toBe(201);
    expect(exactly(SessionSchema, recovered.body, 'POST /api/sessions/recover').user.id).toBe(dora.user.id);
    const link = await call('POST', '/api/sessions/link-code', { token: dora.token });
    expect(link.status).toBe(201);
    const linkCode = exactly(LinkCodeSchema, link.body, 'POST /api/sessions/link-code').code;
    const linked = await call('POST', '/api/sessions/link', { body: { code: linkCode } });
    expect(linked.status).toBe(201);
    expect(exactly(SessionSchema, linked.body, 'POST /api/sessions/link').user.id).toBe(dora.user.id);
    const refused = await call('POST', '/api/sessions/link', { body: { code: linkCode } });
    expect(exactly(ErrorBodySchema, refused.body, 'POST /api/sessions/link').error.code).toBe('invalid_code');
  });

  it('limits, health and readiness', async () => {
    exactly(ClientLimitsSchema, (await call('GET', '/api/limits')).body, 'GET /api/limits');
    exactly(HealthSchema, (await call('GET', '/healthz')).body, 'GET /healthz');
    const ready = await call('GET', '/readyz');
    expect(exactly(ReadinessSchema, ready.body, 'GET /readyz').status).toBe('ready');
  });

  it('rooms: created, listed in pages, read whole and as a password room’s outline, joined', async () => {
    const created = await call('POST', '/api/rooms', {
      token: owner.token,
      body: { name: 'shapes', topic: 'wire' },
    });
    expect(created.status).toBe(201);
    const room = exactly(RoomSchema, created.body, 'POST /api/rooms');
    await call('POST', '/api/rooms', { token: owner.token, body: { name: 'shapes two' } });
    const first = exactly(RoomPageSchema, (await call('GET', '/api/rooms?limit=1')).body, 'GET /api/rooms');
    expect(first.nextCursor).not.toBeNull();
    const rest = await call(
      'GET',
      `/api/rooms?limit=100&cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
    );
    expect(exactly(RoomPageSchema, rest.body, 'GET /api/rooms (last page)').nextCursor).toBeNull();
    exactly(RoomSchema, (await call('GET', `/api/rooms/${room.id}`)).body, 'GET /api/rooms/:id');

    const { client } = await connect(owner);
    await send(client, `/app/rooms.${room.id}.moderate`, { action: 'settings', password: 'sesame' });
    const outline = exactly(RoomSchema, (await call('GET', `/api/rooms/${room.id}`)).body, 'outline');
    expect(outline.hasPassword).toBe(true);
    const joined = await call('POST', `/api/rooms/${room.id}/join`, {
      token: bob.token,
      body: { password: 'sesame' },
    });
    const { grant } = exactly(RoomGrantSchema, joined.body, 'POST /api/rooms/:id/join');
    const whole = await call('GET', `/api/rooms/${room.id}`, { grant, token: bob.token });
    expect(exactly(RoomSchema, whole.body, 'GET /api/rooms/:id with grant').topic).toBe('wire');
  });

  it('history, members, unread, reports, bans and the audit log; room events, mentions and notices on STOMP', async () => {
    const room = exactly(
      RoomSchema,
      (await call('POST', '/api/rooms', { token: owner.token, body: { name: 'busy' } })).body,
      'POST /api/rooms',
    );
    const topic = `/topic/rooms.${room.id}`;
    const asOwner = await connect(owner);
    const watcher = await join(asOwner.client, room.id);
    const asBob = await connect(bob);
    const mentions = await subscribed(asBob.client, '/user/queue/mentions');
    await join(asBob.client, room.id);

    await send(asBob.client, topic.replace('/topic/', '/app/'), { body: 'first', clientMsgId: 'c-1' });
    const [first] = exactly(
      MessagesPageSchema,
      (await call('GET', `/api/rooms/${room.id}/messages`)).body,
      'GET /api/rooms/:id/messages',
    ).messages;
    if (first === undefined) throw new Error('no message');
    await send(asOwner.client, `/app/rooms.${room.id}`, {
      body: `hi @${bob.user.nickname}#${bob.user.tag}`,
      replyTo: first.id,
    });
    await send(asOwner.client, `/app/rooms.${room.id}.react`, { messageId: first.id, emoji: '👍', on: true });
    await send(asBob.client, `/app/rooms.${room.id}.edit`, { messageId: first.id, body: 'first, edited' });
    await send(asBob.client, `/app/rooms.${room.id}.report`, { messageId: first.id, reason: 'testing' });
    await send(asBob.client, `/app/rooms.${room.id}.read`, { seq: first.seq });
    await send(asOwner.client, `/app/rooms.${room.id}`, { body: 'unread by bob' });

    const page = exactly(
      MessagesPageSchema,
      (await call('GET', `/api/rooms/${room.id}/messages`)).body,
      'GET /api/rooms/:id/messages',
    );
    const [edited, reply] = page.messages;
    expect(edited?.reactions?.[0]?.count).toBe(1);
    expect(edited?.editedAt).toBeDefined();
    expect(reply?.replyTo?.id).toBe(first.id);
    expect(reply?.mentions).toEqual([bob.user]);
    await eventually(() => expect(mentions.messages).toHaveLength(1));
    exactly(MessageSchema, JSON.parse(mentions.messages[0]?.body ?? ''), '/user/queue/mentions');

    const members = exactly(
      MembersSchema,
      (await call('GET', `/api/rooms/${room.id}/members`)).body,
      'GET /api/rooms/:id/members',
    );
    expect(members.members.map((m) => m.id).sort()).toEqual([owner.user.id, bob.user.id].sort());
    const unread = exactly(
      UnreadSchema,
      (await call('GET', '/api/me/unread', { token: bob.token })).body,
      'GET /api/me/unread',
    );
    // The reply and the last message came after what bob read.
    // The reply mentions bob.
    expect(unread.rooms).toEqual([
      { roomId: room.id, name: room.name, lastReadSeq: first.seq, unread: 2, mentions: 1 },
    ]);
    const reports = exactly(
      ReportsSchema,
      (await call('GET', `/api/rooms/${room.id}/reports`, { token: owner.token })).body,
      'GET /api/rooms/:id/reports',
    );
    expect(reports.reports[0]?.message.id).toBe(first.id);

    // Staff actions: a delete, a mute, settings, a kick (bob may come back), then a ban.
    await send(asOwner.client, `/app/rooms.${room.id}.delete`, { messageId: first.id });
    await send(asOwner.client, `/app/rooms.${room.id}.moderate`, {
      action: 'mute',
      userId: bob.user.id,
      seconds: 60,
      reason: 'calm down',
    });
    await send(asOwner.client, `/app/rooms.${room.id}.moderate`, { action: 'unmute', userId: bob.user.id });
    await send(asOwner.client, `/app/rooms.${room.id}.moderate`, { action: 'settings', slowModeSeconds: 5 });
    await send(asOwner.client, `/app/rooms.${room.id}.moderate`, {
      action: 'kick',
      userId: bob.user.id,
      seconds: 0,
    });
    // Every code on /user/queue/errors is one of the catalogue, with nothing else in the body.
    const notice = async (code: string): Promise<IMessage> =>
      eventually(() => {
        const found = asBob.errors.messages.find((m) => m.body.includes(`"${code}"`));
        if (found === undefined) throw new Error(`no ${code} notice: ${asBob.errors.bodies().join('|')}`);
        return found;
      });
    const kicked = await notice('kicked');
    expect(kicked.headers['room-id']).toBe(room.id);
    expect(exactly(WireErrorSchema, JSON.parse(kicked.body), 'kicked notice').code).toBe('kicked');
    expect(ERROR_CATALOGUE.kicked.stomp).toBe('queue');
    await join(asBob.client, room.id);
    await send(asOwner.client, `/app/rooms.${room.id}.moderate`, {
      action: 'ban',
      userId: bob.user.id,
      reason: 'enough',
    });
    const banned = await notice('banned');
    expect(exactly(WireErrorSchema, JSON.parse(banned.body), 'banned notice').code).toBe('banned');

    const bans = exactly(
      BansSchema,
      (await call('GET', `/api/rooms/${room.id}/bans`, { token: owner.token })).body,
      'GET /api/rooms/:id/bans',
    );
    expect(bans.bans).toMatchObject([{ user: bob.user, until: null, reason: 'enough', by: owner.user }]);
    const ownership = exactly(
      OwnershipSchema,
      (await call('GET', `/api/rooms/${room.id}/ownership`, { token: owner.token })).body,
      'GET /api/rooms/:id/ownership',
    );
    expect(ownership).toMatchObject({ ownerId: owner.user.id, absent: false });

    // Every room event the watcher saw is one of the union.
    await eventually(() =>
      expect(watcher.messages.filter((m) => m.headers.event === 'member.banned')).toHaveLength(1),
    );
    const events = watcher.messages.filter((m) => m.headers.event !== undefined);
    expect(new Set(events.map((m) => m.headers.event))).toEqual(
      new Set([
        'reaction.changed',
        'message.edited',
        'message.deleted',
        'member.muted',
        'member.unmuted',
        'room.updated',
        'member.kicked',
        'member.banned',
      ]),
    );
    for (const frame of events) {
      const decoded = RoomEventSchema.safeParse(JSON.parse(frame.body));
      expect(decoded.success, frame.body).toBe(true);
      expect(decoded.data?.type).toBe(frame.headers.event);
    }

    // The audit log: ids are the events' seqs (numbers), newest first, and `before` pages by them.
    const audit = exactly(
      AuditPageSchema,
      (await call('GET', `/api/rooms/${room.id}/audit`, { token: owner.token })).body,
      'GET /api/rooms/:id/audit',
    );
    expect(audit.entries.map((e) => e.action)).toEqual([
      'member.banned',
      'member.kicked',
      'room.updated',
      'member.unmuted',
      'member.muted',
      'message.deleted',
    ]);
    const seqs = events.map((m) => Number(m.headers.seq));
    for (const entry of audit.entries) expect(seqs).toContain(entry.id);
    const third = audit.entries[2];
    if (third === undefined) throw new Error('no third entry');
    const older = exactly(
      AuditPageSchema,
      (await call('GET', `/api/rooms/${room.id}/audit?before=${third.id}`, { token: owner.token })).body,
      'GET /api/rooms/:id/audit?before=',
    );
    expect(older.entries.map((e) => e.id)).toEqual(audit.entries.slice(3).map((e) => e.id));
  });

  it('refusals: the error envelope with a catalogue code and its status', async () => {
    const refusals = [
      await call('GET', '/api/rooms/no-such-room'),
      await call('GET', '/api/rooms?limit=0'),
      await call('POST', '/api/sessions/refresh', { body: {} }),
      await call('POST', '/api/sessions', { body: { nickname: '' } }),
      await call('GET', '/api/nothing-here'),
    ];
    expect(
      refusals.map(({ status, body }) => [status, exactly(ErrorBodySchema, body, 'error').error.code]),
    ).toEqual([
      [404, 'room_not_found'],
      [400, 'invalid_request'],
      [401, 'unauthorized'],
      [400, 'invalid_nickname'],
      [404, 'not_found'],
    ]);
    for (const { status, body } of refusals) {
      const { code } = exactly(ErrorBodySchema, body, 'error').error;
      expect(ERROR_CATALOGUE[code].status).toBe(status);
    }
  });
});
