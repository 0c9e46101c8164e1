import { describe, expect, it } from 'vitest';
import { ParleyError } from '../errors.js';
import { countCharacters, parseNickname, parseRoomName, parseRoomTopic } from './nickname.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof ParleyError ? error.code : 'not a ParleyError';
  }
}

describe('parseNickname', () => {
  it.each([
    ['alice', 'alice'],
    ['  alice  ', 'alice'],
    ['김철수', '김철수'],
    ['さくら', 'さくら'],
    ['🦊 fox', '🦊 fox'],
    ['👩‍💻 dev', '👩‍💻 dev'],
    ['O’Brien-Smith.', 'O’Brien-Smith.'],
  ])('accepts %j as %j', (raw, expected) => {
    expect(parseNickname(raw)).toBe(expected);
  });

  it('normalizes to NFC', () => {
    const decomposed = '\u1100\u1161'; // ᄀ + ᅡ, composes to 가
    expect(parseNickname(decomposed)).toBe('가');
    expect(parseNickname('e\u0301')).toBe('\u00e9');
  });

  it.each<[unknown, string]>([
    ['', 'empty'],
    ['   ', 'blank'],
    ['a\u0000b', 'NUL'],
    ['a\nb', 'newline'],
    ['a\u202eb', 'bidi override (format)'],
    ['a\u200bb', 'zero-width space (format)'],
    ['a\u200db', 'joiner between letters'],
    ['x'.repeat(33), 'too long'],
    [42, 'not a string'],
    [null, 'null'],
  ])('refuses %j (%s)', (raw) => {
    expect(codeOf(() => parseNickname(raw))).toBe('invalid_nickname');
  });

  it('counts grapheme clusters, so 32 emoji are allowed', () => {
    const family = '👨‍👩‍👧';
    expect(countCharacters(family)).toBe(1);
    expect(parseNickname(family.repeat(32))).toBe(family.repeat(32));
    expect(codeOf(() => parseNickname(family.repeat(33)))).toBe('invalid_nickname');
  });
});

describe('room names and topics', () => {
  it('accepts names up to 64 characters and refuses longer ones', () => {
    expect(parseRoomName('r'.repeat(64))).toHaveLength(64);
    expect(codeOf(() => parseRoomName('r'.repeat(65)))).toBe('invalid_room');
  });

  it('treats an absent or blank topic as null and validates a given one', () => {
    expect(parseRoomTopic(undefined)).toBeNull();
    expect(parseRoomTopic('  ')).toBeNull();
    expect(parseRoomTopic(' Rust & friends ')).toBe('Rust & friends');
    expect(codeOf(() => parseRoomTopic('bad\u0007'))).toBe('invalid_room');
  });
});
