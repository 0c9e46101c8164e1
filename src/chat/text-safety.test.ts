import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasTooManyMarks } from './text-safety.js';

/** The rule as one pattern per limit: max+1 marks, each followed by anything that draws nothing. */
function reference(text: string, max: number): boolean {
  return new RegExp(`(?:[\\p{Mn}\\p{Me}][\\p{Cf}\\p{Default_Ignorable_Code_Point}]*){${max + 1}}`, 'u').test(
    text,
  );
}

// Letters, combining marks (U+0301, U+20DD enclosing), marks that are also default-ignorable (U+034F,
// U+FE0F), format characters (ZWJ, U+2060) and the Hangul filler U+1160.
const piece = fc.constantFrom(
  'a',
  'ह',
  '\u0301',
  '\u20dd',
  '\u034f',
  '\ufe0f',
  '\u200d',
  '\u2060',
  '\u1160',
  ' ',
);

describe('hasTooManyMarks', () => {
  it('agrees with the one-pattern-per-limit rule on every mix of marks and invisible characters', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), fc.integer({ min: 1, max: 6 }), (pieces, max) => {
        const text = pieces.join('');
        expect(hasTooManyMarks(text, max)).toBe(reference(text, max));
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives the same answer when called again (no state kept between calls)', () => {
    const text = `e${'\u0301'.repeat(4)} then e${'\u0301'.repeat(4)}`;
    expect(hasTooManyMarks(text, 3)).toBe(true);
    expect(hasTooManyMarks(text, 3)).toBe(true);
    expect(hasTooManyMarks(text, 4)).toBe(false);
  });
});
