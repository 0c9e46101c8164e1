// The emoji picker's rules without the DOM: reading the bundled data, searching it in English and
// Korean, and the "Recently used" list in storage (newest first, each once, bounded).
import type { KeyValueStorage } from './drafts.js';

export interface Emoji {
  readonly char: string;
  readonly en: string;
  readonly ko: string;
  readonly tags: string;
}

const RECENT_KEY = 'parley.emoji.recent';
export const MAX_RECENT = 24;
/** Search results shown at most; a one-letter search would otherwise draw hundreds of buttons. */
const MAX_RESULTS = 120;
/** Buttons per row: ArrowUp/ArrowDown move by this many (the CSS grid has as many columns). */
export const GRID_COLUMNS = 8;

export function parseEmojiGroup(lines: string): Emoji[] {
  return lines.split('\n').map((line) => {
    const [char = '', en = '', ko = '', tags = ''] = line.split('|');
    return { char, en, ko, tags };
  });
}

export function loadRecent(storage: KeyValueStorage): string[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(parsed)
      ? parsed.filter((e): e is string => typeof e === 'string' && e.length <= 16).slice(0, MAX_RECENT)
      : [];
  } catch {
    return [];
  }
}

/** Puts `emoji` first in the recent list (once), keeping at most MAX_RECENT. */
export function rememberRecent(emoji: string, storage: KeyValueStorage): string[] {
  const next = [emoji, ...loadRecent(storage).filter((e) => e !== emoji)].slice(0, MAX_RECENT);
  try {
    storage.setItem(RECENT_KEY, JSON.stringify(next));
  } catch {
    // No storage: recent lasts as long as the page.
  }
  return next;
}

/**
 * Emoji whose English or Korean name or tags contain every word of `query` (case-insensitive): those
 * named exactly so first, then names that start with it, then names that contain it, then tags.
 */
export function searchEmoji(all: readonly Emoji[], query: string): Emoji[] {
  const wanted = query.trim().toLocaleLowerCase();
  const words = wanted.split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return [];
  const rank = (emoji: Emoji): number => {
    const names = [emoji.en.toLocaleLowerCase(), emoji.ko.toLocaleLowerCase()];
    if (names.includes(wanted)) return 0;
    if (names.some((name) => name.startsWith(wanted))) return 1;
    if (names.some((name) => words.every((word) => name.includes(word)))) return 2;
    return 3;
  };
  return all
    .filter((emoji) => {
      const text = `${emoji.en} ${emoji.ko} ${emoji.tags}`.toLocaleLowerCase();
      return words.every((word) => text.includes(word));
    })
    .map((emoji, order) => ({ emoji, order, rank: rank(emoji) }))
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .slice(0, MAX_RESULTS)
    .map(({ emoji }) => emoji);
}
