// The message append's decisions, written once for both engines: given a batch, the heads of its rooms
// as read under the lock, the stored messages its clientMsgIds may repeat and the messages it replies
// to, which item gets which seq, which is a duplicate (of what), which fails (room_not_found,
// message_not_found) and which rows and room heads to write. Pure: no I/O, no clock. Each engine only
// reads the inputs (under its lock, in its transaction) and writes the plan (sqlite-store.ts,
// postgres-store.ts); append-plan.test.ts holds the decisions, test/room-log-contract.ts the engines.
import type { Message, ReplyQuote } from '../chat/model.js';
import { ParleyError } from '../errors.js';
import type { Outcome } from './group-commit.js';
import type { AppendResult, NewMessage } from './room-log.js';
import { type MessageRow, messageFromRow, parseUsers, quoteOf, usersJson } from './schema.js';

/** A room's seq and last message time, read with the room locked. */
export interface RoomHead {
  readonly lastSeq: number;
  readonly lastMessageAt: number | null;
}

/** A room head the batch moved: written back in the same transaction. */
export interface RoomHeadUpdate {
  readonly roomId: string;
  readonly lastSeq: number;
  readonly lastMessageAt: number;
}

/** One messages row to insert, every column the append writes (the others keep their defaults). */
export interface NewMessageRow {
  readonly id: string;
  readonly room_id: string;
  readonly seq: number;
  readonly author_id: string;
  readonly author_nick: string;
  readonly author_tag: string;
  readonly body: string;
  readonly created_at: number;
  readonly client_msg_id: string | null;
  readonly reply_to_id: string | null;
  readonly mentions: string | null;
}

/** What a reply quote is built from. */
export type QuotedRow = Pick<
  MessageRow,
  'id' | 'room_id' | 'seq' | 'author_id' | 'author_nick' | 'author_tag' | 'body' | 'deleted'
>;

/** A stored message a keyed item may repeat, to look up by (room, author, clientMsgId). */
export interface DuplicateProbe {
  readonly key: string;
  readonly roomId: string;
  readonly authorId: string;
  readonly clientMsgId: string;
}

export interface AppendInputs {
  /** The existing rooms of the batch, read after locking them; a room missing here does not exist. */
  readonly heads: ReadonlyMap<string, RoomHead>;
  /** Stored messages by dedupeKey, read after the lock (a racing append of the same key has committed). */
  readonly stored: ReadonlyMap<string, MessageRow>;
  /** Stored messages by id, for the ids replied to (any room: the plan checks the room). */
  readonly quoted: ReadonlyMap<string, QuotedRow>;
}

export interface AppendPlan {
  /** One per item, in batch order. */
  readonly outcomes: Outcome<AppendResult>[];
  /** In batch order: seqs ascend within each room. */
  readonly rows: NewMessageRow[];
  /** The rooms that took seqs, with their new heads. */
  readonly heads: RoomHeadUpdate[];
}

/** The key that makes a retried append idempotent: (room, author, clientMsgId). */
export function dedupeKey(m: Pick<NewMessage, 'roomId' | 'author' | 'clientMsgId'>): string | undefined {
  return m.clientMsgId === undefined ? undefined : keyOf(m.roomId, m.author.id, m.clientMsgId);
}

/** dedupeKey of a stored row, for engines that read duplicates back in one query. */
export function rowDedupeKey(
  row: Pick<MessageRow, 'room_id' | 'author_id' | 'client_msg_id'>,
): string | undefined {
  return row.client_msg_id === null ? undefined : keyOf(row.room_id, row.author_id, row.client_msg_id);
}

// The lengths first make the key unambiguous whatever the ids hold; a concatenation, not
// JSON.stringify, because every keyed item of every batch computes it (it was a tenth of the plan's
// time, profiled).
function keyOf(roomId: string, authorId: string, clientMsgId: string): string {
  return `${roomId.length}:${authorId.length}:${roomId}${authorId}${clientMsgId}`;
}

/**
 * The stored duplicates to look for: keyed items of existing rooms, each key once. Items of a missing
 * room fail before their key matters.
 */
export function duplicateProbes(
  items: readonly NewMessage[],
  heads: ReadonlyMap<string, RoomHead>,
): DuplicateProbe[] {
  const probes = new Map<string, DuplicateProbe>();
  for (const m of items) {
    if (m.clientMsgId === undefined || !heads.has(m.roomId)) continue;
    const key = dedupeKey(m);
    if (key === undefined || probes.has(key)) continue;
    probes.set(key, { key, roomId: m.roomId, authorId: m.author.id, clientMsgId: m.clientMsgId });
  }
  return [...probes.values()];
}

/** The distinct message ids the batch replies to. */
export function replyIds(items: readonly NewMessage[]): string[] {
  const ids = new Set<string>();
  for (const m of items) if (m.replyTo !== undefined) ids.add(m.replyTo);
  return [...ids];
}

/** The distinct rooms of the batch in id order: the order both engines lock them in (no deadlocks). */
export function roomIdsInLockOrder(items: readonly NewMessage[]): string[] {
  return [...new Set(items.map((m) => m.roomId))].sort();
}

/**
 * Decides every item, in batch order. Seqs are dense per room from its locked head. A keyed item
 * whose key was accepted earlier in the batch, or is stored, resolves to that first message with
 * duplicate:true and takes no seq. A reply must quote a message of its own room, stored or accepted
 * earlier in the batch. A failed item fails alone: the rest of the batch is still written.
 */
export function planAppends(items: readonly NewMessage[], inputs: AppendInputs): AppendPlan {
  const heads = new Map<string, { lastSeq: number; lastMessageAt: number | null; moved: boolean }>();
  for (const [roomId, head] of inputs.heads) {
    heads.set(roomId, { lastSeq: head.lastSeq, lastMessageAt: head.lastMessageAt, moved: false });
  }
  const accepted = new Map<string, Message>();
  const acceptedRows = new Map<string, NewMessageRow>();
  const rows: NewMessageRow[] = [];
  const outcomes = items.map((m): Outcome<AppendResult> => {
    const head = heads.get(m.roomId);
    if (head === undefined) return roomNotFound(m.roomId);
    const key = dedupeKey(m);
    if (key !== undefined) {
      const earlier = accepted.get(key);
      if (earlier !== undefined) return { ok: true, value: { message: earlier, duplicate: true } };
      const stored = inputs.stored.get(key);
      if (stored !== undefined)
        return { ok: true, value: { message: messageFromRow(stored), duplicate: true } };
    }
    let quote: ReplyQuote | undefined;
    if (m.replyTo !== undefined) {
      const inBatch = acceptedRows.get(m.replyTo);
      const quoted: QuotedRow | undefined =
        inBatch === undefined ? inputs.quoted.get(m.replyTo) : { ...inBatch, deleted: 0 };
      if (quoted === undefined || quoted.room_id !== m.roomId) return replyNotFound();
      quote = quoteOf(quoted);
    }
    head.lastSeq += 1;
    const createdAt = m.createdAt.getTime();
    head.lastMessageAt = Math.max(head.lastMessageAt ?? createdAt, createdAt);
    head.moved = true;
    const row: NewMessageRow = {
      id: m.id,
      room_id: m.roomId,
      seq: head.lastSeq,
      author_id: m.author.id,
      author_nick: m.author.nickname,
      author_tag: m.author.tag,
      body: m.body,
      created_at: createdAt,
      client_msg_id: m.clientMsgId ?? null,
      reply_to_id: m.replyTo ?? null,
      mentions: m.mentions === undefined || m.mentions.length === 0 ? null : usersJson(m.mentions),
    };
    rows.push(row);
    acceptedRows.set(m.id, row);
    const message = storedMessage(m, head.lastSeq, quote, row.mentions);
    if (key !== undefined) accepted.set(key, message);
    return { ok: true, value: { message, duplicate: false } };
  });
  const moved: RoomHeadUpdate[] = [];
  for (const [roomId, head] of heads) {
    if (head.moved && head.lastMessageAt !== null) {
      moved.push({ roomId, lastSeq: head.lastSeq, lastMessageAt: head.lastMessageAt });
    }
  }
  return { outcomes, rows, heads: moved };
}

/** Builds the returned message exactly as `messageFromRow` and `hydrate` would read it back. */
function storedMessage(
  m: NewMessage,
  seq: number,
  replyTo: ReplyQuote | undefined,
  mentions: string | null,
): Message {
  const message: Message = {
    id: m.id,
    roomId: m.roomId,
    seq,
    author: m.author,
    body: m.body,
    createdAt: m.createdAt.toISOString(),
  };
  return {
    ...message,
    ...(m.clientMsgId === undefined ? {} : { clientMsgId: m.clientMsgId }),
    ...(replyTo === undefined ? {} : { replyTo }),
    // Parsed back from the column, so the users carry exactly the fields a read returns.
    ...(mentions === null ? {} : { mentions: parseUsers(mentions) }),
  };
}

function roomNotFound(roomId: string): Outcome<AppendResult> {
  return { ok: false, error: new ParleyError('room_not_found', `No room ${roomId}.`) };
}

function replyNotFound(): Outcome<AppendResult> {
  return {
    ok: false,
    error: new ParleyError('message_not_found', 'The message replied to is not in this room.'),
  };
}
