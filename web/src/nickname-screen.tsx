// The first screen: pick a nickname and get a new identity, or come back as an old one with a recovery
// code or a device link code (CodeForm, also on the identity panel). Knows the session endpoints, not
// what comes after.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Room, Session } from '../../src/protocol/index.js';
import { api, errorCodeOf } from './api.js';
import { useI18n } from './i18n-context.js';

/** A recovery or link code, entered; `onSession` gets the identity it brings. */
export function CodeForm({
  onSession,
  initialCode,
}: {
  onSession: (session: Session) => void | Promise<void>;
  initialCode?: string | undefined;
}) {
  const { t } = useI18n();
  const [code, setCode] = useState(initialCode ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const typed = code.trim();
    if (typed === '' || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const session = await api.redeemCode(typed);
      setCode('');
      await onSession(session);
    } catch (caught) {
      setError(t.error(errorCodeOf(caught)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="code-form" onSubmit={(event) => void submit(event)} noValidate>
      <label for="identity-code">{t.codeLabel}</label>
      <div class="row">
        <input
          id="identity-code"
          autoComplete="off"
          autoCapitalize="characters"
          spellcheck={false}
          maxLength={200}
          value={code}
          aria-invalid={error === undefined ? undefined : 'true'}
          aria-describedby={error === undefined ? undefined : 'identity-code-error'}
          onInput={(event) => setCode(event.currentTarget.value)}
        />
        <button type="submit" disabled={busy || code.trim() === ''}>
          {t.useCode}
        </button>
      </div>
      {error === undefined ? null : (
        <p id="identity-code-error" class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/**
 * The room a shared link leads to, as anyone may read it: its name, topic and who is online (a password
 * room's outline is its name alone; a taken-down or unknown room shows no card).
 */
function JoinCard({ roomId }: { roomId: string }) {
  const { t } = useI18n();
  const [room, setRoom] = useState<Room | undefined>(undefined);
  useEffect(() => {
    let live = true;
    api.getRoom(roomId).then(
      (found) => {
        if (live) setRoom(found);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [roomId]);
  if (room === undefined) return null;
  return (
    <section class="card join-card" aria-labelledby="join-card-title">
      <h2 id="join-card-title">
        {t.joiningBefore}
        <em>{room.name}</em>
        {t.joiningAfter}
      </h2>
      {room.hasPassword ? (
        <p class="hint">🔒 {t.passwordProtected}</p>
      ) : (
        <>
          {room.topic === null || room.topic === '' ? null : <p class="topic">{room.topic}</p>}
          <p class="hint">{t.online(room.online)}</p>
        </>
      )}
    </section>
  );
}

export function NicknameScreen({
  onSession,
  pendingCode,
  roomId,
}: {
  onSession: (session: Session) => void;
  pendingCode?: string | undefined;
  /** The room a shared link opened: named above the nickname field. */
  roomId?: string | undefined;
}) {
  const { t } = useI18n();
  const [nickname, setNickname] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const input = useRef<HTMLInputElement>(null);

  useLayoutEffect(() => {
    document.title = `${t.nicknameTitle} — ${t.appName}`;
    input.current?.focus();
  }, [t]);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const trimmed = nickname.trim();
    if (trimmed === '' || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      onSession(await api.createSession(trimmed));
    } catch (caught) {
      setError(t.error(errorCodeOf(caught)));
      setBusy(false);
      input.current?.focus();
    }
  };

  return (
    <main id="main" class="nickname-screen">
      {roomId === undefined ? null : <JoinCard roomId={roomId} />}
      <form class="card" onSubmit={(event) => void submit(event)} noValidate>
        <h1>{t.appName}</h1>
        <p class="lead">{t.nicknameHint}</p>
        <label for="nickname">{t.nicknameLabel}</label>
        <input
          id="nickname"
          ref={input}
          name="nickname"
          autoComplete="nickname"
          maxLength={64}
          value={nickname}
          aria-invalid={error === undefined ? undefined : 'true'}
          aria-describedby={error === undefined ? undefined : 'nickname-error'}
          onInput={(event) => setNickname(event.currentTarget.value)}
        />
        {error === undefined ? null : (
          <p id="nickname-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || nickname.trim() === ''}>
          {t.continue}
        </button>
      </form>
      <section class="card" aria-labelledby="have-code-title">
        <h2 id="have-code-title">{t.haveCodeTitle}</h2>
        <p class="hint">{t.haveCodeHint}</p>
        <CodeForm onSession={onSession} initialCode={pendingCode} />
      </section>
    </main>
  );
}
