// Sessions' per-node user cache: one store read per user serves every authentication until the cache
// time, answers with the current name whatever the token says, and a rename heard while a read was in
// flight is never cached over by that read's older answer.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { MemoryBus } from '../cluster/memory-bus.js';
import { MemoryRateLimiter } from '../cluster/memory-rate-limiter.js';
import type { Store, UserState } from '../store/store.js';
import type { User, UserId } from './model.js';
import { Sessions } from './sessions.js';
import { TokenService } from './tokens.js';

const CACHE_MS = 10_000;

function setUp() {
  const clock = new ManualClock();
  const tokens = new TokenService({
    secret: new TextEncoder().encode('s'.repeat(32)),
    clock,
    ttlSeconds: 3600,
  });
  const reads: { readonly id: UserId; resolve: (state: UserState) => void }[] = [];
  const store = {
    findUserState: (id: UserId) => new Promise<UserState>((resolve) => reads.push({ id, resolve })),
  } as unknown as Store;
  const bus = new MemoryBus();
  const sessions = new Sessions({
    store,
    bus,
    rateLimiter: new MemoryRateLimiter({ clock }),
    tokens,
    clock,
    logger: pino({ level: 'silent' }),
    limits: { refreshesPerUserPerHour: 10, refreshesPerIpPerMinute: 10, revocationCacheMs: CACHE_MS },
  });
  return { clock, tokens, reads, sessions, bus };
}

/** Lets pending work run (token checks are asynchronous crypto). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

/**
 * Waits until `n` store reads have started: a token check is asynchronous crypto on the thread pool,
 * which a loaded machine may take many turns of the event loop to answer.
 */
const readsReach = async (reads: readonly unknown[], n: number): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (reads.length < n) {
    if (Date.now() > deadline) throw new Error(`${reads.length} store reads started, expected ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
};

describe('Sessions user cache', () => {
  it('reads a user once per cache time and speaks with the stored name, not the token’s', async () => {
    const { clock, tokens, reads, sessions } = setUp();
    await sessions.start();
    const old: User = { id: 'u1' as UserId, nickname: 'alice', tag: '0001' };
    const { token } = await tokens.issue(old);
    const first = sessions.authenticate(token);
    await readsReach(reads, 1);
    expect(reads).toHaveLength(1);
    reads[0]?.resolve({ user: { ...old, nickname: 'Alicia', tag: '0002' } });
    expect((await first).user).toEqual({ id: 'u1', nickname: 'Alicia', tag: '0002' });
    expect((await first).recorded).toBe(true);
    expect((await sessions.authenticate(token)).user.nickname).toBe('Alicia');
    expect(reads).toHaveLength(1);
    clock.advance(CACHE_MS);
    const later = sessions.authenticate(token);
    await readsReach(reads, 2);
    expect(reads).toHaveLength(2);
    reads[1]?.resolve({});
    // Never recorded: the token's own name, and the caller is told to record it.
    expect(await later).toMatchObject({ user: old, recorded: false });
    await sessions.close();
  });

  it('does not cache a read that a rename overtook, and tells rename listeners on every node', async () => {
    const { tokens, reads, sessions, bus } = setUp();
    await sessions.start();
    const heard: User[] = [];
    sessions.onRenamed((user) => heard.push(user));
    const user: User = { id: 'u2' as UserId, nickname: 'bob', tag: '0001' };
    const { token } = await tokens.issue(user);
    const inFlight = sessions.authenticate(token);
    await readsReach(reads, 1);
    // Another node renames bob while this node's read is under way.
    await bus.publish({ kind: 'identity', userId: user.id, nickname: 'robert', tag: '0003' });
    await settle();
    expect(heard).toEqual([{ id: 'u2', nickname: 'robert', tag: '0003' }]);
    reads[0]?.resolve({ user });
    expect((await inFlight).user.nickname).toBe('bob');
    const next = sessions.authenticate(token);
    await readsReach(reads, 2);
    expect(reads).toHaveLength(2);
    reads[1]?.resolve({ user: { ...user, nickname: 'robert', tag: '0003' } });
    expect((await next).user.nickname).toBe('robert');
    await sessions.close();
  });

  it('refuses a token issued before the cached stamp, and learns a revocation from the bus', async () => {
    const { clock, tokens, reads, sessions, bus } = setUp();
    await sessions.start();
    const user: User = { id: 'u3' as UserId, nickname: 'cy', tag: '0001' };
    const { token } = await tokens.issue(user);
    const ok = sessions.authenticate(token);
    await readsReach(reads, 1);
    reads[0]?.resolve({ user });
    await ok;
    clock.advance(10);
    await bus.publish({ kind: 'revocation', userId: user.id, validAfterMs: clock.now() });
    await settle();
    const refused = sessions.authenticate(token).then(
      () => 'accepted',
      (error: unknown) => (error as { code?: string }).code,
    );
    await settle();
    expect(reads).toHaveLength(1);
    expect(await refused).toBe('unauthorized');
    await sessions.close();
  });
});
