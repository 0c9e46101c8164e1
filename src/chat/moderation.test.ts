import { describe, expect, it } from 'vitest';
import { ParleyError } from '../errors.js';
import type { StoredRoom, UserId } from './model.js';
import { hashPassword, parseEmoji, roleOf, verifyPassword } from './moderation.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof ParleyError ? error.code : 'not a ParleyError';
  }
  return undefined;
};

describe('parseEmoji', () => {
  it('accepts one emoji or symbol, including ZWJ sequences, flags, skin tones and keycaps', () => {
    for (const emoji of ['👍', '👍🏽', '👨‍👩‍👧', '🇫🇷', '❤️', '1️⃣', '★', '✓'])
      expect(parseEmoji(emoji)).toBe(emoji);
  });

  it('refuses text, several emojis, digits, empty and long values', () => {
    for (const value of ['', 'a', 'ok', '👍👍', '1', '#', ' 👍', 'x'.repeat(17), 42, null]) {
      expect(
        code(() => parseEmoji(value)),
        String(value),
      ).toBe('invalid_request');
    }
  });
});

describe('roleOf', () => {
  const room = {
    ownerId: 'o' as UserId,
    moderators: [{ id: 'm' as UserId, nickname: 'm', tag: '0001' }],
  } as Pick<StoredRoom, 'ownerId' | 'moderators'> as StoredRoom;
  it('tells owner, moderator and member apart', () => {
    expect(['o', 'm', 'x'].map((id) => roleOf(room, id as UserId))).toEqual(['owner', 'moderator', 'member']);
  });
});

describe('room passwords', () => {
  it('are stored as salted scrypt hashes and verified in constant time', async () => {
    const hash = await hashPassword('open sesame');
    expect(hash).toMatch(/^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(hash).not.toContain('sesame');
    expect(await hashPassword('open sesame')).not.toBe(hash);
    expect(await verifyPassword('open sesame', hash)).toBe(true);
    expect(await verifyPassword('open sesame!', hash)).toBe(false);
    expect(await verifyPassword('open sesame', 'plain')).toBe(false);
  });
});
