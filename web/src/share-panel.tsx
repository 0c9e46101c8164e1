// "Share" in a room's header: the room's link to copy (Clipboard API, else the selected field and the
// old copy command, else the link left selected for the person to copy), the system share sheet where
// the browser has one (Web Share API), and a QR code drawn here (nothing leaves the page). Knows the
// room's path, not the room's state.
import { useRef, useState } from 'preact/hooks';
import { useI18n } from './i18n-context.js';
import { QrCode } from './qr-code.js';
import { routePath } from './router.js';

/** The address a shared room link points at, on this origin. */
export function roomLink(roomId: string): string {
  return `${location.origin}${routePath({ name: 'room', roomId })}`;
}

async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard !== undefined) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Denied or not a secure context: fall back to the selected field.
  }
  field?.focus();
  field?.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

export function SharePanel({ roomId, roomName }: { roomId: string; roomName: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState<'copied' | 'failed' | undefined>(undefined);
  const field = useRef<HTMLInputElement>(null);
  const link = roomLink(roomId);
  const canShare = typeof navigator.share === 'function';

  const copy = async (): Promise<void> => {
    const copied = await copyText(link, field.current);
    setStatus(copied ? 'copied' : 'failed');
    if (!copied) field.current?.select();
  };

  const share = async (): Promise<void> => {
    try {
      await navigator.share({ title: roomName, url: link });
    } catch {
      // Cancelled by the person, or refused: nothing to say.
    }
  };

  return (
    <div class="share">
      <button
        type="button"
        class="secondary"
        aria-expanded={open ? 'true' : 'false'}
        aria-controls="share-panel"
        onClick={() => {
          setOpen((was) => !was);
          setStatus(undefined);
        }}
      >
        {t.share}
      </button>
      {open ? (
        <section id="share-panel" class="share-panel" aria-label={t.shareTitle}>
          <label for="share-link">{t.shareLinkLabel}</label>
          <div class="row">
            <input
              id="share-link"
              class="share-link"
              ref={field}
              readOnly
              value={link}
              onFocus={(event) => event.currentTarget.select()}
            />
            <button type="button" onClick={() => void copy()}>
              {t.copyLink}
            </button>
            {canShare ? (
              <button type="button" class="secondary" onClick={() => void share()}>
                {t.shareVia}
              </button>
            ) : null}
          </div>
          <p class="hint" role="status">
            {status === 'copied' ? t.linkCopied : status === 'failed' ? t.copyFailed : ''}
          </p>
          <QrCode text={link} label={t.shareQrLabel} size={160} />
        </section>
      ) : null}
    </div>
  );
}
