// One room: history over HTTP, then live messages and presence over STOMP, resumed with since-seq on
// every reconnect; own messages go pending → sent → confirmed (or failed with Retry, same clientMsgId).
// Owns scroll behaviour (stay at bottom, keep position when older pages load). The log rules live in
// log-state.ts; the connection mechanics in connection.ts.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, getRoom, listMembers, listMessages } from './api.js';
import { Composer } from './composer.js';
import { type ChatConnection, SendError } from './connection.js';
import { formatMessageTime } from './format.js';
import { useI18n } from './i18n-context.js';
import { newClientMsgId, newLocalId } from './ids.js';
import {
  addMessages,
  addNotice,
  addPending,
  emptyLog,
  findPending,
  highestSeq,
  type LogEntry,
  type LogState,
  logEntries,
  lowestSeq,
  setPendingStatus,
} from './log-state.js';
import { MessageText } from './message-text.js';
import { isPlainClick, navigate, routePath } from './router.js';
import { createThrottle } from './throttle.js';
import { parseJson, parseMessage, parsePresence, type Room, type Session, type User } from './wire.js';

const PAGE_SIZE = 50;
const RECEIPT_TIMEOUT_MS = 10_000;
const TYPING_SEND_INTERVAL_MS = 3_000;
/** A typing notice is shown this long unless the person sends or types again. */
const TYPING_SHOW_MS = 5_000;
const BOTTOM_SLACK_PX = 48;
const OLDER_TRIGGER_PX = 120;

interface Typist {
  readonly user: User;
  readonly untilMs: number;
}

export interface RoomViewProps {
  readonly roomId: string;
  readonly session: Session;
  readonly connection: ChatConnection;
}

function displayName(user: User): string {
  return `${user.nickname}#${user.tag}`;
}

export function RoomView({ roomId, session, connection }: RoomViewProps) {
  const { t, locale } = useI18n();
  const selfId = session.user.id;
  const [room, setRoom] = useState<Room | 'missing' | undefined>(undefined);
  const [history, setHistory] = useState<'loading' | 'ready' | 'error'>('loading');
  const [attempt, setAttempt] = useState(0);
  const [log, setLog] = useState<LogState>(emptyLog);
  const [members, setMembers] = useState<readonly User[]>([]);
  const [typists, setTypists] = useState<ReadonlyMap<string, Typist>>(new Map());
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [unseen, setUnseen] = useState(false);
  const [nowMs, setNowMs] = useState(Date.now);

  // The ref is the source of truth so STOMP callbacks and SUBSCRIBE headers never read a stale render.
  const logRef = useRef<LogState>(emptyLog);
  const update = useCallback((change: (state: LogState) => LogState): void => {
    const next = change(logRef.current);
    if (next === logRef.current) return;
    logRef.current = next;
    setLog(next);
  }, []);

  const listRef = useRef<HTMLDivElement>(null);
  const atBottomRef = useRef(true);
  const prependAnchorRef = useRef<{ height: number; top: number } | undefined>(undefined);
  const lastKeyRef = useRef<string | undefined>(undefined);
  const loadingOlderRef = useRef(false);
  const typingGate = useMemo(() => createThrottle(TYPING_SEND_INTERVAL_MS), []);
  const wideLayout = useMemo(() => window.matchMedia('(min-width: 50rem)').matches, []);

  const roomName = typeof room === 'object' ? room.name : '';
  useEffect(() => {
    document.title = roomName === '' ? t.appName : `${roomName} — ${t.appName}`;
  }, [roomName, t]);

  // History first, so the live subscription can resume from the highest seq shown.
  useEffect(() => {
    let cancelled = false;
    setHistory('loading');
    const load = async (): Promise<void> => {
      try {
        const [found, messages] = await Promise.all([
          getRoom(roomId),
          listMessages(roomId, { limit: PAGE_SIZE }),
        ]);
        if (cancelled) return;
        setRoom(found);
        update((state) => addMessages(state, messages));
        setHasOlder(messages.length >= PAGE_SIZE);
        setNowMs(Date.now());
        setHistory('ready');
      } catch (error) {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 404) setRoom('missing');
        else setHistory('error');
      }
    };
    void load();
    return () => {
      cancelled = true;
    };
  }, [roomId, update, attempt]);

  const dispatch = useCallback(
    (clientMsgId: string): void => {
      const pending = findPending(logRef.current, clientMsgId);
      if (pending === undefined) return;
      if (!connection.connected) {
        update((state) => setPendingStatus(state, clientMsgId, 'queued'));
        return;
      }
      update((state) => setPendingStatus(state, clientMsgId, 'sending'));
      connection
        .sendWithReceipt(
          `/app/rooms.${roomId}`,
          JSON.stringify({ body: pending.body, clientMsgId }),
          RECEIPT_TIMEOUT_MS,
        )
        .then(
          () => update((state) => setPendingStatus(state, clientMsgId, 'sent')),
          (error: unknown) => {
            const code = error instanceof SendError ? error.code : 'internal_error';
            // A dropped connection is not the message's fault: it goes again on reconnect.
            update((state) =>
              code === 'disconnected'
                ? setPendingStatus(state, clientMsgId, 'queued')
                : setPendingStatus(state, clientMsgId, 'failed', code),
            );
          },
        );
    },
    [connection, roomId, update],
  );

  // Live messages and presence, re-subscribed by the connection on every reconnect.
  useEffect(() => {
    if (history !== 'ready') return;
    const topic = `/topic/rooms.${roomId}`;
    const offMessages = connection.subscribe(
      topic,
      (body) => {
        let message: ReturnType<typeof parseMessage>;
        try {
          message = parseMessage(parseJson(body));
        } catch {
          return;
        }
        if (message.roomId !== roomId) return;
        update((state) => addMessages(state, [message]));
        setTypists((current) => withoutTypist(current, message.author.id));
      },
      () => ({ 'since-seq': String(highestSeq(logRef.current)) }),
    );
    const offPresence = connection.subscribe(`${topic}.presence`, (body) => {
      let event: ReturnType<typeof parsePresence>;
      try {
        event = parsePresence(parseJson(body));
      } catch {
        return;
      }
      const { user } = event;
      switch (event.type) {
        case 'join':
          setMembers((current) => (current.some((m) => m.id === user.id) ? current : [...current, user]));
          if (user.id !== selfId) {
            update((state) =>
              addNotice(state, { id: newLocalId('join'), kind: 'join', user, atMs: Date.now() }),
            );
          }
          break;
        case 'leave':
          setMembers((current) => current.filter((m) => m.id !== user.id));
          setTypists((current) => withoutTypist(current, user.id));
          if (user.id !== selfId) {
            update((state) =>
              addNotice(state, { id: newLocalId('leave'), kind: 'leave', user, atMs: Date.now() }),
            );
          }
          break;
        case 'typing':
          if (user.id === selfId) break;
          setTypists((current) =>
            new Map(current).set(user.id, { user, untilMs: Date.now() + TYPING_SHOW_MS }),
          );
          break;
        default: {
          const unreachable: never = event;
          return unreachable;
        }
      }
    });
    const afterConnect = (): void => {
      // Presence events missed while away are not replayed, so the member list is read again.
      listMembers(roomId).then(setMembers, () => {});
      for (const pending of logRef.current.pending) {
        if (pending.status === 'queued') dispatch(pending.clientMsgId);
      }
    };
    const offConnected = connection.onConnected(afterConnect);
    if (connection.connected) afterConnect();
    return () => {
      offMessages();
      offPresence();
      offConnected();
    };
  }, [history, roomId, connection, update, dispatch, selfId]);

  // Typing notices expire on their own; one timer for the soonest.
  useEffect(() => {
    if (typists.size === 0) return;
    const soonest = Math.min(...[...typists.values()].map((typist) => typist.untilMs));
    const timer = setTimeout(
      () => {
        const now = Date.now();
        setTypists((current) => new Map([...current].filter(([, typist]) => typist.untilMs > now)));
      },
      Math.max(0, soonest - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [typists]);

  const entries = useMemo(() => logEntries(log), [log]);

  useLayoutEffect(() => {
    const element = listRef.current;
    if (element === null) return;
    const last = entries.at(-1);
    const anchor = prependAnchorRef.current;
    if (anchor !== undefined) {
      // Older messages went in above: keep what the reader was looking at in place.
      prependAnchorRef.current = undefined;
      element.scrollTop = element.scrollHeight - anchor.height + anchor.top;
    } else if (last !== undefined && last.key !== lastKeyRef.current) {
      const own = last.kind === 'pending' || (last.kind === 'message' && last.message.author.id === selfId);
      if (atBottomRef.current || own) {
        element.scrollTop = element.scrollHeight;
        atBottomRef.current = true;
      } else {
        setUnseen(true);
      }
    }
    lastKeyRef.current = last?.key;
  }, [entries, selfId]);

  const loadOlder = useCallback(async (): Promise<void> => {
    const lowest = lowestSeq(logRef.current);
    if (lowest === undefined || loadingOlderRef.current) return;
    loadingOlderRef.current = true;
    setLoadingOlder(true);
    try {
      const older = await listMessages(roomId, { before: lowest, limit: PAGE_SIZE });
      const element = listRef.current;
      if (element !== null)
        prependAnchorRef.current = { height: element.scrollHeight, top: element.scrollTop };
      update((state) => addMessages(state, older));
      setHasOlder(older.length >= PAGE_SIZE);
    } catch {
      // Leave hasOlder as it is: scrolling up again (or the button) retries.
    } finally {
      loadingOlderRef.current = false;
      setLoadingOlder(false);
    }
  }, [roomId, update]);

  const onScroll = (): void => {
    const element = listRef.current;
    if (element === null) return;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < BOTTOM_SLACK_PX;
    atBottomRef.current = atBottom;
    if (atBottom) setUnseen(false);
    if (element.scrollTop < OLDER_TRIGGER_PX && hasOlder) void loadOlder();
  };

  const jumpToBottom = (): void => {
    const element = listRef.current;
    if (element !== null) element.scrollTop = element.scrollHeight;
    atBottomRef.current = true;
    setUnseen(false);
  };

  const send = (body: string): void => {
    const clientMsgId = newClientMsgId();
    update((state) => addPending(state, { clientMsgId, body, createdAtMs: Date.now(), status: 'queued' }));
    atBottomRef.current = true;
    dispatch(clientMsgId);
  };

  const typing = (): void => {
    if (connection.connected && typingGate(Date.now()))
      connection.sendNow(`/app/rooms.${roomId}.typing`, '{}');
  };

  if (room === 'missing') {
    return (
      <main id="main" class="room-view missing">
        <p role="alert">{t.roomNotFound}</p>
        <BackLink />
      </main>
    );
  }

  const shownMembers = members.some((m) => m.id === selfId) ? members : [session.user, ...members];
  const typingNames = [...typists.values()].map((typist) => displayName(typist.user));

  return (
    <main id="main" class="room-view">
      <div class="room-header">
        <BackLink />
        <h1>{room === undefined ? t.loading : room.name}</h1>
        {typeof room === 'object' && room.topic !== null && room.topic !== '' ? (
          <p class="topic">{room.topic}</p>
        ) : null}
      </div>
      <div class="room-body">
        <section class="conversation">
          <div
            class="log"
            role="log"
            aria-label={t.logLabel}
            aria-busy={history === 'loading' || loadingOlder ? 'true' : 'false'}
            // A scrollable region must be reachable by keyboard so arrow keys and Page Up can scroll it.
            // biome-ignore lint/a11y/noNoninteractiveTabindex: scrollable log needs keyboard focus
            tabIndex={0}
            ref={listRef}
            onScroll={onScroll}
          >
            {history === 'error' ? (
              <p class="error">
                {t.error('network')}{' '}
                <button type="button" onClick={() => setAttempt((n) => n + 1)}>
                  {t.retry}
                </button>
              </p>
            ) : hasOlder ? (
              <button type="button" class="older" disabled={loadingOlder} onClick={() => void loadOlder()}>
                {loadingOlder ? t.loadingOlder : t.loadOlder}
              </button>
            ) : history === 'ready' ? (
              <p class="beginning">{t.beginning}</p>
            ) : (
              <p class="muted">{t.loading}</p>
            )}
            <ol class="entries">
              {entries.map((entry) => (
                <Entry
                  key={entry.key}
                  entry={entry}
                  self={session.user}
                  locale={locale}
                  nowMs={nowMs}
                  onRetry={dispatch}
                />
              ))}
            </ol>
          </div>
          {unseen ? (
            <button type="button" class="new-messages" onClick={jumpToBottom}>
              {t.newMessages}
            </button>
          ) : null}
          <p class="typing">{typingNames.length === 0 ? '' : t.typing(typingNames)}</p>
          <Composer onSend={send} onTyping={typing} autoFocus={true} />
        </section>
        <aside class="members" aria-labelledby="members-title">
          <details open={wideLayout}>
            <summary id="members-title">{t.members(shownMembers.length)}</summary>
            <ul>
              {shownMembers.map((member) => (
                <li key={member.id} class={member.id === selfId ? 'me' : undefined}>
                  <span class="nick">{member.nickname}</span>
                  <span class="tag">#{member.tag}</span>
                  {member.id === selfId ? <span class="you"> ({t.you})</span> : null}
                </li>
              ))}
            </ul>
          </details>
        </aside>
      </div>
    </main>
  );
}

function withoutTypist(current: ReadonlyMap<string, Typist>, userId: string): ReadonlyMap<string, Typist> {
  if (!current.has(userId)) return current;
  const next = new Map(current);
  next.delete(userId);
  return next;
}

function BackLink() {
  const { t } = useI18n();
  return (
    <a
      class="back"
      href={routePath({ name: 'rooms' })}
      onClick={(event) => {
        if (!isPlainClick(event)) return;
        event.preventDefault();
        navigate({ name: 'rooms' });
      }}
    >
      ← {t.allRooms}
    </a>
  );
}

interface EntryProps {
  readonly entry: LogEntry;
  readonly self: User;
  readonly locale: string;
  readonly nowMs: number;
  readonly onRetry: (clientMsgId: string) => void;
}

function Entry({ entry, self, locale, nowMs, onRetry }: EntryProps) {
  const { t } = useI18n();
  switch (entry.kind) {
    case 'message': {
      const { message } = entry;
      const own = message.author.id === self.id;
      return (
        <li class={own ? 'msg own' : 'msg'} data-seq={message.seq}>
          <div class="meta">
            <span class="author">
              {message.author.nickname}
              <span class="tag">#{message.author.tag}</span>
            </span>
            {own ? <span class="you">({t.you})</span> : null}
            <time dateTime={message.createdAt}>{formatMessageTime(message.createdAt, locale, nowMs)}</time>
          </div>
          <p class="body">
            <MessageText text={message.body} />
          </p>
        </li>
      );
    }
    case 'pending': {
      const { pending } = entry;
      const status = {
        queued: t.pendingQueued,
        sending: t.pendingSending,
        sent: t.pendingSent,
        failed:
          pending.errorCode === undefined || pending.errorCode === 'timeout'
            ? t.pendingFailed
            : `${t.pendingFailed}: ${t.error(pending.errorCode)}`,
      }[pending.status];
      return (
        <li class={`msg own pending status-${pending.status}`} data-status={pending.status}>
          <div class="meta">
            <span class="author">
              {self.nickname}
              <span class="tag">#{self.tag}</span>
            </span>
            <span class="you">({t.you})</span>
            <span class="state">{status}</span>
            {pending.status === 'failed' ? (
              <button type="button" class="retry" onClick={() => onRetry(pending.clientMsgId)}>
                {t.retry}
              </button>
            ) : null}
          </div>
          <p class="body">
            <MessageText text={pending.body} />
          </p>
        </li>
      );
    }
    case 'notice': {
      const { notice } = entry;
      const who = displayName(notice.user);
      return <li class="notice">{notice.kind === 'join' ? t.joined(who) : t.left(who)}</li>;
    }
    default: {
      const unreachable: never = entry;
      return unreachable;
    }
  }
}
