// The live, ordered stream of one room on this node: messages arrive from the bus (our own and other
// nodes'), are delivered to local subscribers strictly in `seq` order, once; a gap (a lost pub/sub
// message, a Redis reconnect) is filled from the store before anything later is delivered. Also keeps
// the room's most recent messages so history pages are served without a storage round trip.
import type { Logger } from 'pino';
import type { Bus } from '../cluster/bus.js';
import { type RoomEntryMessage, roomEntriesChannel, roomPresenceChannel } from '../cluster/messages.js';
import { decodeJson, MessageSchema, RoomEventSchema } from '../protocol/index.js';
import type { Store } from '../store/store.js';
import {
  entrySeq,
  type Message,
  type PresenceEvent,
  REACTION_USERS_SHOWN,
  type Reaction,
  type RoomEntry,
  type RoomEvent,
  type RoomEventOf,
  type RoomEventType,
  type RoomId,
  type StoredRoomEvent,
} from './model.js';

/**
 * A room entry on its way to subscribers: the typed value, and its wire JSON (the MESSAGE body: the
 * message, or the event's `{"type", ...}`), encoded at most once per node however many destination
 * groups, bus publications and replays use it.
 */
export class FeedEntry {
  readonly entry: RoomEntry;
  /** When the storing node saw the commit (epoch ms); set on live entries, for latency metrics. */
  readonly storedAtMs: number | undefined;
  /**
   * When this node handed the SEND's message to the store (its own clock); set only on the node that
   * took the SEND, never carried over the bus, for the SEND-to-delivery metric.
   */
  readonly acceptedAtMs: number | undefined;
  #json: string | undefined;

  constructor(
    entry: RoomEntry,
    options: { readonly storedAtMs?: number; readonly acceptedAtMs?: number; readonly json?: string } = {},
  ) {
    this.entry = entry;
    this.storedAtMs = options.storedAtMs;
    this.acceptedAtMs = options.acceptedAtMs;
    this.#json = options.json;
  }

  get seq(): number {
    return entrySeq(this.entry);
  }

  /** The event's type; undefined for a chat message. */
  get eventType(): RoomEventType | undefined {
    return this.entry.kind === 'event' ? this.entry.event.event.type : undefined;
  }

  get json(): string {
    this.#json ??= JSON.stringify(
      this.entry.kind === 'message' ? this.entry.message : this.entry.event.event,
    );
    return this.#json;
  }
}

export interface FeedSink {
  /** Deliver a message or room event to this node's subscribers of the room (in seq order, once each). */
  message(roomId: RoomId, entry: FeedEntry): void;
  /** Deliver a presence event to this node's subscribers of the room's presence topic. */
  presence(roomId: RoomId, event: PresenceEvent): void;
}

/**
 * A stored entry as it crosses the bus: seq, time and type beside the same JSON the local frames use,
 * so a node drops its own echo (and anything it has) without reading the JSON.
 */
export function toRoomEntryMessage(roomId: RoomId, entry: FeedEntry): RoomEntryMessage {
  const storedAtMs = entry.storedAtMs ?? 0;
  if (entry.entry.kind === 'message') {
    return { kind: 'room.entry', roomId, seq: entry.seq, storedAtMs, entry: entry.json };
  }
  const stored = entry.entry.event;
  return {
    kind: 'room.entry',
    roomId,
    seq: stored.seq,
    storedAtMs,
    event: stored.event.type,
    createdAtMs: Date.parse(stored.createdAt),
    entry: entry.json,
  };
}

/** A message this node stored, ready for its feed and the bus. */
export const liveMessage = (message: Message, storedAtMs: number, acceptedAtMs?: number): FeedEntry =>
  new FeedEntry(
    { kind: 'message', message },
    acceptedAtMs === undefined ? { storedAtMs } : { storedAtMs, acceptedAtMs },
  );

/** A room event this node stored, ready for its feed and the bus. */
export const liveEvent = (event: StoredRoomEvent, storedAtMs: number): FeedEntry =>
  new FeedEntry({ kind: 'event', event }, { storedAtMs });

/** The entry another node published, checked against the protocol schema (a peer is an edge too). */
export function fromRoomEntryMessage(message: RoomEntryMessage): FeedEntry | undefined {
  const { roomId, seq, storedAtMs, entry: json } = message;
  if (message.event === undefined) {
    const decoded = decodeJson(MessageSchema, json);
    if (!decoded.ok || decoded.value.seq !== seq || decoded.value.roomId !== roomId) return undefined;
    // Checked by the schema; the ids in it are ours (brands are inward).
    return new FeedEntry({ kind: 'message', message: decoded.value as Message }, { storedAtMs, json });
  }
  const decoded = decodeJson(RoomEventSchema, json);
  if (!decoded.ok || decoded.value.type !== message.event || message.createdAtMs === undefined)
    return undefined;
  const event: StoredRoomEvent = {
    roomId,
    seq,
    createdAt: new Date(message.createdAtMs).toISOString(),
    event: decoded.value as RoomEvent,
  };
  return new FeedEntry({ kind: 'event', event }, { storedAtMs, json });
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
  #recent: Message[] = [];
  #coveredFrom = 1;
  /** Entries that arrived ahead of a gap, waiting for the fill. */
  readonly #ahead = new Map<number, FeedEntry>();
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
      await bus.subscribe(roomEntriesChannel(this.roomId), (m) => this.#onBusMessage(m)),
    );
    this.#unsubscribe.push(
      await bus.subscribe(roomPresenceChannel(this.roomId), (m) =>
        this.deps.sink.presence(this.roomId, m.event),
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
    this.#recent.push(...latest);
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
  recent(range: { beforeSeq?: number; afterSeq?: number; limit: number }): Message[] | undefined {
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
   * An entry this node stored: delivered to local subscribers without waiting for the bus round trip
   * (or for a bus that is down); its echo from the bus is then dropped by seq.
   */
  offer(entry: FeedEntry): void {
    if (entry.seq <= this.lastSeq) return;
    this.#ahead.set(entry.seq, entry);
    this.#drain();
  }

  #onBusMessage(message: RoomEntryMessage): void {
    // Our own echo (offered already) and anything delivered is dropped before its JSON is read.
    if (message.seq <= this.lastSeq || this.#ahead.has(message.seq)) return;
    const entry = fromRoomEntryMessage(message);
    if (entry === undefined) {
      this.deps.logger.warn({ roomId: this.roomId }, 'dropped a malformed bus message');
      return;
    }
    this.offer(entry);
  }

  /** Delivers contiguous entries; starts a fill from the store when the next one is missing. */
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
          const seq = entrySeq(entry);
          if (seq === this.lastSeq + 1) {
            this.#ahead.delete(seq);
            this.#deliver(new FeedEntry(entry));
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

  #deliver(entry: FeedEntry): void {
    this.lastSeq = entry.seq;
    this.#remember(entry.entry);
    this.deps.sink.message(this.roomId, entry);
  }

  #remember(entry: RoomEntry): void {
    if (entry.kind === 'event') {
      this.#apply(entry.event.event);
      return;
    }
    this.#recent.push(entry.message);
    if (this.#recent.length > this.deps.recentLimit) {
      this.#recent.shift();
      this.#coveredFrom = this.#recent[0]?.seq ?? entry.message.seq;
    }
  }

  /** Keeps the held copy of a message current when an event changes it. */
  #apply(event: RoomEvent): void {
    switch (event.type) {
      case 'message.edited':
      case 'message.deleted':
      case 'message.hidden':
      case 'message.restored': {
        const changed = event.message;
        // Replies quote the message as it is now, so their held copies change with it.
        this.#recent = this.#recent.map((m) =>
          m.id === changed.id
            ? changed
            : m.replyTo?.id === changed.id
              ? { ...m, replyTo: { ...m.replyTo, body: quoteBody(changed.body) } }
              : m,
        );
        return;
      }
      case 'reaction.changed': {
        const index = this.#recent.findIndex((m) => m.id === event.messageId);
        const held = this.#recent[index];
        if (held !== undefined) this.#recent[index] = withReactionChange(held, event);
        return;
      }
      default:
        return;
    }
  }
}

/** What a reply quotes of a body: the first 200 characters. */
function quoteBody(body: string): string {
  return Array.from(body).slice(0, 200).join('');
}

/**
 * The held message with one reaction change applied: the emoji's total from the event, the reactor
 * added to (while fewer than REACTION_USERS_SHOWN are shown) or removed from its users. Emojis keep the
 * order they were first used in, as the store lists them.
 */
function withReactionChange(message: Message, change: RoomEventOf<'reaction.changed'>): Message {
  const { by } = change;
  const current = message.reactions ?? [];
  let found = false;
  const next: Reaction[] = [];
  for (const reaction of current) {
    if (reaction.emoji !== change.emoji) {
      next.push(reaction);
      continue;
    }
    found = true;
    if (change.count === 0) continue;
    const others = reaction.users.filter((u) => u.id !== by.id);
    const users =
      change.added && others.length < REACTION_USERS_SHOWN && others.length === reaction.users.length
        ? [...others, by]
        : change.added
          ? reaction.users
          : others;
    next.push({ emoji: change.emoji, count: change.count, users });
  }
  if (!found && change.added && change.count > 0)
    next.push({ emoji: change.emoji, count: change.count, users: [by] });
  // The store's key order (reactions before mentions), so a held copy reads like a stored one.
  const { reactions: _old, mentions, ...rest } = message;
  return {
    ...rest,
    ...(next.length === 0 ? {} : { reactions: next }),
    ...(mentions === undefined ? {} : { mentions }),
  };
}
