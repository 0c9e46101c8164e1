// The lobby: my rooms (with unread and mention counts, kept live by the shell; leave one), the opt-in
// mention notifications, then all rooms: search, page through them, create one (Enter in "Room name"
// creates and opens it). Knows the rooms endpoints and the router; nothing about STOMP.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Room, Session } from '../../src/protocol/index.js';
import { api, errorCodeOf } from './api.js';
import { formatRelative } from './format.js';
import { useI18n } from './i18n-context.js';
import { enableMentionNotifications, type MyRooms, mentionNotificationsOn } from './my-rooms.js';
import { isPlainClick, navigate, routePath } from './router.js';

const PAGE_SIZE = 20;
const SEARCH_DEBOUNCE_MS = 250;
/** Online counts drift; the first page is re-read this often while the list is open. */
const REFRESH_MS = 20_000;

export function RoomList({ session, myRooms }: { session: Session; myRooms: MyRooms }) {
  const { t, locale } = useI18n();
  const [query, setQuery] = useState('');
  const [rooms, setRooms] = useState<readonly Room[] | undefined>(undefined);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [name, setName] = useState('');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | undefined>(undefined);
  const [nowMs, setNowMs] = useState(Date.now);
  const unread = new Map((myRooms.rooms ?? []).map((r) => [r.roomId, r.unread]));
  const pagedRef = useRef(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useLayoutEffect(() => {
    document.title = `${t.roomsTitle} — ${t.appName}`;
    heading.current?.focus();
  }, [t]);

  useEffect(() => {
    let cancelled = false;
    const load = async (): Promise<void> => {
      try {
        const page = await api.listRooms({ q: query.trim(), limit: PAGE_SIZE });
        if (cancelled) return;
        setRooms(page.rooms);
        setNextCursor(page.nextCursor);
        setError(undefined);
        setNowMs(Date.now());
      } catch (caught) {
        if (!cancelled) setError(t.error(errorCodeOf(caught)));
      }
    };
    pagedRef.current = false;
    const debounce = setTimeout(() => void load(), query === '' ? 0 : SEARCH_DEBOUNCE_MS);
    const refresh = setInterval(() => {
      // Re-reading only page one would drop rooms the person paged in, so paging stops the refresh.
      if (!pagedRef.current) void load();
    }, REFRESH_MS);
    return () => {
      cancelled = true;
      clearTimeout(debounce);
      clearInterval(refresh);
    };
  }, [query, t]);

  const loadMore = async (): Promise<void> => {
    if (nextCursor === null || loadingMore) return;
    setLoadingMore(true);
    try {
      const page = await api.listRooms({ q: query.trim(), cursor: nextCursor, limit: PAGE_SIZE });
      pagedRef.current = true;
      setRooms((previous) => {
        const seen = new Set((previous ?? []).map((room) => room.id));
        return [...(previous ?? []), ...page.rooms.filter((room) => !seen.has(room.id))];
      });
      setNextCursor(page.nextCursor);
    } catch (caught) {
      setError(t.error(errorCodeOf(caught)));
    } finally {
      setLoadingMore(false);
    }
  };

  const create = async (event: Event): Promise<void> => {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === '' || creating) return;
    setCreating(true);
    setCreateError(undefined);
    try {
      const room = await api.createRoom(session.token, trimmed);
      navigate({ name: 'room', roomId: room.id });
    } catch (caught) {
      setCreateError(t.error(errorCodeOf(caught)));
      setCreating(false);
    }
  };

  return (
    <main id="main" class="room-list">
      <h1 tabIndex={-1} ref={heading}>
        {t.roomsTitle}
      </h1>
      <form class="create-room" onSubmit={(event) => void create(event)} noValidate>
        <label for="room-name">{t.roomNameLabel}</label>
        <div class="row">
          <input
            id="room-name"
            name="room-name"
            autoComplete="off"
            maxLength={200}
            value={name}
            aria-describedby="room-name-hint"
            aria-invalid={createError === undefined ? undefined : 'true'}
            onInput={(event) => setName(event.currentTarget.value)}
          />
          <button type="submit" disabled={creating || name.trim() === ''}>
            {t.createRoom}
          </button>
        </div>
        <p id="room-name-hint" class="hint">
          {t.createHint}
        </p>
        {createError === undefined ? null : (
          <p class="error" role="alert">
            {createError}
          </p>
        )}
      </form>
      <MyRoomsSection myRooms={myRooms} />
      <h2 class="all-rooms">{t.allRooms}</h2>
      <div class="search">
        <label for="room-search">{t.searchLabel}</label>
        <input
          id="room-search"
          type="search"
          autoComplete="off"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
      </div>
      {error === undefined ? null : (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {rooms === undefined ? (
        <p class="muted">{t.loading}</p>
      ) : rooms.length === 0 ? (
        <p class="muted">{query.trim() === '' ? t.noRooms : t.noMatches}</p>
      ) : (
        <ul class="rooms">
          {rooms.map((room) => (
            <li key={room.id} class="room-card">
              <a
                class="room-link"
                href={routePath({ name: 'room', roomId: room.id })}
                onClick={(event) => {
                  if (!isPlainClick(event)) return;
                  event.preventDefault();
                  navigate({ name: 'room', roomId: room.id });
                }}
              >
                {room.name}
              </a>
              {(unread.get(room.id) ?? 0) > 0 ? (
                <span class="unread">{t.unread(unread.get(room.id) ?? 0)}</span>
              ) : null}
              {room.topic === null || room.topic === '' ? null : <span class="topic">{room.topic}</span>}
              {room.hasPassword ? (
                // The list outlines a password room: who is in it and when it was last active are withheld,
                // so "0 online · no messages yet" would be a guess; say it is locked instead.
                <span class="meta">🔒 {t.passwordProtected}</span>
              ) : (
                <span class="meta">
                  <span class={room.online > 0 ? 'online live' : 'online'}>{t.online(room.online)}</span>
                  <span aria-hidden="true"> · </span>
                  <span>
                    {room.lastMessageAt === null
                      ? t.noActivity
                      : t.lastActive(formatRelative(room.lastMessageAt, locale, nowMs))}
                  </span>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {nextCursor === null ? null : (
        <button type="button" class="more" disabled={loadingMore} onClick={() => void loadMore()}>
          {loadingMore ? t.loading : t.moreRooms}
        </button>
      )}
    </main>
  );
}

/** The rooms I follow, with what is new in each, and Leave; nothing until I have read in a room. */
function MyRoomsSection({ myRooms }: { myRooms: MyRooms }) {
  const { t } = useI18n();
  const [notify, setNotify] = useState(mentionNotificationsOn);
  const [denied, setDenied] = useState(false);
  const rooms = myRooms.rooms ?? [];
  const supported = typeof Notification === 'function';
  return (
    <section class="my-rooms" aria-labelledby="my-rooms-title">
      <h2 id="my-rooms-title">{t.myRoomsTitle}</h2>
      {rooms.length === 0 ? null : (
        <ul class="rooms">
          {rooms.map((room) => (
            <li key={room.roomId} class="room-card my-room">
              <a
                class="room-link"
                href={routePath({ name: 'room', roomId: room.roomId })}
                onClick={(event) => {
                  if (!isPlainClick(event)) return;
                  event.preventDefault();
                  navigate({ name: 'room', roomId: room.roomId });
                }}
              >
                {room.name}
              </a>
              {room.unread > 0 ? <span class="unread">{t.unread(room.unread)}</span> : null}
              {room.mentions > 0 ? (
                <span class="unread mentions">{t.mentionsOfMe(room.mentions)}</span>
              ) : null}
              <button
                type="button"
                class="secondary leave"
                aria-label={t.leaveRoom(room.name)}
                onClick={() => void myRooms.leave(room.roomId).catch(() => undefined)}
              >
                {t.leave}
              </button>
            </li>
          ))}
        </ul>
      )}
      {!supported ? null : notify ? (
        <p class="hint">{t.notifyMentionsOn}</p>
      ) : (
        <p>
          <button
            type="button"
            class="secondary"
            onClick={() =>
              void enableMentionNotifications().then((permission) => {
                setNotify(permission === 'granted');
                setDenied(permission === 'denied');
              })
            }
          >
            {t.notifyMentions}
          </button>
          {denied ? <span class="hint"> {t.notifyDenied}</span> : null}
        </p>
      )}
    </section>
  );
}
