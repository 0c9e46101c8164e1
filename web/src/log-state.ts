// The room log as data: confirmed messages keyed by seq, own messages still in flight keyed by
// clientMsgId, and join/leave notices. Pure functions over immutable values; knows nothing of STOMP
// or the DOM, so resume and dedupe rules are tested under Node.
import type { Message, User } from './wire.js';

export type PendingStatus = 'queued' | 'sending' | 'sent' | 'failed';

export interface PendingMessage {
  readonly clientMsgId: string;
  readonly body: string;
  readonly createdAtMs: number;
  readonly status: PendingStatus;
  /** Catalogue code of the last failure, when the server named one. */
  readonly errorCode?: string;
}

export interface Notice {
  readonly id: string;
  readonly kind: 'join' | 'leave';
  readonly user: User;
  readonly atMs: number;
  /** Shown after the message with this seq: the highest seq known when the notice arrived. */
  readonly afterSeq: number;
}

export interface LogState {
  /** Ascending by seq, no two with the same seq. */
  readonly messages: readonly Message[];
  readonly pending: readonly PendingMessage[];
  readonly notices: readonly Notice[];
}

export type LogEntry =
  | { readonly kind: 'message'; readonly key: string; readonly message: Message }
  | { readonly kind: 'notice'; readonly key: string; readonly notice: Notice }
  | { readonly kind: 'pending'; readonly key: string; readonly pending: PendingMessage };

export const emptyLog: LogState = { messages: [], pending: [], notices: [] };

/** Keeps notices from growing without bound in a busy room. */
const MAX_NOTICES = 200;

export function highestSeq(state: LogState): number {
  return state.messages.at(-1)?.seq ?? 0;
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

export function findPending(state: LogState, clientMsgId: string): PendingMessage | undefined {
  return state.pending.find((p) => p.clientMsgId === clientMsgId);
}

export function addNotice(state: LogState, notice: Omit<Notice, 'afterSeq'>): LogState {
  const notices = [...state.notices, { ...notice, afterSeq: highestSeq(state) }];
  return { ...state, notices: notices.slice(-MAX_NOTICES) };
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
