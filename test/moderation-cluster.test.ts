// Moderation across nodes: two in-process Parleys on one PostgreSQL database and one Redis (unique key
// prefix). A kick or ban issued on one node ends the target's subscriptions on the other; bans refuse
// there too; events arrive live on both with their headers; mentions reach the other node's connections;
// a sanction or setting changed on one node holds on the other at the very next SEND (policy caches);
// a moderator muted on one node loses staff powers on the other at once; an address ban and a kick's
// cool-down laid on one node refuse on the other.
import type { Client, IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join, refusal, send, subscribed } from './support/chat-client.js';
import { clusterSkipReason } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import type { Session, TestParley } from './support/parley.js';
import { startNodePair } from './support/parley.js';
import { deleteKeys, REDIS_TEST_URL, uniqueKeyPrefix } from './support/redis.js';
import { connectStompClient } from './support/stompjs-client.js';

const skip = (await clusterSkipReason()) !== undefined;
const codeOf = (m: IMessage): unknown => (JSON.parse(m.body) as { code?: unknown }).code;

describe.skipIf(skip)('moderation across two nodes', () => {
  const prefix = uniqueKeyPrefix('moderation-cluster');
  let a: TestParley;
  let b: TestParley;
  /** Clients made outside the nodes (behind a forwarded address), ended with the suite. */
  const clients: Client[] = [];

  beforeAll(async () => {
    // Behind a trusted proxy, so clients can come from the networks the address-ban test gives them.
    ({ a, b } = await startNodePair({
      redisUrl: REDIS_TEST_URL,
      redisKeyPrefix: prefix,
      env: { TRUSTED_PROXIES: '127.0.0.1' },
    }));
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.deactivate()));
    await b?.dispose();
    await a?.dispose();
    await deleteKeys(prefix);
  });

  it('a kick on node A ends the subscription on node B; a ban there refuses the rejoin', async () => {
    const owner = await a.session('owner');
    const bob = await b.session('bob');
    const room = await a.createRoom(owner.token, 'across');
    const bobClient = await b.connect(bob.token);
    const bobErrors = await subscribed(bobClient, '/user/queue/errors');
    const bobRoom = await subscribed(bobClient, `/topic/rooms.${room.id}`);
    const ownerClient = await a.connect(owner.token);
    const ownerRoom = await subscribed(ownerClient, `/topic/rooms.${room.id}`);

    // No cool-down, so the rejoin below is allowed (cool-downs across nodes: see the address-ban test).
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, {
      action: 'kick',
      userId: bob.user.id,
      seconds: 0,
    });
    await eventually(() => expect(bobErrors.messages.map(codeOf)).toContain('kicked'));
    expect(bobRoom.messages.map((m) => m.headers.event)).toEqual(['member.kicked']);
    await send(ownerClient, `/app/rooms.${room.id}`, { body: 'after the kick' });
    await eventually(() => expect(ownerRoom.bodies().some((x) => x.includes('after the kick'))).toBe(true));
    expect(bobRoom.messages).toHaveLength(1);

    await subscribed(bobClient, `/topic/rooms.${room.id}`);
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, {
      action: 'ban',
      userId: bob.user.id,
      reason: 'no',
    });
    await eventually(() => expect(bobErrors.messages.map(codeOf)).toContain('banned'));
    const receipt = 'banned-subscribe';
    bobClient.subscribe(`/topic/rooms.${room.id}`, () => {}, { receipt });
    await eventually(() => {
      const refusal = bobErrors.messages.find((m) => m.headers['receipt-id'] === receipt);
      expect(refusal === undefined ? undefined : codeOf(refusal)).toBe('banned');
    });
  });

  it('an address ban and a kick cool-down laid on node A hold on node B, whose policy cache was warm', async () => {
    const home = '203.0.113.77';
    const sessionFrom = async (node: TestParley, nickname: string, from: string): Promise<Session> => {
      const response = await fetch(`${node.url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
        body: JSON.stringify({ nickname }),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as Session;
    };
    const connectFrom = async (node: TestParley, session: Session, from: string): Promise<Client> => {
      const client = await connectStompClient({
        url: node.wsUrl,
        token: session.token,
        upgradeHeaders: { 'x-forwarded-for': from },
      });
      clients.push(client);
      return client;
    };
    const owner = await a.session('owner');
    const room = await a.createRoom(owner.token, 'sticky across');
    const ownerClient = await a.connect(owner.token);
    const kicked = await b.session('kicked');
    const kickedClient = await b.connect(kicked.token);
    const kickedErrors = await subscribed(kickedClient, '/user/queue/errors');
    await subscribed(kickedClient, `/topic/rooms.${room.id}`);
    const bob = await sessionFrom(b, 'bob', home);
    const bobClient = await connectFrom(b, bob, home);
    const bobErrors = await subscribed(bobClient, '/user/queue/errors');
    await subscribed(bobClient, `/topic/rooms.${room.id}`);
    // Node B has read the room's policy (address bans included) for these joins and posts.
    await send(bobClient, `/app/rooms.${room.id}`, { body: 'warming the cache' });

    await send(ownerClient, `/app/rooms.${room.id}.moderate`, {
      action: 'ban',
      userId: bob.user.id,
      scope: 'address',
    });
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, { action: 'kick', userId: kicked.user.id });
    await eventually(() => expect(bobErrors.messages.map(codeOf)).toContain('banned'));
    await eventually(() => expect(kickedErrors.messages.map(codeOf)).toContain('kicked'));

    const fresh = await sessionFrom(b, 'not bob', home);
    const freshClient = await connectFrom(b, fresh, home);
    const freshErrors = await subscribed(freshClient, '/user/queue/errors');
    freshClient.subscribe(`/topic/rooms.${room.id}`, () => {}, { receipt: 'fresh-join' });
    await eventually(() => {
      const refused = freshErrors.messages.find((m) => m.headers['receipt-id'] === 'fresh-join');
      expect(refused === undefined ? undefined : codeOf(refused)).toBe('banned');
    });
    kickedClient.subscribe(`/topic/rooms.${room.id}`, () => {}, { receipt: 'kicked-rejoin' });
    await eventually(() => {
      const refused = kickedErrors.messages.find((m) => m.headers['receipt-id'] === 'kicked-rejoin');
      expect(refused === undefined ? undefined : codeOf(refused)).toBe('kicked');
    });
    // Elsewhere on node B, all is as before.
    const other = await sessionFrom(b, 'elsewhere', '198.51.100.77');
    await subscribed(await connectFrom(b, other, '198.51.100.77'), `/topic/rooms.${room.id}`);
  });

  it('the newcomer gate and approvals set on node A hold on node B at the very next SEND', async () => {
    const owner = await a.session('gate owner');
    const room = await a.createRoom(owner.token, 'gated across');
    const ownerClient = await a.connect(owner.token);
    await subscribed(ownerClient, `/topic/rooms.${room.id}`);
    const newbie = await b.session('newbie');
    const newbieClient = await b.connect(newbie.token);
    const newbieErrors = await subscribed(newbieClient, '/user/queue/errors');
    await subscribed(newbieClient, `/topic/rooms.${room.id}`);
    const post = `/app/rooms.${room.id}`;
    // Node B's policy cache holds the room (gate off) from this post.
    await send(newbieClient, post, { body: 'before the gate' });
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, { action: 'settings', approveNewcomers: true });
    // newbie spoke before: passed. A second newcomer on node B is held back.
    await send(newbieClient, post, { body: 'still allowed' });
    const late = await b.session('late');
    const lateClient = await b.connect(late.token);
    const lateErrors = await subscribed(lateClient, '/user/queue/errors');
    await subscribed(lateClient, `/topic/rooms.${room.id}`);
    expect(await refusal(lateClient, lateErrors, post, { body: 'hello?' })).toBe('newcomer_wait');
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, { action: 'approve', userId: late.user.id });
    await send(lateClient, post, { body: 'approved on node A, posting on node B' });
    expect(newbieErrors.messages).toHaveLength(0);
  });

  it('a mute, unmute, ban or settings change on node A holds at the very next SEND on node B', async () => {
    const owner = await a.session('strict');
    const dave = await b.session('dave');
    const erin = await b.session('erin');
    const room = await a.createRoom(owner.token, 'enforced across');
    const path = `/app/rooms.${room.id}`;
    const moderate = `${path}.moderate`;
    const ownerClient = await a.connect(owner.token);
    const daveClient = await b.connect(dave.token);
    const daveErrors = await subscribed(daveClient, '/user/queue/errors');
    const erinClient = await b.connect(erin.token);
    const erinErrors = await subscribed(erinClient, '/user/queue/errors');
    await join(daveClient, room.id);
    await join(erinClient, room.id);
    // Node B now holds the room's policy and both users' (absent) sanctions.
    await send(daveClient, path, { body: 'dave 1' });
    await send(erinClient, path, { body: 'erin 1' });

    await send(ownerClient, moderate, { action: 'mute', userId: dave.user.id, seconds: 600 });
    expect(await refusal(daveClient, daveErrors, path, { body: 'muted?' })).toBe('muted');
    await send(ownerClient, moderate, { action: 'unmute', userId: dave.user.id });
    await send(daveClient, path, { body: 'dave 2' });

    await send(ownerClient, moderate, { action: 'ban', userId: erin.user.id });
    expect(await refusal(erinClient, erinErrors, path, { body: 'banned?' })).toBe('banned');

    await send(ownerClient, moderate, { action: 'settings', slowModeSeconds: 600 });
    await send(daveClient, path, { body: 'dave 3' });
    expect(await refusal(daveClient, daveErrors, path, { body: 'dave 4' })).toBe('slow_mode');

    const history = (await (await fetch(`${b.url}/api/rooms/${room.id}/messages`)).json()) as {
      messages: Array<{ body: string }>;
    };
    expect(history.messages.map((m) => m.body)).toEqual(['dave 1', 'erin 1', 'dave 2', 'dave 3']);
    expect(daveErrors.messages.map(codeOf)).toEqual(['muted', 'slow_mode']);
  });

  it('a moderator muted on node A can neither moderate nor delete others’ messages on node B, at once', async () => {
    const owner = await a.session('owner');
    const mod = await b.session('mod one');
    const frank = await b.session('frank');
    const room = await a.createRoom(owner.token, 'staff across');
    const moderate = `/app/rooms.${room.id}.moderate`;
    const ownerClient = await a.connect(owner.token);
    await send(ownerClient, moderate, { action: 'appoint', userId: mod.user.id });
    const frankClient = await b.connect(frank.token);
    await join(frankClient, room.id);
    await send(frankClient, `/app/rooms.${room.id}`, { body: 'frank speaks' });
    const modClient = await b.connect(mod.token);
    await join(modClient, room.id);
    const modErrors = await subscribed(modClient, '/user/queue/errors');
    // Node B has acted for the moderator (and cached the room's policy) before the mute.
    await send(modClient, moderate, { action: 'mute', userId: frank.user.id, seconds: 60 });

    await send(ownerClient, moderate, { action: 'mute', userId: mod.user.id, seconds: 600 });
    expect(await refusal(modClient, modErrors, moderate, { action: 'unmute', userId: frank.user.id })).toBe(
      'muted',
    );
    expect(await refusal(modClient, modErrors, moderate, { action: 'unmute', userId: mod.user.id })).toBe(
      'muted',
    );
    const history = (await (await fetch(`${b.url}/api/rooms/${room.id}/messages`)).json()) as {
      messages: Array<{ id: string }>;
    };
    expect(
      await refusal(modClient, modErrors, `/app/rooms.${room.id}.delete`, {
        messageId: history.messages[0]?.id,
      }),
    ).toBe('muted');
  });

  it('mentions posted on node A reach the mentioned user on node B', async () => {
    const alice = await a.session('alice');
    const carol = await b.session('carol');
    const room = await a.createRoom(alice.token, 'mentions across');
    const carolClient = await b.connect(carol.token);
    const mentions = await subscribed(carolClient, '/user/queue/mentions');
    const aliceClient = await a.connect(alice.token);
    await join(aliceClient, room.id);
    await send(aliceClient, `/app/rooms.${room.id}`, { body: `ping @carol#${carol.user.tag}` });
    const [mention] = await mentions.waitFor(1);
    expect(JSON.parse((mention as IMessage).body)).toMatchObject({
      body: `ping @carol#${carol.user.tag}`,
      mentions: [carol.user],
    });
  });

  it('settings changed on node A show on node B (room JSON and history)', async () => {
    const owner = await a.session('settler');
    const room = await a.createRoom(owner.token, 'settings across');
    const ownerClient = await a.connect(owner.token);
    await join(ownerClient, room.id);
    await send(ownerClient, `/app/rooms.${room.id}`, { body: 'typo' });
    const fromB = async () =>
      (await (await fetch(`${b.url}/api/rooms/${room.id}`)).json()) as Record<string, unknown>;
    expect(await fromB()).toMatchObject({ slowModeSeconds: 0, topic: null });
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, {
      action: 'settings',
      slowModeSeconds: 10,
      topic: 'calm',
    });
    expect(await fromB()).toMatchObject({ slowModeSeconds: 10, topic: 'calm' });
    const history = (await (await fetch(`${b.url}/api/rooms/${room.id}/messages`)).json()) as {
      messages: Array<{ id: string }>;
    };
    const first = history.messages[0];
    if (first === undefined) throw new Error('no message');
    await send(ownerClient, `/app/rooms.${room.id}.edit`, { messageId: first.id, body: 'fixed' });
    const after = (await (await fetch(`${b.url}/api/rooms/${room.id}/messages`)).json()) as {
      messages: Array<{ body: string }>;
    };
    expect(after.messages.map((m) => m.body)).toEqual(['fixed']);
  });

  it('a handover on node A reaches node B at once: the heir there is present, and owner at the next SEND', async () => {
    const owner = await a.session('founder');
    const heir = await b.session('heir');
    const room = await a.createRoom(owner.token, 'handed across');
    const path = `/app/rooms.${room.id}`;
    const ownerClient = await a.connect(owner.token);
    const ownerErrors = await subscribed(ownerClient, '/user/queue/errors');
    await send(ownerClient, `${path}.moderate`, { action: 'settings', slowModeSeconds: 600 });
    const heirClient = await b.connect(heir.token);
    const heirErrors = await subscribed(heirClient, '/user/queue/errors');
    const heirRoom = await join(heirClient, room.id);
    await send(heirClient, path, { body: 'one as a member' });
    // Slow mode holds for the member on node B before the handover.
    expect(await refusal(heirClient, heirErrors, path, { body: 'too soon' })).toBe('slow_mode');

    // The heir is in the room on node B: node A sees them present (shared presence) and hands it over.
    await send(ownerClient, `${path}.moderate`, { action: 'transfer', userId: heir.user.id });
    await eventually(() => expect(heirRoom.messages.map((m) => m.headers.event)).toContain('owner.changed'));
    // Node B's policy cache dropped the room: the new owner is exempt from slow mode at once.
    await send(heirClient, path, { body: 'two as the owner' });
    // And node A refuses the previous owner what is the owner's alone now.
    expect(
      await refusal(ownerClient, ownerErrors, `${path}.moderate`, {
        action: 'appoint',
        userId: heir.user.id,
      }),
    ).toBe('forbidden');
  });
});
