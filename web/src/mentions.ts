// Finds the `@nickname#1234` handles the server resolved for a message inside its body, so the view can
// highlight them (and the reader's own more strongly). Pure: works on text and user lists only.
import type { User } from '../../src/protocol/index.js';

export type MentionPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'mention'; readonly text: string; readonly user: User };

/**
 * Splits `text` around every occurrence of a mentioned user's handle. Only handles the server resolved
 * are highlighted, so `@someone#0000` that names nobody stays plain text. Longest handle wins at a spot.
 */
export function splitMentions(text: string, mentions: readonly User[]): MentionPart[] {
  if (mentions.length === 0 || text === '') return text === '' ? [] : [{ kind: 'text', text }];
  const handles = mentions
    .map((user) => ({ handle: `@${user.nickname}#${user.tag}`, user }))
    .sort((a, b) => b.handle.length - a.handle.length);
  const parts: MentionPart[] = [];
  let last = 0;
  let at = text.indexOf('@');
  while (at !== -1) {
    // The server compares nicknames case-insensitively, so "@Pat#0412" names pat#0412 too.
    const found = handles.find(
      (h) =>
        text.slice(at, at + h.handle.length).toLowerCase() === h.handle.toLowerCase() &&
        !/\d/.test(text[at + h.handle.length] ?? ''),
    );
    if (found === undefined) {
      at = text.indexOf('@', at + 1);
      continue;
    }
    if (at > last) parts.push({ kind: 'text', text: text.slice(last, at) });
    parts.push({ kind: 'mention', text: text.slice(at, at + found.handle.length), user: found.user });
    last = at + found.handle.length;
    at = text.indexOf('@', last);
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** Whether `user` is among a message's mentions. */
export function mentions(list: readonly User[] | undefined, userId: string): boolean {
  return list?.some((user) => user.id === userId) ?? false;
}
