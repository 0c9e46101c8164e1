import { describe, expect, it } from 'vitest';
import { highlightRanges } from './search-highlights.js';

/** The highlighted substrings, cut by code points as a client would. */
const marked = (body: string, query: string) =>
  highlightRanges(body, query).map(({ start, end }) => Array.from(body).slice(start, end).join(''));

describe('highlightRanges', () => {
  it('finds every occurrence case-insensitively, left to right, without overlaps', () => {
    expect(highlightRanges('Hello hello HELLO', 'hello')).toEqual([
      { start: 0, end: 5 },
      { start: 6, end: 11 },
      { start: 12, end: 17 },
    ]);
    expect(highlightRanges('aaaa', 'aa')).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 4 },
    ]);
    expect(highlightRanges('nothing', 'xyz')).toEqual([]);
    expect(highlightRanges('anything', '')).toEqual([]);
  });

  it('counts code points, so emoji and other astral characters never split', () => {
    expect(highlightRanges('🎉🎉 party', 'party')).toEqual([{ start: 3, end: 8 }]);
    expect(marked('a😀b😀c', '😀c')).toEqual(['😀c']);
    expect(marked('𝐀𝐁𝐂 abc', 'abc')).toEqual(['abc']);
  });

  it('finds Hangul and mixed scripts', () => {
    expect(marked('안녕하세요 여러분, 안녕!', '안녕')).toEqual(['안녕', '안녕']);
    expect(marked('Parley는 좋은 앱', 'LEY는')).toEqual(['ley는']);
    expect(marked('ÄRGER ärger', 'ärger')).toEqual(['ÄRGER', 'ärger']);
  });

  it('takes regex and wildcard characters literally', () => {
    expect(marked('a.b axb a*b', 'a.b')).toEqual(['a.b']);
    expect(marked('(x|y)+ x', '(x|y)+')).toEqual(['(x|y)+']);
    expect(marked('100% _ \\', '%')).toEqual(['%']);
    expect(marked('back\\slash', '\\')).toEqual(['\\']);
  });

  it('keeps characters whose lower case is longer as they are (İ), and matches them exactly', () => {
    expect(marked('İstanbul', 'İst')).toEqual(['İst']);
    expect(marked('İstanbul', 'stan')).toEqual(['stan']);
  });
});
