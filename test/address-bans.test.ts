// Bans that stick, over real sockets on every storage backend, behind a trusted proxy (TRUSTED_PROXIES)
// so each client's network comes from the X-Forwarded-For of its HTTP requests and WebSocket upgrade:
// an address ban refuses a fresh identity from the banned network (SUBSCRIBE, SEND, HTTP history, even
// anonymous), never one from another network or staff; identity-only bans do not reach the network;
// staff see how many identities share it, never the address; the ban ends on time and with unban. The
// newcomer gate: a young identity reads but cannot post until its age and the room's messages allow.
import type { Client } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { ManualClock } from '../src/clock.js';
import { bodyOf, refusalError, send, subscribed, subscribeRefusal } from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import { availableBackends, type Session, startTestParley, type TestParley } from './support/parley.js';
import { connectStompClient, type Inbox } from './support/stompjs-client.js';

const backends = await availableBackends();

const HOME = '203.0.113.7';
const ELSEWHERE = '198.51.100.9';
const OWNER_NET = '192.0.2.1';

describe.each(backends)('address bans and the newcomer gate on %s', (backend) => {
  let parley: TestParley;
  const clock = new ManualClock(Date.now());
  const clients: Client[] = [];

  const http = async (
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string; body?: unknown; from: string },
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${parley.url}${path}`, {
      method,
      headers: {
        'x-forwarded-for': options.from,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const session = async (nickname: string, from: string): Promise<Session> => {
    const { status, body } = await http('POST', '/api/sessions', { body: { nickname }, from });
    expect(status).toBe(201);
    return body as unknown as Session;
  };
  const connect = async (who: Session, from: string): Promise<{ client: Client; errors: Inbox }> => {
    const client = await connectStompClient({
      url: parley.wsUrl,
      token: who.token,
      upgradeHeaders: { 'x-forwarded-for': from },
    });
    clients.push(client);
    return { client, errors: await subscribed(client, '/user/queue/errors') };
  };
  const room = async (owner: Session, name: string): Promise<Room> => {
    const { status, body } = await http('POST', '/api/rooms', {
      token: owner.token,
      body: { name },
      from: OWNER_NET,
    });
    expect(status).toBe(201);
    return body as unknown as Room;
  };

  beforeAll(async () => {
    parley = await startTestParley({
      backend,
      env: { TRUSTED_PROXIES: '127.0.0.1', ADDRESS_SIGHTING_REFRESH_SECONDS: '0' },
      overrides: { clock },
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.deactivate()));
    await parley?.dispose();
  });

  it('an address ban refuses a fresh identity from the banned network, not another network or staff', async () => {
    const owner = await session('owner', OWNER_NET);
    const r = await room(owner, 'sticky');
    const asOwner = await connect(owner, OWNER_NET);
    const watcher = await subscribed(asOwner.client, `/topic/rooms.${r.id}`);
    const moderate = `/app/rooms.${r.id}.moderate`;

    const bob = await session('bob', HOME);
    const asBob = await connect(bob, HOME);
    await subscribed(asBob.client, `/topic/rooms.${r.id}`);
    await send(asBob.client, `/app/rooms.${r.id}`, { body: 'hello from home' });
    // Another identity from the same network, made before the ban (a sock puppet, or a flatmate).
    const sock = await session('sock', HOME);
    const mod = await session('helper', HOME);
    await send(asOwner.client, moderate, { action: 'appoint', userId: mod.user.id });

    // Member info for staff: identities seen from bob's networks (bob, sock, mod), never the address.
    const info = await http('GET', `/api/rooms/${r.id}/members/${bob.user.id}/addresses`, {
      token: owner.token,
      from: OWNER_NET,
    });
    expect(info).toEqual({ status: 200, body: { identities: 3, addresses: 1 } });
    expect(JSON.stringify(info.body)).not.toContain(HOME);
    const notStaff = await http('GET', `/api/rooms/${r.id}/members/${bob.user.id}/addresses`, {
      token: sock.token,
      from: HOME,
    });
    expect(notStaff.status).toBe(403);

    await send(asOwner.client, moderate, {
      action: 'ban',
      userId: bob.user.id,
      scope: 'address',
      reason: 'spam',
    });
    await eventually(() => expect(asBob.errors.messages.map((m) => bodyOf(m).code)).toContain('banned'));
    const event = await eventually(() => {
      const found = watcher.messages.find((m) => m.headers.event === 'member.banned');
      if (found === undefined) throw new Error('no member.banned yet');
      return bodyOf(found);
    });
    expect(event).toMatchObject({ type: 'member.banned', scope: 'address', until: null, reason: 'spam' });
    expect(JSON.stringify(event)).not.toMatch(/hash|203\.0\.113/);

    // "Change nickname": a fresh identity from the same network reads nothing and says nothing.
    const fresh = await session('bob again', HOME);
    const asFresh = await connect(fresh, HOME);
    expect(await subscribeRefusal(asFresh.client, asFresh.errors, `/topic/rooms.${r.id}`)).toBe('banned');
    expect(await subscribeRefusal(asFresh.client, asFresh.errors, `/topic/rooms.${r.id}.presence`)).toBe(
      'banned',
    );
    const said = await refusalError(asFresh.client, asFresh.errors, `/app/rooms.${r.id}`, {
      body: 'let me in',
    });
    expect(said.code).toBe('banned');
    expect(
      (await http('GET', `/api/rooms/${r.id}/messages`, { token: fresh.token, from: HOME })).status,
    ).toBe(403);
    expect((await http('GET', `/api/rooms/${r.id}/messages`, { from: HOME })).status).toBe(403);
    expect(
      (await http('POST', `/api/rooms/${r.id}/join`, { token: fresh.token, body: {}, from: HOME })).status,
    ).toBe(403);
    // The one made before the ban is caught the same way.
    const asSock = await connect(sock, HOME);
    expect(await subscribeRefusal(asSock.client, asSock.errors, `/topic/rooms.${r.id}`)).toBe('banned');

    // Another network is unaffected, a new identity or an old one.
    const carol = await session('carol', ELSEWHERE);
    const asCarol = await connect(carol, ELSEWHERE);
    await subscribed(asCarol.client, `/topic/rooms.${r.id}`);
    await send(asCarol.client, `/app/rooms.${r.id}`, { body: 'fine from elsewhere' });
    expect((await http('GET', `/api/rooms/${r.id}/messages`, { from: ELSEWHERE })).status).toBe(200);
    // The same fresh identity, once it comes from another network, is not refused by the address.
    const asFreshElsewhere = await connect(fresh, ELSEWHERE);
    await subscribed(asFreshElsewhere.client, `/topic/rooms.${r.id}`);

    // Staff from the banned network keep their powers and their room.
    const asMod = await connect(mod, HOME);
    await subscribed(asMod.client, `/topic/rooms.${r.id}`);
    await send(asMod.client, `/app/rooms.${r.id}`, { body: 'staff behind the same NAT' });

    // The ban list: scope and how many identities were seen from the network, no address.
    const bans = await http('GET', `/api/rooms/${r.id}/bans`, { token: owner.token, from: OWNER_NET });
    expect(bans.body.bans).toEqual([
      expect.objectContaining({ user: bob.user, scope: 'address', identitiesFromAddress: 4 }),
    ]);
    expect(JSON.stringify(bans.body)).not.toContain(HOME);

    // Lifting the ban lifts the network.
    await send(asOwner.client, moderate, { action: 'unban', userId: bob.user.id });
    const asFreshAgain = await connect(fresh, HOME);
    await subscribed(asFreshAgain.client, `/topic/rooms.${r.id}`);
    await send(asFreshAgain.client, `/app/rooms.${r.id}`, { body: 'back after the unban' });
  });

  it('an identity-only ban does not reach the network; a timed address ban ends on time', async () => {
    const owner = await session('owner two', OWNER_NET);
    const r = await room(owner, 'measured');
    const asOwner = await connect(owner, OWNER_NET);
    const moderate = `/app/rooms.${r.id}.moderate`;
    const net = '203.0.113.50';

    const dave = await session('dave', net);
    const asDave = await connect(dave, net);
    await subscribed(asDave.client, `/topic/rooms.${r.id}`);
    await send(asOwner.client, moderate, { action: 'ban', userId: dave.user.id });
    const daveAgain = await session('dave again', net);
    const asDaveAgain = await connect(daveAgain, net);
    await subscribed(asDaveAgain.client, `/topic/rooms.${r.id}`);
    await send(asDaveAgain.client, `/app/rooms.${r.id}`, { body: 'identity bans stop at the identity' });
    const bans = await http('GET', `/api/rooms/${r.id}/bans`, { token: owner.token, from: OWNER_NET });
    expect(bans.body.bans).toEqual([expect.objectContaining({ user: dave.user, scope: 'identity' })]);
    expect((bans.body.bans as Record<string, unknown>[])[0]).not.toHaveProperty('identitiesFromAddress');

    await send(asOwner.client, moderate, {
      action: 'ban',
      userId: daveAgain.user.id,
      scope: 'address',
      seconds: 60,
    });
    const third = await session('dave three', net);
    const asThird = await connect(third, net);
    expect(await subscribeRefusal(asThird.client, asThird.errors, `/topic/rooms.${r.id}`)).toBe('banned');
    clock.advance(61_000);
    await subscribed(asThird.client, `/topic/rooms.${r.id}`);
    await send(asThird.client, `/app/rooms.${r.id}`, { body: 'the ban ran out' });
  });

  it('IPv6 clients are banned by their /64: another address of the same /64 is refused', async () => {
    const owner = await session('owner six', OWNER_NET);
    const r = await room(owner, 'six');
    const asOwner = await connect(owner, OWNER_NET);
    const erin = await session('erin', '2001:db8:1:2::10');
    await connect(erin, '2001:db8:1:2::10');
    await send(asOwner.client, `/app/rooms.${r.id}.moderate`, {
      action: 'ban',
      userId: erin.user.id,
      scope: 'address',
    });
    const rotated = await session('erin rotated', '2001:db8:1:2:abcd::99');
    const asRotated = await connect(rotated, '2001:db8:1:2:abcd::99');
    expect(await subscribeRefusal(asRotated.client, asRotated.errors, `/topic/rooms.${r.id}`)).toBe('banned');
    const neighbour = await session('neighbour', '2001:db8:1:3::10');
    const asNeighbour = await connect(neighbour, '2001:db8:1:3::10');
    await subscribed(asNeighbour.client, `/topic/rooms.${r.id}`);
  });

  it('the newcomer gate: a young identity reads but cannot post until its age and the room allow', async () => {
    const owner = await session('gatekeeper', OWNER_NET);
    const r = await room(owner, 'gated');
    const asOwner = await connect(owner, OWNER_NET);
    const ownerRoom = await subscribed(asOwner.client, `/topic/rooms.${r.id}`);
    const old = await session('old hand', ELSEWHERE);
    const asOld = await connect(old, ELSEWHERE);
    await subscribed(asOld.client, `/topic/rooms.${r.id}`);
    await send(asOld.client, `/app/rooms.${r.id}`, { body: 'I was here before the gate' });

    await send(asOwner.client, `/app/rooms.${r.id}.moderate`, {
      action: 'settings',
      newcomerMinutes: 10,
      newcomerMessages: 2,
    });
    const updated = await eventually(() => {
      const found = ownerRoom.messages.find((m) => m.headers.event === 'room.updated');
      if (found === undefined) throw new Error('no room.updated yet');
      return bodyOf(found);
    });
    expect(updated.room).toMatchObject({ newcomerMinutes: 10, newcomerMessages: 2 });
    const shown = await http('GET', `/api/rooms/${r.id}`, { from: ELSEWHERE });
    expect(shown.body).toMatchObject({ newcomerMinutes: 10, newcomerMessages: 2 });

    const newbie = await session('newbie', HOME);
    const asNewbie = await connect(newbie, HOME);
    const newbieRoom = await subscribed(asNewbie.client, `/topic/rooms.${r.id}`);
    const first = await refusalError(asNewbie.client, asNewbie.errors, `/app/rooms.${r.id}`, { body: 'hi!' });
    expect(first).toMatchObject({ code: 'newcomer_wait', retryAfterSeconds: 600, messagesLeft: 2 });
    // Reading works: what others say reaches the newcomer.
    await send(asOwner.client, `/app/rooms.${r.id}`, { body: 'welcome' });
    await send(asOld.client, `/app/rooms.${r.id}`, { body: 'hello newbie' });
    await eventually(() => expect(newbieRoom.bodies().some((b) => b.includes('hello newbie'))).toBe(true));
    // Staff and the old hand who spoke before the gate post as before.
    await send(asOld.client, `/app/rooms.${r.id}`, { body: 'still talking' });
    const second = await refusalError(asNewbie.client, asNewbie.errors, `/app/rooms.${r.id}`, {
      body: 'now?',
    });
    expect(second).toMatchObject({ code: 'newcomer_wait', retryAfterSeconds: 600 });
    expect(second).not.toHaveProperty('messagesLeft');
    clock.advance(10 * 60_000);
    await send(asNewbie.client, `/app/rooms.${r.id}`, { body: 'finally' });
    await eventually(() => expect(ownerRoom.bodies().some((b) => b.includes('finally'))).toBe(true));
    // Passed once, passed for good: a stricter gate later does not silence them again.
    await send(asOwner.client, `/app/rooms.${r.id}.moderate`, { action: 'settings', newcomerMessages: 50 });
    await send(asNewbie.client, `/app/rooms.${r.id}`, { body: 'still here' });
    const audit = await http('GET', `/api/rooms/${r.id}/audit`, { token: owner.token, from: OWNER_NET });
    expect((audit.body.entries as Record<string, unknown>[]).map((e) => e.details)).toContainEqual({
      newcomerMinutes: 10,
      newcomerMessages: 2,
    });
  });

  it('approve newcomers: a newcomer asks, staff approve (or decline); meanwhile they read', async () => {
    const owner = await session('small room owner', OWNER_NET);
    const r = await room(owner, 'small');
    const asOwner = await connect(owner, OWNER_NET);
    const ownerRoom = await subscribed(asOwner.client, `/topic/rooms.${r.id}`);
    const moderate = `/app/rooms.${r.id}.moderate`;
    // Asking in a room that does not approve newcomers is refused.
    const early = await session('early', ELSEWHERE);
    const asEarly = await connect(early, ELSEWHERE);
    await subscribed(asEarly.client, `/topic/rooms.${r.id}`);
    expect((await refusalError(asEarly.client, asEarly.errors, `/app/rooms.${r.id}.ask`, {})).code).toBe(
      'invalid_request',
    );
    await send(asEarly.client, `/app/rooms.${r.id}`, { body: 'here before approvals' });
    await send(asOwner.client, moderate, { action: 'settings', approveNewcomers: true });

    const nina = await session('nina', HOME);
    const asNina = await connect(nina, HOME);
    const ninaRoom = await subscribed(asNina.client, `/topic/rooms.${r.id}`);
    const post = `/app/rooms.${r.id}`;
    expect(await refusalError(asNina.client, asNina.errors, post, { body: 'hi' })).toMatchObject({
      code: 'newcomer_wait',
      approval: 'needed',
    });
    await send(asNina.client, `/app/rooms.${r.id}.ask`, {});
    const askedEvent = await eventually(() => {
      const found = ownerRoom.messages.find((m) => m.headers.event === 'member.asked');
      if (found === undefined) throw new Error('no member.asked yet');
      return bodyOf(found);
    });
    expect(askedEvent).toEqual({ type: 'member.asked', user: nina.user });
    expect(await refusalError(asNina.client, asNina.errors, post, { body: 'hi?' })).toMatchObject({
      code: 'newcomer_wait',
      approval: 'asked',
    });
    // Members who spoke before approvals were turned on, and staff, post as before; nina reads it.
    await send(asEarly.client, post, { body: 'welcome nina' });
    await eventually(() => expect(ninaRoom.bodies().some((b) => b.includes('welcome nina'))).toBe(true));
    await send(asOwner.client, moderate, { action: 'approve', userId: nina.user.id });
    await send(asNina.client, post, { body: 'thank you' });
    await eventually(() => expect(ownerRoom.bodies().some((b) => b.includes('thank you'))).toBe(true));

    const otto = await session('otto', HOME);
    const asOtto = await connect(otto, HOME);
    await subscribed(asOtto.client, `/topic/rooms.${r.id}`);
    await send(asOtto.client, `/app/rooms.${r.id}.ask`, {});
    await send(asOwner.client, moderate, { action: 'deny', userId: otto.user.id });
    expect(await refusalError(asOtto.client, asOtto.errors, post, { body: 'please' })).toMatchObject({
      code: 'newcomer_wait',
      approval: 'denied',
    });
    expect((await refusalError(asOtto.client, asOtto.errors, `/app/rooms.${r.id}.ask`, {})).code).toBe(
      'forbidden',
    );
    // Staff cannot deny someone who may post already; they need no approval themselves.
    expect(
      (await refusalError(asOwner.client, asOwner.errors, moderate, { action: 'deny', userId: nina.user.id }))
        .code,
    ).toBe('invalid_request');
    const audit = await http('GET', `/api/rooms/${r.id}/audit`, { token: owner.token, from: OWNER_NET });
    expect((audit.body.entries as Record<string, unknown>[]).map((e) => e.action)).toEqual(
      expect.arrayContaining(['member.approved', 'member.denied']),
    );
  });
});
