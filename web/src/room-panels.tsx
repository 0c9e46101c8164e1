// The staff panels of a room: settings (topic, member cap, slow mode, newcomer gate, password), reports, bans and the
// owner's audit log. Reads go over HTTP with the token; changes go out through `act` as moderate
// commands. All user text (topics, reasons, details) is rendered as text.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry, Ban, Report, Room, User } from '../../src/protocol/index.js';
import { api, errorCodeOf, olderAuditPage } from './api.js';
import { settingsChanges } from './commands.js';
import { SendError } from './connection.js';
import { auditText } from './event-text.js';
import { useFocusOnMount } from './focus.js';
import { formatMessageTime } from './format.js';
import { useI18n } from './i18n-context.js';
import type { Act } from './message-item.js';
import { MessageText } from './message-text.js';
import { SanctionForm } from './moderation-forms.js';

export type PanelName = 'settings' | 'reports' | 'bans' | 'audit';

const AUDIT_PAGE = 50;

/** What every list panel reads with: the session's token, the room, and the locale for times. */
interface PanelProps {
  token: string;
  roomId: string;
  locale: string;
}

/** A list panel whose rows act (delete, unban) through `act`. */
interface StaffPanelProps extends PanelProps {
  act: Act;
}

function name(user: User): string {
  return `${user.nickname}#${user.tag}`;
}

/** A list panel's frame: a focus target named for screen readers, then the error, loading, empty or
 *  list (`ordered`: an `<ol>`, else a `<ul>`), one `row` an item. */
function ListPanel<T>({
  title,
  error,
  items,
  empty,
  ordered = false,
  listClass = 'panel-list',
  keyOf,
  row,
  footer,
}: {
  title: string;
  error: string | undefined;
  items: readonly T[] | undefined;
  empty: string;
  ordered?: boolean;
  listClass?: string;
  keyOf: (item: T) => string | number;
  row: (item: T) => ComponentChildren;
  footer?: ComponentChildren;
}) {
  const List = ordered ? 'ol' : 'ul';
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLParagraphElement>();
  return (
    <div>
      <p class="visually-hidden" tabIndex={-1} ref={heading}>
        {title}
      </p>
      {error !== undefined ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : items === undefined ? (
        <p class="muted">{t.loading}</p>
      ) : items.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <List class={listClass}>
          {items.map((item) => (
            <li key={keyOf(item)}>{row(item)}</li>
          ))}
        </List>
      )}
      {footer}
    </div>
  );
}

/** A labelled whole-number input with its hint read out by screen readers. */
function NumberField(props: {
  id: string;
  label: string;
  hint: string;
  min: number;
  max?: number;
  value: string;
  onInput: (value: string) => void;
}) {
  const { id, label, hint, min, max, value, onInput } = props;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="number"
        min={min}
        {...(max === undefined ? {} : { max })}
        inputMode="numeric"
        value={value}
        aria-describedby={`${id}-hint`}
        onInput={(event) => onInput(event.currentTarget.value)}
      />
      <p id={`${id}-hint`} class="hint">
        {hint}
      </p>
    </div>
  );
}

/**
 * The room's own banned words and report threshold (staff only; members never see the list). The
 * list is read over HTTP; a save is one `settings` moderate command.
 */
export function WordFilterForm({ token, roomId, act }: { token: string; roomId: string; act: Act }) {
  const { t } = useI18n();
  const [words, setWords] = useState('');
  const [mode, setMode] = useState<'refuse' | 'mask'>('refuse');
  const [threshold, setThreshold] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>(undefined);

  useEffect(() => {
    let current = true;
    api.getRoomWordFilter(token, roomId).then(
      ({ wordFilter, reportHideThreshold }) => {
        if (!current) return;
        setWords(wordFilter?.words.join('\n') ?? '');
        setMode(wordFilter?.mode ?? 'refuse');
        setThreshold(reportHideThreshold === null ? '' : String(reportHideThreshold));
      },
      (caught: unknown) => current && setStatus({ ok: false, text: t.error(errorCodeOf(caught)) }),
    );
    return () => {
      current = false;
    };
  }, [token, roomId, t]);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const list = words
      .split('\n')
      .map((w) => w.trim())
      .filter((w) => w !== '');
    try {
      await act('moderate', {
        action: 'settings',
        wordFilter: list.length === 0 ? null : { mode, words: list },
        reportHideThreshold: threshold.trim() === '' ? null : Number(threshold),
      });
      setStatus({ ok: true, text: t.settingsSaved });
    } catch (caught) {
      setStatus({ ok: false, text: t.error(caught instanceof SendError ? caught.code : 'internal_error') });
    }
  };

  return (
    <form class="settings" onSubmit={(event) => void save(event)}>
      <label for="room-banned-words">{t.bannedWordsLabel}</label>
      <textarea
        id="room-banned-words"
        rows={3}
        value={words}
        onInput={(e) => setWords(e.currentTarget.value)}
      />
      <label for="room-filter-mode">{t.filterModeLabel}</label>
      <select
        id="room-filter-mode"
        value={mode}
        onChange={(e) => setMode(e.currentTarget.value === 'mask' ? 'mask' : 'refuse')}
      >
        <option value="refuse">{t.filterModeRefuse}</option>
        <option value="mask">{t.filterModeMask}</option>
      </select>
      <NumberField
        id="room-report-threshold"
        label={t.reportThresholdLabel}
        hint={t.reportThresholdHint}
        min={0}
        max={1000}
        value={threshold}
        onInput={setThreshold}
      />
      <button type="submit">{t.saveWordFilter}</button>
      {status === undefined ? null : (
        <p class={status.ok ? 'info' : 'error'} role={status.ok ? 'status' : 'alert'}>
          {status.text}
        </p>
      )}
    </form>
  );
}

export function SettingsPanel({ room, act }: { room: Room; act: Act }) {
  const { t } = useI18n();
  const [topic, setTopic] = useState(room.topic ?? '');
  const [memberCap, setMemberCap] = useState(room.memberCap === null ? '' : String(room.memberCap));
  const [slow, setSlow] = useState(String(room.slowModeSeconds));
  const [newcomerMinutes, setNewcomerMinutes] = useState(String(room.newcomerMinutes));
  const [newcomerMessages, setNewcomerMessages] = useState(String(room.newcomerMessages));
  const [approveNewcomers, setApproveNewcomers] = useState(room.approveNewcomers);
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const first = useFocusOnMount<HTMLInputElement>();

  // A change to the room (another moderator's, or this save echoed back as room.updated) shows in the
  // fields. The panel itself stays mounted, so "Settings saved." is not lost with it, as it was when
  // the panel was keyed by the room and remounted on every update.
  useEffect(() => {
    setTopic(room.topic ?? '');
    setMemberCap(room.memberCap === null ? '' : String(room.memberCap));
    setSlow(String(room.slowModeSeconds));
    setNewcomerMinutes(String(room.newcomerMinutes));
    setNewcomerMessages(String(room.newcomerMessages));
    setApproveNewcomers(room.approveNewcomers);
  }, [
    room.topic,
    room.memberCap,
    room.slowModeSeconds,
    room.newcomerMinutes,
    room.newcomerMessages,
    room.approveNewcomers,
  ]);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const body = settingsChanges(room, {
      topic,
      memberCap,
      slowModeSeconds: slow,
      password,
      removePassword,
      newcomerMinutes,
      newcomerMessages,
      approveNewcomers,
    });
    if (body === undefined) {
      setStatus({ ok: true, text: t.settingsSaved });
      return;
    }
    try {
      await act('moderate', body);
      setPassword('');
      setRemovePassword(false);
      setStatus({ ok: true, text: t.settingsSaved });
    } catch (caught) {
      setStatus({ ok: false, text: t.error(caught instanceof SendError ? caught.code : 'internal_error') });
    }
  };

  return (
    <form class="settings room-settings" onSubmit={(event) => void save(event)}>
      <label for="room-topic">{t.topicLabel}</label>
      <input
        id="room-topic"
        ref={first}
        maxLength={500}
        value={topic}
        onInput={(event) => setTopic(event.currentTarget.value)}
      />
      <label for="room-password-new">{t.newPasswordLabel}</label>
      <input
        id="room-password-new"
        type="password"
        autoComplete="new-password"
        maxLength={128}
        value={password}
        disabled={removePassword}
        onInput={(event) => setPassword(event.currentTarget.value)}
      />
      {room.hasPassword ? (
        <label class="check">
          <input
            type="checkbox"
            checked={removePassword}
            onChange={(event) => setRemovePassword(event.currentTarget.checked)}
          />{' '}
          {t.removePassword}
        </label>
      ) : null}
      <div class="number-fields">
        <NumberField
          id="room-cap"
          label={t.memberCapLabel}
          hint={t.memberCapHint}
          min={1}
          value={memberCap}
          onInput={setMemberCap}
        />
        <NumberField
          id="room-slow"
          label={t.slowModeLabel}
          hint={t.slowModeHint}
          min={0}
          max={3600}
          value={slow}
          onInput={setSlow}
        />
        <NumberField
          id="room-newcomer-minutes"
          label={t.newcomerMinutesLabel}
          hint={t.newcomerMinutesHint}
          min={0}
          max={10_080}
          value={newcomerMinutes}
          onInput={setNewcomerMinutes}
        />
        <NumberField
          id="room-newcomer-messages"
          label={t.newcomerMessagesLabel}
          hint={t.newcomerMessagesHint}
          min={0}
          max={1000}
          value={newcomerMessages}
          onInput={setNewcomerMessages}
        />
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={approveNewcomers}
          onChange={(event) => setApproveNewcomers(event.currentTarget.checked)}
        />{' '}
        {t.approveNewcomersLabel}
      </label>
      {/* Sticky at the panel's bottom edge: Save is reachable without scrolling, on phones too. */}
      <div class="save-bar">
        <button type="submit">{t.save}</button>
        {status === undefined ? null : (
          <p class={status.ok ? 'info' : 'error'} role={status.ok ? 'status' : 'alert'}>
            {status.text}
          </p>
        )}
      </div>
    </form>
  );
}

function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const { t } = useI18n();
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let cancelled = false;
    load().then(
      (next) => {
        if (!cancelled) setValue(next);
      },
      (caught: unknown) => {
        if (!cancelled) setError(t.error(errorCodeOf(caught)));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [...deps, attempt]);
  return { value, error, reload: () => setAttempt((n) => n + 1) };
}

/**
 * Open reports, newest first: each can be dismissed (the message stays, shown again if hidden), its
 * message deleted, or its author banned (the ban form, inline). `open` is the live count the server
 * pushes; a change reloads the list, so reports filed or closed elsewhere show without a reload.
 */
export function ReportsPanel({
  token,
  roomId,
  locale,
  act,
  open,
}: StaffPanelProps & { open: number | undefined }) {
  const { t } = useI18n();
  const { value, error, reload } = useLoad<readonly Report[]>(
    () => api.listReports(token, roomId),
    [token, roomId, open],
  );
  const [banning, setBanning] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const run = (command: 'delete' | 'moderate', body: Record<string, unknown>): Promise<void> => {
    setFailure(undefined);
    return act(command, body).then(
      () => reload(),
      (caught: unknown) => {
        setFailure(t.error(caught instanceof SendError ? caught.code : 'internal_error'));
        reload();
      },
    );
  };
  return (
    <>
      <p class="muted report-count" role="status">
        {open === undefined ? '' : open === 0 ? t.noReports : t.openReportsBadge(open)}
      </p>
      {failure === undefined ? null : (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
      <ListPanel
        title={t.reports}
        error={error}
        items={value}
        empty={t.noReports}
        keyOf={(report) => report.id}
        row={(report) => (
          <>
            <div class="meta">
              <span>{t.reportedBy(name(report.reporter))}</span>{' '}
              <time dateTime={report.createdAt}>
                {formatMessageTime(report.createdAt, locale, Date.now())}
              </time>
            </div>
            <p class="reason">{report.reason}</p>
            <blockquote class="quote">
              <span class="author">{name(report.message.author)}</span>{' '}
              {report.message.deleted === true ? (
                <em>{t.quotedDeleted}</em>
              ) : (
                <MessageText text={report.message.body} />
              )}
            </blockquote>
            <div class="report-actions">
              <button
                type="button"
                class="secondary"
                aria-label={`${t.dismissReports}: ${t.reportedBy(name(report.reporter))}`}
                onClick={() =>
                  void run('moderate', { action: 'dismissReports', messageId: report.message.id })
                }
              >
                {t.dismissReports}
              </button>
              {report.message.deleted === true ? null : (
                <button
                  type="button"
                  class="danger"
                  onClick={() => void run('delete', { messageId: report.message.id })}
                >
                  {t.actionDelete}
                </button>
              )}
              <button
                type="button"
                class="danger"
                aria-expanded={banning === report.id ? 'true' : 'false'}
                onClick={() => setBanning((shown) => (shown === report.id ? undefined : report.id))}
              >
                {t.banReportAuthor}
              </button>
            </div>
            {banning === report.id ? (
              <SanctionForm
                sanction="ban"
                userId={report.message.author.id}
                who={name(report.message.author)}
                addressInfo={() => api.addressIdentities(token, roomId, report.message.author.id)}
                onSubmit={(body) =>
                  act('moderate', body).then(
                    () => {
                      setBanning(undefined);
                      reload();
                    },
                    (caught: unknown) => {
                      setFailure(t.error(caught instanceof SendError ? caught.code : 'internal_error'));
                    },
                  )
                }
                onCancel={() => setBanning(undefined)}
              />
            ) : null}
          </>
        )}
      />
    </>
  );
}

export function BansPanel({ token, roomId, locale, act }: StaffPanelProps) {
  const { t } = useI18n();
  const { value, error, reload } = useLoad<readonly Ban[]>(
    () => api.listBans(token, roomId),
    [token, roomId],
  );
  const when = (iso: string | null): string | null =>
    iso === null ? null : formatMessageTime(iso, locale, Date.now());
  return (
    <ListPanel
      title={t.bans}
      error={error}
      items={value}
      empty={t.noBans}
      keyOf={(ban) => ban.user.id}
      row={(ban) => (
        <>
          <span class="author">{name(ban.user)}</span> <span>{t.bannedUntil(when(ban.until))}</span>{' '}
          <span class="muted">{t.by(name(ban.by))}</span>{' '}
          <span class="scope">{t.banScopeShown(ban.scope)}</span>
          {ban.identitiesFromAddress === undefined ? null : (
            <span class="muted"> · {t.identitiesFromAddress(ban.identitiesFromAddress)}</span>
          )}
          {ban.reason === null ? null : <p class="reason">{ban.reason}</p>}
          <button
            type="button"
            class="secondary"
            aria-label={`${t.actionUnban} ${name(ban.user)}`}
            onClick={() =>
              void act('moderate', { action: 'unban', userId: ban.user.id }).then(reload, reload)
            }
          >
            {t.actionUnban}
          </button>
        </>
      )}
    />
  );
}

export function AuditPanel({ token, roomId, locale }: PanelProps) {
  const { t } = useI18n();
  const [entries, setEntries] = useState<readonly AuditEntry[] | undefined>(undefined);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  /** The first page, or the one after `older` (the entries shown, newest first). */
  const load = async (older: { readonly before: number } | undefined): Promise<void> => {
    try {
      const page = await api.listAudit(token, roomId, { ...older, limit: AUDIT_PAGE });
      setEntries((current) => [...(older === undefined ? [] : (current ?? [])), ...page]);
      setMore(page.length >= AUDIT_PAGE);
    } catch (caught) {
      setError(t.error(errorCodeOf(caught)));
    }
  };

  useEffect(() => {
    void load(undefined);
  }, [token, roomId]);

  return (
    <ListPanel
      title={t.auditLog}
      error={error}
      items={entries}
      empty={t.noAudit}
      ordered
      listClass="panel-list audit"
      keyOf={(entry) => entry.id}
      row={(entry) => (
        <>
          <time dateTime={entry.createdAt}>{formatMessageTime(entry.createdAt, locale, Date.now())}</time>{' '}
          <span class="audit-text">{auditText(t, entry, locale)}</span>
        </>
      )}
      footer={
        more && entries !== undefined ? (
          <button type="button" class="secondary" onClick={() => void load(olderAuditPage(entries))}>
            {t.loadMore}
          </button>
        ) : null
      }
    />
  );
}
