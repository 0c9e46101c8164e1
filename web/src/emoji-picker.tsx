// The composer's emoji picker: every Unicode emoji by group, a search over English and Korean names
// and tags, and "Recently used" (localStorage, newest first, bounded). The data (web/src/emoji-data.ts,
// generated from Unicode's CLDR names) is a chunk of this build loaded on first open: nothing is fetched
// from elsewhere, so it runs under the page's `default-src 'self'`. Keyboard: the search field first,
// then one tab stop in the grid (arrows, Home/End move; Enter picks), Escape closes.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useI18n } from './i18n-context.js';

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

export function loadRecent(storage: Storage = localStorage): string[] {
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
export function rememberRecent(emoji: string, storage: Storage = localStorage): string[] {
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

interface Section {
  readonly id: string;
  readonly label: string;
  readonly emoji: readonly Emoji[];
}

export interface EmojiPickerProps {
  readonly onPick: (emoji: string) => void;
  readonly onClose: () => void;
}

export function EmojiPicker({ onPick, onClose }: EmojiPickerProps) {
  const { t, locale } = useI18n();
  const [groups, setGroups] = useState<readonly (readonly Emoji[])[] | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState('');
  const [recent, setRecent] = useState<readonly string[]>(loadRecent);
  const [active, setActive] = useState(0);
  const search = useRef<HTMLInputElement>(null);
  const grid = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => search.current?.focus(), []);

  useEffect(() => {
    let cancelled = false;
    import('./emoji-data.js').then(
      ({ EMOJI_GROUPS }) => {
        if (!cancelled) setGroups(EMOJI_GROUPS.map(parseEmojiGroup));
      },
      () => {
        if (!cancelled) setFailed(true);
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const all = useMemo(() => groups?.flat() ?? [], [groups]);
  const byChar = useMemo(() => new Map(all.map((emoji) => [emoji.char, emoji])), [all]);
  const sections: Section[] = useMemo(() => {
    if (groups === undefined) return [];
    if (query.trim() !== '')
      return [{ id: 'results', label: t.emojiResults, emoji: searchEmoji(all, query) }];
    const shown: Section[] = [];
    const recentEmoji = recent.map((char) => byChar.get(char) ?? { char, en: char, ko: char, tags: '' });
    if (recentEmoji.length > 0) shown.push({ id: 'recent', label: t.emojiRecent, emoji: recentEmoji });
    groups.forEach((emoji, index) => {
      shown.push({ id: `g${index}`, label: t.emojiGroups[index] ?? '', emoji });
    });
    return shown;
  }, [groups, all, byChar, query, recent, t]);
  const flat = useMemo(() => sections.flatMap((section) => section.emoji), [sections]);
  const current = Math.min(active, Math.max(0, flat.length - 1));

  const nameOf = (emoji: Emoji): string => (locale === 'ko' && emoji.ko !== '' ? emoji.ko : emoji.en);

  const pick = (emoji: Emoji): void => {
    setRecent(rememberRecent(emoji.char));
    onPick(emoji.char);
  };

  const focusCell = (index: number): void => {
    const next = Math.max(0, Math.min(flat.length - 1, index));
    setActive(next);
    grid.current?.querySelector<HTMLButtonElement>(`[data-index="${next}"]`)?.focus();
  };

  const onGridKey = (event: KeyboardEvent): void => {
    const moves: Record<string, number> = {
      ArrowRight: current + 1,
      ArrowLeft: current - 1,
      ArrowDown: current + GRID_COLUMNS,
      ArrowUp: current - GRID_COLUMNS,
      Home: 0,
      End: flat.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    focusCell(target);
  };

  let index = 0;
  return (
    <div
      class="emoji-picker"
      role="dialog"
      aria-label={t.emojiPicker}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <label class="emoji-search">
        <span class="visually-hidden">{t.emojiSearch}</span>
        <input
          ref={search}
          type="search"
          placeholder={t.emojiSearch}
          value={query}
          aria-describedby="emoji-count"
          onInput={(event) => {
            setQuery(event.currentTarget.value);
            setActive(0);
          }}
          onKeyDown={(event) => {
            if (event.key === 'ArrowDown' || (event.key === 'Enter' && flat.length > 0)) {
              event.preventDefault();
              if (event.key === 'Enter' && flat[0] !== undefined) pick(flat[0]);
              else focusCell(0);
            }
          }}
        />
      </label>
      <p id="emoji-count" class="visually-hidden" aria-live="polite">
        {groups === undefined ? '' : query.trim() === '' ? '' : t.emojiFound(flat.length)}
      </p>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: arrow keys move between the emoji buttons */}
      <div class="emoji-grid" ref={grid} onKeyDown={onGridKey}>
        {failed ? <p class="error">{t.error('network')}</p> : null}
        {groups === undefined && !failed ? <p class="muted">{t.loading}</p> : null}
        {sections.map((section) => (
          // biome-ignore lint/a11y/useSemanticElements: a labelled group of buttons, not a form's fieldset
          <div key={section.id} role="group" aria-labelledby={`emoji-${section.id}`}>
            <p class="emoji-group-name" id={`emoji-${section.id}`}>
              {section.label}
            </p>
            <div class="emoji-cells">
              {section.emoji.map((emoji) => {
                const at = index++;
                return (
                  <button
                    key={`${section.id}-${emoji.char}`}
                    type="button"
                    class="emoji-cell"
                    data-index={at}
                    tabIndex={at === current ? 0 : -1}
                    aria-label={nameOf(emoji)}
                    title={nameOf(emoji)}
                    onFocus={() => setActive(at)}
                    onClick={() => pick(emoji)}
                  >
                    {emoji.char}
                  </button>
                );
              })}
            </div>
          </div>
        ))}
        {groups !== undefined && query.trim() !== '' && flat.length === 0 ? (
          <p class="muted">{t.emojiNone}</p>
        ) : null}
      </div>
    </div>
  );
}
