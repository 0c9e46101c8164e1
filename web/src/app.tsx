// The shell: identity (nickname → token, renewed on each visit and before expiry; replaced by a
// rename, a sign-out of other devices or a code), the one STOMP connection, routing between the room
// list, a room and the identity panel, the connection badge and the mention indicator
// (`/user/queue/mentions` on every page). Screens get what they need as props.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type ClientLimits, type Message, MessageSchema, type Session } from '../../src/protocol/index.js';
import { AdminPage } from './admin-page.js';
import { ApiError, api } from './api.js';
import { ChatConnection, type ConnectionState, defaultBrokerUrl } from './connection.js';

/** What the badge shows: a stopped connection is one this page has left behind. */
type BadgeState = Exclude<ConnectionState, 'stopped'>;

import { frameBody } from './decode.js';
import { browserI18n, I18nContext, useI18n } from './i18n-context.js';
import { IdentityPanel } from './identity-panel.js';
import { DEFAULT_LIMITS, LimitsContext } from './limits-context.js';
import { linkCodeIn } from './link-code.js';
import { notifyMention, titleCounts, useMyRooms, useTitleCounts } from './my-rooms.js';
import { NicknameScreen } from './nickname-screen.js';
import { RoomList } from './room-list.js';
import { RoomView } from './room-view.js';
import { isPlainClick, navigate, onRouteChange, parseRoute, type Route, routePath } from './router.js';
import { clearSession, keepFresh, loadSession, saveSession, visitRenewalDue } from './session.js';

export function App() {
  const i18n = useMemo(browserI18n, []);
  const [session, setSession] = useState<Session | undefined>(loadSession);
  // Renewed on each visit before anything uses it: a token may have expired while the page was closed
  // (the server renews it within its grace), and this browser's clock cannot tell.
  const [visiting, setVisiting] = useState(() => session !== undefined && visitRenewalDue(Date.now()));
  // A device link code from a scanned QR code (`/link#CODE`): read once, then gone from the address bar;
  // offered on the first screen, or on the identity panel when this browser already has an identity.
  const [pendingCode] = useState(() => {
    const code = linkCodeIn(location.pathname, location.hash);
    if (code !== undefined) history.replaceState(null, '', session === undefined ? '/' : '/identity');
    return code;
  });
  /** The latest session, for callbacks that outlive a render (connection, renewal). */
  const sessionRef = useRef(session);
  const connectionRef = useRef<ChatConnection | undefined>(undefined);
  /** An identity change in flight: a refused token waits for it before renewing (its answer replaces the token). */
  const changing = useRef<Promise<unknown>>(Promise.resolve());
  const [route, setRoute] = useState<Route>(() => parseRoute(location.pathname));
  const [connection, setConnection] = useState<ChatConnection | undefined>(undefined);
  const [connectionState, setConnectionState] = useState<BadgeState>('connecting');
  const [mention, setMention] = useState<Message | undefined>(undefined);
  const [limits, setLimits] = useState<ClientLimits>(DEFAULT_LIMITS);

  useEffect(() => {
    let current = true;
    // Best effort: without an answer the defaults stand in, and the server still refuses what it must.
    api
      .getLimits()
      .then((fetched) => current && setLimits(fetched))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, []);

  useEffect(() => {
    document.documentElement.lang = i18n.locale;
  }, [i18n.locale]);

  useEffect(() => onRouteChange(() => setRoute(parseRoute(location.pathname))), []);

  /** This browser now holds `next` (a renewal, a rename, another identity): saved, shown, used. */
  const adopt = (next: Session): void => {
    saveSession(next);
    sessionRef.current = next;
    setSession(next);
    connectionRef.current?.setToken(next.token);
  };
  const signOut = (): void => {
    clearSession();
    sessionRef.current = undefined;
    setSession(undefined);
  };
  /** Runs an action that hands back a new session and adopts it; refused tokens wait for it meanwhile. */
  const change = async (action: () => Promise<Session>): Promise<void> => {
    const running = action().then(adopt);
    changing.current = running.catch(() => undefined);
    await running;
  };

  useEffect(() => {
    const stored = sessionRef.current;
    if (!visiting || stored === undefined) return;
    change(() => api.refreshSession(stored.token))
      .catch((error: unknown) => {
        // Refused for good: pick a nickname (or a code). Anything else: carry on with the stored token.
        if (error instanceof ApiError && error.status === 401) signOut();
      })
      .finally(() => setVisiting(false));
  }, []);

  const userId = session?.user.id;
  // One connection per identity; a renewed token only changes the next CONNECT's header.
  useEffect(() => {
    const initial = sessionRef.current;
    if (initial === undefined || visiting) return;
    /** The token was refused, or the name changed: renew (after any change in flight), or sign out. */
    const renew = async (): Promise<void> => {
      await changing.current;
      const used = sessionRef.current?.token;
      if (used === undefined) return;
      try {
        adopt(await api.refreshSession(used));
      } catch (error) {
        const replaced = sessionRef.current?.token !== used;
        if (!replaced && error instanceof ApiError && error.status === 401) signOut();
      }
    };
    const created = new ChatConnection({ url: defaultBrokerUrl(location), token: initial.token });
    created.on('state', (state) => {
      if (state !== 'stopped') setConnectionState(state);
    });
    created.on('authRejected', () => void renew());
    created.on('identityRenamed', () => void renew());
    connectionRef.current = created;
    const stopRefresh = keepFresh(() => sessionRef.current ?? initial, adopt, signOut);
    setConnection(created);
    setConnectionState('connecting');
    created.start();
    return () => {
      stopRefresh();
      if (connectionRef.current === created) connectionRef.current = undefined;
      setConnection(undefined);
      void created.stop();
    };
    // Keyed on the user id: the connection follows the identity, not each refreshed token.
  }, [userId, visiting]);

  // Mentions reach every page; the room being read already highlights them, so only others raise the flag.
  const openRoomId = route.name === 'room' ? route.roomId : undefined;
  const myRooms = useMyRooms(visiting ? undefined : session?.token, connection);
  const myRoomsRef = useRef(myRooms.rooms);
  myRoomsRef.current = myRooms.rooms;
  useTitleCounts(titleCounts(myRooms.rooms, openRoomId));
  // Entering or leaving a room moves its read marker: the counts follow.
  useEffect(() => myRooms.refresh(), [openRoomId]);
  useEffect(() => {
    if (connection === undefined) return;
    return connection.subscribe('/user/queue/mentions', (body) => {
      // A mention we cannot read is not worth an error on screen.
      const message = frameBody(MessageSchema, body);
      if (message === undefined) return;
      const now = parseRoute(location.pathname);
      const reading = now.name === 'room' && now.roomId === message.roomId;
      if (!reading) setMention(message);
      // A hidden tab is not being read, whichever room it shows.
      const roomName = myRoomsRef.current?.find((r) => r.roomId === message.roomId)?.name ?? i18n.t.appName;
      notifyMention(
        message,
        i18n.t.mentionNotice(`${message.author.nickname}#${message.author.tag}`, roomName),
        () => navigate({ name: 'room', roomId: message.roomId }),
      );
    });
  }, [connection]);
  useEffect(() => {
    if (openRoomId !== undefined && mention?.roomId === openRoomId) setMention(undefined);
  }, [openRoomId, mention]);

  return (
    <I18nContext.Provider value={i18n}>
      <LimitsContext.Provider value={limits}>
        <a class="skip-link" href="#main">
          {i18n.t.skipToContent}
        </a>
        {route.name === 'admin' ? (
          // Operators sign in with their secret; the page needs no chat identity.
          <AdminPage />
        ) : visiting ? (
          <main id="main" class="loading">
            {i18n.t.loading}
          </main>
        ) : session === undefined ? (
          <NicknameScreen
            onSession={adopt}
            pendingCode={pendingCode}
            roomId={route.name === 'room' ? route.roomId : undefined}
          />
        ) : (
          <div class="shell">
            <header class="topbar">
              <span class="brand">{i18n.t.appName}</span>
              <ConnectionBadge state={connectionState} />
              <span class="whoami">
                <span class="visually-hidden">{i18n.t.youAre} </span>
                <span class="nick">{session.user.nickname}</span>
                <span class="tag">#{session.user.tag}</span>
              </span>
              <a
                class="link-button"
                href={routePath({ name: 'identity' })}
                aria-current={route.name === 'identity' ? 'page' : undefined}
                onClick={(event) => {
                  if (!isPlainClick(event)) return;
                  event.preventDefault();
                  navigate({ name: 'identity' });
                }}
              >
                {i18n.t.identityLink}
              </a>
            </header>
            {mention === undefined ? null : (
              <div class="mention-flag" role="status">
                <a
                  href={routePath({ name: 'room', roomId: mention.roomId })}
                  onClick={(event) => {
                    if (!isPlainClick(event)) return;
                    event.preventDefault();
                    setMention(undefined);
                    navigate({ name: 'room', roomId: mention.roomId });
                  }}
                >
                  {i18n.t.mentionedYou(`${mention.author.nickname}#${mention.author.tag}`)}
                </a>
                <span class="quote-text">{mention.body.slice(0, 120)}</span>
                <button type="button" class="link-button" onClick={() => setMention(undefined)}>
                  {i18n.t.dismiss}
                </button>
              </div>
            )}
            {route.name === 'rooms' ? (
              <RoomList session={session} myRooms={myRooms} />
            ) : route.name === 'identity' ? (
              <IdentityPanel
                session={session}
                change={change}
                pendingCode={pendingCode}
                startOver={() => {
                  signOut();
                  navigate({ name: 'rooms' });
                }}
              />
            ) : connection === undefined ? (
              <main id="main" class="loading">
                {i18n.t.loading}
              </main>
            ) : (
              <RoomView key={route.roomId} roomId={route.roomId} session={session} connection={connection} />
            )}
          </div>
        )}
      </LimitsContext.Provider>
    </I18nContext.Provider>
  );
}

function ConnectionBadge({ state }: { state: BadgeState }) {
  const { t } = useI18n();
  const label = {
    connected: t.statusConnected,
    connecting: t.statusConnecting,
    reconnecting: t.statusReconnecting,
    offline: t.statusOffline,
  }[state];
  return (
    <span class={`status status-${state}`} role="status" data-state={state}>
      <span class="status-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
