// The live, ordered stream of one room on this node: messages arrive from the bus (our own and other
// nodes'), are delivered to local subscribers strictly in `seq` order, once; a gap (a lost pub/sub
// message, a Redis reconnect) is filled from the store before anything later is delivered. Also keeps
// the room's most recent messages so history pages are served without a storage round trip.
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import type { Message, RoomId } from './model.js';

/** A message as it travels: its seq and its JSON, encoded once by the node that stored it. */
export interface EncodedMessage {
  readonly seq: number;
  readonly json: string;
  /** When the storing node saw the commit (epoch ms); set on live messages, for latency metrics. */
  readonly storedAtMs?: number;
}

export interface FeedSink {
  /** Deliver a chat message to this node's subscribers of the room (called in seq order, once each). */
  message(roomId: RoomId, message: EncodedMessage): void;
  /** Deliver a presence event (JSON) to this node's subscribers of the room's presence topic. */
  presence(roomId: RoomId, json: string): void;
}

export const roomChannel = (roomId: RoomId): string => `room.${roomId}`;
export const presenceChannel = (roomId: RoomId): string => `presence.${roomId}`;

/** `<seq>:<storedAtMs>:<json>`: seq and time are readable without parsing the JSON. */
export function encodeBusMessage(message: Message, storedAtMs: number): string {
  return `${message.seq}:${storedAtMs}:${JSON.stringify(message)}`;
}

function decodeBusMessage(payload: string): EncodedMessage | undefined {
  const first = payload.indexOf(':');
  const second = payload.indexOf(':', first + 1);
  const seq = Number(payload.slice(0, first));
  const storedAtMs = Number(payload.slice(first + 1, second));
  if (first < 1 || second < 0 || !Number.isSafeInteger(seq) || seq < 1 || !Number.isFinite(storedAtMs)) {
    return undefined;
  }
  return { seq, json: payload.slice(second + 1), storedAtMs };
}

const FILL_PAGE = 200;

export class RoomFeed {
  readonly roomId: RoomId;
  /** Highest seq delivered locally; everything up to it has been delivered (or was before this feed). */
  lastSeq = 0;
  /** Most recent messages, ascending and contiguous, ending at lastSeq. */
  readonly #recent: EncodedMessage[] = [];
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
    this.#unsubscribe.push(await bus.subscribe(roomChannel(this.roomId), (p) => this.#onBusMessage(p)));
    this.#unsubscribe.push(
      await bus.subscribe(presenceChannel(this.roomId), (json) => this.deps.sink.presence(this.roomId, json)),
    );
    const latest = await store.listMessages(this.roomId, { limit: this.deps.recentLimit });
    for (const message of latest) this.#remember({ seq: message.seq, json: JSON.stringify(message) });
    const last = latest.at(-1);
    this.lastSeq = last === undefined ? 0 : last.seq;
    if (last === undefined) {
      // An empty page can race a first message: ask the room itself where it stands.
      const room = await store.findRoom(this.roomId);
      this.lastSeq = room?.lastSeq ?? 0;
    }
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
    const first = recent[0]?.seq ?? this.lastSeq + 1;
    const startsAtBeginning = first === 1;
    if (range.afterSeq !== undefined) {
      if (range.afterSeq + 1 < first) return undefined;
      const from = Math.max(0, range.afterSeq + 1 - first);
      return recent.slice(from, from + range.limit);
    }
    const end =
      range.beforeSeq === undefined
        ? recent.length
        : Math.max(0, Math.min(recent.length, range.beforeSeq - first));
    const start = end - range.limit;
    if (start < 0 && !startsAtBeginning) return undefined;
    return recent.slice(Math.max(0, start), end);
  }

  /** After the bus reconnected: anything may have been missed, so catch up from the store. */
  resync(): void {
    if (!this.#ready) return;
    void this.#fill(Number.MAX_SAFE_INTEGER);
  }

  #onBusMessage(payload: string): void {
    const message = decodeBusMessage(payload);
    if (message === undefined) {
      this.deps.logger.warn({ roomId: this.roomId }, 'dropped a malformed bus message');
      return;
    }
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
        const page = await this.deps.store.listMessages(this.roomId, {
          afterSeq: this.lastSeq,
          limit: FILL_PAGE,
        });
        for (const message of page) {
          if (message.seq === this.lastSeq + 1) {
            this.#ahead.delete(message.seq);
            this.#deliver({ seq: message.seq, json: JSON.stringify(message) });
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
    const last = this.#recent.at(-1);
    if (last !== undefined && last.seq + 1 !== message.seq) this.#recent.length = 0;
    this.#recent.push(message);
    if (this.#recent.length > this.deps.recentLimit) this.#recent.shift();
  }
}
