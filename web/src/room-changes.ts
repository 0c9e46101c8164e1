// What a settings change changed, in one typed list: read from the room state before and after a
// `room.updated` event (live notices), or from an audit entry's details (the audit log). The strings
// that say them live in i18n.ts. Pure, so the rules are tested under Node.
import type { RoomState } from '../../src/protocol/index.js';

export type RoomChange =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'topic'; readonly topic: string | null }
  | { readonly kind: 'memberCap'; readonly cap: number | null }
  | { readonly kind: 'slowMode'; readonly seconds: number }
  | { readonly kind: 'newcomerMinutes'; readonly minutes: number }
  | { readonly kind: 'newcomerMessages'; readonly messages: number }
  | { readonly kind: 'approveNewcomers'; readonly on: boolean }
  | { readonly kind: 'password'; readonly set: boolean }
  /** Audit only (the room state does not carry the list): how many words, null: the server's list. */
  | { readonly kind: 'wordFilter'; readonly words: number | null }
  /** Audit only: null: the server's default. */
  | { readonly kind: 'reportHideThreshold'; readonly threshold: number | null };

/**
 * The changes between two states of a room. Without the state before (not known yet), nothing can be
 * told: the list is empty and the notice says only that settings changed. A new password over an old
 * one is not visible in the state, so it is not listed.
 */
export function roomChanges(before: RoomState | undefined, after: RoomState): RoomChange[] {
  if (before === undefined) return [];
  const changes: RoomChange[] = [];
  if (before.name !== after.name) changes.push({ kind: 'name', name: after.name });
  if ((before.topic ?? '') !== (after.topic ?? '')) {
    changes.push({ kind: 'topic', topic: after.topic === '' ? null : after.topic });
  }
  if (before.memberCap !== after.memberCap) changes.push({ kind: 'memberCap', cap: after.memberCap });
  if (before.slowModeSeconds !== after.slowModeSeconds) {
    changes.push({ kind: 'slowMode', seconds: after.slowModeSeconds });
  }
  if (before.newcomerMinutes !== after.newcomerMinutes) {
    changes.push({ kind: 'newcomerMinutes', minutes: after.newcomerMinutes });
  }
  if (before.newcomerMessages !== after.newcomerMessages) {
    changes.push({ kind: 'newcomerMessages', messages: after.newcomerMessages });
  }
  if (before.approveNewcomers !== after.approveNewcomers) {
    changes.push({ kind: 'approveNewcomers', on: after.approveNewcomers });
  }
  if (before.hasPassword !== after.hasPassword) changes.push({ kind: 'password', set: after.hasPassword });
  return changes;
}

const wholeOrNull = (value: unknown): number | null | undefined =>
  value === null ? null : typeof value === 'number' && Number.isInteger(value) ? value : undefined;

/** The changes an audit entry of a settings change records (its `details`); unknown keys are skipped. */
export function changesFromDetails(details: Readonly<Record<string, unknown>>): RoomChange[] {
  const changes: RoomChange[] = [];
  const { topic, memberCap, slowModeSeconds, newcomerMinutes, newcomerMessages } = details;
  if (topic === null || typeof topic === 'string') {
    changes.push({ kind: 'topic', topic: topic === '' ? null : topic });
  }
  const cap = wholeOrNull(memberCap);
  if (cap !== undefined) changes.push({ kind: 'memberCap', cap });
  if (typeof slowModeSeconds === 'number') changes.push({ kind: 'slowMode', seconds: slowModeSeconds });
  if (typeof newcomerMinutes === 'number')
    changes.push({ kind: 'newcomerMinutes', minutes: newcomerMinutes });
  if (typeof newcomerMessages === 'number') {
    changes.push({ kind: 'newcomerMessages', messages: newcomerMessages });
  }
  if (typeof details.approveNewcomers === 'boolean') {
    changes.push({ kind: 'approveNewcomers', on: details.approveNewcomers });
  }
  if (details.password === 'set' || details.password === 'cleared') {
    changes.push({ kind: 'password', set: details.password === 'set' });
  }
  const filter = details.wordFilter;
  if (filter === null) changes.push({ kind: 'wordFilter', words: null });
  else if (typeof filter === 'object' && 'words' in filter && typeof filter.words === 'number') {
    changes.push({ kind: 'wordFilter', words: filter.words });
  }
  const threshold = wholeOrNull(details.reportHideThreshold);
  if (threshold !== undefined) changes.push({ kind: 'reportHideThreshold', threshold });
  return changes;
}
