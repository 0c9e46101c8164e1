// One confirmed message in the log: its quote, body (text only, mentions marked), "edited" mark,
// deleted state and reactions, plus the "Message actions" menu and the inline forms it opens (edit,
// react, report, delete, mute/kick/ban). Commands go out through `act`; the log changes only when the
// server's events come back, so every viewer (this one included) sees the same thing.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Message, User } from '../../src/protocol/index.js';
import { ActionsMenu, type MenuItem } from './actions-menu.js';
import type { Sanction } from './commands.js';
import { SendError } from './connection.js';
import { useFocusOnMount } from './focus.js';
import { formatMessageTime } from './format.js';
import { useI18n } from './i18n-context.js';
import { InlineConfirm } from './inline-confirm.js';
import { useLimits } from './limits-context.js';
import { mentions as mentionsUser } from './mentions.js';
import { MessageText } from './message-text.js';
import { SanctionForm } from './moderation-forms.js';
import { canSanction, type RoomRole, withinEditWindow } from './permissions.js';

export type RoomCommand = 'edit' | 'delete' | 'react' | 'report' | 'moderate' | 'ask';

/** Sends a command to `/app/rooms.<id>.<command>`; settles on RECEIPT, rejects with a SendError. */
export type Act = (command: RoomCommand, body: Record<string, unknown>) => Promise<void>;

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🎉'] as const;

type Mode = 'none' | 'edit' | 'react' | 'report' | 'delete' | Sanction;

export interface MessageItemProps {
  readonly message: Message;
  readonly self: User;
  readonly locale: string;
  readonly nowMs: number;
  readonly viewerRole: RoomRole;
  readonly authorRole: RoomRole;
  readonly act: Act;
  readonly onReply: (message: Message) => void;
  /** Shows the message with this seq (loading older history if needed) and marks it for a moment. */
  readonly onJump: (seq: number) => Promise<void>;
  /** In the room's pins: staff are offered Unpin instead of Pin. */
  readonly pinned?: boolean;
  /** Read counts: members yet to read it (small rooms), or how many read it (large rooms, own messages). */
  readonly readCount?: { readonly unread: number } | { readonly readBy: number } | undefined;
}

/** Bodies longer than this (characters or lines) fold to a few lines behind "Show more". */
const FOLD_CHARS = 700;
const FOLD_LINES = 10;

export function isLongBody(body: string): boolean {
  return body.length > FOLD_CHARS || body.split('\n').length > FOLD_LINES;
}

function name(user: User): string {
  return `${user.nickname}#${user.tag}`;
}

export function MessageItem({
  message,
  self,
  locale,
  nowMs,
  viewerRole,
  authorRole,
  act,
  onReply,
  onJump,
  pinned = false,
  readCount,
}: MessageItemProps) {
  const { t } = useI18n();
  const { editWindowSeconds } = useLimits();
  const [mode, setMode] = useState<Mode>('none');
  const [error, setError] = useState<string | undefined>(undefined);
  const [info, setInfo] = useState<string | undefined>(undefined);
  const [unfolded, setUnfolded] = useState(false);
  const own = message.author.id === self.id;
  const deleted = message.deleted === true;
  const mentioned = mentionsUser(message.mentions, self.id);

  const run = async (command: RoomCommand, body: Record<string, unknown>, done?: string): Promise<void> => {
    setError(undefined);
    try {
      await act(command, body);
      setMode('none');
      if (done !== undefined) setInfo(done);
    } catch (caught) {
      setError(t.error(caught instanceof SendError ? caught.code : 'internal_error'));
    }
  };

  const staff = viewerRole !== 'member';
  const items: MenuItem[] = [];
  if (!deleted) {
    items.push({ key: 'reply', label: t.actionReply, onSelect: () => onReply(message) });
    items.push({ key: 'react', label: t.actionReact, onSelect: () => setMode('react') });
    if (staff) {
      // Beside the harmless items: Delete stays last, where a menu's destructive choices go.
      const action = pinned ? 'unpin' : 'pin';
      items.push({
        key: action,
        label: pinned ? t.actionUnpin : t.actionPin,
        onSelect: () => void run('moderate', { action, messageId: message.id }),
      });
    }
    // The edit window is the server's to enforce; this only hides choices that would surely be refused.
    const editable = own && withinEditWindow(message.createdAt, Date.now(), editWindowSeconds);
    if (editable) items.push({ key: 'edit', label: t.actionEdit, onSelect: () => setMode('edit') });
    if (editable || staff)
      items.push({ key: 'delete', label: t.actionDelete, onSelect: () => setMode('delete') });
    if (!own) items.push({ key: 'report', label: t.actionReport, onSelect: () => setMode('report') });
  }
  if (!own && canSanction(viewerRole, authorRole)) {
    items.push({ key: 'mute', label: t.actionMute, onSelect: () => setMode('mute') });
    items.push({ key: 'kick', label: t.actionKick, onSelect: () => setMode('kick') });
    items.push({ key: 'ban', label: t.actionBan, onSelect: () => setMode('ban') });
  }

  const classes = ['msg'];
  if (own) classes.push('own');
  if (deleted) classes.push('deleted');
  if (mentioned) classes.push('mentioned');

  return (
    <li class={classes.join(' ')} data-seq={message.seq} data-id={message.id}>
      <div class="meta">
        <span class="author">
          <bdi class="name">{message.author.nickname}</bdi>
          <span class="tag">#{message.author.tag}</span>
        </span>
        {own ? <span class="you">({t.you})</span> : null}
        {authorRole === 'member' ? null : (
          <span class="role">{authorRole === 'owner' ? t.owner : t.moderator}</span>
        )}
        <time dateTime={message.createdAt}>{formatMessageTime(message.createdAt, locale, nowMs)}</time>
        {readCount !== undefined && 'unread' in readCount && readCount.unread > 0 && !deleted ? (
          <span class="read-count" role="img" aria-label={t.notReadBy(readCount.unread)}>
            {readCount.unread}
          </span>
        ) : null}
        {readCount !== undefined && 'readBy' in readCount && message.author.id === self.id && !deleted ? (
          <span class="read-count">{t.readBy(readCount.readBy)}</span>
        ) : null}
        {message.editedAt !== undefined && !deleted ? (
          <span class="edited" title={message.editedAt}>
            {t.edited}
          </span>
        ) : null}
        <ActionsMenu label={t.messageActions} items={items} class="msg-actions" />
      </div>
      {message.replyTo === undefined ? null : (
        // The whole quote takes a click or a tap; its author is the button keyboards and readers use.
        // biome-ignore lint/a11y/useKeyWithClickEvents: the button inside is the keyboard way
        <blockquote
          class="quote"
          data-quote-seq={message.replyTo.seq}
          onClick={(event) => {
            if (event.target instanceof Element && event.target.closest('a') !== null) return;
            void onJump(message.replyTo?.seq ?? 0);
          }}
        >
          <button
            type="button"
            class="quote-link author"
            onClick={(event) => {
              event.stopPropagation();
              void onJump(message.replyTo?.seq ?? 0);
            }}
            aria-label={t.jumpToQuoted(name(message.replyTo.author))}
          >
            {name(message.replyTo.author)}
          </button>{' '}
          {message.replyTo.body === '' ? (
            <em>{t.quotedDeleted}</em>
          ) : (
            <MessageText key={message.replyTo.body} text={message.replyTo.body} />
          )}
        </blockquote>
      )}
      {deleted ? (
        <p class="body deleted-body">
          <em>{t.deletedMessage}</em>
        </p>
      ) : message.hidden === true ? (
        // Enough members reported it: its text waits for staff review (staff read it under Reports).
        <p class="body deleted-body">
          <em>{t.hiddenPendingReview}</em>
        </p>
      ) : mode === 'edit' ? (
        <EditForm
          initial={message.body}
          onSave={(body) => void run('edit', { messageId: message.id, body })}
          onCancel={() => setMode('none')}
        />
      ) : (
        <>
          <p
            class={isLongBody(message.body) && !unfolded ? 'body folded' : 'body'}
            id={`body-${message.id}`}
            dir="auto"
          >
            <MessageText
              key={message.body}
              text={message.body}
              mentions={message.mentions}
              selfId={self.id}
            />
          </p>
          {isLongBody(message.body) ? (
            <button
              type="button"
              class="secondary fold-toggle"
              aria-expanded={unfolded ? 'true' : 'false'}
              aria-controls={`body-${message.id}`}
              onClick={() => setUnfolded((open) => !open)}
            >
              {unfolded ? t.showLess : t.showMore}
            </button>
          ) : null}
        </>
      )}
      {message.reactions === undefined || deleted ? null : (
        <ul class="reactions">
          {message.reactions.map((reaction) => {
            const mine = reaction.users.some((user) => user.id === self.id);
            const summary = t.reactionSummary(reaction.emoji, reaction.count, reaction.users.map(name));
            return (
              <li key={reaction.emoji}>
                <button
                  type="button"
                  class={mine ? 'reaction mine' : 'reaction'}
                  aria-pressed={mine ? 'true' : 'false'}
                  aria-label={summary}
                  title={summary}
                  onClick={() =>
                    void run('react', { messageId: message.id, emoji: reaction.emoji, on: !mine })
                  }
                >
                  <span aria-hidden="true">
                    {reaction.emoji} {reaction.count}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {mode === 'react' ? (
        <ReactPalette
          onPick={(emoji) => {
            const mine = message.reactions?.some(
              (r) => r.emoji === emoji && r.users.some((user) => user.id === self.id),
            );
            void run('react', { messageId: message.id, emoji, on: mine !== true });
          }}
          onCancel={() => setMode('none')}
        />
      ) : null}
      {mode === 'delete' ? (
        <InlineConfirm
          question={t.confirmDelete}
          action={t.actionDelete}
          onConfirm={() => void run('delete', { messageId: message.id })}
          onCancel={() => setMode('none')}
        />
      ) : null}
      {mode === 'report' ? (
        <ReportForm
          onSend={(reason) => void run('report', { messageId: message.id, reason }, t.reportSent)}
          onCancel={() => setMode('none')}
        />
      ) : null}
      {mode === 'mute' || mode === 'kick' || mode === 'ban' ? (
        <SanctionForm
          sanction={mode}
          userId={message.author.id}
          who={name(message.author)}
          onSubmit={(body) => run('moderate', body)}
          onCancel={() => setMode('none')}
        />
      ) : null}
      {error === undefined ? null : (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {info === undefined ? null : (
        <p class="info" role="status">
          {info}
        </p>
      )}
    </li>
  );
}

function EditForm({
  initial,
  onSave,
  onCancel,
}: {
  initial: string;
  onSave: (body: string) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState(initial);
  const field = useRef<HTMLTextAreaElement>(null);
  // A layout effect, like every focus-on-mount here: it runs before the browser paints or handles
  // input. As a plain effect it ran after the first frame, so a select-all made by then (Playwright's
  // fill, a fast Ctrl+A) lost its selection to the caret-to-end, and the new text was appended to the
  // old: 'orignal textoriginal text'.
  useLayoutEffect(() => {
    const element = field.current;
    if (element === null) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
    // The box grows with its text (field-sizing) up to half the screen; a long text is read from its
    // first line, with the box's top in view, not scrolled to the caret at the end.
    element.scrollTop = 0;
    element.scrollIntoView({ block: 'nearest' });
  }, []);
  const save = (): void => {
    const trimmed = text.trim();
    if (trimmed === '') return;
    if (trimmed === initial) onCancel();
    else onSave(trimmed);
  };
  return (
    <form
      class="inline-form edit"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <label>
        <span class="visually-hidden">{t.editLabel}</span>
        <textarea
          ref={field}
          rows={2}
          aria-label={t.editLabel}
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              onCancel();
            } else if (
              event.key === 'Enter' &&
              !event.shiftKey &&
              !event.isComposing &&
              event.keyCode !== 229
            ) {
              event.preventDefault();
              save();
            }
          }}
        />
      </label>
      <button type="submit">{t.save}</button>
      <button type="button" class="secondary" onClick={onCancel}>
        {t.cancel}
      </button>
    </form>
  );
}

function ReactPalette({ onPick, onCancel }: { onPick: (emoji: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const first = useFocusOnMount<HTMLButtonElement>();
  return (
    <div
      class="palette"
      role="toolbar"
      aria-label={t.actionReact}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onCancel();
      }}
    >
      {QUICK_REACTIONS.map((emoji, index) => (
        <button
          key={emoji}
          type="button"
          class="secondary"
          ref={index === 0 ? first : null}
          aria-label={t.reactWith(emoji)}
          onClick={() => onPick(emoji)}
        >
          {emoji}
        </button>
      ))}
      <button type="button" class="secondary" onClick={onCancel}>
        {t.cancel}
      </button>
    </div>
  );
}

function ReportForm({ onSend, onCancel }: { onSend: (reason: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const field = useFocusOnMount<HTMLInputElement>();
  return (
    <form
      class="inline-form report"
      onSubmit={(event) => {
        event.preventDefault();
        if (reason.trim() !== '') onSend(reason.trim());
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onCancel();
      }}
    >
      <label>
        {t.reasonLabel}{' '}
        <input
          ref={field}
          maxLength={500}
          value={reason}
          onInput={(event) => setReason(event.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={reason.trim() === ''}>
        {t.sendReport}
      </button>
      <button type="button" class="secondary" onClick={onCancel}>
        {t.cancel}
      </button>
    </form>
  );
}
