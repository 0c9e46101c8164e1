// Text that would lie about itself when drawn: combining marks stacked on one character (paint over
// neighbouring rows) and bidi controls that reorder what follows them (a link that reads backwards).
// Owns the checks shared by message bodies and names; pure, knows nothing of rooms or storage.
import { ParleyError } from '../errors.js';

export const DEFAULT_MAX_COMBINING_MARKS = 3;

// Counted as a run of nonspacing or enclosing marks on one base, ignoring what an attacker would
// slip between them that draws nothing: format characters (joiners) and default-ignorable letters
// (the Hangul filler U+1160 is a base of no width, so marks after it stack on the same spot). Not per
// grapheme cluster: since Unicode 15.1 an Indic conjunct such as र्त्स्न्य is one cluster holding
// four viramas, yet nothing in it stacks.
// Both are global patterns used only through `matchAll`, which matches on a copy: no lastIndex state
// is shared between calls (and no pattern is compiled per limit).
const MARK_RUN = /(?:[\p{Mn}\p{Me}][\p{Cf}\p{Default_Ignorable_Code_Point}]*)+/gu;
const MARK = /[\p{Mn}\p{Me}]/gu;

/** True when some character carries more than `max` combining marks. */
export function hasTooManyMarks(text: string, max: number): boolean {
  for (const run of text.matchAll(MARK_RUN)) {
    let marks = 0;
    for (const _mark of run[0].matchAll(MARK)) {
      marks += 1;
      if (marks > max) return true;
    }
  }
  return false;
}

/** LRO and RLO: reverse the characters that follow; no script needs them to be written. */
const BIDI_OVERRIDE = /[\u202d\u202e]/u;
/** Embeddings, isolates and their terminators; allowed only when paired within one line. */
const BIDI_PAIRED = /[\u202a-\u202c\u2066-\u2069]/u;
/**
 * What ends a bidi paragraph, and with it every embedding and isolate (UAX #9, class B); the other
 * class-B characters are controls, which bodies may not hold at all.
 */
const PARAGRAPH_END = /[\n\r\u2029]/u;

/**
 * True when every embedding (LRE, RLE … PDF) and isolate (LRI, RLI, FSI … PDI) is closed, properly
 * nested, within its own line. An unclosed one would change the direction of everything after it.
 */
export function bidiBalanced(text: string): boolean {
  if (!BIDI_PAIRED.test(text)) return true;
  const open: Array<'embedding' | 'isolate'> = [];
  for (const ch of text) {
    if (PARAGRAPH_END.test(ch)) {
      if (open.length > 0) return false;
    } else if (ch === '\u202a' || ch === '\u202b') {
      open.push('embedding');
    } else if (ch >= '\u2066' && ch <= '\u2068') {
      open.push('isolate');
    } else if (ch === '\u202c') {
      if (open.pop() !== 'embedding') return false;
    } else if (ch === '\u2069') {
      if (open.pop() !== 'isolate') return false;
    }
  }
  return open.length === 0;
}

/**
 * Refuses, with `unsafe_text`, a message body that would disguise itself or its neighbours: a bidi
 * override, an unpaired embedding or isolate, or more than `maxMarks` marks on one character.
 */
export function checkBodyText(body: string, maxMarks: number): void {
  if (BIDI_OVERRIDE.test(body)) {
    throw new ParleyError(
      'unsafe_text',
      'The message contains a bidi override (U+202D or U+202E), which reverses the text after it.',
    );
  }
  if (!bidiBalanced(body)) {
    throw new ParleyError(
      'unsafe_text',
      'The message contains a direction embedding or isolate that is not closed on its line.',
    );
  }
  if (hasTooManyMarks(body, maxMarks)) {
    throw new ParleyError(
      'unsafe_text',
      `A character carries more than ${maxMarks} combining marks, which would draw over other lines.`,
    );
  }
}
