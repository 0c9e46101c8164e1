import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatService } from '../src/chat/chat-service.js';
import type { RoomId, User, UserId } from '../src/chat/model.js';
import { systemClock } from '../src/clock.js';
import { MemoryPresence } from '../src/cluster/memory-presence.js';
import { loadConfig } from '../src/config.js';
import { makeSqliteFixture } from './fixtures/store-fixtures.js';
import { makeChatService } from './support/chat-service.js';

const person = (nickname: string, n: number): User => ({
  id: `00000000-0000-4000-8000-00000000000${n}` as UserId,
  nickname,
  tag: `000${n}`,
});
const ana = person('ana', 1);
const ben = person('ben', 2);
const room = 'joinroom01' as RoomId;

describe('ChatService.join', () => {
  let fixture: Awaited<ReturnType<typeof makeSqliteFixture>>;
  let presence: MemoryPresence;
  let chat: ChatService;

  beforeEach(async () => {
    fixture = await makeSqliteFixture();
    presence = new MemoryPresence({ clock: systemClock, ttlMs: loadConfig({}).presenceTtlMs });
    chat = makeChatService(await fixture.open(), { presence });
  });

  afterEach(async () => {
    await presence.close();
    await fixture.dispose();
  });

  const members = async (): Promise<string[]> => (await presence.members(room)).map((u) => u.id);

  it('refuses both subscriptions of a connection that share a refused join, and counts neither', async () => {
    await presence.join(room, { user: ana, connectionId: 'ana-1' });
    const outcomes = await Promise.allSettled([
      chat.join(room, ben, 'ben-1', 1),
      chat.join(room, ben, 'ben-1', 1),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'room_full' });
    }
    expect(await members()).toEqual([ana.id]);
    // Nothing was left counted: with a place free, the next subscription joins for real.
    await presence.leave(room, 'ana-1');
    await chat.join(room, ben, 'ben-1', 1);
    expect(await members()).toEqual([ben.id]);
    await chat.leave(room, 'ben-1');
    expect(await members()).toEqual([]);
  });

  it('keeps the user in while any of their subscriptions is, out with the last', async () => {
    await Promise.all([chat.join(room, ben, 'ben-1'), chat.join(room, ben, 'ben-1')]);
    expect(await members()).toEqual([ben.id]);
    await chat.leave(room, 'ben-1');
    expect(await members()).toEqual([ben.id]);
    await chat.leave(room, 'ben-1');
    expect(await members()).toEqual([]);
    // A leave with nothing joined is ignored.
    await chat.leave(room, 'ben-1');
    expect(await members()).toEqual([]);
  });
});
