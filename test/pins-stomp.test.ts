// Notices and pins over real sockets (@stomp/stompjs) on every storage backend: staff pin messages
// (MAX_PINS_PER_ROOM at most) and set the room's notice with `moderate` actions; members see both live
// as room events and in the room's JSON; members may do neither; the notice follows the message rules
// (NOTICE_MAX_CHARS, the room's banned words); a deleted message leaves the pins; the audit log records it.
import type { Client } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { bodyOf, getWithToken, join, refusal, send } from './support/chat-client.js';
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
const MAX_PINS = 2;
const NOTICE_MAX = 40;

describe.each(backends)('notices and pins over STOMP on %s', (backend) => {
  let parley: TestParley;
  let owner: Session;
  let mod: Session;
  let bob: Session;

  const connect = (session: Session): Promise<{ client: Client; errors: Inbox }> =>
    parley.connectWithErrors(session);
  const moderate = (roomId: string): string => `/app/rooms.${roomId}.moderate`;
  const roomOf = (id: string): Promise<Room> => getJson<Room>(`${parley.url}/api/rooms/${id}`);
  const eventIn = async (inbox: Inbox, type: string, nth = 0): Promise<Record<string, unknown>> =>
    eventually(() => {
      const found = inbox.messages.filter((m) => m.headers.event === type)[nth];
      if (found === undefined) throw new Error(`no ${type} #${nth} yet`);
      return bodyOf(found);
    });
  /** Posts `body` as `client` and waits for it in `inbox`: its id. */
  const post = async (client: Client, inbox: Inbox, roomId: string, body: string): Promise<string> => {
    await send(client, `/app/rooms.${roomId}`, { body });
    const found = await eventually(() => {
      const m = inbox.messages.find((x) => x.headers.event === undefined && bodyOf(x).body === body);
      if (m === undefined) throw new Error(`no "${body}" yet`);
      return m;
    });
    return String(bodyOf(found).id);
  };

  beforeAll(async () => {
    parley = await startTestParley({
      backend,
      env: { MAX_PINS_PER_ROOM: String(MAX_PINS), NOTICE_MAX_CHARS: String(NOTICE_MAX) },
    });
    owner = await parley.session('olga');
    mod = await parley.session('dana');
    bob = await parley.session('bob');
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  it('staff pin and unpin; members see it live and in the room; the cap holds; members may not pin', async () => {
    const room = await parley.createRoom(owner.token, 'pinned');
    const asOwner = await connect(owner);
    await send(asOwner.client, moderate(room.id), { action: 'appoint', userId: mod.user.id });
    const asBob = await connect(bob);
    const bobInbox = await join(asBob.client, room.id);
    const asMod = await connect(mod);
    const first = await post(asBob.client, bobInbox, room.id, 'first words');
    const second = await post(asBob.client, bobInbox, room.id, 'second words');
    const third = await post(asBob.client, bobInbox, room.id, 'third words');

    expect(
      await refusal(asBob.client, asBob.errors, moderate(room.id), { action: 'pin', messageId: first }),
    ).toBe('forbidden');
    await send(asMod.client, moderate(room.id), { action: 'pin', messageId: first });
    const pinned = await eventIn(bobInbox, 'message.pinned');
    expect(pinned).toEqual({
      type: 'message.pinned',
      pin: {
        id: first,
        seq: expect.any(Number),
        author: bob.user,
        body: 'first words',
        pinnedBy: mod.user,
        pinnedAt: expect.any(String),
      },
      by: mod.user,
    });
    await send(asOwner.client, moderate(room.id), { action: 'pin', messageId: second });
    expect(
      await refusal(asOwner.client, asOwner.errors, moderate(room.id), { action: 'pin', messageId: third }),
    ).toBe('too_many_pins');
    expect(
      await refusal(asOwner.client, asOwner.errors, moderate(room.id), { action: 'pin', messageId: 'nope' }),
    ).toBe('message_not_found');
    expect((await roomOf(room.id)).pins.map((p) => p.id)).toEqual([first, second]);

    await send(asOwner.client, moderate(room.id), { action: 'unpin', messageId: first });
    expect(await eventIn(bobInbox, 'message.unpinned')).toEqual({
      type: 'message.unpinned',
      messageId: first,
      by: owner.user,
    });
    expect(
      await refusal(asOwner.client, asOwner.errors, moderate(room.id), { action: 'unpin', messageId: first }),
    ).toBe('invalid_request');

    // A deleted message leaves the pins with its deletion (deleting is done from inside the room).
    await join(asMod.client, room.id);
    await send(asMod.client, `/app/rooms.${room.id}.delete`, { messageId: second });
    await eventIn(bobInbox, 'message.deleted');
    expect((await roomOf(room.id)).pins).toEqual([]);

    const audit = await getWithToken(`${parley.url}/api/rooms/${room.id}/audit`, owner.token);
    const actions = (audit.body.entries as { action: string }[]).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('message.'))).toEqual([
      'message.deleted',
      'message.unpinned',
      'message.pinned',
      'message.pinned',
    ]);
  });

  it('staff set and clear the notice; members see it live and in the room; the message rules apply', async () => {
    const room = await parley.createRoom(owner.token, 'noticed');
    const asOwner = await connect(owner);
    await send(asOwner.client, moderate(room.id), {
      action: 'settings',
      wordFilter: { mode: 'refuse', words: ['durian'] },
    });
    const asBob = await connect(bob);
    const bobInbox = await join(asBob.client, room.id);

    expect(
      await refusal(asBob.client, asBob.errors, moderate(room.id), { action: 'notice', body: 'mine' }),
    ).toBe('forbidden');
    const refused = (body: unknown) =>
      refusal(asOwner.client, asOwner.errors, moderate(room.id), { action: 'notice', body });
    expect(await refused('x'.repeat(NOTICE_MAX + 1))).toBe('message_too_long');
    expect(await refused('   ')).toBe('invalid_message');
    expect(await refused('no durian here')).toBe('word_filtered');
    expect(await refused(null)).toBe('invalid_request');

    await send(asOwner.client, moderate(room.id), { action: 'notice', body: '  Be kind 🙂  ' });
    const changed = await eventIn(bobInbox, 'notice.changed');
    expect(changed).toEqual({
      type: 'notice.changed',
      notice: { body: 'Be kind 🙂', by: owner.user, at: expect.any(String) },
      by: owner.user,
    });
    expect((await roomOf(room.id)).notice).toEqual(changed.notice);

    await send(asOwner.client, moderate(room.id), { action: 'notice', body: null });
    expect(await eventIn(bobInbox, 'notice.changed', 1)).toEqual({
      type: 'notice.changed',
      notice: null,
      by: owner.user,
    });
    expect((await roomOf(room.id)).notice).toBeNull();
    const audit = await getWithToken(`${parley.url}/api/rooms/${room.id}/audit`, owner.token);
    expect(
      (audit.body.entries as { action: string; details: unknown }[])
        .filter((e) => e.action === 'notice.changed')
        .map((e) => e.details),
    ).toEqual([{ notice: 'cleared' }, { notice: 'set' }]);
  });

  it('a password room shows no notice or pins to those without its grant', async () => {
    const room = await parley.createRoom(owner.token, 'locked');
    const asOwner = await connect(owner);
    await send(asOwner.client, moderate(room.id), { action: 'notice', body: 'members only' });
    await send(asOwner.client, moderate(room.id), { action: 'settings', password: 'hunter22' });
    const outside = await roomOf(room.id);
    expect(outside.hasPassword).toBe(true);
    expect(outside.notice).toBeNull();
    expect(outside.pins).toEqual([]);
  });
});
