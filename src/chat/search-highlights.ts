// Where a search query occurs in a message body, as code point ranges a client can mark without parsing
// anything: case-insensitive, never splitting a surrogate pair, non-overlapping, left to right. Pure.
import type { Highlight } from '../protocol/index.js';

/** One code point folded for comparison: its lower case when that is one code point, else itself. */
function fold(char: string): string {
  const lower = char.toLowerCase();
  return Array.from(lower).length === 1 ? lower : char;
}

/** Ranges of `query` in `body`, offsets in code points (`end` exclusive); none for an empty query. */
export function highlightRanges(body: string, query: string): Highlight[] {
  const text = Array.from(body, fold);
  const needle = Array.from(query, fold);
  const ranges: Highlight[] = [];
  if (needle.length === 0) return ranges;
  let i = 0;
  while (i + needle.length <= text.length) {
    let j = 0;
    while (j < needle.length && text[i + j] === needle[j]) j++;
    if (j === needle.length) {
      ranges.push({ start: i, end: i + needle.length });
      i += needle.length;
    } else {
      i++;
    }
  }
  return ranges;
}
