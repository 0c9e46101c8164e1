// Rooms keep their owner, over real sockets (@stomp/stompjs) on every storage backend: the owner hands
// the room to someone in it (who then runs it, the previous owner a moderator), and a moderator claims
// the room of an owner away OWNER_ABSENCE_DAYS (a manual clock), never of one in the room or seen
// lately; `GET /api/rooms/:id/ownership` tells staff when; the audit log records both.
import type { Client } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { ManualClock } from '../src/clock.js';
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
const ABSENCE_DAYS = 1;
const DAY_MS = 86_400_000;
const PRESENCE_TTL_MS = 3_600_000;
const STEP_MS = PRESENCE_TTL_MS / 6;

describe.each(backends)('ownership over STOMP on %s', (backend) => {
  let parley: TestParley;
  const clock = new ManualClock(Date.now());
  let owner: Session;
  let mod: Session;
  let bob: Session;
  let carol: Session;

  const connect = (session: Session): Promise<{ client: Client; errors: Inbox }> =>
    parley.connectWithErrors(session);
  const moderate = (roomId: string): string => `/app/rooms.${roomId}.moderate`;
  const roomOf = (id: string): Promise<Room> => getJson<Room>(`${parley.url}/api/rooms/${id}`);
  /**
   * Days pass as they would: in steps well inside the presence ttl, each followed by a turn of the event
   * loop, so the heart-beats of connections still open refresh their presence as they do in real time.
   */
  const passTime = async (ms: number): Promise<void> => {
    for (let left = ms; left > 0; left -= STEP_MS) {
      clock.advance(Math.min(STEP_MS, left));
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  beforeAll(async () => {
    parley = await startTestParley({
      backend,
      env: { OWNER_ABSENCE_DAYS: String(ABSENCE_DAYS), PRESENCE_TTL_MS: String(PRESENCE_TTL_MS) },
      overrides: { clock },
    });
    owner = await parley.session('olga');
    mod = await parley.session('dana');
    bob = await parley.session('bob');
    carol = await parley.session('carol');
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  /** A room whose owner appointed `mod`, with the owner's connection (not in the room). */
  async function staffedRoom(
    name: string,
  ): Promise<{ room: Room; asOwner: { client: Client; errors: Inbox } }> {
    const room = await parley.createRoom(owner.token, name);
    const asOwner = await connect(owner);
    await send(asOwner.client, moderate(room.id), { action: 'appoint', userId: mod.user.id });
    return { room, asOwner };
  }

  it('hands the room to someone in it; they run it, the previous owner becomes a moderator', async () => {
    const { room, asOwner } = await staffedRoom('handover');
    const asBob = await connect(bob);
    const bobInbox = await join(asBob.client, room.id);
    const asMod = await connect(mod);
    const asCarol = await connect(carol);

    // Only the owner hands the room over, and only to someone in the room now.
    const toBob = { action: 'transfer', userId: bob.user.id };
    expect(await refusal(asMod.client, asMod.errors, moderate(room.id), toBob)).toBe('forbidden');
    expect(await refusal(asBob.client, asBob.errors, moderate(room.id), toBob)).toBe('forbidden');
    expect(
      await refusal(asOwner.client, asOwner.errors, moderate(room.id), {
        action: 'transfer',
        userId: carol.user.id,
      }),
    ).toBe('not_present');
    expect(
      await refusal(asOwner.client, asOwner.errors, moderate(room.id), {
        action: 'transfer',
        userId: owner.user.id,
      }),
    ).toBe('invalid_request');
    expect((await roomOf(room.id)).ownerId).toBe(owner.user.id);

    await send(asOwner.client, moderate(room.id), toBob);
    const event = await eventually(() => {
      const found = bobInbox.messages.find((m) => m.headers.event === 'owner.changed');
      if (found === undefined) throw new Error('no owner.changed yet');
      return found;
    });
    expect(bodyOf(event)).toEqual({
      type: 'owner.changed',
      owner: bob.user,
      previous: owner.user,
      claimed: false,
      by: owner.user,
    });
    expect(await roomOf(room.id)).toMatchObject({
      ownerId: bob.user.id,
      createdBy: owner.user,
      moderators: [mod.user, owner.user],
    });

    // The new owner runs the room; the previous one is a moderator now, so appointing is not theirs.
    await send(asBob.client, moderate(room.id), { action: 'settings', topic: 'new hands' });
    await send(asBob.client, moderate(room.id), { action: 'appoint', userId: carol.user.id });
    expect(
      await refusal(asOwner.client, asOwner.errors, moderate(room.id), {
        action: 'dismiss',
        userId: carol.user.id,
      }),
    ).toBe('forbidden');
    expect(await roomOf(room.id)).toMatchObject({ topic: 'new hands' });
    expect((await getWithToken(`${parley.url}/api/rooms/${room.id}/audit`, owner.token)).status).toBe(403);
    const audit = await getWithToken(`${parley.url}/api/rooms/${room.id}/audit`, bob.token);
    expect(audit.body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'owner.changed',
          actor: owner.user,
          target: bob.user,
          details: { claimed: false },
        }),
      ]),
    );
    await asCarol.client.deactivate();
  });

  it('lets a moderator claim the room once the owner is away OWNER_ABSENCE_DAYS, and not before', async () => {
    const { room, asOwner } = await staffedRoom('away');
    // The owner comes in and goes: seen now.
    await join(asOwner.client, room.id);
    const seenAt = clock.now();
    await asOwner.client.deactivate();
    const asMod = await connect(mod);
    const modInbox = await join(asMod.client, room.id);
    const asBob = await connect(bob);
    await join(asBob.client, room.id);
    const ownership = `${parley.url}/api/rooms/${room.id}/ownership`;

    await eventually(async () => {
      const early = await getWithToken(ownership, mod.token);
      expect(early).toEqual({
        status: 200,
        body: {
          ownerId: owner.user.id,
          present: false,
          absent: false,
          claimableFrom: new Date(seenAt + ABSENCE_DAYS * DAY_MS).toISOString(),
        },
      });
    });
    expect((await getWithToken(ownership, bob.token)).status).toBe(403);
    expect(await refusal(asMod.client, asMod.errors, moderate(room.id), { action: 'claim' })).toBe(
      'owner_not_absent',
    );

    await passTime(ABSENCE_DAYS * DAY_MS + 1000);
    expect((await getWithToken(ownership, mod.token)).body).toMatchObject({ present: false, absent: true });
    // Members do not claim rooms; moderators do.
    expect(await refusal(asBob.client, asBob.errors, moderate(room.id), { action: 'claim' })).toBe(
      'forbidden',
    );
    await send(asMod.client, moderate(room.id), { action: 'claim' });
    const event = await eventually(() => {
      const found = modInbox.messages.find((m) => m.headers.event === 'owner.changed');
      if (found === undefined) throw new Error('no owner.changed yet');
      return found;
    });
    expect(bodyOf(event)).toEqual({
      type: 'owner.changed',
      owner: mod.user,
      previous: owner.user,
      claimed: true,
      by: mod.user,
    });
    expect(await roomOf(room.id)).toMatchObject({ ownerId: mod.user.id, moderators: [owner.user] });
    const audit = await getWithToken(`${parley.url}/api/rooms/${room.id}/audit`, mod.token);
    expect(audit.body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'owner.changed',
          actor: mod.user,
          target: mod.user,
          details: { claimed: true, ownerSeenAt: new Date(seenAt).toISOString() },
        }),
      ]),
    );
    // The room is the claimer's now: claiming it again is refused.
    expect(await refusal(asMod.client, asMod.errors, moderate(room.id), { action: 'claim' })).toBe(
      'invalid_request',
    );
  });

  it('never lets a moderator claim the room of an owner who is in it, however long ago they came', async () => {
    const { room, asOwner } = await staffedRoom('present');
    await join(asOwner.client, room.id);
    const asMod = await connect(mod);
    await join(asMod.client, room.id);
    await passTime(2 * ABSENCE_DAYS * DAY_MS);
    expect(await refusal(asMod.client, asMod.errors, moderate(room.id), { action: 'claim' })).toBe(
      'owner_not_absent',
    );
    expect((await getWithToken(`${parley.url}/api/rooms/${room.id}/ownership`, mod.token)).body).toEqual({
      ownerId: owner.user.id,
      present: true,
      absent: false,
      claimableFrom: null,
    });
  });

  it('counts an owner acting in the room without entering it as seen', async () => {
    const { room, asOwner } = await staffedRoom('acting');
    await passTime(ABSENCE_DAYS * DAY_MS + 1000);
    // A settings change from outside the room is the owner being around.
    await send(asOwner.client, moderate(room.id), { action: 'settings', topic: 'still here' });
    const asMod = await connect(mod);
    expect(await refusal(asMod.client, asMod.errors, moderate(room.id), { action: 'claim' })).toBe(
      'owner_not_absent',
    );
  });
});
