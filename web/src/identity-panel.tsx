// The identity panel (/identity): rename (same person, new name), the recovery code (shown once), link
// another device (a one-time code and its QR code; or enter a code from another device), sign out
// other devices (this one stays), and start over as someone new after a warning naming the rooms whose
// roles would be lost. Knows the session endpoints; the shell adopts every new session it hands up.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Identity, LinkCode, Session } from '../../src/protocol/index.js';
import { api, errorCodeOf } from './api.js';
import { formatMessageTime } from './format.js';
import { useI18n } from './i18n-context.js';
import { CodeForm } from './nickname-screen.js';
import { QrCode } from './qr-code.js';
import { isPlainClick, LINK_PATH, navigate, routePath } from './router.js';

export interface IdentityPanelProps {
  readonly session: Session;
  /**
   * Runs an action whose answer is a new session of this identity or another (rename, sign out other
   * devices, a code); the shell adopts it and keeps the connection's token in step.
   */
  readonly change: (action: () => Promise<Session>) => Promise<void>;
  /** Forget this identity on this browser and pick a new nickname. */
  readonly startOver: () => void;
  /** A link code that arrived in the URL (a scanned QR code), to be confirmed here. */
  readonly pendingCode?: string | undefined;
}

type Status = { readonly kind: 'ok' | 'error'; readonly text: string } | undefined;

function StatusLine({ status, id }: { status: Status; id: string }) {
  if (status === undefined) return null;
  return (
    <p
      id={id}
      class={status.kind === 'error' ? 'error' : 'ok'}
      role={status.kind === 'error' ? 'alert' : 'status'}
    >
      {status.text}
    </p>
  );
}

export function IdentityPanel({ session, change, startOver, pendingCode }: IdentityPanelProps) {
  const { t, locale } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  const [identity, setIdentity] = useState<Identity | undefined>(undefined);
  const [nickname, setNickname] = useState('');
  const [renameStatus, setRenameStatus] = useState<Status>(undefined);
  const [recoveryCode, setRecoveryCode] = useState<string | undefined>(undefined);
  const [recoveryStatus, setRecoveryStatus] = useState<Status>(undefined);
  const [linkCode, setLinkCode] = useState<LinkCode | undefined>(undefined);
  const [linkStatus, setLinkStatus] = useState<Status>(undefined);
  const [revokeStatus, setRevokeStatus] = useState<Status>(undefined);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  // The latest token: an action's answer (a sign-out of other devices) replaces it mid-handler.
  const tokenRef = useRef(session.token);
  tokenRef.current = session.token;

  useLayoutEffect(() => {
    document.title = `${t.identityTitle} — ${t.appName}`;
    heading.current?.focus();
  }, [t]);

  const reload = (): void => {
    api.getIdentity(tokenRef.current).then(setIdentity, () => undefined);
  };
  // Re-read when the identity changes (a rename, a code); a refreshed token alone changes nothing shown.
  useEffect(reload, [session.user.id, session.user.nickname, session.user.tag]);

  const run = async (action: () => Promise<void>, fail: (text: string) => void): Promise<void> => {
    if (busy) return;
    setBusy(true);
    try {
      await action();
    } catch (caught) {
      fail(t.error(errorCodeOf(caught)));
    } finally {
      setBusy(false);
    }
  };

  const rename = (event: Event): void => {
    event.preventDefault();
    const wanted = nickname.trim();
    if (wanted === '') return;
    setRenameStatus(undefined);
    void run(
      async () => {
        let renamed: Session | undefined;
        await change(async () => {
          renamed = await api.renameSession(tokenRef.current, wanted);
          return renamed;
        });
        setNickname('');
        if (renamed !== undefined)
          setRenameStatus({ kind: 'ok', text: t.renamed(`${renamed.user.nickname}#${renamed.user.tag}`) });
      },
      (text) => setRenameStatus({ kind: 'error', text }),
    );
  };

  const makeRecoveryCode = (): void => {
    setRecoveryStatus(undefined);
    void run(
      async () => {
        const made = await api.createRecoveryCode(tokenRef.current);
        setRecoveryCode(made.code);
        reload();
      },
      (text) => setRecoveryStatus({ kind: 'error', text }),
    );
  };

  const showLinkCode = (): void => {
    setLinkStatus(undefined);
    void run(
      async () => setLinkCode(await api.createLinkCode(tokenRef.current)),
      (text) => setLinkStatus({ kind: 'error', text }),
    );
  };

  const signOutOthers = (): void => {
    setRevokeStatus(undefined);
    void run(
      async () => {
        await change(async () => {
          const next = await api.revokeOtherSessions(tokenRef.current);
          tokenRef.current = next.token;
          return next;
        });
        setRevokeStatus({ kind: 'ok', text: t.signedOutOthers });
        setRecoveryCode(undefined);
        setLinkCode(undefined);
        reload();
      },
      (text) => setRevokeStatus({ kind: 'error', text }),
    );
  };

  const time = (iso: string): string => formatMessageTime(iso, locale, Date.now());
  const linkUrl = linkCode === undefined ? '' : `${location.origin}${LINK_PATH}#${linkCode.code}`;

  return (
    <main id="main" class="identity-panel">
      <p>
        <a
          href={routePath({ name: 'rooms' })}
          onClick={(event) => {
            if (!isPlainClick(event)) return;
            event.preventDefault();
            navigate({ name: 'rooms' });
          }}
        >
          {t.allRooms}
        </a>
      </p>
      <h1 ref={heading} tabIndex={-1}>
        {t.identityTitle}
      </h1>
      <p class="lead">{t.identityIntro}</p>

      <section aria-labelledby="rename-title" class="identity-section">
        <h2 id="rename-title">{t.renameTitle}</h2>
        <p class="whoami-large">
          <span class="nick">{session.user.nickname}</span>
          <span class="tag">#{session.user.tag}</span>
        </p>
        <p class="hint">{t.renameHint}</p>
        <form onSubmit={rename} noValidate>
          <label for="new-nickname">{t.newNicknameLabel}</label>
          <div class="row">
            <input
              id="new-nickname"
              maxLength={64}
              autoComplete="nickname"
              value={nickname}
              onInput={(event) => setNickname(event.currentTarget.value)}
            />
            <button type="submit" disabled={busy || nickname.trim() === ''}>
              {t.rename}
            </button>
          </div>
        </form>
        <StatusLine status={renameStatus} id="rename-status" />
      </section>

      <section aria-labelledby="recovery-title" class="identity-section">
        <h2 id="recovery-title">{t.recoveryTitle}</h2>
        <p class="hint">{t.recoveryHint}</p>
        {recoveryCode === undefined ? (
          <p>
            {identity === undefined
              ? t.loading
              : identity.recoveryCodeCreatedAt === null
                ? t.recoveryNone
                : t.recoveryMade(time(identity.recoveryCodeCreatedAt))}
          </p>
        ) : (
          <div class="shown-code">
            <p>{t.recoveryCodeShown}</p>
            <output aria-label={t.recoveryCodeLabel} class="code">
              {recoveryCode}
            </output>
          </div>
        )}
        <button type="button" disabled={busy} onClick={makeRecoveryCode}>
          {identity?.recoveryCodeCreatedAt == null && recoveryCode === undefined
            ? t.createRecoveryCode
            : t.replaceRecoveryCode}
        </button>
        <StatusLine status={recoveryStatus} id="recovery-status" />
      </section>

      <section aria-labelledby="link-title" class="identity-section">
        <h2 id="link-title">{t.linkTitle}</h2>
        <p class="hint">{t.linkHint}</p>
        {linkCode === undefined ? null : (
          <div class="shown-code">
            <output aria-label={t.linkCodeLabel} class="code">
              {linkCode.code}
            </output>
            <p class="hint">{t.linkCodeExpires(time(linkCode.expiresAt))}</p>
            <QrCode text={linkUrl} label={t.linkQrLabel} />
          </div>
        )}
        <button type="button" disabled={busy} onClick={showLinkCode}>
          {t.showLinkCode}
        </button>
        <StatusLine status={linkStatus} id="link-status" />
        <h3>{t.haveCodeTitle}</h3>
        <p class="hint">{t.switchIdentityWarning}</p>
        <CodeForm initialCode={pendingCode} onSession={(next) => change(async () => next)} />
      </section>

      <section aria-labelledby="revoke-title" class="identity-section">
        <h2 id="revoke-title">{t.signOutOthersTitle}</h2>
        <p class="hint">{t.signOutOthersHint}</p>
        <button type="button" disabled={busy} onClick={signOutOthers}>
          {t.signOutOthers}
        </button>
        <StatusLine status={revokeStatus} id="revoke-status" />
      </section>

      <section aria-labelledby="start-over-title" class="identity-section danger-zone">
        <h2 id="start-over-title">{t.startOverTitle}</h2>
        <p class="hint">{t.startOverHint}</p>
        {confirming ? (
          <div role="alertdialog" aria-labelledby="start-over-warning" class="confirm">
            <p id="start-over-warning">
              {identity === undefined
                ? t.loading
                : identity.rooms.length === 0
                  ? t.startOverLosesNothing
                  : t.startOverLoses(identity.rooms.length)}
            </p>
            {identity === undefined || identity.rooms.length === 0 ? null : (
              <ul class="lost-rooms">
                {identity.rooms.map((room) => (
                  <li key={room.id}>
                    <bdi>{room.name}</bdi> ({t.startOverRole(room.role)})
                  </li>
                ))}
              </ul>
            )}
            <div class="row">
              <button type="button" class="danger" onClick={startOver}>
                {t.startOverConfirm}
              </button>
              <button type="button" class="secondary" onClick={() => setConfirming(false)}>
                {t.cancel}
              </button>
            </div>
          </div>
        ) : (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              reload();
              setConfirming(true);
            }}
          >
            {t.startOver}
          </button>
        )}
      </section>
    </main>
  );
}
