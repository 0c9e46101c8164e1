// The shell: identity (nickname → token, kept fresh), the one STOMP connection, routing between the
// room list and a room, the connection badge and the mention indicator (`/user/queue/mentions` on every
// page). Screens get what they need as props.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type ClientLimits, type Message, MessageSchema, type Session } from '../../src/protocol/index.js';
import { AdminPage } from './admin-page.js';
import { getLimits, refreshSession } from './api.js';
import { ChatConnection, type ConnectionState, defaultBrokerUrl } from './connection.js';
import { frameBody } from './decode.js';
import { browserI18n, I18nContext, useI18n } from './i18n-context.js';
import { DEFAULT_LIMITS, LimitsContext } from './limits-context.js';
import { NicknameScreen } from './nickname-screen.js';
import { RoomList } from './room-list.js';
import { RoomView } from './room-view.js';
import { isPlainClick, navigate, onRouteChange, parseRoute, type Route, routePath } from './router.js';
import { clearSession, keepFresh, loadSession, saveSession } from './session.js';

export function App() {
  const i18n = useMemo(browserI18n, []);
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [route, setRoute] = useState<Route>(() => parseRoute(location.pathname));
  const [connection, setConnection] = useState<ChatConnection | undefined>(undefined);
  const [connectionState, setConnectionState] = useState<ConnectionState>('connecting');
  const [mention, setMention] = useState<Message | undefined>(undefined);
  const [limits, setLimits] = useState<ClientLimits>(DEFAULT_LIMITS);

  useEffect(() => {
    let current = true;
    // Best effort: without an answer the defaults stand in, and the server still refuses what it must.
    getLimits()
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

  const userId = session?.user.id;
  // One connection per identity; a refreshed token only changes the next CONNECT's header.
  useEffect(() => {
    const current = session;
    if (current === undefined) return;
    let token = current.token;
    const signOut = (): void => {
      clearSession();
      setSession(undefined);
    };
    const created = new ChatConnection({
      url: defaultBrokerUrl(location),
      token,
      onState: setConnectionState,
      onAuthRejected: () => {
        refreshSession(token).then(
          (next) => {
            token = next.token;
            saveSession(next);
            created.setToken(next.token);
          },
          () => signOut(),
        );
      },
    });
    const stopRefresh = keepFresh(
      current,
      (next) => {
        token = next.token;
        created.setToken(next.token);
      },
      signOut,
    );
    setConnection(created);
    setConnectionState('connecting');
    created.start();
    return () => {
      stopRefresh();
      setConnection(undefined);
      void created.stop();
    };
    // Keyed on the user id: the connection follows the identity, not each refreshed token.
  }, [userId]);

  // Mentions reach every page; the room being read already highlights them, so only others raise the flag.
  const openRoomId = route.name === 'room' ? route.roomId : undefined;
  useEffect(() => {
    if (connection === undefined) return;
    return connection.subscribe('/user/queue/mentions', (body) => {
      // A mention we cannot read is not worth an error on screen.
      const message = frameBody(MessageSchema, body);
      if (message === undefined) return;
      const now = parseRoute(location.pathname);
      if (now.name !== 'room' || now.roomId !== message.roomId) setMention(message);
    });
  }, [connection]);
  useEffect(() => {
    if (openRoomId !== undefined && mention?.roomId === openRoomId) setMention(undefined);
  }, [openRoomId, mention]);

  const signOut = (): void => {
    clearSession();
    setSession(undefined);
  };

  return (
    <I18nContext.Provider value={i18n}>
      <LimitsContext.Provider value={limits}>
        <a class="skip-link" href="#main">
          {i18n.t.skipToContent}
        </a>
        {route.name === 'admin' ? (
          // Operators sign in with their secret; the page needs no chat identity.
          <AdminPage />
        ) : session === undefined ? (
          <NicknameScreen
            onSession={(next) => {
              saveSession(next);
              setSession(next);
            }}
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
              <button type="button" class="link-button" onClick={signOut}>
                {i18n.t.changeNickname}
              </button>
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
            {route.name !== 'room' ? (
              <RoomList session={session} />
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

function ConnectionBadge({ state }: { state: ConnectionState }) {
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
