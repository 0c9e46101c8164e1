// The one path by which anything enters a room: a message or a room event is appended to the store
// (taking the room's next seq), the shared room head is raised, the observers hear of it (policy
// invalidation, mention notices, metrics), and it is fanned out: to this node's feed at once, to the
// other nodes over the bus. Knows nothing of rules (the command handlers decided) or of transport.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Bus } from '../cluster/bus.js';
import type { AppendResult, NewMessage, NewRoomEvent, Store } from '../store/store.js';
import type { Message, RoomId, StoredRoomEvent, User } from './model.js';
import type { RoomCache } from './room-cache.js';
import { type FeedEntry, liveEvent, liveMessage, toRoomEntryMessage } from './room-feed.js';
import type { RoomFeeds } from './room-feeds.js';

/** What was appended, as the observers hear it (after commit, before fan-out). */
export type Appended =
  | {
      readonly kind: 'message';
      readonly message: Message;
      /** A retry of a stored message (same clientMsgId): nothing new was stored or fanned out. */
      readonly duplicate: boolean;
      /** From the call to the commit. */
      readonly appendMs: number;
    }
  | {
      readonly kind: 'event';
      readonly event: StoredRoomEvent;
      readonly actor: User;
      /** Users the event newly mentions (an edit's added mentions), to be told. */
      readonly mentioned?: readonly User[];
    };

/**
 * Called synchronously on the append path, so the synchronous part must be cheap; a returned promise
 * is awaited before the append is acknowledged (its failure is logged, never the append's).
 */
export type AppendObserver = (entry: Appended) => Promise<void> | undefined;

export interface RoomWriterDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly feeds: RoomFeeds;
  /** The shared room heads (many nodes); absent on a single node. */
  readonly roomCache: RoomCache | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class RoomWriter {
  readonly #deps: RoomWriterDependencies;
  readonly #observers: AppendObserver[] = [];

  constructor(deps: RoomWriterDependencies) {
    this.#deps = deps;
  }

  onAppended(observer: AppendObserver): void {
    this.#observers.push(observer);
  }

  /**
   * Queues the append now (synchronously, so appends called in order take seqs in that order) and
   * resolves after commit, the observers and fan-out. A retry with the same clientMsgId resolves with
   * the stored original and is not fanned out again.
   */
  appendMessage(message: NewMessage): Promise<Message> {
    const startedMs = this.#deps.clock.now();
    return this.#afterMessage(message.roomId, this.#deps.store.appendMessage(message), startedMs);
  }

  /**
   * Applies and stores a room event (refusals come from the store's checks); undefined when it changed
   * nothing. `mentioned`, asked once the event is stored: users to tell they are now mentioned (edits).
   */
  async appendEvent(
    event: NewRoomEvent,
    mentioned?: () => readonly User[],
  ): Promise<StoredRoomEvent | undefined> {
    const stored = await this.#deps.store.appendEvent(event);
    if (stored === undefined) return undefined;
    const id = stored.roomId;
    await this.#raiseHead(id, stored.seq);
    const pending = this.#notify({
      kind: 'event',
      event: stored,
      actor: event.actor,
      ...(mentioned === undefined ? {} : { mentioned: mentioned() }),
    });
    this.#fanOut(id, liveEvent(stored, this.#deps.clock.now()));
    if (pending !== undefined) await pending;
    return stored;
  }

  async #afterMessage(id: RoomId, appended: Promise<AppendResult>, startedMs: number): Promise<Message> {
    const { message, duplicate } = await appended;
    // Before the caller acknowledges: a read on any node that starts after the RECEIPT sees the message.
    // Also for a retry, in case the original's node died between its commit and this step.
    await this.#raiseHead(id, message.seq);
    const storedAtMs = this.#deps.clock.now();
    const pending = this.#notify({ kind: 'message', message, duplicate, appendMs: storedAtMs - startedMs });
    if (!duplicate) {
      this.#fanOut(id, liveMessage(message, storedAtMs, startedMs));
    }
    if (pending !== undefined) await pending;
    return message;
  }

  #raiseHead(id: RoomId, seq: number): Promise<void> | undefined {
    return this.#deps.roomCache?.advanced(id, seq).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error, roomId: id }, 'raising the cached room head failed');
    });
  }

  /**
   * This node's feed gets it at once; the others over the bus. The acknowledgement does not wait for
   * the bus: stored is what counts. Other nodes fill a missed entry from the store on their next one or
   * on resync, and resuming clients read it with since-seq.
   */
  #fanOut(id: RoomId, entry: FeedEntry): void {
    // Encoded once: the bus payload and every local frame share the entry's JSON.
    this.#deps.feeds.offer(id, entry);
    void this.#deps.bus.publish(toRoomEntryMessage(id, entry)).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error, roomId: id }, 'publishing a room entry failed');
    });
  }

  #notify(entry: Appended): Promise<void> | undefined {
    let pending: Promise<void>[] | undefined;
    for (const observer of this.#observers) {
      try {
        const result = observer(entry);
        if (result !== undefined) {
          pending ??= [];
          pending.push(result.catch((error: unknown) => this.#failed(error)));
        }
      } catch (error) {
        this.#failed(error);
      }
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
  }

  #failed(error: unknown): void {
    this.#deps.logger.error({ err: error }, 'an append observer failed');
  }
}
