// "Are you sure?" in place: a question, the action's button (focused, so the keyboard lands on it) and
// Cancel. For what cannot be taken back (deleting a message, handing a room over); knows nothing of
// what it confirms.
import { useFocusOnMount } from './focus.js';
import { useI18n } from './i18n-context.js';

export function InlineConfirm({
  question,
  action,
  onConfirm,
  onCancel,
}: {
  question: string;
  action: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const button = useFocusOnMount<HTMLButtonElement>();
  return (
    <div class="inline-form confirm">
      <span>{question}</span>
      <button type="button" class="danger" ref={button} onClick={onConfirm}>
        {action}
      </button>
      <button type="button" class="secondary" onClick={onCancel}>
        {t.cancel}
      </button>
    </div>
  );
}
