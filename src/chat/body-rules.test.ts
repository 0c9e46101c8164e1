import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/refusal.js';
import { checkMessageBody, checkReason, MAX_REASON_CHARS, parseEmoji } from './body-rules.js';

const limits = { messageMaxChars: 5, maxCombiningMarks: 3 };

describe('message bodies', () => {
  it('are trimmed, and refused when empty, with controls, unsafe or too long (in code points)', () => {
    expect(checkMessageBody('  hi \n', limits)).toBe('hi');
    expect(checkMessageBody('😀😀😀😀😀', limits)).toBe('😀😀😀😀😀');
    expect(codeOf(() => checkMessageBody('   ', limits))).toBe('invalid_message');
    expect(codeOf(() => checkMessageBody('a\u0000b', limits))).toBe('invalid_message');
    expect(codeOf(() => checkMessageBody('a\u0007b', limits))).toBe('invalid_message');
    expect(codeOf(() => checkMessageBody('a\u202eb', limits))).toBe('unsafe_text');
    expect(codeOf(() => checkMessageBody('123456', limits))).toBe('message_too_long');
  });
});

describe('reasons', () => {
  it('are optional unless required, trimmed, bounded and follow the body rules', () => {
    expect(checkReason(undefined, false, 3)).toBeNull();
    expect(checkReason('  ', false, 3)).toBeNull();
    expect(checkReason(' spam ', true, 3)).toBe('spam');
    expect(codeOf(() => checkReason(null, true, 3))).toBe('invalid_request');
    expect(codeOf(() => checkReason(' ', true, 3))).toBe('invalid_request');
    expect(codeOf(() => checkReason('x'.repeat(MAX_REASON_CHARS + 1), false, 3))).toBe('invalid_request');
    expect(codeOf(() => checkReason('a\u202eb', false, 3))).toBe('unsafe_text');
  });
});

describe('parseEmoji', () => {
  it('accepts one emoji or symbol, including ZWJ sequences, flags, skin tones and keycaps', () => {
    for (const emoji of ['👍', '👍🏽', '👨‍👩‍👧', '🇫🇷', '❤️', '1️⃣', '★', '✓'])
      expect(parseEmoji(emoji)).toBe(emoji);
  });

  it('refuses text, several emojis, digits, empty and long values', () => {
    for (const value of ['', 'a', 'ok', '👍👍', '1', '#', ' 👍', 'x'.repeat(17), 42, null]) {
      expect(
        codeOf(() => parseEmoji(value)),
        String(value),
      ).toBe('invalid_request');
    }
  });
});
