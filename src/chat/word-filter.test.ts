// The banned-word matcher: folding (width, case, marks, zero-width), masking maps back to the original
// text, and properties over generated words and texts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldForMatching, MASK, MatcherCache, WordMatcher } from './word-filter.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const letterWord = fc
  .array(fc.constantFrom(...LETTERS), { minLength: 1, maxLength: 8 })
  .map((cs) => cs.join(''));
/** Text made only of characters no letter word can contain. */
const otherText = fc
  .array(fc.constantFrom(' ', '0', '1', '.', '!', '가', '😀', '\n'), { maxLength: 30 })
  .map((cs) => cs.join(''));
const anyText = fc.string({ maxLength: 40, unit: 'grapheme' });

const toFullWidth = (s: string): string =>
  Array.from(s, (c) => String.fromCodePoint(c.codePointAt(0)! - 0x21 + 0xff01)).join('');

describe('WordMatcher', () => {
  it('folds width, case, accents and zero-width characters', () => {
    const matcher = new WordMatcher(['bad']);
    for (const text of ['BAD', 'ｂａｄ', 'b\u200Bad', 'bád', 'b\u00ADa\u2060d', 'so Bad!']) {
      expect(matcher.matches(text), text).toBe(true);
    }
    for (const text of ['ba d', 'bd', 'bbaadd', '']) expect(matcher.matches(text), text).toBe(false);
  });

  it('reads look-alike letters inside a Latin word as Latin, and leaves words of other scripts alone', () => {
    const matcher = new WordMatcher(['forbidden', 'cop']);
    // Cyrillic о and е, Greek ο, hidden in Latin words.
    for (const text of ['f\u043Erbidden', 'forbidd\u0435n', 'FORBIDD\u0415N', 'f\u03BFrbidden!']) {
      expect(matcher.matches(text), text).toBe(true);
    }
    // Masking covers the disguised word as written, nothing more.
    expect(matcher.mask('so f\u043Erbidden here')).toBe(`so ${MASK} here`);
    // A Russian word drawn like an English one is not that word ("сор" is litter).
    expect(matcher.matches('\u0441\u043E\u0440')).toBe(false);
    expect(matcher.matches('это \u0441\u043E\u0440 и всё')).toBe(false);
  });

  it('matches Korean and emoji words as substrings', () => {
    const matcher = new WordMatcher(['나쁜말', '💩']);
    expect(matcher.matches('이건 나쁜말이야')).toBe(true);
    expect(matcher.matches('나쁜 말')).toBe(false);
    expect(matcher.mask('a💩b')).toBe(`a${MASK}b`);
  });

  it('masks exactly what was written, tricks included', () => {
    const matcher = new WordMatcher(['bad', 'worse']);
    expect(matcher.mask('a b\u200Bad day, WORSE still')).toBe(`a ${MASK} day, ${MASK} still`);
    expect(matcher.mask('ｂａｄ!')).toBe(`${MASK}!`);
    expect(matcher.mask('fine')).toBe('fine');
  });

  it('prefers the longest word at one place', () => {
    expect(new WordMatcher(['ab', 'abcd']).spans('xabcdx')).toEqual([[1, 5]]);
  });

  it('takes regular-expression characters literally', () => {
    const matcher = new WordMatcher(['a.b', '(x)', 'c*']);
    expect(matcher.matches('axb')).toBe(false);
    expect(matcher.matches('see a.b here')).toBe(true);
    expect(matcher.matches('(x)')).toBe(true);
    expect(matcher.matches('cc')).toBe(false);
  });

  it('ignores words that fold to nothing, and an empty list matches nothing', () => {
    expect(new WordMatcher(['\u200B', '\u0301']).size).toBe(0);
    expect(new WordMatcher([]).matches('anything')).toBe(false);
    expect(new WordMatcher([]).mask('anything')).toBe('anything');
  });

  it('property: a word is found wherever it is written, in any width, case or with zero-widths', () => {
    fc.assert(
      fc.property(
        letterWord,
        anyText,
        anyText,
        fc.integer({ min: 0, max: 3 }),
        (word, before, after, how) => {
          const written =
            how === 0
              ? word
              : how === 1
                ? word.toUpperCase()
                : how === 2
                  ? toFullWidth(word)
                  : Array.from(word).join('\u200B');
          const matcher = new WordMatcher([word]);
          expect(matcher.matches(`${before}${written}${after}`)).toBe(true);
        },
      ),
    );
  });

  it('property: masking leaves no match and touches nothing around it', () => {
    fc.assert(
      fc.property(
        fc.array(letterWord, { minLength: 1, maxLength: 5 }),
        otherText,
        otherText,
        (words, a, b) => {
          const matcher = new WordMatcher(words);
          const text = `${a}${words[0]}${b}`;
          const masked = matcher.mask(text);
          expect(matcher.matches(masked)).toBe(false);
          expect(masked.startsWith(a.normalize('NFC'))).toBe(true);
          expect(masked.endsWith(b.normalize('NFC'))).toBe(true);
          expect(masked).toContain(MASK);
        },
      ),
    );
  });

  it('property: text without any of the words is neither matched nor changed', () => {
    fc.assert(
      fc.property(fc.array(letterWord, { maxLength: 5 }), otherText, (words, text) => {
        const matcher = new WordMatcher(words);
        expect(matcher.matches(text)).toBe(false);
        expect(matcher.mask(text)).toBe(text.normalize('NFC'));
      }),
    );
  });

  it('property: matching agrees with a plain substring search of the folded text', () => {
    fc.assert(
      fc.property(fc.array(letterWord, { maxLength: 4 }), anyText, (words, text) => {
        const folded = foldForMatching(text.normalize('NFC'));
        const expected = words.some((w) => folded.includes(foldForMatching(w)));
        expect(new WordMatcher(words).matches(text)).toBe(expected);
      }),
    );
  });
});

describe('MatcherCache', () => {
  it('compiles a list once while it is held, and again for a changed list', () => {
    const cache = new MatcherCache();
    const list = { mode: 'mask' as const, words: ['bad'] };
    const first = cache.get(list);
    expect(cache.get(list)).toBe(first);
    const changed = { mode: 'mask' as const, words: ['bad', 'worse'] };
    expect(cache.get(changed)).not.toBe(first);
    expect(cache.get(changed).matcher.matches('worse')).toBe(true);
  });
});
