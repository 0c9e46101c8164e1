import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoomId, User, UserId } from '../src/chat/model.js';
import type { RoomDomain } from '../src/chat/room-domain.js';
import { systemClock } from '../src/clock.js';
import { MemoryPresence } from '../src/cluster/memory-presence.js';
import { makeSqliteFixture } from './fixtures/store-fixtures.js';
import { makeRoomDomain } from './support/room-domain.js';

const person = (nickname: string, n: number): User => ({
  id: `00000000-0000-4000-8000-00000000000${n}` as UserId,
  nickname,
  tag: `000${n}`,
});
const ana = person('ana', 1);
const ben = person('ben', 2);
const room = 'joinroom01' as RoomId;

describe('Membership.join', () => {
  let fixture: Awaited<ReturnType<typeof makeSqliteFixture>>;
  let presence: MemoryPresence;
  let domain: RoomDomain;

  beforeEach(async () => {
    fixture = await makeSqliteFixture();
    presence = new MemoryPresence({ clock: systemClock, ttlMs: 30_000 });
    domain = await makeRoomDomain(await fixture.open(), { presence });
  });

  afterEach(async () => {
    await domain.close();
    await presence.close();
    await fixture.dispose();
  });

  const members = async (): Promise<string[]> => (await presence.members(room)).map((u) => u.id);

  it('refuses both subscriptions of a connection that share a refused join, and counts neither', async () => {
    await presence.join(room, { user: ana, connectionId: 'ana-1' });
    const outcomes = await Promise.allSettled([
      domain.membership.join(room, ben, 'ben-1', 1),
      domain.membership.join(room, ben, 'ben-1', 1),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'room_full' });
    }
    expect(await members()).toEqual([ana.id]);
    // Nothing was left counted: with a place free, the next subscription joins for real.
    await presence.leave(room, 'ana-1');
    await domain.membership.join(room, ben, 'ben-1', 1);
    expect(await members()).toEqual([ben.id]);
    await domain.membership.leave(room, 'ben-1');
    expect(await members()).toEqual([]);
  });

  it('keeps the user in while any of their subscriptions is, out with the last', async () => {
    await Promise.all([
      domain.membership.join(room, ben, 'ben-1'),
      domain.membership.join(room, ben, 'ben-1'),
    ]);
    expect(await members()).toEqual([ben.id]);
    await domain.membership.leave(room, 'ben-1');
    expect(await members()).toEqual([ben.id]);
    await domain.membership.leave(room, 'ben-1');
    expect(await members()).toEqual([]);
    // A leave with nothing joined is ignored.
    await domain.membership.leave(room, 'ben-1');
    expect(await members()).toEqual([]);
  });
});
