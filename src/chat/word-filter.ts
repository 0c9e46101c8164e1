// Banned-word matching: one matcher per word list, built once and reused for every text until the list
// changes. Texts and words are compared in a folded form — compatibility decomposition (NFKD: full-width
// and styled letters become plain ones), combining marks, zero-width and other format characters
// removed, lower case — so "ＢＡＤ", "b\u200Bad" and "bád" all meet "bad". Matches are substrings of the
// folded text (words are not required to stand alone: scripts without spaces have no word boundaries).
// A word that mixes Latin letters with look-alikes from other scripts ("fоrbidden" with a Cyrillic о) is
// read as Latin first; a word wholly in another script is left as written, so Russian or Greek text is
// never matched against English words it merely resembles. Matches map back to the original text, so
// masking replaces exactly what was written. Pure; no I/O.
import { asciiLookAlike } from './name-scripts.js';

/** Characters that change nothing visible or only decorate: marks (variation selectors too) and format (zero-width). */
const INVISIBLE = /[\p{M}\p{Cf}]/gu;

/** The folded form of one code point (often one character; "" for an invisible one). */
function foldCodePoint(cp: string): string {
  return cp.normalize('NFKD').replace(INVISIBLE, '').toLowerCase();
}

const LETTER = /\p{L}/u;
const LATIN = /\p{Script=Latin}/u;

/**
 * The text's code points (NFC), with each look-alike letter of a run of letters that also holds Latin
 * ones replaced by the Latin letter it imitates (invisible characters inside a word do not end it).
 */
function readAsLatin(text: string): string[] {
  const points = [...text.normalize('NFC')];
  let start = 0;
  while (start < points.length) {
    if (!LETTER.test(points[start] ?? '')) {
      start++;
      continue;
    }
    let end = start;
    let latin = false;
    let disguised = false;
    for (; end < points.length; end++) {
      const cp = points[end] ?? '';
      if (INVISIBLE_ONE.test(cp)) continue;
      if (!LETTER.test(cp)) break;
      if (LATIN.test(cp)) latin = true;
      else if (asciiLookAlike(cp.toLowerCase()) !== undefined) disguised = true;
    }
    if (latin && disguised) {
      for (let i = start; i < end; i++) {
        const cp = points[i] ?? '';
        if (!LATIN.test(cp)) points[i] = asciiLookAlike(cp.toLowerCase()) ?? cp;
      }
    }
    start = end;
  }
  return points;
}

const INVISIBLE_ONE = /^[\p{M}\p{Cf}]$/u;

/** The folded form of a whole text, as the matcher compares it. */
export function foldForMatching(text: string): string {
  return readAsLatin(text).join('').normalize('NFKD').replace(INVISIBLE, '').toLowerCase();
}

interface Folded {
  readonly text: string;
  /** For each UTF-16 unit of `text`: where the code point it came from starts and ends in the original. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

function foldWithOrigins(text: string): Folded {
  let folded = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let index = 0;
  const original = [...text.normalize('NFC')];
  for (const [i, read] of readAsLatin(text).entries()) {
    // A replaced look-alike stands where its original was, with the original's length.
    const length = (original[i] ?? read).length;
    const part = foldCodePoint(read);
    for (let j = 0; j < part.length; j++) {
      starts.push(index);
      ends.push(index + length);
    }
    folded += part;
    index += length;
  }
  return { text: folded, starts, ends };
}

const REGEX_SYNTAX = /[.*+?^${}()|[\]\\/]/g;

export const MASK = '***';

/** One word list, compiled into a single regular expression over folded text. */
export class WordMatcher {
  readonly #pattern: RegExp | undefined;
  readonly size: number;

  constructor(words: readonly string[]) {
    const folded = [...new Set(words.map(foldForMatching).filter((w) => w.length > 0))];
    // Longest first: at one position the longest banned word wins, so masking covers all of it.
    folded.sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.size = folded.length;
    this.#pattern =
      folded.length === 0
        ? undefined
        : new RegExp(folded.map((w) => w.replace(REGEX_SYNTAX, '\\$&')).join('|'), 'gu');
  }

  /** Whether any word of the list occurs in the text. */
  matches(text: string): boolean {
    const pattern = this.#pattern;
    if (pattern === undefined) return false;
    pattern.lastIndex = 0;
    const found = pattern.test(foldWithOrigins(text).text);
    pattern.lastIndex = 0;
    return found;
  }

  /** Every occurrence as [start, end) in the original text (NFC), in order, not overlapping. */
  spans(text: string): Array<readonly [number, number]> {
    const pattern = this.#pattern;
    if (pattern === undefined) return [];
    const folded = foldWithOrigins(text);
    const spans: Array<readonly [number, number]> = [];
    for (const match of folded.text.matchAll(pattern)) {
      const first = match.index;
      const last = first + match[0].length - 1;
      const start = folded.starts[first];
      const end = folded.ends[last];
      if (start === undefined || end === undefined) continue;
      const previous = spans.at(-1);
      // Two folded matches can come from one original character (a ligature): merge them.
      if (previous !== undefined && start < previous[1]) spans[spans.length - 1] = [previous[0], end];
      else spans.push([start, end]);
    }
    return spans;
  }

  /** The text (NFC) with every occurrence replaced by `***`. */
  mask(text: string): string {
    const spans = this.spans(text);
    if (spans.length === 0) return text;
    const source = text.normalize('NFC');
    let out = '';
    let at = 0;
    for (const [start, end] of spans) {
      out += source.slice(at, start) + MASK;
      at = end;
    }
    return out + source.slice(at);
  }
}

/** What a list does with a match: refuse the text, or mask the word. */
export type WordFilterMode = 'refuse' | 'mask';

/** A compiled list and its mode. */
export interface CompiledFilter {
  readonly mode: WordFilterMode;
  readonly matcher: WordMatcher;
}

/**
 * Compiled lists keyed by the list object itself: a room's list is compiled once while its policy is
 * cached, and again only when the policy is reloaded after a change (a new object). Nothing is kept
 * for a list nobody holds any more.
 */
export class MatcherCache {
  readonly #entries = new WeakMap<object, CompiledFilter>();

  get(filter: { readonly mode: WordFilterMode; readonly words: readonly string[] }): CompiledFilter {
    const found = this.#entries.get(filter);
    if (found !== undefined) return found;
    const compiled = { mode: filter.mode, matcher: new WordMatcher(filter.words) };
    this.#entries.set(filter, compiled);
    return compiled;
  }
}
