// The bodies of the room commands the client sends (`/app/rooms.<id>.moderate`), built from form
// values. Pure, so the rules (leave out blank reasons, send only changed settings) are tested under Node.
import type { Room } from '../../src/protocol/index.js';

export type Sanction = 'mute' | 'kick' | 'ban';

/** The moderate command body for a sanction; a blank reason is left out. */
export function sanctionBody(
  sanction: Sanction,
  userId: string,
  seconds: number | undefined,
  reason: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = { action: sanction, userId };
  if (sanction !== 'kick' && seconds !== undefined) body.seconds = seconds;
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
  },
): Record<string, unknown> | undefined {
  const body: Record<string, unknown> = { action: 'settings' };
  const topic = form.topic.trim() === '' ? null : form.topic.trim();
  if (topic !== room.topic) body.topic = topic;
  const cap = form.memberCap.trim() === '' ? null : Number(form.memberCap);
  if (cap !== room.memberCap) body.memberCap = cap;
  const slow = form.slowModeSeconds.trim() === '' ? 0 : Number(form.slowModeSeconds);
  if (slow !== room.slowModeSeconds) body.slowModeSeconds = slow;
  if (form.removePassword) body.password = null;
  else if (form.password !== '') body.password = form.password;
  return Object.keys(body).length > 1 ? body : undefined;
}
