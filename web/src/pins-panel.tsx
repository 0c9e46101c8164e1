// The room's pinned messages, reached from the header: a button with their count opens a list; a pin
// leads to its message (the reply-jump: older history is loaded if needed), staff may unpin from here.
// The pins arrive with the room and follow its events; this module only shows them and sends unpins.
import { useState } from 'preact/hooks';
import type { Pin, User } from '../../src/protocol/index.js';
import { SendError } from './connection.js';
import { useI18n } from './i18n-context.js';
import type { Act } from './message-item.js';

function name(user: User): string {
  return `${user.nickname}#${user.tag}`;
}

export interface PinsPanelProps {
  readonly pins: readonly Pin[];
  readonly staff: boolean;
  readonly act: Act;
  /** Shows the message with this seq (loading older history if needed) and marks it for a moment. */
  readonly onJump: (seq: number) => Promise<void>;
}

export function PinsPanel({ pins, staff, act, onJump }: PinsPanelProps) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  if (pins.length === 0) return null;

  const unpin = async (pin: Pin): Promise<void> => {
    setError(undefined);
    try {
      await act('moderate', { action: 'unpin', messageId: pin.id });
    } catch (caught) {
      setError(t.error(caught instanceof SendError ? caught.code : 'internal_error'));
    }
  };

  return (
    <div class="pins">
      <button
        type="button"
        class="secondary pins-toggle"
        aria-expanded={open ? 'true' : 'false'}
        aria-controls="room-pins"
        onClick={() => setOpen((was) => !was)}
      >
        {t.pinsButton(pins.length)}
      </button>
      {open ? (
        <section id="room-pins" class="pins-panel" aria-label={t.pinsTitle}>
          <h2>{t.pinsTitle}</h2>
          <ul>
            {pins.map((pin) => (
              <li key={pin.id} class="pin">
                <button
                  type="button"
                  class="pin-jump"
                  title={t.jumpToPinned(name(pin.author))}
                  onClick={() => {
                    setOpen(false);
                    void onJump(pin.seq);
                  }}
                >
                  <bdi class="pin-author">{name(pin.author)}</bdi>
                  <span class="pin-body">{pin.body}</span>
                </button>
                <span class="pin-by">{t.pinnedBy(name(pin.pinnedBy))}</span>
                {staff ? (
                  <button type="button" class="secondary pin-unpin" onClick={() => void unpin(pin)}>
                    {t.actionUnpin}
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
          {error === undefined ? null : (
            <p class="error" role="alert">
              {error}
            </p>
          )}
        </section>
      ) : null}
    </div>
  );
}
