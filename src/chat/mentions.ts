// Finding `@nickname#1234` mentions in a message body. Nicknames may contain spaces and punctuation, so a
// mention is the shortest run after `@` (no line break, no other `@`) that ends in `#` and four digits.
// Knows nothing of users or storage: resolving handles to ids is the store's job.

export interface MentionHandle {
  readonly nickname: string;
  readonly tag: string;
}

const MENTION = /@([^@\n]{1,64}?)#(\d{4})(?!\d)/gu;
/** Most distinct handles resolved per message, so one message cannot fan out without bound. */
export const MAX_MENTIONS = 20;

export function resolveMentionHandles(body: string): MentionHandle[] {
  const seen = new Set<string>();
  const handles: MentionHandle[] = [];
  for (const match of body.matchAll(MENTION)) {
    const nickname = (match[1] ?? '').normalize('NFC').trim();
    const tag = match[2] ?? '';
    const key = `${nickname}#${tag}`;
    if (nickname.length === 0 || seen.has(key)) continue;
    seen.add(key);
    handles.push({ nickname, tag });
    if (handles.length >= MAX_MENTIONS) break;
  }
  return handles;
}
