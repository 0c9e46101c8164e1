// Owners, moderators and sanctions over real sockets (@stomp/stompjs) on every storage backend: who may
// moderate whom, mute, kick, ban (also across a new connection and a refreshed token), slow mode,
// member cap, password, room events live and on resume, the audit log and ban list over HTTP.
import type { Client, IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Room } from '../src/chat/model.js';
import { ManualClock } from '../src/clock.js';
import {
  bodyOf,
  getWithToken,
  join,
  refusal,
  refusalError,
  send,
  subscribed,
  subscribeRefusal,
} from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import {
  availableBackends,
  getJson,
  postJson,
  type Session,
  startTestParley,
  type TestParley,
} from './support/parley.js';
import { type Inbox, receiptOf } from './support/stompjs-client.js';

const backends = await availableBackends();

const events = (inbox: Inbox, type: string): IMessage[] =>
  inbox.messages.filter((m) => m.headers.event === type);

describe.each(backends)('moderation over STOMP on %s', (backend) => {
  let parley: TestParley;
  const clock = new ManualClock(Date.now());
  let owner: Session;
  let mod: Session;
  let mod2: Session;
  let bob: Session;
  let carol: Session;

  const connect = (session: Session): Promise<{ client: Client; errors: Inbox }> =>
    parley.connectWithErrors(session);
  const moderate = (roomId: string): string => `/app/rooms.${roomId}.moderate`;

  beforeAll(async () => {
    parley = await startTestParley({ backend, overrides: { clock } });
    owner = await parley.session('owner');
    mod = await parley.session('mod one');
    mod2 = await parley.session('mod two');
    bob = await parley.session('bob');
    carol = await parley.session('carol');
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  /** A room whose owner appointed `mod` and `mod2`. */
  async function staffedRoom(name: string): Promise<Room> {
    const room = await parley.createRoom(owner.token, name);
    const { client } = await connect(owner);
    await send(client, moderate(room.id), { action: 'appoint', userId: mod.user.id });
    await send(client, moderate(room.id), { action: 'appoint', userId: mod2.user.id });
    return room;
  }

  it('shows the owner and moderators in the room JSON, never a password', async () => {
    const room = await staffedRoom('roles');
    expect(room).toMatchObject({
      ownerId: owner.user.id,
      moderators: [],
      memberCap: null,
      slowModeSeconds: 0,
      hasPassword: false,
    });
    const { client } = await connect(owner);
    await send(client, moderate(room.id), {
      action: 'settings',
      password: 'sesame',
      memberCap: 10,
      topic: 'be kind',
    });
    // The whole room for staff; others see a password room's outline only (test/room-privacy).
    const read = await fetch(`${parley.url}/api/rooms/${room.id}`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    const text = await read.text();
    expect(JSON.parse(text)).toMatchObject({
      ownerId: owner.user.id,
      moderators: [mod.user, mod2.user],
      memberCap: 10,
      topic: 'be kind',
      hasPassword: true,
    });
    expect(text).not.toContain('sesame');
    expect(text).not.toContain('scrypt');
  });

  it('refuses moderation by members, appointments by moderators, and sanctions against the owner or a moderator', async () => {
    const room = await staffedRoom('rules');
    const asBob = await connect(bob);
    expect(
      await refusal(asBob.client, asBob.errors, moderate(room.id), { action: 'kick', userId: carol.user.id }),
    ).toBe('forbidden');
    expect(
      await refusal(asBob.client, asBob.errors, moderate(room.id), {
        action: 'settings',
        slowModeSeconds: 5,
      }),
    ).toBe('forbidden');
    const asMod = await connect(mod);
    expect(
      await refusal(asMod.client, asMod.errors, moderate(room.id), {
        action: 'appoint',
        userId: bob.user.id,
      }),
    ).toBe('forbidden');
    for (const action of ['mute', 'kick', 'ban']) {
      expect(
        await refusal(asMod.client, asMod.errors, moderate(room.id), {
          action,
          userId: owner.user.id,
          seconds: 60,
        }),
      ).toBe('forbidden');
      expect(
        await refusal(asMod.client, asMod.errors, moderate(room.id), {
          action,
          userId: mod2.user.id,
          seconds: 60,
        }),
      ).toBe('forbidden');
    }
    const asOwner = await connect(owner);
    expect(
      await refusal(asOwner.client, asOwner.errors, moderate(room.id), {
        action: 'ban',
        userId: owner.user.id,
      }),
    ).toBe('forbidden');
    expect(await refusal(asOwner.client, asOwner.errors, moderate(room.id), { action: 'explode' })).toBe(
      'invalid_request',
    );
    // The owner may sanction a moderator; a moderator may sanction a member.
    await send(asOwner.client, moderate(room.id), { action: 'mute', userId: mod2.user.id, seconds: 60 });
    await send(asMod.client, moderate(room.id), { action: 'mute', userId: bob.user.id, seconds: 60 });
  });

  it('mutes: SENDs are refused with muted until unmuted or the mute ends', async () => {
    const room = await staffedRoom('mutes');
    const asBob = await connect(bob);
    await join(asBob.client, room.id);
    const asMod = await connect(mod);
    await send(asBob.client, `/app/rooms.${room.id}`, { body: 'before' });
    await send(asMod.client, moderate(room.id), {
      action: 'mute',
      userId: bob.user.id,
      seconds: 120,
      reason: 'calm down',
    });
    expect(await refusal(asBob.client, asBob.errors, `/app/rooms.${room.id}`, { body: 'muted?' })).toBe(
      'muted',
    );
    // The muted member learns it from the room itself (their own mute only): no need to fail first.
    const seenByBob = await getWithToken(`${parley.url}/api/rooms/${room.id}`, bob.token);
    expect(seenByBob.body.mutedUntil).toBe(new Date(clock.now() + 120_000).toISOString());
    expect((await getWithToken(`${parley.url}/api/rooms/${room.id}`, carol.token)).body).not.toHaveProperty(
      'mutedUntil',
    );
    expect(await getJson<Record<string, unknown>>(`${parley.url}/api/rooms/${room.id}`)).not.toHaveProperty(
      'mutedUntil',
    );
    // Staff read who is muted (Unmute is offered for them alone, also after a reload); members may not.
    const mutes = await getWithToken(`${parley.url}/api/rooms/${room.id}/mutes`, mod.token);
    expect(mutes.status).toBe(200);
    expect(mutes.body.mutes).toEqual([
      {
        user: bob.user,
        until: new Date(clock.now() + 120_000).toISOString(),
        reason: 'calm down',
        by: mod.user,
        createdAt: new Date(clock.now()).toISOString(),
      },
    ]);
    expect((await getWithToken(`${parley.url}/api/rooms/${room.id}/mutes`, carol.token)).status).toBe(403);
    const [before] = (await getJson<{ messages: Message[] }>(`${parley.url}/api/rooms/${room.id}/messages`))
      .messages;
    expect(
      await refusal(asBob.client, asBob.errors, `/app/rooms.${room.id}.edit`, {
        messageId: before?.id,
        body: 'sneaky',
      }),
    ).toBe('muted');
    await send(asMod.client, moderate(room.id), { action: 'unmute', userId: bob.user.id });
    expect((await getWithToken(`${parley.url}/api/rooms/${room.id}/mutes`, mod.token)).body.mutes).toEqual(
      [],
    );
    await send(asBob.client, `/app/rooms.${room.id}`, { body: 'free again' });
    await send(asMod.client, moderate(room.id), { action: 'mute', userId: bob.user.id, seconds: 60 });
    expect(await refusal(asBob.client, asBob.errors, `/app/rooms.${room.id}`, { body: 'still?' })).toBe(
      'muted',
    );
    expect(
      (await getWithToken(`${parley.url}/api/rooms/${room.id}/mutes`, mod.token)).body.mutes,
    ).toHaveLength(1);
    clock.advance(61_000);
    expect((await getWithToken(`${parley.url}/api/rooms/${room.id}/mutes`, mod.token)).body.mutes).toEqual(
      [],
    );
    await send(asBob.client, `/app/rooms.${room.id}`, { body: 'the mute ran out' });
    expect((await getWithToken(`${parley.url}/api/rooms/${room.id}`, bob.token)).body).not.toHaveProperty(
      'mutedUntil',
    );
  });

  it('kick ends the subscription now, with a notice; the user may rejoin once the cool-down ends', async () => {
    const room = await staffedRoom('kicks');
    const asBob = await connect(bob);
    const bobInbox = await subscribed(asBob.client, `/topic/rooms.${room.id}`);
    const asOwner = await connect(owner);
    const watcher = await subscribed(asOwner.client, `/topic/rooms.${room.id}`);
    await send(asOwner.client, moderate(room.id), { action: 'kick', userId: bob.user.id, reason: 'spam' });
    const notice = await eventually(() => {
      const found = asBob.errors.messages.find((m) => bodyOf(m).code === 'kicked');
      if (found === undefined) throw new Error('no kicked notice');
      return found;
    });
    expect(notice.headers['room-id']).toBe(room.id);
    await eventually(() => expect(events(watcher, 'member.kicked')).toHaveLength(1));
    // The server's default cool-down (KICK_COOLDOWN_SECONDS, 600 s) from the kick's time.
    expect(bodyOf(events(watcher, 'member.kicked')[0] as IMessage)).toEqual({
      type: 'member.kicked',
      user: bob.user,
      until: new Date(clock.now() + 600_000).toISOString(),
      reason: 'spam',
      by: owner.user,
    });
    await send(asOwner.client, `/app/rooms.${room.id}`, { body: 'after the kick' });
    await eventually(() => expect(watcher.bodies().some((b) => b.includes('after the kick'))).toBe(true));
    expect(bobInbox.bodies().some((b) => b.includes('after the kick'))).toBe(false);
    // Out for a while: the rejoin is refused with how long is left, on this connection and a new one.
    const receipt = 'rejoin-too-soon';
    asBob.client.subscribe(`/topic/rooms.${room.id}`, () => {}, { receipt });
    const tooSoon = await eventually(() => {
      const found = asBob.errors.messages.find((m) => m.headers['receipt-id'] === receipt);
      if (found === undefined) throw new Error('no refusal yet');
      return bodyOf(found);
    });
    expect(tooSoon).toMatchObject({ code: 'kicked', retryAfterSeconds: 600 });
    const fresh = await connect(bob);
    expect(await subscribeRefusal(fresh.client, fresh.errors, `/topic/rooms.${room.id}`)).toBe('kicked');
    clock.advance(600_000);
    const again = await subscribed(asBob.client, `/topic/rooms.${room.id}`);
    await send(asOwner.client, `/app/rooms.${room.id}`, { body: 'welcome back' });
    await eventually(() => expect(again.bodies().some((b) => b.includes('welcome back'))).toBe(true));
  });

  it('ban ends the subscription and refuses SUBSCRIBE and SEND, on a new connection and with a refreshed token', async () => {
    const room = await staffedRoom('bans');
    const asBob = await connect(bob);
    await subscribed(asBob.client, `/topic/rooms.${room.id}`);
    const asMod = await connect(mod);
    await send(asMod.client, moderate(room.id), { action: 'ban', userId: bob.user.id, reason: 'abuse' });
    await eventually(() => expect(asBob.errors.messages.some((m) => bodyOf(m).code === 'banned')).toBe(true));

    const fresh = await connect(bob);
    expect(await subscribeRefusal(fresh.client, fresh.errors, `/topic/rooms.${room.id}`)).toBe('banned');
    expect(await refusal(fresh.client, fresh.errors, `/app/rooms.${room.id}`, { body: 'let me in' })).toBe(
      'banned',
    );
    const refreshed = await postJson<Session>(`${parley.url}/api/sessions/refresh`, {}, bob.token);
    expect(refreshed.token).not.toBe(bob.token);
    const withRefreshed = await connect(refreshed);
    expect(
      await subscribeRefusal(withRefreshed.client, withRefreshed.errors, `/topic/rooms.${room.id}`),
    ).toBe('banned');
    expect(
      await subscribeRefusal(withRefreshed.client, withRefreshed.errors, `/topic/rooms.${room.id}.presence`),
    ).toBe('banned');

    const bans = await getWithToken(`${parley.url}/api/rooms/${room.id}/bans`, mod.token);
    expect(bans.status).toBe(200);
    expect(bans.body.bans).toEqual([
      {
        user: bob.user,
        until: null,
        reason: 'abuse',
        by: mod.user,
        createdAt: expect.any(String),
        scope: 'identity',
      },
    ]);
    expect((await getWithToken(`${parley.url}/api/rooms/${room.id}/bans`, carol.token)).status).toBe(403);

    await send(asMod.client, moderate(room.id), { action: 'unban', userId: bob.user.id });
    await subscribed(withRefreshed.client, `/topic/rooms.${room.id}`);
    await send(withRefreshed.client, `/app/rooms.${room.id}`, { body: 'thanks' });
  });

  it('drops typing notices from muted and banned members, and relays everyone else’s', async () => {
    const room = await staffedRoom('typing');
    const watcher = await connect(owner);
    const presence = await subscribed(watcher.client, `/topic/rooms.${room.id}.presence`);
    const asBob = await connect(bob);
    const asCarol = await connect(carol);
    await join(asBob.client, room.id);
    await join(asCarol.client, room.id);
    const asMod = await connect(mod);
    const typing = `/app/rooms.${room.id}.typing`;
    const typists = () =>
      presence.messages
        .map((m) => JSON.parse(m.body) as { type: string; user: { nickname: string } })
        .filter((e) => e.type === 'typing')
        .map((e) => e.user.nickname);

    await send(asBob.client, typing, {});
    await eventually(() => expect(typists()).toEqual(['bob']));

    await send(asMod.client, moderate(room.id), { action: 'mute', userId: bob.user.id, seconds: 600 });
    // Each SEND is answered after its route ran, so carol's notice arriving means bob's was handled first.
    await send(asBob.client, typing, {});
    await send(asCarol.client, typing, {});
    await eventually(() => expect(typists()).toEqual(['bob', 'carol']));

    await send(asMod.client, moderate(room.id), { action: 'unmute', userId: bob.user.id });
    await send(asMod.client, moderate(room.id), { action: 'ban', userId: bob.user.id });
    // The ban ended bob's subscription: no longer in the room, his notices are refused outright.
    expect(await refusal(asBob.client, asBob.errors, typing, {})).toBe('banned');
    await send(asCarol.client, typing, {});
    await eventually(() => expect(typists()).toEqual(['bob', 'carol', 'carol']));
  });

  it('a timed ban ends by itself', async () => {
    const room = await staffedRoom('timed ban');
    const asOwner = await connect(owner);
    await send(asOwner.client, moderate(room.id), { action: 'ban', userId: carol.user.id, seconds: 30 });
    const asCarol = await connect(carol);
    expect(await subscribeRefusal(asCarol.client, asCarol.errors, `/topic/rooms.${room.id}`)).toBe('banned');
    clock.advance(31_000);
    await subscribed(asCarol.client, `/topic/rooms.${room.id}`);
  });

  it('slow mode: one message per N seconds per member, staff exempt', async () => {
    const room = await staffedRoom('slow');
    const asOwner = await connect(owner);
    await send(asOwner.client, moderate(room.id), { action: 'settings', slowModeSeconds: 30 });
    const asBob = await connect(bob);
    await join(asBob.client, room.id);
    await send(asBob.client, `/app/rooms.${room.id}`, { body: 'one' });
    const error = await refusalError(asBob.client, asBob.errors, `/app/rooms.${room.id}`, { body: 'two' });
    expect(error.code).toBe('slow_mode');
    expect(String(error.message)).toMatch(/30 s/);
    const asMod = await connect(mod);
    await join(asMod.client, room.id);
    await send(asMod.client, `/app/rooms.${room.id}`, { body: 'staff 1' });
    await send(asMod.client, `/app/rooms.${room.id}`, { body: 'staff 2' });
    clock.advance(30_000);
    await send(asBob.client, `/app/rooms.${room.id}`, { body: 'three' });
  });

  it('member cap: refuses a new user when the room is full, not one already in', async () => {
    const room = await staffedRoom('capped');
    const asOwner = await connect(owner);
    await send(asOwner.client, moderate(room.id), { action: 'settings', memberCap: 1 });
    const asBob = await connect(bob);
    await subscribed(asBob.client, `/topic/rooms.${room.id}`);
    const asCarol = await connect(carol);
    expect(await subscribeRefusal(asCarol.client, asCarol.errors, `/topic/rooms.${room.id}`)).toBe(
      'room_full',
    );
    // Bob is already in: a second subscription (another tab) is not a new member.
    const bobAgain = await connect(bob);
    await subscribed(bobAgain.client, `/topic/rooms.${room.id}`);
    // Staff are exempt.
    await subscribed(asOwner.client, `/topic/rooms.${room.id}`);
  });

  it('member cap holds when many take the last places at once', async () => {
    const room = await staffedRoom('rush');
    const asOwner = await connect(owner);
    await send(asOwner.client, moderate(room.id), { action: 'settings', memberCap: 2 });
    const crowd = await Promise.all(Array.from({ length: 8 }, (_, i) => parley.session(`rush${i}`)));
    const connections = await Promise.all(crowd.map((session) => connect(session)));
    // All SUBSCRIBE at once: every one passes the early count, so the join itself must hold the cap.
    const outcomes = await Promise.all(
      connections.map(({ client, errors }, i) => {
        const receipt = `rush-${i}`;
        const admitted = receiptOf(client, receipt, 10_000).then(() => 'admitted');
        const refused = eventually(() => {
          const error = errors.messages.find((m) => m.headers['receipt-id'] === receipt);
          if (error === undefined) throw new Error(`no answer to ${receipt} yet`);
          return String(bodyOf(error).code);
        });
        admitted.catch(() => undefined);
        refused.catch(() => undefined);
        client.subscribe(`/topic/rooms.${room.id}`, () => {}, { receipt });
        return Promise.race([admitted, refused]);
      }),
    );
    expect(outcomes.filter((o) => o === 'admitted')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'room_full')).toHaveLength(6);
    const members = await getJson<{ members: unknown[] }>(`${parley.url}/api/rooms/${room.id}/members`);
    expect(members.members).toHaveLength(2);
  });

  it('password: SUBSCRIBE needs room-password; wrong or missing is wrong_password', async () => {
    const room = await staffedRoom('secret');
    const asOwner = await connect(owner);
    await send(asOwner.client, moderate(room.id), { action: 'settings', password: 'open sesame' });
    const asCarol = await connect(carol);
    expect(await subscribeRefusal(asCarol.client, asCarol.errors, `/topic/rooms.${room.id}`)).toBe(
      'wrong_password',
    );
    expect(
      await subscribeRefusal(asCarol.client, asCarol.errors, `/topic/rooms.${room.id}`, {
        'room-password': 'nope',
      }),
    ).toBe('wrong_password');
    await subscribed(asCarol.client, `/topic/rooms.${room.id}`, { 'room-password': 'open sesame' });
    await send(asOwner.client, moderate(room.id), { action: 'settings', password: null });
    const asBob = await connect(bob);
    await subscribed(asBob.client, `/topic/rooms.${room.id}`);
  });

  it('delivers room events live with an event header and replays them with since-seq, seqs dense', async () => {
    const room = await staffedRoom('events');
    const asOwner = await connect(owner);
    const live = await subscribed(asOwner.client, `/topic/rooms.${room.id}`);
    await send(asOwner.client, `/app/rooms.${room.id}`, { body: 'hello' });
    await send(asOwner.client, moderate(room.id), {
      action: 'settings',
      topic: 'new topic',
      slowModeSeconds: 0,
    });
    await send(asOwner.client, moderate(room.id), {
      action: 'mute',
      userId: bob.user.id,
      seconds: 60,
      reason: 'r',
    });
    await send(asOwner.client, moderate(room.id), { action: 'unmute', userId: bob.user.id });
    await send(asOwner.client, moderate(room.id), { action: 'dismiss', userId: mod2.user.id });
    await live.waitFor(5);
    expect(live.messages.map((m) => m.headers.event)).toEqual([
      undefined,
      'room.updated',
      'member.muted',
      'member.unmuted',
      'moderator.removed',
    ]);
    const updated = bodyOf(live.messages[1] as IMessage);
    expect(updated).toMatchObject({
      type: 'room.updated',
      by: owner.user,
      room: { id: room.id, topic: 'new topic' },
    });
    expect(updated.room).not.toHaveProperty('lastSeq');
    expect(bodyOf(live.messages[2] as IMessage)).toEqual({
      type: 'member.muted',
      user: bob.user,
      until: new Date(clock.now() + 60_000).toISOString(),
      reason: 'r',
      by: owner.user,
    });

    // The two appointments took seqs 1 and 2.
    const { client } = await connect(carol);
    const resumed = await subscribed(client, `/topic/rooms.${room.id}`, { 'since-seq': '0' });
    await resumed.waitFor(7);
    expect(resumed.messages.map((m) => Number(m.headers.seq))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(resumed.messages.map((m) => m.headers.event)).toEqual([
      'moderator.added',
      'moderator.added',
      undefined,
      'room.updated',
      'member.muted',
      'member.unmuted',
      'moderator.removed',
    ]);
    expect(resumed.bodies().slice(3)).toEqual(live.bodies().slice(1));
  });

  it('a muted or banned moderator cannot act, cannot lift their own sanction, and sees no staff lists', async () => {
    const room = await staffedRoom('sanctioned staff');
    const asOwner = await connect(owner);
    const asMod = await connect(mod);
    const asMod2 = await connect(mod2);
    await join(asMod.client, room.id);
    await join(asMod2.client, room.id);
    await send(asMod2.client, `/app/rooms.${room.id}`, { body: 'mod two speaks' });
    const [spoken] = (await getJson<{ messages: Message[] }>(`${parley.url}/api/rooms/${room.id}/messages`))
      .messages;
    await send(asOwner.client, moderate(room.id), { action: 'mute', userId: mod.user.id, seconds: 600 });
    const actions: Array<Record<string, unknown>> = [
      { action: 'unmute', userId: mod.user.id },
      { action: 'mute', userId: bob.user.id, seconds: 60 },
      { action: 'kick', userId: bob.user.id },
      { action: 'ban', userId: bob.user.id },
      { action: 'settings', slowModeSeconds: 5 },
    ];
    for (const body of actions) {
      expect(await refusal(asMod.client, asMod.errors, moderate(room.id), body), JSON.stringify(body)).toBe(
        'muted',
      );
    }
    // Staff may delete anyone's message; a muted moderator may not.
    expect(
      await refusal(asMod.client, asMod.errors, `/app/rooms.${room.id}.delete`, { messageId: spoken?.id }),
    ).toBe('muted');
    for (const path of ['bans', 'reports']) {
      const read = await getWithToken(`${parley.url}/api/rooms/${room.id}/${path}`, mod.token);
      expect(read.status, path).toBe(403);
      expect(read.body, path).toMatchObject({ error: { code: 'muted' } });
    }
    // Another moderator may not lift the owner's sanction on a moderator either.
    expect(
      await refusal(asMod2.client, asMod2.errors, moderate(room.id), {
        action: 'unmute',
        userId: mod.user.id,
      }),
    ).toBe('forbidden');

    await send(asOwner.client, moderate(room.id), { action: 'ban', userId: mod.user.id });
    expect(
      await refusal(asMod.client, asMod.errors, moderate(room.id), { action: 'unban', userId: mod.user.id }),
    ).toBe('banned');
    expect(
      await refusal(asMod.client, asMod.errors, moderate(room.id), { action: 'kick', userId: bob.user.id }),
    ).toBe('banned');
    const bans = await getWithToken(`${parley.url}/api/rooms/${room.id}/bans`, mod.token);
    expect(bans).toMatchObject({ status: 403, body: { error: { code: 'banned' } } });
    // Nothing the sanctioned moderator tried reached the room or the audit log.
    const audit = await getWithToken(`${parley.url}/api/rooms/${room.id}/audit`, owner.token);
    expect((audit.body.entries as Array<{ actor: { id: string } }>).map((e) => e.actor.id)).not.toContain(
      mod.user.id,
    );

    // Once the owner lifts both, the moderator acts again.
    await send(asOwner.client, moderate(room.id), { action: 'unban', userId: mod.user.id });
    await send(asOwner.client, moderate(room.id), { action: 'unmute', userId: mod.user.id });
    await send(asMod.client, moderate(room.id), { action: 'mute', userId: bob.user.id, seconds: 60 });
  });

  it('nobody lifts their own sanction; unmute and unban need a sanction in force', async () => {
    const room = await staffedRoom('lifting');
    const asOwner = await connect(owner);
    const asMod = await connect(mod);
    for (const action of ['unmute', 'unban']) {
      expect(
        await refusal(asOwner.client, asOwner.errors, moderate(room.id), { action, userId: owner.user.id }),
      ).toBe('forbidden');
      expect(
        await refusal(asMod.client, asMod.errors, moderate(room.id), { action, userId: mod.user.id }),
      ).toBe('forbidden');
    }
    expect(
      await refusal(asMod.client, asMod.errors, moderate(room.id), { action: 'unmute', userId: bob.user.id }),
    ).toBe('not_muted');
    expect(
      await refusal(asMod.client, asMod.errors, moderate(room.id), { action: 'unban', userId: bob.user.id }),
    ).toBe('not_banned');
    // Muted is not banned, and a mute that ran out is not a mute.
    await send(asMod.client, moderate(room.id), { action: 'mute', userId: bob.user.id, seconds: 30 });
    expect(
      await refusal(asMod.client, asMod.errors, moderate(room.id), { action: 'unban', userId: bob.user.id }),
    ).toBe('not_banned');
    clock.advance(31_000);
    expect(
      await refusal(asMod.client, asMod.errors, moderate(room.id), { action: 'unmute', userId: bob.user.id }),
    ).toBe('not_muted');
    await send(asMod.client, moderate(room.id), { action: 'ban', userId: bob.user.id, seconds: 60 });
    await send(asMod.client, moderate(room.id), { action: 'unban', userId: bob.user.id });
    expect(
      await refusal(asMod.client, asMod.errors, moderate(room.id), { action: 'unban', userId: bob.user.id }),
    ).toBe('not_banned');
    const audit = await getWithToken(`${parley.url}/api/rooms/${room.id}/audit`, owner.token);
    expect((audit.body.entries as Array<{ action: string }>).map((e) => e.action).slice(0, 3)).toEqual([
      'member.unbanned',
      'member.banned',
      'member.muted',
    ]);
  });

  it('the audit log: newest first, owner only, pages with before', async () => {
    const room = await staffedRoom('audited');
    const asMod = await connect(mod);
    await send(asMod.client, moderate(room.id), { action: 'kick', userId: bob.user.id, reason: 'loud' });
    await send(asMod.client, moderate(room.id), { action: 'settings', password: 'pw' });
    const { status, body } = await getWithToken(`${parley.url}/api/rooms/${room.id}/audit`, owner.token);
    expect(status).toBe(200);
    const entries = body.entries as Array<Record<string, unknown>>;
    expect(entries.map((e) => e.action)).toEqual([
      'room.updated',
      'member.kicked',
      'moderator.added',
      'moderator.added',
    ]);
    expect(entries[1]).toEqual({
      id: 3,
      action: 'member.kicked',
      actor: mod.user,
      target: bob.user,
      details: { seconds: 600, until: expect.any(String), reason: 'loud' },
      createdAt: expect.any(String),
    });
    expect(entries[0]?.details).toEqual({ password: 'set' });
    const older = await getWithToken(
      `${parley.url}/api/rooms/${room.id}/audit?before=3&limit=1`,
      owner.token,
    );
    expect((older.body.entries as Array<Record<string, unknown>>).map((e) => e.id)).toEqual([2]);
    for (const session of [mod, bob]) {
      const refused = await getWithToken(`${parley.url}/api/rooms/${room.id}/audit`, session.token);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: { code: 'forbidden' } });
    }
  });
});
