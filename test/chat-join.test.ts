// ChatService.join per connection and room: subscriptions share one presence join, so when the join is
// refused (room_full) every subscription waiting on it is refused too and nothing stays counted; the
// user leaves the room with the last subscription.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.js';
import { MemoryPresence } from '../src/bus/memory-presence.js';
import { MemoryRateLimiter } from '../src/bus/memory-rate-limiter.js';
import { ChatService } from '../src/chat/chat-service.js';
import type { RoomId, User, UserId } from '../src/chat/model.js';
import { TokenService } from '../src/chat/tokens.js';
import { systemClock } from '../src/clock.js';
import { makeSqliteFixture } from './fixtures/store-fixtures.js';

const LIMITS = {
  messageMaxChars: 4000,
  sendRatePerSecond: 1000,
  sendBurst: 1000,
  sessionsPerIpPerMinute: 1000,
  roomsPerUserPerHour: 1000,
};

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
    presence = new MemoryPresence({ clock: systemClock });
    chat = new ChatService({
      store: await fixture.open(),
      bus: new MemoryBus(),
      presence,
      rateLimiter: new MemoryRateLimiter({ clock: systemClock }),
      tokens: new TokenService({ secret: randomBytes(32), clock: systemClock, ttlSeconds: 3600 }),
      clock: systemClock,
      limits: LIMITS,
      logger: pino({ level: 'silent' }),
      sink: { message: () => undefined, presence: () => undefined },
    });
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
