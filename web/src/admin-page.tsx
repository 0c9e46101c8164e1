// The operator page (`/admin`): sign in with the operator secret (kept in memory only, gone on reload),
// then rooms by activity or by open reports with take-down and restore, the cross-room report queue
// (dismiss, delete the message, ban its author server-wide) and the server settings (reserved names,
// banned words and what a match does). Talks only to `/api/admin/…`; needs no chat identity.
import { useEffect, useState } from 'preact/hooks';
import type { AdminRoom, ReportQueueItem } from '../../src/protocol/index.js';
import { api, errorCodeOf } from './api.js';
import { useI18n } from './i18n-context.js';
import { MessageText } from './message-text.js';

type Order = 'activity' | 'reports';

export function AdminPage() {
  const { t } = useI18n();
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [operatorId, setOperatorId] = useState('');
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = `${t.adminTitle} — ${t.appName}`;
  }, [t]);

  const signIn = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await api.operatorSignIn(typed);
      setOperatorId(session.operator.id);
      setSecret(typed);
      setTyped('');
    } catch (caught) {
      setError(t.error(errorCodeOf(caught)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="admin-page">
      <h1>{t.adminTitle}</h1>
      {secret === undefined ? (
        <form class="admin-signin" onSubmit={(event) => void signIn(event)}>
          <label for="operator-secret">{t.operatorSecretLabel}</label>
          <input
            id="operator-secret"
            type="password"
            autoComplete="off"
            value={typed}
            onInput={(event) => setTyped(event.currentTarget.value)}
          />
          <button type="submit" disabled={busy || typed === ''}>
            {t.operatorSignIn}
          </button>
          {error === undefined ? null : <p role="alert">{error}</p>}
        </form>
      ) : (
        <>
          <p class="admin-who">
            {t.operatorSignedIn(operatorId)}{' '}
            <button type="button" class="link-button" onClick={() => setSecret(undefined)}>
              {t.operatorSignOut}
            </button>
          </p>
          <AdminConsole secret={secret} />
        </>
      )}
    </main>
  );
}

function AdminConsole({ secret }: { readonly secret: string }) {
  const { t } = useI18n();
  const [order, setOrder] = useState<Order>('activity');
  const [rooms, setRooms] = useState<readonly AdminRoom[]>([]);
  const [queue, setQueue] = useState<readonly ReportQueueItem[]>([]);
  const [status, setStatus] = useState('');
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let current = true;
    Promise.all([api.adminRooms(secret, order), api.adminReportQueue(secret)]).then(
      ([nextRooms, nextQueue]) => {
        if (!current) return;
        setRooms(nextRooms);
        setQueue(nextQueue);
      },
      (caught: unknown) => current && setFailure(t.error(errorCodeOf(caught))),
    );
    return () => {
      current = false;
    };
  }, [secret, order, version, t]);

  /** Runs an action, then reloads both lists; the outcome is announced in the status line. */
  const act = async (action: () => Promise<unknown>): Promise<void> => {
    setFailure(undefined);
    setStatus('');
    try {
      await action();
      setStatus(t.adminDone);
    } catch (caught) {
      setFailure(t.error(errorCodeOf(caught)));
    }
    setVersion((n) => n + 1);
  };

  return (
    <div class="admin-console">
      <p class="admin-status" role="status">
        {status}
      </p>
      {failure === undefined ? null : <p role="alert">{failure}</p>}
      <section aria-labelledby="admin-rooms">
        <h2 id="admin-rooms">{t.adminRooms}</h2>
        <fieldset class="admin-order">
          <legend>{t.orderLabel}</legend>
          {(['activity', 'reports'] as const).map((value) => (
            <button
              key={value}
              type="button"
              aria-pressed={order === value ? 'true' : 'false'}
              onClick={() => setOrder(value)}
            >
              {value === 'activity' ? t.orderByActivity : t.orderByReports}
            </button>
          ))}
        </fieldset>
        {rooms.length === 0 ? (
          <p class="muted">{t.noRoomsYet}</p>
        ) : (
          <ul class="admin-rooms">
            {rooms.map((room) => (
              <li key={room.id} data-room-id={room.id} class={room.closedAt === null ? '' : 'closed'}>
                <bdi class="room-name">{room.name}</bdi>
                <span class="admin-room-state">
                  {room.closedAt === null ? t.roomStatusOpen : t.roomStatusClosed}
                </span>
                {room.openReports > 0 ? (
                  <span class="badge">{t.openReportsBadge(room.openReports)}</span>
                ) : null}
                <button
                  type="button"
                  class="secondary"
                  onClick={() =>
                    void act(() => api.adminSetRoomClosed(secret, room.id, room.closedAt === null))
                  }
                >
                  {room.closedAt === null ? t.takeDown(room.name) : t.restoreRoom(room.name)}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="admin-reports">
        <h2 id="admin-reports">{t.reportQueue}</h2>
        {queue.length === 0 ? (
          <p class="muted">{t.noOpenReports}</p>
        ) : (
          <ul class="admin-queue">
            {queue.map((item) => {
              const author = `${item.message.author.nickname}#${item.message.author.tag}`;
              return (
                <li key={item.message.id} data-message-id={item.message.id}>
                  <p class="admin-queue-where">{t.reportedIn(item.roomName, item.reports.length)}</p>
                  <p class="admin-queue-message">
                    <bdi class="name">{author}</bdi>
                    {item.message.hidden === true ? <em> ({t.hiddenPendingReview})</em> : null}:{' '}
                    <MessageText text={item.message.body} />
                  </p>
                  <ul class="admin-queue-reasons">
                    {item.reports.map((report) => (
                      <li key={report.id}>
                        <bdi>
                          {report.reporter.nickname}#{report.reporter.tag}
                        </bdi>
                        : {report.reason}
                      </li>
                    ))}
                  </ul>
                  <div class="admin-actions">
                    <button
                      type="button"
                      onClick={() =>
                        void act(() => api.adminDismissReports(secret, item.roomId, item.message.id))
                      }
                    >
                      {t.dismissReportsOf(author)}
                    </button>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() =>
                        void act(() => api.adminDeleteMessage(secret, item.roomId, item.message.id))
                      }
                    >
                      {t.deleteMessageOf(author)}
                    </button>
                    <button
                      type="button"
                      class="danger"
                      onClick={() => void act(() => api.adminBan(secret, item.message.author.id))}
                    >
                      {t.banAuthor(author)}
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <SettingsForm secret={secret} onDone={(text) => setStatus(text)} onFailure={setFailure} />
    </div>
  );
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);

function SettingsForm({
  secret,
  onDone,
  onFailure,
}: {
  readonly secret: string;
  readonly onDone: (text: string) => void;
  readonly onFailure: (text: string | undefined) => void;
}) {
  const { t } = useI18n();
  const [reserved, setReserved] = useState('');
  const [words, setWords] = useState('');
  const [mode, setMode] = useState<'refuse' | 'mask'>('refuse');

  useEffect(() => {
    let current = true;
    api.adminSettings(secret).then(
      (settings) => {
        if (!current) return;
        setReserved(settings.reservedNames.join('\n'));
        setWords(settings.wordFilter?.words.join('\n') ?? '');
        setMode(settings.wordFilter?.mode ?? 'refuse');
      },
      (caught: unknown) => current && onFailure(t.error(errorCodeOf(caught))),
    );
    return () => {
      current = false;
    };
  }, [secret, t, onFailure]);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    onFailure(undefined);
    try {
      const list = lines(words);
      await api.adminSaveSettings(secret, {
        reservedNames: lines(reserved),
        wordFilter: list.length === 0 ? null : { mode, words: list },
      });
      onDone(t.adminDone);
    } catch (caught) {
      onFailure(t.error(errorCodeOf(caught)));
    }
  };

  return (
    <section aria-labelledby="admin-settings">
      <h2 id="admin-settings">{t.serverSettings}</h2>
      <form class="admin-settings" onSubmit={(event) => void save(event)}>
        <label for="reserved-names">{t.reservedNamesLabel}</label>
        <textarea
          id="reserved-names"
          rows={3}
          value={reserved}
          onInput={(e) => setReserved(e.currentTarget.value)}
        />
        <label for="banned-words">{t.bannedWordsLabel}</label>
        <textarea id="banned-words" rows={3} value={words} onInput={(e) => setWords(e.currentTarget.value)} />
        <label for="filter-mode">{t.filterModeLabel}</label>
        <select
          id="filter-mode"
          value={mode}
          onChange={(e) => setMode(e.currentTarget.value === 'mask' ? 'mask' : 'refuse')}
        >
          <option value="refuse">{t.filterModeRefuse}</option>
          <option value="mask">{t.filterModeMask}</option>
        </select>
        <button type="submit">{t.saveSettings}</button>
      </form>
    </section>
  );
}
