// Issue 15's pure client rules under Node: which `@query` is being typed, who is offered, how a handle
// goes in, which bare @nicknames are completed; drafts and recent emoji within their bounds; emoji search.
import { describe, expect, it } from 'vitest';
import type { User } from '../../src/protocol/index.js';
import {
  type KeyValueStorage,
  loadDraft,
  MAX_DRAFT_CHARS,
  MAX_DRAFTS,
  saveDraft,
} from '../../web/src/drafts.js';
import { EMOJI_GROUPS } from '../../web/src/emoji-data.js';
import {
  loadRecent,
  MAX_RECENT,
  parseEmojiGroup,
  rememberRecent,
  searchEmoji,
} from '../../web/src/emoji-search.js';
import {
  activeMentionQuery,
  completeBareMentions,
  insertMention,
  MAX_SUGGESTIONS,
  mentionSuggestions,
} from '../../web/src/mentions.js';

function user(id: string, nickname: string, tag: string): User {
  return { id, nickname, tag } as User;
}

class MemoryStorage implements KeyValueStorage {
  readonly #items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, value);
  }
}

const ann = user('u1', 'Ann', '0001');
const annLee = user('u2', 'Ann Lee', '0002');
const bob = user('u3', 'bob', '0003');
const bob2 = user('u4', 'Bob', '0004');
const me = user('me', 'annika', '0005');

describe('typing a mention', () => {
  it('finds the @query before the caret only at a word start', () => {
    expect(activeMentionQuery('hi @an', 6)).toEqual({ start: 3, query: 'an' });
    expect(activeMentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(activeMentionQuery('(@bo', 4)).toEqual({ start: 1, query: 'bo' });
    expect(activeMentionQuery('mail@bo', 7)).toBeUndefined();
    expect(activeMentionQuery('hi @an x', 8)).toBeUndefined();
    expect(activeMentionQuery('@bob#12', 7)).toBeUndefined();
    // The caret decides: text after it does not count.
    expect(activeMentionQuery('@an and more', 3)).toEqual({ start: 0, query: 'an' });
  });

  it('offers names starting with the query first, then containing it, each once, never me', () => {
    const people = [bob, annLee, ann, me, ann, bob2];
    expect(mentionSuggestions('an', people, me.id)).toEqual([annLee, ann]);
    expect(mentionSuggestions('B', people, me.id)).toEqual([bob, bob2]);
    expect(mentionSuggestions('lee', people, me.id)).toEqual([annLee]);
    expect(mentionSuggestions('', people, me.id)).toEqual([bob, annLee, ann, bob2]);
    const many = Array.from({ length: 20 }, (_, i) => user(`x${i}`, `x${i}`, '1000'));
    expect(mentionSuggestions('x', many, me.id)).toHaveLength(MAX_SUGGESTIONS);
  });

  it('replaces the @query with the full handle and a space, caret after it', () => {
    const text = 'hi @an, ok';
    const query = activeMentionQuery(text, 6);
    if (query === undefined) throw new Error('no query');
    expect(insertMention(text, query, 6, annLee)).toEqual({ text: 'hi @Ann Lee#0002 , ok', caret: 17 });
    expect(insertMention('@a', { start: 0, query: 'a' }, 2, ann)).toEqual({ text: '@Ann#0001 ', caret: 10 });
  });

  it('completes a bare @nickname that names one person, the longest name first, and no other', () => {
    expect(completeBareMentions('hey @ann and @Ann Lee!', [ann, annLee])).toBe(
      'hey @ann#0001 and @Ann Lee#0002!',
    );
    // Two people share "bob" (case-insensitively): naming neither beats naming the wrong one.
    expect(completeBareMentions('@bob hi', [bob, bob2])).toBe('@bob hi');
    // Already a handle, part of a longer word, or an e-mail address: left alone.
    expect(completeBareMentions('@Ann#0001 @Annie mail@ann', [ann])).toBe('@Ann#0001 @Annie mail@ann');
    expect(completeBareMentions('no mention', [ann])).toBe('no mention');
  });
});

describe('drafts', () => {
  it('keeps one draft per room, forgets a blank one, and bounds count and length', () => {
    const storage = new MemoryStorage();
    saveDraft('r1', 'first', storage);
    saveDraft('r2', 'second', storage);
    expect([loadDraft('r1', storage), loadDraft('r2', storage), loadDraft('r3', storage)]).toEqual([
      'first',
      'second',
      '',
    ]);
    saveDraft('r1', '  ', storage);
    expect(loadDraft('r1', storage)).toBe('');
    saveDraft('long', 'x'.repeat(MAX_DRAFT_CHARS + 10), storage);
    expect(loadDraft('long', storage)).toHaveLength(MAX_DRAFT_CHARS);
    for (let n = 0; n < MAX_DRAFTS + 5; n++) saveDraft(`room${n}`, `text ${n}`, storage);
    // The oldest go first; the newest stay.
    expect(loadDraft('r2', storage)).toBe('');
    expect(loadDraft(`room${MAX_DRAFTS + 4}`, storage)).toBe(`text ${MAX_DRAFTS + 4}`);
    expect(JSON.parse(storage.getItem('parley.drafts') ?? '[]')).toHaveLength(MAX_DRAFTS);
  });

  it('reads a damaged store as empty', () => {
    const storage = new MemoryStorage();
    storage.setItem('parley.drafts', '{not json');
    expect(loadDraft('r1', storage)).toBe('');
    storage.setItem(
      'parley.drafts',
      JSON.stringify([
        { roomId: 'r1', text: 7 },
        { roomId: 'r2', text: 'ok' },
      ]),
    );
    expect([loadDraft('r1', storage), loadDraft('r2', storage)]).toEqual(['', 'ok']);
  });
});

describe('emoji', () => {
  const all = EMOJI_GROUPS.flatMap((group) => parseEmojiGroup(group));

  it('has every group with names in English and Korean', () => {
    expect(EMOJI_GROUPS).toHaveLength(9);
    expect(all.length).toBeGreaterThan(1800);
    expect(all.every((emoji) => emoji.char !== '' && emoji.en !== '')).toBe(true);
    expect(all.filter((emoji) => emoji.ko !== '').length / all.length).toBeGreaterThan(0.95);
  });

  it('searches names before tags, in either language, every word', () => {
    expect(searchEmoji(all, 'rocket')[0]?.char).toBe('🚀');
    expect(searchEmoji(all, '로켓')[0]?.char).toBe('🚀');
    expect(searchEmoji(all, 'grinning face')[0]?.char).toBe('😀');
    expect(searchEmoji(all, 'rocket').map((emoji) => emoji.char)).toContain('🧑‍🚀');
    expect(searchEmoji(all, '   ')).toEqual([]);
    expect(searchEmoji(all, 'zzzzqqq')).toEqual([]);
  });

  it('remembers recent emoji newest first, once each, at most MAX_RECENT', () => {
    const storage = new MemoryStorage();
    rememberRecent('🚀', storage);
    rememberRecent('😀', storage);
    expect(rememberRecent('🚀', storage)).toEqual(['🚀', '😀']);
    for (let n = 0; n < MAX_RECENT + 5; n++) rememberRecent(String.fromCodePoint(0x1f600 + n), storage);
    expect(loadRecent(storage)).toHaveLength(MAX_RECENT);
    storage.setItem('parley.emoji.recent', 'nonsense');
    expect(loadRecent(storage)).toEqual([]);
  });
});
