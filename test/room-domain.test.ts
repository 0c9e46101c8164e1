// The room domain without sockets: typed commands in, the append observers and the refusals out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoomId, User, UserId } from '../src/chat/model.js';
import type { RoomDomain } from '../src/chat/room-domain.js';
import type { Appended } from '../src/chat/room-writer.js';
import { ParleyError } from '../src/errors.js';
import type { Store } from '../src/store/store.js';
import { makeSqliteFixture } from './fixtures/store-fixtures.js';
import { makeRoomDomain } from './support/room-domain.js';

const person = (nickname: string, n: number): User => ({
  id: `00000000-0000-4000-8000-00000000001${n}` as UserId,
  nickname,
  tag: `001${n}`,
});
const owner = person('olga', 1);
const member = person('mo', 2);

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ParleyError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('RoomDomain', () => {
  let fixture: Awaited<ReturnType<typeof makeSqliteFixture>>;
  let store: Store;
  let domain: RoomDomain;
  let roomId: RoomId;
  let appended: Appended[];

  beforeEach(async () => {
    fixture = await makeSqliteFixture();
    store = await fixture.open();
    domain = await makeRoomDomain(store);
    appended = [];
    domain.onAppended((entry) => {
      appended.push(entry);
      return undefined;
    });
    for (const user of [owner, member]) await store.rememberUser(user, new Date());
    roomId = (await domain.rooms.createRoom(owner, { name: 'domain room' })).id;
  });

  afterEach(async () => {
    await domain.close();
    await fixture.dispose();
  });

  it('tells the append observers of each message, and of a retry as a duplicate', async () => {
    const post = { kind: 'post', roomId, body: '  hello  ', clientMsgId: 'c-1' } as const;
    await domain.execute(member, post);
    await domain.execute(member, post);
    expect(appended.map((e) => (e.kind === 'message' ? [e.message.body, e.duplicate] : e.kind))).toEqual([
      ['hello', false],
      ['hello', true],
    ]);
  });

  it('applies a typed moderation action and refuses the muted from then on', async () => {
    await domain.execute(member, { kind: 'post', roomId, body: 'before' });
    await domain.execute(owner, {
      kind: 'moderate',
      roomId,
      action: { action: 'mute', userId: member.id, seconds: 60, reason: ' spam ' },
    });
    const event = appended.at(-1);
    expect(event?.kind === 'event' ? event.event.event : undefined).toMatchObject({
      type: 'member.muted',
      user: { id: member.id },
      reason: 'spam',
    });
    expect(await refusal(domain.execute(member, { kind: 'post', roomId, body: 'after' }))).toBe('muted');
    // Staff powers are the staff's: a member moderating is refused before anything is stored.
    expect(
      await refusal(
        domain.execute(member, { kind: 'moderate', roomId, action: { action: 'kick', userId: owner.id } }),
      ),
    ).toBe('forbidden');
    expect(await refusal(domain.execute(member, { kind: 'post', roomId, body: '   ' }))).toBe('muted');
  });

  it('refuses bodies by the message rules after the permissions', async () => {
    expect(await refusal(domain.execute(member, { kind: 'post', roomId, body: '   ' }))).toBe(
      'invalid_message',
    );
    expect(await refusal(domain.execute(member, { kind: 'post', roomId, body: 'x'.repeat(4001) }))).toBe(
      'message_too_long',
    );
    expect(appended).toEqual([]);
  });
});
