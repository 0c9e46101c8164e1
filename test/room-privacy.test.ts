// Password rooms are private on every path, and talking needs joining, over real sockets and HTTP on
// one node: outsiders and the banned are refused for every read (history, members, details, the room
// list, presence, mentions) and every write (SEND, typing, edit, delete, react, report, read markers);
// members holding a room grant (POST /api/rooms/:id/join) or the password succeed; grants end with
// their time, a password change, or a ban. On open rooms, SEND without a subscription is not_joined.
import type { Client, IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Room } from '../src/chat/model.js';
import { ManualClock } from '../src/clock.js';
import { join, refusal, send, subscribed, subscribeRefusal } from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import {
  type ApiCallOptions,
  callApi,
  type Session,
  startTestParley,
  type TestParley,
} from './support/parley.js';
import { type Inbox, receiptOf } from './support/stompjs-client.js';

const GRANT_TTL_SECONDS = 600;

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

describe('room privacy and joining', () => {
  let parley: TestParley;
  const clock = new ManualClock(Date.now());
  let owner: Session;
  let alice: Session;
  let eve: Session;
  let bob: Session;

  const connect = (session: Session): Promise<{ client: Client; errors: Inbox }> =>
    parley.connectWithErrors(session);

  async function call(method: 'GET' | 'POST', path: string, options?: ApiCallOptions): Promise<Reply> {
    const { status, body } = await callApi(parley.url, method, path, options);
    return { status, body: body as Record<string, unknown> };
  }

  const codeOf = (reply: Reply): unknown => (reply.body.error as { code?: unknown } | undefined)?.code;

  async function grantFor(session: Session, roomId: string, password?: string): Promise<string> {
    const reply = await call('POST', `/api/rooms/${roomId}/join`, {
      token: session.token,
      body: password === undefined ? {} : { password },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.expiresAt).toBe(
      new Date((Math.floor(clock.now() / 1000) + GRANT_TTL_SECONDS) * 1000).toISOString(),
    );
    return String(reply.body.grant);
  }

  /** A password room with a topic, a moderator, a message from the owner; bob banned, holding an old grant. */
  async function secretRoom(name: string): Promise<{ room: Room; ownerClient: Client; bobGrant: string }> {
    const room = await parley.createRoom(owner.token, name, 'secret plans');
    const { client: ownerClient } = await connect(owner);
    const moderate = `/app/rooms.${room.id}.moderate`;
    await send(ownerClient, moderate, { action: 'settings', password: 'sesame' });
    await send(ownerClient, moderate, { action: 'appoint', userId: alice.user.id });
    await send(ownerClient, moderate, { action: 'dismiss', userId: alice.user.id });
    await join(ownerClient, room.id);
    await send(ownerClient, `/app/rooms.${room.id}`, { body: 'the vault code is 1234' });
    const bobGrant = await grantFor(bob, room.id, 'sesame');
    await send(ownerClient, moderate, { action: 'ban', userId: bob.user.id });
    return { room, ownerClient, bobGrant };
  }

  beforeAll(async () => {
    parley = await startTestParley({
      overrides: { clock },
      env: { ROOM_GRANT_TTL_SECONDS: String(GRANT_TTL_SECONDS) },
    });
    owner = await parley.session('owner');
    alice = await parley.session('alice');
    eve = await parley.session('eve');
    bob = await parley.session('bob');
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  it('HTTP: history and members need the grant; outsiders and the anonymous get not_joined, the banned banned', async () => {
    const { room, bobGrant } = await secretRoom('vault http');
    for (const path of [`/api/rooms/${room.id}/messages`, `/api/rooms/${room.id}/members`]) {
      expect(codeOf(await call('GET', path))).toBe('not_joined');
      const outsider = await call('GET', path, { token: eve.token });
      expect([outsider.status, codeOf(outsider)]).toEqual([403, 'not_joined']);
      // Banned: by bearer identity, by the grant issued before the ban, or both.
      for (const viewer of [
        { token: bob.token },
        { grant: bobGrant },
        { token: bob.token, grant: bobGrant },
      ]) {
        const banned = await call('GET', path, viewer);
        expect([banned.status, codeOf(banned)]).toEqual([403, 'banned']);
      }
      // Not a grant: garbage, an identity token, a grant of another room.
      for (const grant of [
        'garbage',
        eve.token,
        await grantFor(eve, (await parley.createRoom(eve.token, 'x')).id),
      ]) {
        expect(codeOf(await call('GET', path, { grant }))).toBe('not_joined');
      }
    }
    expect(
      JSON.stringify((await call('GET', `/api/rooms/${room.id}/messages`, { token: eve.token })).body),
    ).not.toContain('vault');

    // The wrong password gets no grant; the right one does, and the grant reads everything.
    const wrong = await call('POST', `/api/rooms/${room.id}/join`, {
      token: eve.token,
      body: { password: 'open' },
    });
    expect([wrong.status, codeOf(wrong)]).toEqual([403, 'wrong_password']);
    expect(codeOf(await call('POST', `/api/rooms/${room.id}/join`, { token: eve.token, body: {} }))).toBe(
      'wrong_password',
    );
    expect(
      codeOf(
        await call('POST', `/api/rooms/${room.id}/join`, { token: bob.token, body: { password: 'sesame' } }),
      ),
    ).toBe('banned');
    expect((await call('POST', `/api/rooms/${room.id}/join`, { body: { password: 'sesame' } })).status).toBe(
      401,
    );
    const grant = await grantFor(alice, room.id, 'sesame');
    const history = await call('GET', `/api/rooms/${room.id}/messages`, { grant });
    expect((history.body.messages as Message[]).map((m) => m.body)).toEqual(['the vault code is 1234']);
    expect((await call('GET', `/api/rooms/${room.id}/members`, { grant })).body.members).toEqual([
      owner.user,
    ]);
    // Staff read with their identity alone.
    expect((await call('GET', `/api/rooms/${room.id}/messages`, { token: owner.token })).status).toBe(200);
  });

  it('HTTP: the room list and details show a password room’s outline only, the grant shows it whole', async () => {
    const { room, bobGrant } = await secretRoom('vault outline');
    const outline = {
      name: 'vault outline',
      hasPassword: true,
      topic: null,
      moderators: [],
      lastMessageAt: null,
      online: 0,
    };
    const listed = await call('GET', `/api/rooms?q=${encodeURIComponent('vault outline')}`);
    expect(listed.body.rooms).toEqual([expect.objectContaining(outline)]);
    for (const viewer of [{}, { token: eve.token }, { token: bob.token }, { grant: bobGrant }]) {
      const details = await call('GET', `/api/rooms/${room.id}`, viewer);
      expect(details.status).toBe(200);
      expect(details.body).toMatchObject(outline);
      expect(JSON.stringify(details.body)).not.toContain('secret plans');
    }
    const whole = await call('GET', `/api/rooms/${room.id}`, {
      grant: await grantFor(alice, room.id, 'sesame'),
    });
    expect(whole.body).toMatchObject({ topic: 'secret plans', online: 1, lastMessageAt: expect.any(String) });
  });

  it('grants end with their time and with a password change; staff get one without the password', async () => {
    const { room, ownerClient } = await secretRoom('vault grants');
    const path = `/api/rooms/${room.id}/messages`;
    const grant = await grantFor(alice, room.id, 'sesame');
    clock.advance((GRANT_TTL_SECONDS - 1) * 1000);
    expect((await call('GET', path, { grant })).status).toBe(200);
    clock.advance(2000);
    expect(codeOf(await call('GET', path, { grant }))).toBe('not_joined');

    const fresh = await grantFor(alice, room.id, 'sesame');
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, { action: 'settings', password: 'sesame two' });
    expect(codeOf(await call('GET', path, { grant: fresh }))).toBe('not_joined');
    const { client, errors } = await connect(alice);
    expect(await subscribeRefusal(client, errors, `/topic/rooms.${room.id}`, { 'room-grant': fresh })).toBe(
      'wrong_password',
    );
    expect((await call('GET', path, { grant: await grantFor(owner, room.id) })).status).toBe(200);
  });

  it('a grant staff got without the password ends when they are dismissed (HTTP and SUBSCRIBE)', async () => {
    const { room, ownerClient } = await secretRoom('vault staff grant');
    const path = `/api/rooms/${room.id}/messages`;
    const moderate = `/app/rooms.${room.id}.moderate`;
    await send(ownerClient, moderate, { action: 'appoint', userId: alice.user.id });
    const staffGrant = await grantFor(alice, room.id);
    expect((await call('GET', path, { grant: staffGrant })).status).toBe(200);
    await send(ownerClient, moderate, { action: 'dismiss', userId: alice.user.id });
    await eventually(async () => {
      expect(codeOf(await call('GET', path, { grant: staffGrant }))).toBe('not_joined');
    });
    expect(codeOf(await call('GET', `/api/rooms/${room.id}/members`, { grant: staffGrant }))).toBe(
      'not_joined',
    );
    const { client, errors } = await connect(alice);
    expect(
      await subscribeRefusal(client, errors, `/topic/rooms.${room.id}`, { 'room-grant': staffGrant }),
    ).toBe('wrong_password');
    // A grant earned with the password still works for the member she is now.
    expect((await call('GET', path, { grant: await grantFor(alice, room.id, 'sesame') })).status).toBe(200);
  });

  it('sign out everywhere ends the room grants issued before it; a grant from the fresh token works', async () => {
    const { room } = await secretRoom('vault revoked grant');
    const path = `/api/rooms/${room.id}/messages`;
    const carol = await parley.session('carol');
    const stolen = await grantFor(carol, room.id, 'sesame');
    expect((await call('GET', path, { grant: stolen })).status).toBe(200);
    clock.advance(1000); // the manual clock stands still: the revocation comes later than the grant
    const revoked = await call('POST', '/api/sessions/revoke', { token: carol.token });
    expect(revoked.status).toBe(200);
    expect(codeOf(await call('GET', path, { grant: stolen }))).toBe('not_joined');
    expect(codeOf(await call('GET', `/api/rooms/${room.id}/members`, { grant: stolen }))).toBe('not_joined');
    const fresh = await grantFor({ ...carol, token: String(revoked.body.token) }, room.id, 'sesame');
    expect((await call('GET', path, { grant: fresh })).status).toBe(200);
  });

  it('STOMP: outsiders and the banned can neither subscribe nor say anything; a grant or the password lets a member in', async () => {
    const { room } = await secretRoom('vault stomp');
    const [message] = (await call('GET', `/api/rooms/${room.id}/messages`, { token: owner.token })).body
      .messages as Message[];
    const writes: Array<[string, unknown]> = [
      [`/app/rooms.${room.id}`, { body: 'let me in' }],
      [`/app/rooms.${room.id}.typing`, {}],
      [`/app/rooms.${room.id}.edit`, { messageId: message?.id, body: 'edited' }],
      [`/app/rooms.${room.id}.delete`, { messageId: message?.id }],
      [`/app/rooms.${room.id}.react`, { messageId: message?.id, emoji: '👍', on: true }],
      [`/app/rooms.${room.id}.report`, { messageId: message?.id, reason: 'nosy' }],
      [`/app/rooms.${room.id}.read`, { seq: 1 }],
    ];
    const asEve = await connect(eve);
    const asBob = await connect(bob);
    for (const topic of [`/topic/rooms.${room.id}`, `/topic/rooms.${room.id}.presence`]) {
      expect(await subscribeRefusal(asEve.client, asEve.errors, topic)).toBe('wrong_password');
      expect(await subscribeRefusal(asEve.client, asEve.errors, topic, { 'room-grant': 'forged' })).toBe(
        'wrong_password',
      );
      expect(await subscribeRefusal(asBob.client, asBob.errors, topic, { 'room-password': 'sesame' })).toBe(
        'banned',
      );
    }
    // Someone else's grant is not yours.
    const aliceGrant = await grantFor(alice, room.id, 'sesame');
    expect(
      await subscribeRefusal(asEve.client, asEve.errors, `/topic/rooms.${room.id}`, {
        'room-grant': aliceGrant,
      }),
    ).toBe('wrong_password');
    for (const [destination, body] of writes) {
      expect(await refusal(asEve.client, asEve.errors, destination, body), destination).toBe('not_joined');
      expect(await refusal(asBob.client, asBob.errors, destination, body), destination).toBe('banned');
    }
    const history = (await call('GET', `/api/rooms/${room.id}/messages`, { token: owner.token })).body
      .messages as Message[];
    expect(history.map((m) => [m.body, m.reactions])).toEqual([['the vault code is 1234', undefined]]);

    // A member with a grant: messages, then presence on the same connection without a second proof.
    const asAlice = await connect(alice);
    const live = await join(asAlice.client, room.id, { 'room-grant': aliceGrant });
    const presence = await subscribed(asAlice.client, `/topic/rooms.${room.id}.presence`);
    await send(asAlice.client, `/app/rooms.${room.id}`, { body: 'hello vault' });
    await send(asAlice.client, `/app/rooms.${room.id}.react`, {
      messageId: message?.id,
      emoji: '👍',
      on: true,
    });
    await send(asAlice.client, `/app/rooms.${room.id}.read`, { seq: 1 });
    await eventually(() => expect(live.messages.length).toBeGreaterThanOrEqual(2));
    expect(presence).toBeDefined();
    // Or with the password itself, on another connection.
    const asAlice2 = await connect(alice);
    await join(asAlice2.client, room.id, { 'room-password': 'sesame' });
    await send(asAlice2.client, `/app/rooms.${room.id}.typing`, {});
  });

  it('mentions from a password room reach only those inside it', async () => {
    const { room, ownerClient } = await secretRoom('vault mentions');
    const listen = async (session: Session): Promise<Inbox> =>
      subscribed((await connect(session)).client, '/user/queue/mentions');
    const eveMentions = await listen(eve);
    const ownerMentions = await listen(owner);
    const asAlice = await connect(alice);
    const aliceMentions = await subscribed(asAlice.client, '/user/queue/mentions');
    await join(asAlice.client, room.id, { 'room-password': 'sesame' });
    await send(ownerClient, `/app/rooms.${room.id}`, {
      body: `@eve#${eve.user.tag} @alice#${alice.user.tag} look`,
    });
    await eventually(() => expect(aliceMentions.messages).toHaveLength(1));
    await send(asAlice.client, `/app/rooms.${room.id}`, {
      body: `@eve#${eve.user.tag} @owner#${owner.user.tag}`,
    });
    await eventually(() => expect(ownerMentions.messages).toHaveLength(1));
    expect(eveMentions.messages).toHaveLength(0);
  });

  it('open rooms: talking needs joining, on this connection; the member cap holds for SEND; bans stop HTTP reads', async () => {
    const room = await parley.createRoom(owner.token, 'open plaza');
    const asEve = await connect(eve);
    expect(await refusal(asEve.client, asEve.errors, `/app/rooms.${room.id}`, { body: 'drive-by' })).toBe(
      'not_joined',
    );
    expect(await refusal(asEve.client, asEve.errors, `/app/rooms.nosuchroom`, { body: 'x' })).toBe(
      'room_not_found',
    );
    const entered = receiptOf(asEve.client, 'plaza-in');
    const sub = asEve.client.subscribe(`/topic/rooms.${room.id}`, () => undefined, { receipt: 'plaza-in' });
    await entered;
    await send(asEve.client, `/app/rooms.${room.id}`, { body: 'now I am in' });
    // Joined on another connection is not joined on this one.
    const asEve2 = await connect(eve);
    expect(await refusal(asEve2.client, asEve2.errors, `/app/rooms.${room.id}.typing`, {})).toBe(
      'not_joined',
    );
    sub.unsubscribe();
    expect(await refusal(asEve.client, asEve.errors, `/app/rooms.${room.id}`, { body: 'gone?' })).toBe(
      'not_joined',
    );

    const { client: ownerClient } = await connect(owner);
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, { action: 'settings', memberCap: 1 });
    const asAlice = await connect(alice);
    await join(asAlice.client, room.id);
    expect(await subscribeRefusal(asEve.client, asEve.errors, `/topic/rooms.${room.id}`)).toBe('room_full');
    expect(await refusal(asEve.client, asEve.errors, `/app/rooms.${room.id}`, { body: 'full?' })).toBe(
      'not_joined',
    );

    await send(ownerClient, `/app/rooms.${room.id}.moderate`, { action: 'ban', userId: bob.user.id });
    const path = `/api/rooms/${room.id}/messages`;
    expect(codeOf(await call('GET', path, { token: bob.token }))).toBe('banned');
    expect(codeOf(await call('GET', `/api/rooms/${room.id}/members`, { token: bob.token }))).toBe('banned');
    expect(codeOf(await call('GET', path, { token: 'not a token' }))).toBe('unauthorized');
    // The contract keeps open rooms readable without an identity.
    const anonymous = await call('GET', path);
    expect((anonymous.body.messages as Message[]).map((m) => m.body)).toEqual(['now I am in']);
    expect((await call('GET', path, { token: eve.token })).status).toBe(200);
  });

  it('events of a password room reach members only (nobody outside holds a subscription)', async () => {
    const { room, ownerClient } = await secretRoom('vault events');
    const asEve = await connect(eve);
    const eveRoom = asEve.client.subscribe(`/topic/rooms.${room.id}`, () => undefined);
    const asAlice = await connect(alice);
    const aliceRoom = await join(asAlice.client, room.id, { 'room-password': 'sesame' });
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, { action: 'settings', topic: 'new plans' });
    await eventually(() =>
      expect(aliceRoom.messages.map((m: IMessage) => m.headers.event)).toContain('room.updated'),
    );
    eveRoom.unsubscribe();
    expect(asEve.errors.messages.map((m) => (JSON.parse(m.body) as { code: string }).code)).toEqual([
      'wrong_password',
    ]);
  });
});
