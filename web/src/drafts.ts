// Unsent composer text per room, kept in localStorage so a reload (or a crash) does not lose it.
// Bounded: the most recently touched MAX_DRAFTS rooms, each at most MAX_DRAFT_CHARS. Knows nothing of
// the view; a storage that throws (private mode, quota) just means no draft is kept.

/** What is used of localStorage (an interface of its own, so the rules are tested under Node). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEY = 'parley.drafts';
export const MAX_DRAFTS = 20;
export const MAX_DRAFT_CHARS = 8_000;

interface Draft {
  readonly roomId: string;
  readonly text: string;
}

function readAll(storage: KeyValueStorage): Draft[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(KEY) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (d): d is Draft =>
        typeof d === 'object' &&
        d !== null &&
        typeof (d as Record<string, unknown>).roomId === 'string' &&
        typeof (d as Record<string, unknown>).text === 'string',
    );
  } catch {
    return [];
  }
}

export function loadDraft(roomId: string, storage: KeyValueStorage): string {
  return readAll(storage).find((d) => d.roomId === roomId)?.text ?? '';
}

/** Saves (or, for blank text, forgets) the room's draft; the newest draft goes first, the oldest drop. */
export function saveDraft(roomId: string, text: string, storage: KeyValueStorage): void {
  const others = readAll(storage).filter((d) => d.roomId !== roomId);
  const next = text.trim() === '' ? others : [{ roomId, text: text.slice(0, MAX_DRAFT_CHARS) }, ...others];
  try {
    if (next.length === 0) storage.removeItem(KEY);
    else storage.setItem(KEY, JSON.stringify(next.slice(0, MAX_DRAFTS)));
  } catch {
    // Full or refused storage: the draft lives only in the field.
  }
}
