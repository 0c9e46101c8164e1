import { describe, expect, it } from 'vitest';
import { MAX_MENTIONS, resolveMentionHandles } from './mentions.js';

describe('resolveMentionHandles', () => {
  it('finds handles with spaces and punctuation, once each', () => {
    expect(resolveMentionHandles('hi @bob#0042 and @Big Al#1234, also @bob#0042 again')).toEqual([
      { nickname: 'bob', tag: '0042' },
      { nickname: 'Big Al', tag: '1234' },
    ]);
  });

  it('ignores tags that are not four digits and addresses without a tag', () => {
    expect(resolveMentionHandles('mail a@b.c or @bob#12345 or @bob#12 or @carol')).toEqual([]);
  });

  it('does not cross line breaks or another @', () => {
    expect(resolveMentionHandles('@ann\n#1234 @x @eve#0001')).toEqual([{ nickname: 'eve', tag: '0001' }]);
  });

  it('bounds how many handles one message resolves', () => {
    const body = Array.from({ length: 30 }, (_, i) => `@u${i}#${String(i).padStart(4, '0')}`).join(' ');
    expect(resolveMentionHandles(body)).toHaveLength(MAX_MENTIONS);
  });
});
