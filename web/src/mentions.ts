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

/** The `@query` being typed just before the caret, if any: where its `@` is and what follows it. */
export interface MentionQuery {
  readonly start: number;
  readonly query: string;
}

// An `@` at the start or after a space or opening punctuation, then up to 32 characters of no space,
// `@` or `#` up to the caret (a nickname with a space is found by its first word).
const TYPING_MENTION = /(?:^|[\s([{"'“‘])@([^\s@#]{0,32})$/u;

export function activeMentionQuery(text: string, caret: number): MentionQuery | undefined {
  const before = text.slice(0, caret);
  const match = TYPING_MENTION.exec(before);
  if (match === null) return undefined;
  const query = match[1] ?? '';
  return { start: caret - query.length - 1, query };
}

/** How many people the suggestion list offers at most. */
export const MAX_SUGGESTIONS = 8;

/**
 * The people whose nickname starts with `query` (case-insensitive), then those that contain it; `self`
 * is left out. Each person once, in the order given (the caller puts online people first).
 */
export function mentionSuggestions(query: string, people: readonly User[], selfId: string): User[] {
  const wanted = query.toLocaleLowerCase();
  const seen = new Set<string>([selfId]);
  const starts: User[] = [];
  const contains: User[] = [];
  for (const user of people) {
    if (seen.has(user.id)) continue;
    seen.add(user.id);
    const name = user.nickname.toLocaleLowerCase();
    if (name.startsWith(wanted)) starts.push(user);
    else if (wanted !== '' && name.includes(wanted)) contains.push(user);
  }
  return [...starts, ...contains].slice(0, MAX_SUGGESTIONS);
}

/** The text with `@query` (from `start` to the caret) replaced by the full handle and a space. */
export function insertMention(
  text: string,
  query: MentionQuery,
  caret: number,
  user: User,
): { text: string; caret: number } {
  const handle = `@${user.nickname}#${user.tag} `;
  const after = text.slice(caret).replace(/^ /, '');
  return { text: text.slice(0, query.start) + handle + after, caret: query.start + handle.length };
}

/**
 * Completes every bare `@nickname` (no `#1234` after it) that names exactly one person in `people` to
 * the full handle the server resolves. A nickname two people share stays as typed, so it names
 * nobody rather than the wrong one. The longest nickname that fits wins (`@Ann Lee` over `@Ann`).
 */
export function completeBareMentions(text: string, people: readonly User[]): string {
  if (!text.includes('@') || people.length === 0) return text;
  const byName = new Map<string, User[]>();
  for (const user of people) {
    const key = user.nickname.toLocaleLowerCase();
    const list = byName.get(key) ?? [];
    if (!list.some((other) => other.id === user.id)) list.push(user);
    byName.set(key, list);
  }
  const names = [...byName.keys()].sort((a, b) => b.length - a.length);
  let out = '';
  let last = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    if (at > 0 && /[\p{L}\p{N}_]/u.test(text[at - 1] ?? '')) continue;
    const rest = text.slice(at + 1).toLocaleLowerCase();
    const name = names.find((candidate) => {
      if (!rest.startsWith(candidate)) return false;
      const next = text[at + 1 + candidate.length] ?? '';
      return next === '' || !/[\p{L}\p{N}_#]/u.test(next);
    });
    const users = name === undefined ? undefined : byName.get(name);
    if (name === undefined || users?.length !== 1) continue;
    const end = at + 1 + name.length;
    out += `${text.slice(last, end)}#${users[0]?.tag ?? ''}`;
    last = end;
  }
  return out + text.slice(last);
}
