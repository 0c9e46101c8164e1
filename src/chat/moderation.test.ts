import { describe, expect, it } from 'vitest';
import { ParleyError } from '../errors.js';
import type { StoredRoom, UserId } from './model.js';
import { parseEmoji, roleOf } from './moderation.js';

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
