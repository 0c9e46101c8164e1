// The bodies of the room commands the client sends (`/app/rooms.<id>.moderate`), built from form
// values. Pure, so the rules (leave out blank reasons, send only changed settings) are tested under Node.
import type { Room } from '../../src/protocol/index.js';

export type Sanction = 'mute' | 'kick' | 'ban';
export type BanScope = 'identity' | 'address';

/**
 * The moderate command body for a sanction; a blank reason is left out. `seconds`: a mute's or ban's
 * length (undefined: a ban for good), a kick's cool-down (0: none). `scope`: bans only.
 */
export function sanctionBody(
  sanction: Sanction,
  userId: string,
  seconds: number | undefined,
  reason: string,
  scope?: BanScope,
): Record<string, unknown> {
  const body: Record<string, unknown> = { action: sanction, userId };
  if (seconds !== undefined) body.seconds = seconds;
  if (sanction === 'ban' && scope !== undefined) body.scope = scope;
  if (reason.trim() !== '') body.reason = reason.trim();
  return body;
}

/** The settings command: only fields that changed, so a save never resets what another staff set. */
export function settingsChanges(
  room: Room,
  form: {
    topic: string;
    memberCap: string;
    slowModeSeconds: string;
    password: string;
    removePassword: boolean;
    newcomerMinutes?: string;
    newcomerMessages?: string;
    approveNewcomers?: boolean;
  },
): Record<string, unknown> | undefined {
  const body: Record<string, unknown> = { action: 'settings' };
  const topic = form.topic.trim() === '' ? null : form.topic.trim();
  if (topic !== room.topic) body.topic = topic;
  const cap = form.memberCap.trim() === '' ? null : Number(form.memberCap);
  if (cap !== room.memberCap) body.memberCap = cap;
  const slow = form.slowModeSeconds.trim() === '' ? 0 : Number(form.slowModeSeconds);
  if (slow !== room.slowModeSeconds) body.slowModeSeconds = slow;
  if (form.newcomerMinutes !== undefined) {
    const minutes = form.newcomerMinutes.trim() === '' ? 0 : Number(form.newcomerMinutes);
    if (minutes !== room.newcomerMinutes) body.newcomerMinutes = minutes;
  }
  if (form.approveNewcomers !== undefined && form.approveNewcomers !== room.approveNewcomers) {
    body.approveNewcomers = form.approveNewcomers;
  }
  if (form.newcomerMessages !== undefined) {
    const messages = form.newcomerMessages.trim() === '' ? 0 : Number(form.newcomerMessages);
    if (messages !== room.newcomerMessages) body.newcomerMessages = messages;
  }
  if (form.removePassword) body.password = null;
  else if (form.password !== '') body.password = form.password;
  return Object.keys(body).length > 1 ? body : undefined;
}
