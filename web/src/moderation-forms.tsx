// The small forms behind moderation actions: mute, kick (with its cool-down) or ban (identity, or
// identity and network) one user, with duration and reason, as used from a message's menu and from the
// member list. They build the `/app/rooms.<id>.moderate` body and hand it to the caller; they know no
// STOMP and no room state.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AddressIdentities } from '../../src/protocol/index.js';
import { type BanScope, type Sanction, sanctionBody } from './commands.js';
import { useFocusOnMount } from './focus.js';
import type { Strings } from './i18n.js';
import { useI18n } from './i18n-context.js';
import { newLocalId } from './ids.js';

/**
 * Choices offered per sanction, in seconds; undefined = forever (ban only). A kick's are its cool-down
 * before the member may rejoin (0: none); the first is the default.
 */
const DURATIONS: Record<Sanction, readonly (number | undefined)[]> = {
  mute: [300, 3600, 86_400],
  kick: [600, 3600, 86_400, 0],
  ban: [3600, 86_400, 7 * 86_400, undefined],
};

export function durationLabel(t: Strings, seconds: number | undefined): string {
  if (seconds === undefined) return t.forever;
  if (seconds === 0) return t.noCooldown;
  if (seconds % 86_400 === 0) return t.days(seconds / 86_400);
  if (seconds % 3600 === 0) return t.hours(seconds / 3600);
  return t.minutes(Math.round(seconds / 60));
}

export function actionLabel(t: Strings, sanction: Sanction): string {
  return sanction === 'mute' ? t.actionMute : sanction === 'kick' ? t.actionKick : t.actionBan;
}

export interface SanctionFormProps {
  readonly sanction: Sanction;
  readonly userId: string;
  readonly who: string;
  readonly onSubmit: (body: Record<string, unknown>) => Promise<void>;
  readonly onCancel: () => void;
  /** Bans: how many identities share the user's networks (staff's member info), when it can be asked. */
  readonly addressInfo?: () => Promise<AddressIdentities>;
}

export function SanctionForm({ sanction, userId, who, onSubmit, onCancel, addressInfo }: SanctionFormProps) {
  const { t } = useI18n();
  const choices = DURATIONS[sanction];
  const [choice, setChoice] = useState(0);
  const [reason, setReason] = useState('');
  // A ban that sticks is the point; staff switch to the identity alone when the network is shared.
  const [scope, setScope] = useState<BanScope>('address');
  const [identities, setIdentities] = useState<number | undefined>(undefined);
  useEffect(() => {
    if (sanction !== 'ban' || addressInfo === undefined) return;
    let cancelled = false;
    addressInfo().then(
      (info) => {
        if (!cancelled && info.addresses > 0) setIdentities(info.identities);
      },
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, [sanction, userId]);
  const [busy, setBusy] = useState(false);
  const ids = useRef(newLocalId('sanction')).current;
  const first = useFocusOnMount<HTMLSelectElement & HTMLInputElement>();

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      await onSubmit(
        sanctionBody(sanction, userId, choices[choice], reason, sanction === 'ban' ? scope : undefined),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="inline-form sanction"
      aria-label={t.moderateTitle(actionLabel(t, sanction), who)}
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onCancel();
      }}
    >
      {choices.length === 0 ? null : (
        <label>
          {sanction === 'kick' ? t.cooldownLabel : t.durationLabel}{' '}
          <select
            id={`${ids}-duration`}
            ref={first}
            value={String(choice)}
            onChange={(event) => setChoice(Number(event.currentTarget.value))}
          >
            {choices.map((seconds, index) => (
              <option key={String(seconds)} value={String(index)}>
                {durationLabel(t, seconds)}
              </option>
            ))}
          </select>
        </label>
      )}
      {sanction === 'ban' ? (
        <fieldset class="ban-scope" aria-describedby={`${ids}-scope-hint`}>
          <legend>{t.banScopeLegend}</legend>
          <label class="check">
            <input
              type="radio"
              name={`${ids}-scope`}
              checked={scope === 'address'}
              onChange={() => setScope('address')}
            />{' '}
            {t.banScopeAddress}
          </label>
          <label class="check">
            <input
              type="radio"
              name={`${ids}-scope`}
              checked={scope === 'identity'}
              onChange={() => setScope('identity')}
            />{' '}
            {t.banScopeIdentity}
          </label>
          <p id={`${ids}-scope-hint`} class="hint">
            {identities === undefined ? '' : `${t.identitiesFromAddress(identities)}. `}
            {t.banScopeHint}
          </p>
        </fieldset>
      ) : null}
      <label>
        {t.reasonLabel}{' '}
        <input
          ref={choices.length === 0 ? first : null}
          maxLength={500}
          value={reason}
          onInput={(event) => setReason(event.currentTarget.value)}
        />
      </label>
      <button type="submit" class="danger" disabled={busy}>
        {actionLabel(t, sanction)}
      </button>
      <button type="button" class="secondary" onClick={onCancel}>
        {t.cancel}
      </button>
    </form>
  );
}
