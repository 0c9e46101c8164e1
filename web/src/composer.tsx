// The message field: Enter sends, Shift+Enter breaks the line, never sends while an IME is composing
// (Korean, Japanese), shows a counter near the limit and reports typing. Typing `@` offers the room's
// people (a textbox with aria-autocomplete="list" and a listbox: arrows, Enter/Tab insert the full
// handle, Escape closes; a tap works too), a bare unique `@nickname` is completed on send, the emoji
// button opens the picker, and the unsent text is kept per room (drafts.ts). Knows nothing of STOMP.
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { User } from '../../src/protocol/index.js';
import { loadDraft, saveDraft } from './drafts.js';
import { EmojiPicker } from './emoji-picker.js';
import { characterCount, counterFrom } from './format.js';
import { useI18n } from './i18n-context.js';
import { useLimits } from './limits-context.js';
import {
  activeMentionQuery,
  completeBareMentions,
  insertMention,
  type MentionQuery,
  mentionSuggestions,
} from './mentions.js';

export interface ComposerProps {
  readonly roomId: string;
  readonly selfId: string;
  /** Who may be mentioned: online people first, then recent authors. */
  readonly people: readonly User[];
  readonly onSend: (body: string) => void;
  readonly onTyping: () => void;
  readonly autoFocus: boolean;
  /** Sending is held back for now (slow mode's countdown, a mute): the text stays, Send is disabled. */
  readonly blocked?: boolean;
}

export function Composer({
  roomId,
  selfId,
  people,
  onSend,
  onTyping,
  autoFocus,
  blocked = false,
}: ComposerProps) {
  const { t } = useI18n();
  const [text, setText] = useState(() => loadDraft(roomId, localStorage));
  const [caret, setCaret] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | undefined>(undefined);
  const [selected, setSelected] = useState(0);
  const [picker, setPicker] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  const emojiButton = useRef<HTMLButtonElement>(null);
  const { messageMaxChars } = useLimits();
  const count = characterCount(text);
  const over = count > messageMaxChars;
  const empty = text.trim() === '';

  useLayoutEffect(() => {
    if (autoFocus) field.current?.focus();
  }, [autoFocus]);

  // The draft follows every change at once (a small write), so a reload right after typing keeps it.
  const change = (next: string): void => {
    setText(next);
    saveDraft(roomId, next, localStorage);
  };

  const query: MentionQuery | undefined = activeMentionQuery(text, caret);
  const open = query !== undefined && query.start !== dismissedAt;
  const suggestions = useMemo(
    () => (open ? mentionSuggestions(query.query, people, selfId) : []),
    [open, query?.query, people, selfId],
  );
  const listShown = open && suggestions.length > 0;
  const active = Math.min(selected, suggestions.length - 1);

  const place = (next: string, at: number): void => {
    change(next);
    setCaret(at);
    requestAnimationFrame(() => {
      const element = field.current;
      if (element === null) return;
      element.focus();
      element.setSelectionRange(at, at);
    });
  };

  const choose = (user: User): void => {
    if (query === undefined) return;
    const next = insertMention(text, query, caret, user);
    place(next.text, next.caret);
  };

  const insertEmoji = (emoji: string): void => {
    const element = field.current;
    const start = element?.selectionStart ?? text.length;
    const end = element?.selectionEnd ?? text.length;
    setPicker(false);
    place(text.slice(0, start) + emoji + text.slice(end), start + emoji.length);
  };

  const submit = (): void => {
    if (empty || over || blocked) return;
    onSend(
      completeBareMentions(
        text.trim(),
        people.filter((user) => user.id !== selfId),
      ),
    );
    change('');
    setCaret(0);
    field.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    // keyCode 229 is what some browsers report for the Enter that commits an IME composition.
    if (event.isComposing || event.keyCode === 229) return;
    if (listShown) {
      const chosen = suggestions[active];
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setSelected((active + step + suggestions.length) % suggestions.length);
        return;
      }
      if ((event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey && chosen !== undefined) {
        event.preventDefault();
        choose(chosen);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setDismissedAt(query?.start);
        return;
      }
    }
    if (event.key !== 'Enter' || event.shiftKey) return;
    event.preventDefault();
    submit();
  };

  const readCaret = (event: { currentTarget: HTMLTextAreaElement }): void => {
    setCaret(event.currentTarget.selectionStart);
  };

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <label for="composer-field" class="visually-hidden">
        {t.messageLabel}
      </label>
      <textarea
        id="composer-field"
        ref={field}
        rows={1}
        value={text}
        placeholder={t.messageLabel}
        aria-describedby="composer-hint composer-counter"
        aria-invalid={over ? 'true' : undefined}
        aria-autocomplete="list"
        aria-controls={listShown ? 'mention-list' : undefined}
        aria-activedescendant={listShown ? `mention-${active}` : undefined}
        onInput={(event) => {
          change(event.currentTarget.value);
          setCaret(event.currentTarget.selectionStart);
          setSelected(0);
          setDismissedAt(undefined);
          if (event.currentTarget.value.trim() !== '') onTyping();
        }}
        onKeyDown={onKeyDown}
        onKeyUp={readCaret}
        onClick={readCaret}
        onBlur={() => setDismissedAt(query?.start)}
        onFocus={() => setDismissedAt(undefined)}
      />
      <button
        type="button"
        class="secondary emoji-button"
        ref={emojiButton}
        aria-label={t.emojiButton}
        title={t.emojiButton}
        aria-expanded={picker ? 'true' : 'false'}
        onClick={() => setPicker((shown) => !shown)}
      >
        <span aria-hidden="true">🙂</span>
      </button>
      <button type="submit" disabled={empty || over || blocked}>
        {t.send}
      </button>
      {listShown ? (
        <div id="mention-list" class="mention-list" role="listbox" aria-label={t.mentionList}>
          {suggestions.map((user, index) => (
            // The focus stays in the field (aria-activedescendant names the option), so options are not
            // focusable and keys reach them through the field; pointers and fingers click.
            // biome-ignore lint/a11y/useFocusableInteractive: the combobox pattern keeps focus in the field
            // biome-ignore lint/a11y/useKeyWithClickEvents: keys act through the field (see onKeyDown)
            <div
              key={user.id}
              id={`mention-${index}`}
              role="option"
              aria-selected={index === active ? 'true' : 'false'}
              // Keep the focus (and the caret) in the field when a finger or mouse picks someone.
              onPointerDown={(event) => event.preventDefault()}
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => choose(user)}
            >
              <bdi class="nick">{user.nickname}</bdi>
              <span class="tag">#{user.tag}</span>
            </div>
          ))}
        </div>
      ) : null}
      <span class="visually-hidden" aria-live="polite">
        {listShown ? t.mentionCount(suggestions.length) : ''}
      </span>
      {picker ? (
        <EmojiPicker
          onPick={insertEmoji}
          onClose={(returnFocus) => {
            setPicker(false);
            if (returnFocus) emojiButton.current?.focus();
          }}
        />
      ) : null}
      <span id="composer-hint" class="visually-hidden">
        {t.composerHint}
      </span>
      <span id="composer-counter" class={over ? 'counter over' : 'counter'} aria-live="polite">
        {count < counterFrom(messageMaxChars)
          ? ''
          : over
            ? t.tooLong(count - messageMaxChars)
            : t.charsLeft(messageMaxChars - count)}
      </span>
    </form>
  );
}
