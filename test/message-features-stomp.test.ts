// Message features over real sockets (@stomp/stompjs) on every storage backend: edits and deletes
// (window, authorship, staff), replies, reactions, reports, mentions on /user/queue/mentions, unread
// counts across two connections, and history and since-seq resume reflecting all of them.
import type { Client, IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Room } from '../src/chat/model.js';
import { ManualClock } from '../src/clock.js';
import {
  bodyOf,
  getWithToken,
  join,
  refusal,
  send,
  sendWithReceipt,
  subscribed,
} from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import {
  availableBackends,
  getJson,
  type Session,
  startTestParley,
  type TestParley,
} from './support/parley.js';
import type { Inbox } from './support/stompjs-client.js';

const backends = await availableBackends();
const EDIT_WINDOW_SECONDS = 900;
const MAX_EMOJIS = 6;
const MAX_PER_USER = 3;
const REACTION_BURST = 30;

describe.each(backends)('message features over STOMP on %s', (backend) => {
  let parley: TestParley;
  const clock = new ManualClock(Date.now());
  let owner: Session;
  let alice: Session;
  let bob: Session;

  /** Connected and in the room (talking needs joining), with the connection's error queue. */
  const connect = async (session: Session, room: Room): Promise<{ client: Client; errors: Inbox }> => {
    const client = await parley.connect(session.token);
    const errors = await subscribed(client, '/user/queue/errors');
    await join(client, room.id);
    return { client, errors };
  };

  /** Posts and returns the stored message as a live subscriber saw it. */
  async function post(
    client: Client,
    inbox: Inbox,
    room: Room,
    body: Record<string, unknown>,
  ): Promise<Message> {
    const before = inbox.messages.length;
    await send(client, `/app/rooms.${room.id}`, body);
    const [message] = (await inbox.waitFor(before + 1)).slice(before);
    return JSON.parse((message as IMessage).body) as Message;
  }

  const history = async (room: Room): Promise<Message[]> =>
    (await getJson<{ messages: Message[] }>(`${parley.url}/api/rooms/${room.id}/messages`)).messages;

  beforeAll(async () => {
    parley = await startTestParley({
      backend,
      overrides: { clock },
      env: {
        EDIT_WINDOW_SECONDS: String(EDIT_WINDOW_SECONDS),
        MAX_REACTION_EMOJIS_PER_MESSAGE: String(MAX_EMOJIS),
        MAX_REACTIONS_PER_USER_PER_MESSAGE: String(MAX_PER_USER),
        REACTION_BURST: String(REACTION_BURST),
        REACTION_RATE_PER_SECOND: '1',
      },
    });
    owner = await parley.session('owner');
    alice = await parley.session('alice');
    bob = await parley.session('bob');
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  it('edits: the author within the window, seen live by others and in history', async () => {
    const room = await parley.createRoom(owner.token, 'edits');
    const asAlice = await connect(alice, room);
    const aliceInbox = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    const asBob = await connect(bob, room);
    const bobInbox = await subscribed(asBob.client, `/topic/rooms.${room.id}`);
    const original = await post(asAlice.client, aliceInbox, room, { body: 'helo' });
    await send(asAlice.client, `/app/rooms.${room.id}.edit`, { messageId: original.id, body: ' hello ' });
    const edited = await eventually(() => {
      const found = bobInbox.messages.find((m) => m.headers.event === 'message.edited');
      if (found === undefined) throw new Error('no edit event');
      return found;
    });
    expect(edited.headers.seq).toBe(String(original.seq + 1));
    const event = bodyOf(edited) as { type: string; message: Message };
    expect(event.type).toBe('message.edited');
    expect(event.message).toEqual({
      ...original,
      body: 'hello',
      editedAt: new Date(clock.now()).toISOString(),
    });
    expect(await history(room)).toEqual([event.message]);

    // Not someone else's message, not even as the owner, and not after the window.
    const asOwner = await connect(owner, room);
    expect(
      await refusal(asBob.client, asBob.errors, `/app/rooms.${room.id}.edit`, {
        messageId: original.id,
        body: 'mine',
      }),
    ).toBe('forbidden');
    expect(
      await refusal(asOwner.client, asOwner.errors, `/app/rooms.${room.id}.edit`, {
        messageId: original.id,
        body: 'x',
      }),
    ).toBe('forbidden');
    clock.advance((EDIT_WINDOW_SECONDS + 1) * 1000);
    expect(
      await refusal(asAlice.client, asAlice.errors, `/app/rooms.${room.id}.edit`, {
        messageId: original.id,
        body: 'late',
      }),
    ).toBe('edit_window_closed');
    expect(
      await refusal(asAlice.client, asAlice.errors, `/app/rooms.${room.id}.delete`, {
        messageId: original.id,
      }),
    ).toBe('edit_window_closed');
    expect(
      await refusal(asAlice.client, asAlice.errors, `/app/rooms.${room.id}.edit`, {
        messageId: 'nope',
        body: 'x',
      }),
    ).toBe('message_not_found');
  });

  it('deletes: the author within the window, staff at any time; history keeps a tombstone', async () => {
    const room = await parley.createRoom(owner.token, 'deletes');
    const asAlice = await connect(alice, room);
    const inbox = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    const first = await post(asAlice.client, inbox, room, { body: 'oops' });
    const second = await post(asAlice.client, inbox, room, { body: 'keep for now' });
    const asBob = await connect(bob, room);
    expect(
      await refusal(asBob.client, asBob.errors, `/app/rooms.${room.id}.delete`, { messageId: first.id }),
    ).toBe('forbidden');
    await send(asAlice.client, `/app/rooms.${room.id}.delete`, { messageId: first.id });
    clock.advance((EDIT_WINDOW_SECONDS + 1) * 1000);
    const asOwner = await connect(owner, room);
    await send(asOwner.client, `/app/rooms.${room.id}.delete`, { messageId: second.id });
    const deletions = (await inbox.waitFor(4)).slice(2);
    expect(deletions.map((m) => m.headers.event)).toEqual(['message.deleted', 'message.deleted']);
    expect(bodyOf(deletions[0] as IMessage)).toEqual({
      type: 'message.deleted',
      message: { ...first, body: '', deleted: true },
      by: alice.user,
    });
    expect(bodyOf(deletions[1] as IMessage)).toMatchObject({
      by: owner.user,
      message: { id: second.id, deleted: true },
    });
    expect(await history(room)).toEqual([
      { ...first, body: '', deleted: true },
      { ...second, body: '', deleted: true },
    ]);
    expect(
      await refusal(asOwner.client, asOwner.errors, `/app/rooms.${room.id}.delete`, { messageId: first.id }),
    ).toBe('message_not_found');
    // The staff deletion is audited; the author's own is not.
    const audit = await getWithToken(`${parley.url}/api/rooms/${room.id}/audit`, owner.token);
    expect(audit.body.entries).toEqual([
      {
        id: deletions[1]?.headers.seq === undefined ? -1 : Number(deletions[1].headers.seq),
        action: 'message.deleted',
        actor: owner.user,
        target: alice.user,
        messageId: second.id,
        details: {},
        createdAt: expect.any(String),
      },
    ]);
  });

  it('replies quote the message (first 200 characters, empty once deleted)', async () => {
    const room = await parley.createRoom(owner.token, 'replies');
    const asAlice = await connect(alice, room);
    const inbox = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    const long = 'x'.repeat(250);
    const quoted = await post(asAlice.client, inbox, room, { body: long });
    const reply = await post(asAlice.client, inbox, room, { body: 'indeed', replyTo: quoted.id });
    expect(reply.replyTo).toEqual({
      id: quoted.id,
      seq: quoted.seq,
      author: alice.user,
      body: 'x'.repeat(200),
    });
    expect((await history(room))[1]).toEqual(reply);
    await send(asAlice.client, `/app/rooms.${room.id}.delete`, { messageId: quoted.id });
    expect((await history(room))[1]?.replyTo).toEqual({
      id: quoted.id,
      seq: quoted.seq,
      author: alice.user,
      body: '',
    });
    const other = await parley.createRoom(owner.token, 'elsewhere');
    await join(asAlice.client, other.id);
    expect(
      await refusal(asAlice.client, asAlice.errors, `/app/rooms.${other.id}`, {
        body: 'x',
        replyTo: reply.id,
      }),
    ).toBe('message_not_found');
  });

  it('takes a text/plain body that looks like JSON as text', async () => {
    const room = await parley.createRoom(owner.token, 'plain');
    const asAlice = await connect(alice, room);
    const inbox = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    await sendWithReceipt(asAlice.client, `/app/rooms.${room.id}`, '{"replyTo": nope', {
      'content-type': 'text/plain',
    });
    const [message] = await inbox.waitFor(1);
    expect((JSON.parse((message as IMessage).body) as Message).body).toBe('{"replyTo": nope');
  });

  it('reactions toggle per user and emoji, live and in history', async () => {
    const room = await parley.createRoom(owner.token, 'reactions');
    const asAlice = await connect(alice, room);
    const inbox = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    const message = await post(asAlice.client, inbox, room, { body: 'vote' });
    const asBob = await connect(bob, room);
    const react = (client: Client, emoji: string, on: boolean) =>
      send(client, `/app/rooms.${room.id}.react`, { messageId: message.id, emoji, on });
    await react(asBob.client, '👍', true);
    await react(asAlice.client, '👍', true);
    await react(asAlice.client, '👨‍👩‍👧', true);
    await react(asBob.client, '👍', true); // already on: no change, no event
    await react(asAlice.client, '👨‍👩‍👧', false);
    const changes = (await inbox.waitFor(5)).slice(1);
    expect(changes.every((m) => m.headers.event === 'reaction.changed')).toBe(true);
    expect(changes.map((m) => Number(m.headers.seq))).toEqual([2, 3, 4, 5]);
    expect(changes.map(bodyOf)).toEqual([
      { type: 'reaction.changed', messageId: message.id, emoji: '👍', added: true, count: 1, by: bob.user },
      { type: 'reaction.changed', messageId: message.id, emoji: '👍', added: true, count: 2, by: alice.user },
      {
        type: 'reaction.changed',
        messageId: message.id,
        emoji: '👨‍👩‍👧',
        added: true,
        count: 1,
        by: alice.user,
      },
      {
        type: 'reaction.changed',
        messageId: message.id,
        emoji: '👨‍👩‍👧',
        added: false,
        count: 0,
        by: alice.user,
      },
    ]);
    expect((await history(room))[0]?.reactions).toEqual([
      { emoji: '👍', count: 2, users: [bob.user, alice.user] },
    ]);
    for (const emoji of ['', 'ab', '👍👍', '1', 'x'.repeat(17)]) {
      expect(
        await refusal(asBob.client, asBob.errors, `/app/rooms.${room.id}.react`, {
          messageId: message.id,
          emoji,
          on: true,
        }),
      ).toBe('invalid_request');
    }
  });

  it('caps distinct emojis per message and reactions per user per message, with too_many_reactions', async () => {
    const room = await parley.createRoom(owner.token, 'reaction caps');
    const asAlice = await connect(alice, room);
    const inbox = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    const message = await post(asAlice.client, inbox, room, { body: 'pile on' });
    const asBob = await connect(bob, room);
    const asOwner = await connect(owner, room);
    const react = (who: { client: Client }, emoji: string, on = true) =>
      send(who.client, `/app/rooms.${room.id}.react`, { messageId: message.id, emoji, on });
    const refused = (who: { client: Client; errors: Inbox }, emoji: string) =>
      refusal(who.client, who.errors, `/app/rooms.${room.id}.react`, {
        messageId: message.id,
        emoji,
        on: true,
      });

    for (const emoji of ['😀', '😁', '😂']) await react(asAlice, emoji);
    expect(await refused(asAlice, '🤣')).toBe('too_many_reactions');
    // Adding one already there is no change, not a refusal; removing one makes room.
    await react(asAlice, '😀');
    await react(asAlice, '😂', false);
    await react(asAlice, '🤣');
    for (const emoji of ['😃', '😄', '😅']) await react(asBob, emoji);
    // Six distinct emojis now: a seventh is refused to anyone, joining an existing one is not.
    expect(await refused(asOwner, '😆')).toBe('too_many_reactions');
    await react(asOwner, '😅');
    const [stored] = await history(room);
    expect(stored?.reactions?.map((r) => [r.emoji, r.count])).toEqual([
      ['😀', 1],
      ['😁', 1],
      ['🤣', 1],
      ['😃', 1],
      ['😄', 1],
      ['😅', 2],
    ]);
  });

  it('rate-limits reactions per user (REACTION_BURST, then REACTION_RATE_PER_SECOND)', async () => {
    const room = await parley.createRoom(owner.token, 'reaction rate');
    const asAlice = await connect(alice, room);
    const inbox = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    const message = await post(asAlice.client, inbox, room, { body: 'click me' });
    const flipper = await parley.session('flipper');
    const asFlipper = await connect(flipper, room);
    const flip = (on: boolean) => ({ messageId: message.id, emoji: '🔁', on });
    for (let i = 0; i < REACTION_BURST; i++)
      await send(asFlipper.client, `/app/rooms.${room.id}.react`, flip(i % 2 === 0));
    expect(await refusal(asFlipper.client, asFlipper.errors, `/app/rooms.${room.id}.react`, flip(true))).toBe(
      'rate_limited',
    );
    clock.advance(1000);
    await send(asFlipper.client, `/app/rooms.${room.id}.react`, flip(true));
  });

  it('a reaction event carries the change, not the list: its size does not grow with the reactions', async () => {
    const room = await parley.createRoom(owner.token, 'reaction bytes');
    const asAlice = await connect(alice, room);
    const watcher = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    const message = await post(asAlice.client, watcher, room, { body: 'popular' });
    const crowd = await Promise.all(
      Array.from({ length: 14 }, (_, i) => parley.session(`fan ${String(i).padStart(2, '0')}`)),
    );
    const emojis = ['👍', '🎉', '❤️'];
    for (const fan of crowd) {
      const { client } = await connect(fan, room);
      for (const emoji of emojis) {
        await send(client, `/app/rooms.${room.id}.react`, { messageId: message.id, emoji, on: true });
      }
    }
    const total = 1 + crowd.length * emojis.length;
    const events = (await watcher.waitFor(total)).slice(1);
    // ~200 bytes each (ids, one emoji, one user): the 42nd is no bigger than the 1st, bar the count's digits.
    for (const emoji of emojis) {
      const sizes = events.filter((m) => bodyOf(m).emoji === emoji).map((m) => Buffer.byteLength(m.body));
      expect(sizes).toHaveLength(crowd.length);
      expect(Math.max(...sizes)).toBeLessThan(400);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(bodyOf(events.at(-1) as IMessage)).toEqual({
      type: 'reaction.changed',
      messageId: message.id,
      emoji: '❤️',
      added: true,
      count: crowd.length,
      by: crowd.at(-1)?.user,
    });
    // History shows exact counts and a bounded list of who: the first 10, in order.
    const [stored] = await history(room);
    expect(stored?.reactions?.map((r) => [r.emoji, r.count, r.users.length])).toEqual(
      emojis.map((e) => [e, crowd.length, 10]),
    );
    expect(stored?.reactions?.[0]?.users).toEqual(crowd.slice(0, 10).map((f) => f.user));
  });

  it('reports reach staff only', async () => {
    const room = await parley.createRoom(owner.token, 'reports');
    const asAlice = await connect(alice, room);
    const inbox = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    const message = await post(asAlice.client, inbox, room, { body: 'rude words' });
    const asBob = await connect(bob, room);
    await send(asBob.client, `/app/rooms.${room.id}.report`, { messageId: message.id, reason: 'rude' });
    expect(
      await refusal(asBob.client, asBob.errors, `/app/rooms.${room.id}.report`, {
        messageId: message.id,
        reason: 'r'.repeat(501),
      }),
    ).toBe('invalid_request');
    const staff = await getWithToken(`${parley.url}/api/rooms/${room.id}/reports`, owner.token);
    expect(staff.status).toBe(200);
    expect(staff.body.reports).toEqual([
      { id: expect.any(String), message, reporter: bob.user, reason: 'rude', createdAt: expect.any(String) },
    ]);
    for (const session of [alice, bob]) {
      expect((await getWithToken(`${parley.url}/api/rooms/${room.id}/reports`, session.token)).status).toBe(
        403,
      );
    }
  });

  it('mentions reach every connection of the mentioned identity on /user/queue/mentions', async () => {
    const room = await parley.createRoom(owner.token, 'mentions');
    const bob1 = await connect(bob, room);
    const bob2 = await connect(bob, room);
    const mentions1 = await subscribed(bob1.client, '/user/queue/mentions');
    const mentions2 = await subscribed(bob2.client, '/user/queue/mentions');
    const asAlice = await connect(alice, room);
    const inbox = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    const aliceMentions = await subscribed(asAlice.client, '/user/queue/mentions');
    const message = await post(asAlice.client, inbox, room, {
      body: `hey @${bob.user.nickname.toUpperCase()}#${bob.user.tag} and @alice#${alice.user.tag}, @nobody#0000`,
    });
    expect(message.mentions).toHaveLength(2);
    expect(message.mentions).toEqual(expect.arrayContaining([alice.user, bob.user]));
    for (const queue of [mentions1, mentions2]) {
      const [delivered] = await queue.waitFor(1);
      expect(JSON.parse((delivered as IMessage).body)).toEqual(message);
      expect(delivered?.headers['room-id']).toBe(room.id);
    }
    // Authors are not notified of their own mention.
    await post(asAlice.client, inbox, room, { body: 'sync' });
    expect(aliceMentions.messages).toHaveLength(0);
  });

  it('an edit re-resolves mentions: a newly named user is notified once, a dropped one no longer listed', async () => {
    const room = await parley.createRoom(owner.token, 'edited mentions');
    const asBob = await connect(bob, room);
    const bobMentions = await subscribed(asBob.client, '/user/queue/mentions');
    const asOwner = await connect(owner, room);
    const ownerMentions = await subscribed(asOwner.client, '/user/queue/mentions');
    const asAlice = await connect(alice, room);
    const inbox = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    const at = (s: Session) => `@${s.user.nickname}#${s.user.tag}`;
    const original = await post(asAlice.client, inbox, room, { body: `ping ${at(owner)}` });
    expect(original.mentions).toEqual([owner.user]);
    await ownerMentions.waitFor(1);

    const events = inbox.messages.length;
    await send(asAlice.client, `/app/rooms.${room.id}.edit`, {
      messageId: original.id,
      body: `ping ${at(owner)} and ${at(bob)}`,
    });
    const [edit] = (await inbox.waitFor(events + 1)).slice(events);
    const edited = (JSON.parse((edit as IMessage).body) as { message: Message }).message;
    expect(edited.mentions).toHaveLength(2);
    expect(edited.mentions).toEqual(expect.arrayContaining([owner.user, bob.user]));
    const [notice] = await bobMentions.waitFor(1);
    expect((JSON.parse((notice as IMessage).body) as Message).id).toBe(original.id);

    await send(asAlice.client, `/app/rooms.${room.id}.edit`, { messageId: original.id, body: 'never mind' });
    await eventually(async () => {
      const [stored] = (await history(room)).filter((m) => m.id === original.id);
      expect(stored?.body).toBe('never mind');
      expect(stored?.mentions).toBeUndefined();
    });
    // Each was told once: the owner for the original, bob for the first edit; nobody for the last.
    await post(asAlice.client, inbox, room, { body: 'sync' });
    expect(ownerMentions.messages).toHaveLength(1);
    expect(bobMentions.messages).toHaveLength(1);
  });

  it('unread counts: messages after the read marker, not own, not deleted; the marker never goes down', async () => {
    const room = await parley.createRoom(owner.token, 'unread');
    const asOwner = await connect(owner, room);
    const inbox = await subscribed(asOwner.client, `/topic/rooms.${room.id}`);
    const first = await post(asOwner.client, inbox, room, { body: 'one' });
    const bob1 = await connect(bob, room);
    const bob2 = await connect(bob, room);
    await send(bob1.client, `/app/rooms.${room.id}.read`, { seq: first.seq });
    await send(bob1.client, `/app/rooms.${room.id}`, { body: 'bob speaks' });
    await post(asOwner.client, inbox, room, { body: 'two' });
    const three = await post(asOwner.client, inbox, room, { body: 'three' });
    await send(asOwner.client, `/app/rooms.${room.id}.delete`, { messageId: three.id });
    const unread = async (session: Session) =>
      ((await getWithToken(`${parley.url}/api/me/unread`, session.token)).body.rooms as unknown[]).filter(
        (r) => (r as { roomId: string }).roomId === room.id,
      );
    expect(await unread(bob)).toEqual([
      { roomId: room.id, name: 'unread', lastReadSeq: first.seq, unread: 1, mentions: 0 },
    ]);
    // The other connection reads further; an older marker from the first connection does not lower it.
    const last = inbox.messages.at(-1);
    const lastSeq = Number(last?.headers.seq);
    await send(bob2.client, `/app/rooms.${room.id}.read`, { seq: lastSeq });
    await send(bob1.client, `/app/rooms.${room.id}.read`, { seq: first.seq });
    expect(await unread(bob)).toEqual([
      { roomId: room.id, name: 'unread', lastReadSeq: lastSeq, unread: 0, mentions: 0 },
    ]);
    expect(await unread(alice)).toEqual([]);
  });

  it('resume with since-seq replays edits, deletes and reactions in seq order', async () => {
    const room = await parley.createRoom(owner.token, 'resume');
    const asAlice = await connect(alice, room);
    const inbox = await subscribed(asAlice.client, `/topic/rooms.${room.id}`);
    const a = await post(asAlice.client, inbox, room, { body: 'a' });
    const b = await post(asAlice.client, inbox, room, { body: 'b' });
    await send(asAlice.client, `/app/rooms.${room.id}.edit`, { messageId: a.id, body: 'a2' });
    await send(asAlice.client, `/app/rooms.${room.id}.react`, { messageId: a.id, emoji: '🎉', on: true });
    await send(asAlice.client, `/app/rooms.${room.id}.delete`, { messageId: b.id });
    await inbox.waitFor(5);
    const asBob = await connect(bob, room);
    const resumed = await subscribed(asBob.client, `/topic/rooms.${room.id}`, { 'since-seq': String(a.seq) });
    await resumed.waitFor(4);
    expect(resumed.messages.map((m) => [Number(m.headers.seq), m.headers.event])).toEqual([
      [2, undefined],
      [3, 'message.edited'],
      [4, 'reaction.changed'],
      [5, 'message.deleted'],
    ]);
    expect(resumed.bodies().slice(1)).toEqual(inbox.bodies().slice(2));
    // History is messages only, in their current state.
    expect(await history(room)).toEqual([
      {
        ...a,
        body: 'a2',
        editedAt: expect.any(String),
        reactions: [{ emoji: '🎉', count: 1, users: [alice.user] }],
      },
      { ...b, body: '', deleted: true },
    ]);
  });
});

describe('edits spend from the send budget', () => {
  let parley: TestParley;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    parley = await startTestParley({
      overrides: { clock },
      env: { SEND_BURST: '3', SEND_RATE_PER_SECOND: '1' },
    });
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  it('one message edited in a loop is refused with rate_limited once the burst is spent', async () => {
    const alice = await parley.session('alice');
    const room = await parley.createRoom(alice.token, 'edit loop');
    const client = await parley.connect(alice.token);
    const errors = await subscribed(client, '/user/queue/errors');
    const inbox = await subscribed(client, `/topic/rooms.${room.id}`);
    await send(client, `/app/rooms.${room.id}`, { body: 'v0' });
    const [posted] = await inbox.waitFor(1);
    const { id } = JSON.parse((posted as IMessage).body) as Message;
    const editTo = (body: string) => ({ messageId: id, body });
    await send(client, `/app/rooms.${room.id}.edit`, editTo('v1'));
    await send(client, `/app/rooms.${room.id}.edit`, editTo('v2'));
    expect(await refusal(client, errors, `/app/rooms.${room.id}.edit`, editTo('v3'))).toBe('rate_limited');
    expect(await refusal(client, errors, `/app/rooms.${room.id}`, { body: 'and a message' })).toBe(
      'rate_limited',
    );
    clock.advance(1000);
    await send(client, `/app/rooms.${room.id}.edit`, editTo('v4'));
    expect((await inbox.waitFor(4)).map((m) => m.headers.event)).toEqual([
      undefined,
      'message.edited',
      'message.edited',
      'message.edited',
    ]);
  });
});
