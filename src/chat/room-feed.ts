// The live, ordered stream of one room on this node: messages arrive from the bus (our own and other
// nodes'), are delivered to local subscribers strictly in `seq` order, once; a gap (a lost pub/sub
// message, a Redis reconnect) is filled from the store before anything later is delivered. Also keeps
// the room's most recent messages so history pages are served without a storage round trip.
import type { Logger } from 'pino';
import type { Bus } from '../cluster/bus.js';
import { type RoomEntryMessage, roomEntriesChannel, roomPresenceChannel } from '../cluster/messages.js';
import type { Store } from '../store/store.js';
import {
  type Message,
  REACTION_USERS_SHOWN,
  type RoomEntry,
  type RoomEvent,
  type RoomEventType,
  type RoomId,
} from './model.js';

/** A message as it travels: its seq and its JSON, encoded once by the node that stored it. */
export interface EncodedMessage {
  readonly seq: number;
  readonly json: string;
  /** When the storing node saw the commit (epoch ms); set on live messages, for latency metrics. */
  readonly storedAtMs?: number;
  /** Set on room events (`message.edited`, `member.banned`, …); absent on chat messages. */
  readonly event?: RoomEventType;
}

export interface FeedSink {
  /** Deliver a chat message to this node's subscribers of the room (called in seq order, once each). */
  message(roomId: RoomId, message: EncodedMessage): void;
  /** Deliver a presence event (JSON) to this node's subscribers of the room's presence topic. */
  presence(roomId: RoomId, json: string): void;
}

/**
 * The one pair that maps a live room entry onto the bus message and back (adapt both when entries
 * change): the entry JSON is carried as the text it was encoded to once, never re-encoded per node.
 */
export function toRoomEntryMessage(
  roomId: RoomId,
  encoded: EncodedMessage & { readonly storedAtMs: number },
): RoomEntryMessage {
  return {
    kind: 'room.entry',
    roomId,
    seq: encoded.seq,
    storedAtMs: encoded.storedAtMs,
    ...(encoded.event === undefined ? {} : { event: encoded.event }),
    entry: encoded.json,
  };
}

export function fromRoomEntryMessage(message: RoomEntryMessage): EncodedMessage {
  return message.event === undefined
    ? { seq: message.seq, json: message.entry, storedAtMs: message.storedAtMs }
    : { seq: message.seq, json: message.entry, storedAtMs: message.storedAtMs, event: message.event };
}

/** A message this node just stored: encoded once, for local delivery and for the bus. */
export function encodeBusMessage(
  roomId: RoomId,
  message: Message,
  storedAtMs: number,
): { message: RoomEntryMessage; encoded: EncodedMessage } {
  const encoded = { seq: message.seq, json: JSON.stringify(message), storedAtMs };
  return { message: toRoomEntryMessage(roomId, encoded), encoded };
}

/** A room event this node just stored, as `encodeBusMessage`. */
export function encodeBusEvent(
  event: RoomEvent,
  storedAtMs: number,
): { message: RoomEntryMessage; encoded: EncodedMessage } {
  const encoded = { seq: event.seq, json: event.json, storedAtMs, event: event.type };
  return { message: toRoomEntryMessage(event.roomId, encoded), encoded };
}

/** A stored entry (replay, gap fill) as it travels. */
export function encodeEntry(entry: RoomEntry): EncodedMessage {
  return entry.kind === 'message'
    ? { seq: entry.message.seq, json: JSON.stringify(entry.message) }
    : { seq: entry.event.seq, json: entry.event.json, event: entry.event.type };
}

const FILL_PAGE = 200;

export class RoomFeed {
  readonly roomId: RoomId;
  /** Highest seq delivered locally; everything up to it has been delivered (or was before this feed). */
  lastSeq = 0;
  /**
   * Most recent messages (not events), ascending, in their current state (edits, deletions and
   * reactions applied), holding every message with a seq in [#coveredFrom, lastSeq].
   */
  readonly #recent: EncodedMessage[] = [];
  #coveredFrom = 1;
  /** Messages that arrived ahead of a gap, waiting for the fill. */
  readonly #ahead = new Map<number, EncodedMessage>();
  #filling = false;
  #ready = false;
  #refs = 0;
  #unsubscribe: Array<() => Promise<void>> = [];

  constructor(
    roomId: RoomId,
    private readonly deps: {
      readonly store: Store;
      readonly bus: Bus;
      readonly sink: FeedSink;
      readonly logger: Logger;
      readonly recentLimit: number;
    },
  ) {
    this.roomId = roomId;
  }

  get refs(): number {
    return this.#refs;
  }

  retain(): void {
    this.#refs++;
  }

  /** Returns true when the last reference went away. */
  release(): boolean {
    this.#refs = Math.max(0, this.#refs - 1);
    return this.#refs === 0;
  }

  /** Subscribes to the bus first, then learns where the room stands, so nothing falls between. */
  async start(): Promise<void> {
    const { bus, store } = this.deps;
    this.#unsubscribe.push(
      await bus.subscribe(roomEntriesChannel(this.roomId), (m) => this.offer(fromRoomEntryMessage(m))),
    );
    // Presence is rare next to messages: re-encoding its small event per node costs nothing that matters.
    this.#unsubscribe.push(
      await bus.subscribe(roomPresenceChannel(this.roomId), (m) =>
        this.deps.sink.presence(this.roomId, JSON.stringify(m.event)),
      ),
    );
    // The room's seq counts events too, so where it stands comes from the room, then the messages up
    // to there; anything later arrives on the bus (subscribed above) or through a gap fill.
    const room = await store.findRoom(this.roomId);
    this.lastSeq = room?.lastSeq ?? 0;
    const latest = await store.listMessages(this.roomId, {
      beforeSeq: this.lastSeq + 1,
      limit: this.deps.recentLimit,
    });
    for (const message of latest) this.#recent.push({ seq: message.seq, json: JSON.stringify(message) });
    this.#coveredFrom = latest.length < this.deps.recentLimit ? 1 : (latest[0]?.seq ?? 1);
    this.#ready = true;
    this.#drain();
  }

  async stop(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = [];
    await Promise.all(unsubscribe.map((fn) => fn()));
  }

  /**
   * The latest `limit` messages, or those before/after a seq, if this feed holds all of them;
   * undefined when the store must answer.
   */
  recent(range: { beforeSeq?: number; afterSeq?: number; limit: number }): EncodedMessage[] | undefined {
    if (!this.#ready || this.#filling) return undefined;
    const recent = this.#recent;
    if (range.afterSeq !== undefined) {
      if (range.afterSeq + 1 < this.#coveredFrom) return undefined;
      const after = range.afterSeq;
      return recent.filter((m) => m.seq > after).slice(0, range.limit);
    }
    const before = range.beforeSeq;
    const older = before === undefined ? recent : recent.filter((m) => m.seq < before);
    if (older.length < range.limit && this.#coveredFrom > 1) return undefined;
    return older.slice(Math.max(0, older.length - range.limit));
  }

  /** After the bus reconnected: anything may have been missed, so catch up from the store. */
  resync(): void {
    if (!this.#ready) return;
    void this.#fill(Number.MAX_SAFE_INTEGER);
  }

  /**
   * A message this node stored: delivered to local subscribers without waiting for the bus round trip
   * (or for a bus that is down); its echo from the bus is then dropped by seq.
   */
  offer(message: EncodedMessage): void {
    if (message.seq <= this.lastSeq) return;
    this.#ahead.set(message.seq, message);
    this.#drain();
  }

  /** Delivers contiguous messages; starts a fill from the store when the next one is missing. */
  #drain(): void {
    if (!this.#ready || this.#filling) return;
    for (;;) {
      const next = this.#ahead.get(this.lastSeq + 1);
      if (next === undefined) break;
      this.#ahead.delete(next.seq);
      this.#deliver(next);
    }
    for (const seq of this.#ahead.keys()) {
      if (seq <= this.lastSeq) this.#ahead.delete(seq);
    }
    if (this.#ahead.size > 0) {
      void this.#fill(Math.min(...this.#ahead.keys()) - 1);
    }
  }

  /** Reads the store after lastSeq until `untilSeq` (inclusive) or the end of the room. */
  async #fill(untilSeq: number): Promise<void> {
    if (this.#filling) return;
    this.#filling = true;
    try {
      while (this.lastSeq < untilSeq) {
        const page = await this.deps.store.listEntries(this.roomId, {
          afterSeq: this.lastSeq,
          limit: FILL_PAGE,
        });
        for (const entry of page) {
          const encoded = encodeEntry(entry);
          if (encoded.seq === this.lastSeq + 1) {
            this.#ahead.delete(encoded.seq);
            this.#deliver(encoded);
          }
        }
        if (page.length < FILL_PAGE) break;
      }
    } catch (error) {
      // The store is unreachable: keep what is ahead; the next message or resync retries the fill.
      this.deps.logger.warn({ err: error, roomId: this.roomId }, 'gap fill failed; will retry');
      this.#filling = false;
      return;
    }
    this.#filling = false;
    this.#drain();
  }

  #deliver(message: EncodedMessage): void {
    this.lastSeq = message.seq;
    this.#remember(message);
    this.deps.sink.message(this.roomId, message);
  }

  #remember(message: EncodedMessage): void {
    if (message.event !== undefined) {
      this.#apply(message);
      return;
    }
    this.#recent.push(message);
    if (this.#recent.length > this.deps.recentLimit) {
      this.#recent.shift();
      this.#coveredFrom = (this.#recent[0]?.seq ?? message.seq) as number;
    }
  }

  /** Keeps the held copy of a message current when an event changes it. */
  #apply(event: EncodedMessage): void {
    if (
      event.event !== 'message.edited' &&
      event.event !== 'message.deleted' &&
      event.event !== 'reaction.changed'
    )
      return;
    const update = messageUpdate(event.json);
    if (update === undefined) return;
    const index = this.#recent.findIndex((m) => messageIdOf(m.json) === update.messageId);
    const held = this.#recent[index];
    if (held !== undefined) {
      const json =
        update.message ??
        (update.reaction === undefined
          ? withReactions(held.json, update.reactions)
          : withReactionChange(held.json, update.reaction));
      if (json !== undefined) this.#recent[index] = { seq: held.seq, json };
    }
    // Replies quote the message as it is now, so their held copies change with it.
    if (update.body === undefined) return;
    for (const [i, m] of this.#recent.entries()) {
      if (!m.json.includes(update.messageId)) continue;
      const json = withQuote(m.json, update.messageId, update.body);
      if (json !== undefined) this.#recent[i] = { seq: m.seq, json };
    }
  }
}

interface MessageUpdate {
  readonly messageId: string;
  /** The full message JSON, for edits and deletions. */
  readonly message?: string;
  /** Its current body, for edits and deletions ("" once deleted). */
  readonly body?: string;
  /** The whole list, as reaction events carried it before 2026-12-02 (still replayed from the store). */
  readonly reactions?: unknown;
  /** What one reaction event changed. */
  readonly reaction?: ReactionChange;
}

interface ReactionChange {
  readonly emoji: string;
  readonly added: boolean;
  readonly count: number;
  readonly by: unknown;
}

/** The message an edit, deletion or reaction event changes, read from the event body. */
function messageUpdate(json: string): MessageUpdate | undefined {
  const body = parseObject(json);
  if (body === undefined) return undefined;
  const message = body.message;
  if (typeof message === 'object' && message !== null && 'id' in message && typeof message.id === 'string') {
    const body = 'body' in message && typeof message.body === 'string' ? message.body : undefined;
    return {
      messageId: message.id,
      message: JSON.stringify(message),
      ...(body === undefined ? {} : { body }),
    };
  }
  if (typeof body.messageId !== 'string') return undefined;
  const { emoji, added, count, by } = body;
  if (
    typeof emoji === 'string' &&
    typeof added === 'boolean' &&
    typeof count === 'number' &&
    !('reactions' in body)
  ) {
    return { messageId: body.messageId, reaction: { emoji, added, count, by } };
  }
  return { messageId: body.messageId, reactions: body.reactions };
}

/**
 * The held message with one reaction change applied: the emoji's total from the event, the reactor
 * added to (while fewer than REACTION_USERS_SHOWN are shown) or removed from its users.
 */
function withReactionChange(json: string, change: ReactionChange): string | undefined {
  const message = parseObject(json);
  const by = change.by;
  if (message === undefined || typeof by !== 'object' || by === null || !('id' in by)) return undefined;
  const current = Array.isArray(message.reactions) ? (message.reactions as unknown[]) : [];
  const isUser = (u: unknown): boolean => typeof u === 'object' && u !== null && 'id' in u && u.id === by.id;
  let found = false;
  const next: unknown[] = [];
  for (const entry of current) {
    if (typeof entry !== 'object' || entry === null || !('emoji' in entry) || entry.emoji !== change.emoji) {
      next.push(entry);
      continue;
    }
    found = true;
    if (change.count === 0) continue;
    const users = 'users' in entry && Array.isArray(entry.users) ? (entry.users as unknown[]) : [];
    const others = users.filter((u) => !isUser(u));
    const shown =
      change.added && others.length < REACTION_USERS_SHOWN && others.length === users.length
        ? [...others, by]
        : change.added
          ? users
          : others;
    next.push({ emoji: change.emoji, count: change.count, users: shown });
  }
  if (!found && change.added && change.count > 0)
    next.push({ emoji: change.emoji, count: change.count, users: [by] });
  return withReactions(json, next);
}

function messageIdOf(json: string): string | undefined {
  const id = parseObject(json)?.id;
  return typeof id === 'string' ? id : undefined;
}

function withReactions(json: string, reactions: unknown): string | undefined {
  const message = parseObject(json);
  if (message === undefined || !Array.isArray(reactions)) return undefined;
  const { reactions: _old, mentions, ...rest } = message;
  // Same key order as the store writes: reactions before mentions.
  return JSON.stringify({
    ...rest,
    ...(reactions.length === 0 ? {} : { reactions }),
    ...(mentions === undefined ? {} : { mentions }),
  });
}

/** A reply's JSON with the quote of `messageId` showing `body` (first 200 characters). */
function withQuote(json: string, messageId: string, body: string): string | undefined {
  const message = parseObject(json);
  const quote = message?.replyTo;
  if (message === undefined || typeof quote !== 'object' || quote === null) return undefined;
  if (!('id' in quote) || quote.id !== messageId) return undefined;
  return JSON.stringify({ ...message, replyTo: { ...quote, body: Array.from(body).slice(0, 200).join('') } });
}

function parseObject(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
