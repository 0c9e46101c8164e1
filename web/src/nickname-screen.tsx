// The first screen: pick a nickname, get a session. Knows the session endpoint, not what comes after.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Session } from '../../src/protocol/index.js';
import { createSession, errorCodeOf } from './api.js';
import { useI18n } from './i18n-context.js';

export function NicknameScreen({ onSession }: { onSession: (session: Session) => void }) {
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
      onSession(await createSession(trimmed));
    } catch (caught) {
      setError(t.error(errorCodeOf(caught)));
      setBusy(false);
      input.current?.focus();
    }
  };

  return (
    <main id="main" class="nickname-screen">
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
    </main>
  );
}
