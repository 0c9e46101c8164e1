// Room events and audit entries as display strings: a notice's parts (names, times in the reader's
// locale, what a settings change changed) and an audit entry as one sentence. Pure (Intl only), so the
// wording rules are tested under Node; the sentences themselves live in i18n.ts.
import type { AuditEntry, RoomEvent, RoomState, User } from '../../src/protocol/index.js';
import type { NoticeText, Strings } from './i18n.js';
import { changesFromDetails, roomChanges } from './room-changes.js';

function displayName(user: User): string {
  return `${user.nickname}#${user.tag}`;
}

/** A time as the reader's locale writes it (month, day, hour, minute); a string that is no time stays as it is. */
export function untilText(iso: string, locale: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(at);
}

/** A room event as display strings for its notice; events that are not notices never get here. */
export function eventText(event: RoomEvent, locale: string, before?: RoomState): NoticeText {
  switch (event.type) {
    case 'room.updated':
      return { type: event.type, by: displayName(event.by), changes: roomChanges(before, event.room) };
    case 'message.edited':
    case 'reaction.changed':
    case 'message.hidden':
    case 'message.restored':
      return {
        type: 'room.updated',
        by: displayName('by' in event ? event.by : event.message.author),
        changes: [],
      };
    case 'message.deleted':
      return { type: event.type, by: displayName(event.by), author: displayName(event.message.author) };
    case 'member.muted':
      return {
        type: event.type,
        by: displayName(event.by),
        user: displayName(event.user),
        until: untilText(event.until, locale),
        reason: event.reason,
      };
    case 'room.closed':
      return { type: event.type, by: displayName(event.by), reason: event.reason };
    case 'room.reopened':
      return { type: event.type, by: displayName(event.by) };
    case 'member.kicked':
      return {
        type: event.type,
        by: displayName(event.by),
        user: displayName(event.user),
        until: event.until === null ? null : untilText(event.until, locale),
        reason: event.reason,
      };
    case 'member.banned':
      return {
        type: event.type,
        by: displayName(event.by),
        user: displayName(event.user),
        until: event.until === null ? null : untilText(event.until, locale),
        reason: event.reason,
      };
    case 'member.unmuted':
    case 'member.unbanned':
    case 'member.approved':
    case 'member.denied':
    case 'moderator.added':
    case 'moderator.removed':
      return { type: event.type, by: displayName(event.by), user: displayName(event.user) };
    case 'member.asked':
      return { type: event.type, user: displayName(event.user) };
    case 'owner.changed':
      return {
        type: event.type,
        owner: displayName(event.owner),
        previous: displayName(event.previous),
        claimed: event.claimed,
      };
    case 'message.pinned':
      return { type: event.type, by: displayName(event.by), author: displayName(event.pin.author) };
    case 'message.unpinned':
      return { type: event.type, by: displayName(event.by) };
    case 'notice.changed':
      return { type: event.type, by: displayName(event.by), set: event.notice !== null };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function detail(details: Readonly<Record<string, unknown>>, key: string): string | null {
  const value = details[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** One audit entry as a sentence in the reader's language, from its typed action and details. */
export function auditText(t: Strings, entry: AuditEntry, locale: string): string {
  const by = displayName(entry.actor);
  const user = entry.target === undefined ? '?' : displayName(entry.target);
  const { details } = entry;
  const reason = detail(details, 'reason');
  const notice = (text: NoticeText): string => t.notice(text);
  switch (entry.action) {
    case 'room.updated':
      return notice({ type: 'room.updated', by, changes: changesFromDetails(details) });
    case 'member.muted':
      return notice({
        type: 'member.muted',
        by,
        user,
        until: untilOrNull(detail(details, 'until'), locale) ?? '?',
        reason,
      });
    case 'member.kicked':
    case 'member.banned':
      return notice({
        type: entry.action,
        by,
        user,
        until: untilOrNull(detail(details, 'until'), locale),
        reason,
      });
    case 'member.unmuted':
    case 'member.unbanned':
    case 'member.approved':
    case 'member.denied':
    case 'moderator.added':
    case 'moderator.removed':
      return notice({ type: entry.action, by, user });
    case 'member.asked':
      return notice({ type: entry.action, user: by });
    case 'room.closed':
      return notice({ type: entry.action, by, reason });
    case 'room.reopened':
      return notice({ type: entry.action, by });
    case 'owner.changed':
      return notice({
        type: entry.action,
        owner: details.claimed === true ? by : user,
        previous: details.claimed === true ? user : by,
        claimed: details.claimed === true,
      });
    case 'message.deleted':
      return t.auditDeleted(by, entry.target === undefined ? null : user);
    case 'message.hidden':
      return t.auditHidden(typeof details.reporters === 'number' ? details.reporters : null);
    case 'message.restored':
      return t.auditRestored(by);
    case 'message.edited':
    case 'reaction.changed':
      return t.auditEdited(by);
    case 'message.pinned':
      return notice({ type: entry.action, by, author: user });
    case 'message.unpinned':
      return notice({ type: entry.action, by });
    case 'notice.changed':
      return notice({ type: entry.action, by, set: details.notice !== 'cleared' });
    default: {
      const unreachable: never = entry.action;
      return unreachable;
    }
  }
}

function untilOrNull(iso: string | null, locale: string): string | null {
  return iso === null ? null : untilText(iso, locale);
}
