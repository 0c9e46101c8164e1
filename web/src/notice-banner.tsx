// The room's notice: a banner at the top of the room for everyone in it (folded to one line until
// opened, so it never takes a phone's screen), and the staff's editor for it (in Room settings). The
// text arrives with the room and changes with `notice.changed` events; this module only shows and sends.
import { useEffect, useState } from 'preact/hooks';
import type { Notice } from '../../src/protocol/index.js';
import { SendError } from './connection.js';
import { useI18n } from './i18n-context.js';
import { useLimits } from './limits-context.js';
import type { Act } from './message-item.js';
import { MessageText } from './message-text.js';

export function NoticeBanner({ notice }: { notice: Notice }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <section class={open ? 'notice-banner open' : 'notice-banner'} aria-label={t.noticeLabel}>
      <span class="notice-label" aria-hidden="true">
        📢
      </span>
      <div class="notice-text" id="room-notice-text">
        <MessageText text={notice.body} />
      </div>
      <button
        type="button"
        class="secondary notice-toggle"
        aria-label={t.showWholeNotice}
        aria-expanded={open ? 'true' : 'false'}
        aria-controls="room-notice-text"
        onClick={() => setOpen((was) => !was)}
      >
        <span aria-hidden="true">{open ? '▴' : '▾'}</span>
      </button>
    </section>
  );
}

/** Staff set, replace or remove the notice; the room's own events bring the change back to the banner. */
export function NoticeForm({ notice, act }: { notice: Notice | null; act: Act }) {
  const { t } = useI18n();
  const { noticeMaxChars } = useLimits();
  const [text, setText] = useState(notice?.body ?? '');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  // Another moderator's change (or this one echoed back) shows in the field.
  useEffect(() => setText(notice?.body ?? ''), [notice?.body]);

  const send = async (body: string | null, done: string): Promise<void> => {
    try {
      await act('moderate', { action: 'notice', body });
      setStatus({ ok: true, text: done });
    } catch (caught) {
      setStatus({ ok: false, text: t.error(caught instanceof SendError ? caught.code : 'internal_error') });
    }
  };

  return (
    <form
      class="settings notice-form"
      onSubmit={(event) => {
        event.preventDefault();
        void send(text, t.noticeSaved);
      }}
    >
      <label for="room-notice">{t.noticeEditorLabel}</label>
      <textarea
        id="room-notice"
        rows={3}
        maxLength={noticeMaxChars}
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <div class="form-actions">
        <button type="submit" disabled={text.trim() === ''}>
          {t.noticeSave}
        </button>
        {notice === null ? null : (
          <button type="button" class="secondary" onClick={() => void send(null, t.noticeRemoved)}>
            {t.noticeRemove}
          </button>
        )}
      </div>
      {status === undefined ? null : (
        <p class={status.ok ? 'ok' : 'error'} role={status.ok ? 'status' : 'alert'}>
          {status.text}
        </p>
      )}
    </form>
  );
}
