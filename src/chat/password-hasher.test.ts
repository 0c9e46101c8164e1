// The bounded hashing queue: at most `concurrency` scrypt runs at once, at most `maxQueued` wait, one
// more is refused with server_busy (retry in 1 s) at once; slots pass on in order and free up after.
import { describe, expect, it } from 'vitest';
import { PasswordHasher } from './password-hasher.js';

describe('PasswordHasher', () => {
  it('hashes with a fresh salt and verifies only the same password', async () => {
    const hasher = new PasswordHasher({ concurrency: 2, maxQueued: 4 });
    const hash = await hasher.hash('open sesame');
    expect(hash).toMatch(/^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(await hasher.hash('open sesame')).not.toBe(hash);
    expect(await hasher.verify('open sesame', hash)).toBe(true);
    expect(await hasher.verify('open sesame!', hash)).toBe(false);
    expect(await hasher.verify('open sesame', 'plain')).toBe(false);
  });

  it('runs at most `concurrency` at once, queues `maxQueued`, refuses the rest with server_busy', async () => {
    const hasher = new PasswordHasher({ concurrency: 1, maxQueued: 2 });
    const hash = await hasher.hash('pw');
    const outcomes = Array.from({ length: 5 }, () =>
      hasher.verify('pw', hash).then(
        (ok) => (ok ? 'ok' : 'wrong'),
        (error: unknown) => (error as { code?: string; retryAfterSeconds?: number }).code,
      ),
    );
    expect(hasher.load).toEqual({ running: 1, queued: 2 });
    expect(await Promise.all(outcomes)).toEqual(['ok', 'ok', 'ok', 'server_busy', 'server_busy']);
    expect(hasher.load).toEqual({ running: 0, queued: 0 });
    await expect(hasher.verify('pw', hash)).resolves.toBe(true);
  });
});
