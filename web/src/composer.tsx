// The message field: Enter sends, Shift+Enter breaks the line, never sends while an IME is composing
// (Korean, Japanese), shows a counter near the limit and reports typing. Knows nothing of STOMP.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { characterCount, counterFrom } from './format.js';
import { useI18n } from './i18n-context.js';
import { useLimits } from './limits-context.js';

export interface ComposerProps {
  readonly onSend: (body: string) => void;
  readonly onTyping: () => void;
  readonly autoFocus: boolean;
}

export function Composer({ onSend, onTyping, autoFocus }: ComposerProps) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const field = useRef<HTMLTextAreaElement>(null);
  const { messageMaxChars } = useLimits();
  const count = characterCount(text);
  const over = count > messageMaxChars;
  const empty = text.trim() === '';

  useLayoutEffect(() => {
    if (autoFocus) field.current?.focus();
  }, [autoFocus]);

  const submit = (): void => {
    if (empty || over) return;
    onSend(text.trim());
    setText('');
    field.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key !== 'Enter' || event.shiftKey) return;
    // keyCode 229 is what some browsers report for the Enter that commits an IME composition.
    if (event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submit();
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
        onInput={(event) => {
          setText(event.currentTarget.value);
          if (event.currentTarget.value.trim() !== '') onTyping();
        }}
        onKeyDown={onKeyDown}
      />
      <button type="submit" disabled={empty || over}>
        {t.send}
      </button>
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
