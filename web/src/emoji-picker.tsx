// The composer's emoji picker: every Unicode emoji by group, a search over English and Korean names
// and tags, and "Recently used" (localStorage, newest first, bounded). The data (web/src/emoji-data.ts,
// generated from Unicode's CLDR names) is a chunk of this build loaded on first open: nothing is fetched
// from elsewhere, so it runs under the page's `default-src 'self'`. Keyboard: the search field first,
// then one tab stop in the grid (arrows, Home/End move; Enter picks), Escape closes.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  type Emoji,
  GRID_COLUMNS,
  loadRecent,
  parseEmojiGroup,
  rememberRecent,
  searchEmoji,
} from './emoji-search.js';
import { useI18n } from './i18n-context.js';

interface Section {
  readonly id: string;
  readonly label: string;
  readonly emoji: readonly Emoji[];
}

export interface EmojiPickerProps {
  readonly onPick: (emoji: string) => void;
  /** `returnFocus`: closed by Escape (focus goes back to the button), not by a press elsewhere. */
  readonly onClose: (returnFocus: boolean) => void;
}

export function EmojiPicker({ onPick, onClose }: EmojiPickerProps) {
  const { t, locale } = useI18n();
  const [groups, setGroups] = useState<readonly (readonly Emoji[])[] | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState('');
  const [recent, setRecent] = useState<readonly string[]>(() => loadRecent(localStorage));
  const [active, setActive] = useState(0);
  const search = useRef<HTMLInputElement>(null);
  const grid = useRef<HTMLDivElement>(null);

  const root = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useLayoutEffect(() => search.current?.focus(), []);

  // A press outside the picker (and outside the button that toggles it) closes it, as Escape does.
  useEffect(() => {
    const onPress = (event: PointerEvent): void => {
      const target = event.target;
      if (!(target instanceof Node) || root.current?.contains(target) === true) return;
      if (target instanceof Element && target.closest('.emoji-button') !== null) return;
      onCloseRef.current(false);
    };
    document.addEventListener('pointerdown', onPress);
    return () => document.removeEventListener('pointerdown', onPress);
  }, []);

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
    setRecent(rememberRecent(emoji.char, localStorage));
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
      ref={root}
      role="dialog"
      aria-label={t.emojiPicker}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          event.stopPropagation();
          onClose(true);
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
            // The picker sits inside the composer's form: Enter here picks, it never sends the message.
            if (event.key === 'Enter') {
              event.preventDefault();
              if (flat[0] !== undefined) pick(flat[0]);
            } else if (event.key === 'ArrowDown') {
              event.preventDefault();
              focusCell(0);
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
