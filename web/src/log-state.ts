// The room log as data: confirmed messages keyed by seq, own messages still in flight keyed by
// clientMsgId, and join/leave notices. Pure functions over immutable values; knows nothing of STOMP
// or the DOM, so resume and dedupe rules are tested under Node.
import type { Message, Reaction, ReplyQuote, RoomEvent, RoomState, User } from '../../src/protocol/index.js';

export type PendingStatus = 'queued' | 'sending' | 'sent' | 'failed';

export interface PendingMessage {
  readonly clientMsgId: string;
  readonly body: string;
  readonly createdAtMs: number;
  readonly status: PendingStatus;
  /** Catalogue code of the last failure, when the server named one. */
  readonly errorCode?: string;
  /** The message this one quotes, shown while it is in flight. */
  readonly replyTo?: ReplyQuote;
}

export type Notice =
  | {
      readonly id: string;
      readonly kind: 'join' | 'leave';
      readonly user: User;
      readonly atMs: number;
      /** Shown after the message with this seq: the highest seq known when the notice arrived. */
      readonly afterSeq: number;
    }
  | {
      readonly id: string;
      readonly kind: 'event';
      readonly event: RoomEvent;
      readonly atMs: number;
      /** The event's own seq: it sits exactly between the messages around it. */
      readonly afterSeq: number;
      /** `room.updated`: the room as the client held it before, so the notice can say what changed. */
      readonly before?: RoomState;
    };

export interface LogState {
  /** Ascending by seq, no two with the same seq. */
  readonly messages: readonly Message[];
  readonly pending: readonly PendingMessage[];
  readonly notices: readonly Notice[];
  /** Highest seq of a room event applied; events share the room's seq with messages. */
  readonly lastEventSeq: number;
}

export type LogEntry =
  | { readonly kind: 'message'; readonly key: string; readonly message: Message }
  | { readonly kind: 'notice'; readonly key: string; readonly notice: Notice }
  | { readonly kind: 'pending'; readonly key: string; readonly pending: PendingMessage };

export const emptyLog: LogState = { messages: [], pending: [], notices: [], lastEventSeq: 0 };

/** Keeps notices from growing without bound in a busy room. */
const MAX_NOTICES = 200;

/** The resume point: the highest seq seen, message or event. */
export function highestSeq(state: LogState): number {
  return Math.max(state.messages.at(-1)?.seq ?? 0, state.lastEventSeq);
}

/**
 * The server said the room's history was reset (another epoch, or a restored backup): the seqs held mean
 * nothing now, so sent messages and notices go; unsent ones stay (they go again as usual).
 */
export function resetHistory(state: LogState): LogState {
  return { ...emptyLog, pending: state.pending };
}

export function lowestSeq(state: LogState): number | undefined {
  return state.messages[0]?.seq;
}

/**
 * Merges messages from any source (history page, live MESSAGE, resume after reconnect). A seq already
 * shown is ignored, and an own pending message whose clientMsgId arrives is replaced by the real one.
 */
export function addMessages(state: LogState, incoming: readonly Message[]): LogState {
  if (incoming.length === 0) return state;
  const bySeq = new Map<number, Message>();
  for (const m of state.messages) bySeq.set(m.seq, m);
  let added = false;
  for (const m of incoming) {
    if (!bySeq.has(m.seq)) {
      bySeq.set(m.seq, m);
      added = true;
    }
  }
  const arrivedIds = new Set(incoming.flatMap((m) => (m.clientMsgId === undefined ? [] : [m.clientMsgId])));
  const pending = state.pending.filter((p) => !arrivedIds.has(p.clientMsgId));
  if (!added && pending.length === state.pending.length) return state;
  const messages = added ? [...bySeq.values()].sort((a, b) => a.seq - b.seq) : state.messages;
  return { ...state, messages, pending };
}

export function addPending(state: LogState, pending: PendingMessage): LogState {
  if (state.pending.some((p) => p.clientMsgId === pending.clientMsgId)) return state;
  return { ...state, pending: [...state.pending, pending] };
}

export function setPendingStatus(
  state: LogState,
  clientMsgId: string,
  status: PendingStatus,
  errorCode?: string,
): LogState {
  if (!state.pending.some((p) => p.clientMsgId === clientMsgId)) return state;
  return {
    ...state,
    pending: state.pending.map((p) => {
      if (p.clientMsgId !== clientMsgId) return p;
      const { errorCode: _previous, ...rest } = p;
      return errorCode === undefined ? { ...rest, status } : { ...rest, status, errorCode };
    }),
  };
}

/** Forgets an own message that was not sent (the person chose Discard). */
export function discardPending(state: LogState, clientMsgId: string): LogState {
  const pending = state.pending.filter((p) => p.clientMsgId !== clientMsgId);
  return pending.length === state.pending.length ? state : { ...state, pending };
}

export function findPending(state: LogState, clientMsgId: string): PendingMessage | undefined {
  return state.pending.find((p) => p.clientMsgId === clientMsgId);
}

export function addNotice(
  state: LogState,
  notice: {
    readonly id: string;
    readonly kind: 'join' | 'leave';
    readonly user: User;
    readonly atMs: number;
  },
): LogState {
  const notices = [...state.notices, { ...notice, afterSeq: highestSeq(state) }];
  return { ...state, notices: notices.slice(-MAX_NOTICES) };
}

/** The first 200 characters a reply shows of the message it quotes ("" once deleted), as the server does. */
export function quoteOf(message: Message): ReplyQuote {
  const body = message.deleted === true ? '' : Array.from(message.body).slice(0, 200).join('');
  return { id: message.id, seq: message.seq, author: message.author, body };
}

function withReactions(message: Message, reactions: readonly Reaction[]): Message {
  const { reactions: _old, ...rest } = message;
  return reactions.length === 0 ? rest : { ...rest, reactions };
}

/**
 * One reaction change applied: the emoji's count as the server counted it, `by` added to or removed
 * from its users (the list may name fewer than `count`: the server sends at most 10 per emoji).
 */
function withReactionChange(
  message: Message,
  change: Extract<RoomEvent, { type: 'reaction.changed' }>,
): Message {
  const current = message.reactions ?? [];
  const existing = current.find((r) => r.emoji === change.emoji);
  if (change.count === 0)
    return withReactions(
      message,
      current.filter((r) => r.emoji !== change.emoji),
    );
  const users = existing?.users ?? [];
  const others = users.filter((u) => u.id !== change.by.id);
  const next: Reaction = {
    emoji: change.emoji,
    count: change.count,
    users: !change.added ? others : others.length < users.length ? users : [...users, change.by],
  };
  return withReactions(
    message,
    existing === undefined ? [...current, next] : current.map((r) => (r.emoji === change.emoji ? next : r)),
  );
}

/** Replaces the message with the same id (and refreshes replies quoting it); unknown ids change nothing. */
function replaceMessage(messages: readonly Message[], updated: Message): readonly Message[] {
  if (!messages.some((m) => m.id === updated.id)) return messages;
  const quote = quoteOf(updated);
  return messages.map((m) => {
    if (m.id === updated.id) return updated;
    if (m.replyTo?.id === updated.id) return { ...m, replyTo: quote };
    return m;
  });
}

/** Whether an event is shown as a line in the log (the rest only change messages in place). */
export function isNoticeEvent(
  event: RoomEvent,
  authorOf: (messageId: string) => string | undefined,
): boolean {
  switch (event.type) {
    case 'message.edited':
    case 'reaction.changed':
    case 'message.hidden':
    case 'message.restored':
      return false;
    case 'message.deleted':
      // An author tidying up their own message is not news; staff removing it is.
      return event.by.id !== (authorOf(event.message.id) ?? event.message.author.id);
    case 'room.updated':
    case 'member.muted':
    case 'member.unmuted':
    case 'member.kicked':
    case 'member.banned':
    case 'member.unbanned':
    case 'member.asked':
    case 'member.approved':
    case 'member.denied':
    case 'moderator.added':
    case 'moderator.removed':
    case 'room.closed':
    case 'room.reopened':
    case 'owner.changed':
    case 'message.pinned':
    case 'message.unpinned':
    case 'notice.changed':
      return true;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/**
 * Applies a room event with its seq. Events carry full state (the whole message) or, for reactions, the
 * change with the emoji's new count, so applying the same one twice ends where the server is.
 * A seq at or below the last one applied is ignored, so replays do not repeat notices.
 */
export function applyEvent(
  state: LogState,
  seq: number,
  event: RoomEvent,
  atMs: number,
  before?: RoomState,
): LogState {
  // Replays start after the resume point and arrive in seq order, so an older seq is a repeat.
  if (seq <= state.lastEventSeq) return state;
  let messages = state.messages;
  switch (event.type) {
    case 'message.edited':
    case 'message.deleted':
    case 'message.hidden':
    case 'message.restored':
      messages = replaceMessage(messages, event.message);
      break;
    case 'reaction.changed': {
      const target = messages.find((m) => m.id === event.messageId);
      if (target !== undefined) messages = replaceMessage(messages, withReactionChange(target, event));
      break;
    }
    default:
      break;
  }
  const notice = isNoticeEvent(event, (id) => state.messages.find((m) => m.id === id)?.author.id);
  const notices = notice
    ? [
        ...state.notices,
        {
          id: `e:${seq}`,
          kind: 'event' as const,
          event,
          atMs,
          afterSeq: seq,
          ...(before === undefined ? {} : { before }),
        },
      ].slice(-MAX_NOTICES)
    : state.notices;
  return { ...state, messages, notices, lastEventSeq: Math.max(state.lastEventSeq, seq) };
}

export function findMessage(state: LogState, messageId: string): Message | undefined {
  return state.messages.find((m) => m.id === messageId);
}

/** The log in reading order: messages by seq, each notice after the message it followed, own in-flight last. */
export function logEntries(state: LogState): LogEntry[] {
  const entries: LogEntry[] = [];
  const notices = [...state.notices].sort((a, b) => a.afterSeq - b.afterSeq || a.atMs - b.atMs);
  let n = 0;
  const flushNotices = (upToSeq: number): void => {
    for (let notice = notices[n]; notice !== undefined && notice.afterSeq <= upToSeq; notice = notices[++n]) {
      entries.push({ kind: 'notice', key: `n:${notice.id}`, notice });
    }
  };
  const first = state.messages[0];
  // Notices older than the loaded history belong to pages not shown; they'd float at the top otherwise.
  if (first !== undefined) {
    while (notices[n] !== undefined && (notices[n]?.afterSeq ?? 0) < first.seq - 1) n++;
  }
  for (const message of state.messages) {
    flushNotices(message.seq - 1);
    entries.push({ kind: 'message', key: `m:${message.seq}`, message });
  }
  flushNotices(Number.POSITIVE_INFINITY);
  for (const pending of state.pending)
    entries.push({ kind: 'pending', key: `p:${pending.clientMsgId}`, pending });
  return entries;
}
