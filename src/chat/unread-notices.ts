// Live unread counts: as an observer of the room's append path, each new message is announced to the
// room's followers (those holding a read marker in it: "my rooms"), but its author, on the `unread`
// channel; every node hands the notices for its own connections to the RoomOutput, which sends
// `{"roomId","seq"}` on `/user/queue/unread`. At most `maxFollowers` are told per message: one indexed
// read per message, bounded. Knows nothing of frames or SQL.
import type { Logger } from 'pino';
import type { Bus } from '../cluster/bus.js';
import { UNREAD_CHANNEL, type UnreadMessage } from '../cluster/messages.js';
import type { Store } from '../store/store.js';
import type { RoomOutput } from './room-output.js';
import type { Appended } from './room-writer.js';

export interface UnreadNoticesDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly output: RoomOutput;
  readonly logger: Logger;
  /** The most followers told of one message (UNREAD_PUSH_MAX_FOLLOWERS). */
  readonly maxFollowers: number;
}

export class UnreadNotices {
  readonly #deps: UnreadNoticesDependencies;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(deps: UnreadNoticesDependencies) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#deps.bus.subscribe(UNREAD_CHANNEL, (message) => this.#deliver(message));
  }

  async close(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.();
  }

  /**
   * Append-path hook: a new message raises its followers' counts (edits, events, deletes and a retried
   * duplicate do not). Not awaited: the followers' read and the bus publication must not hold back the
   * author's RECEIPT; a lost notice costs only a count that GET /api/me/unread still gives.
   */
  readonly onAppended = (entry: Appended): undefined => {
    if (entry.kind !== 'message' || entry.duplicate || this.#deps.maxFollowers === 0) return undefined;
    void this.#publish(entry.message.roomId, entry.message.seq, entry.message.author.id);
    return undefined;
  };

  async #publish(roomId: UnreadMessage['roomId'], seq: number, authorId: string): Promise<void> {
    try {
      // One more than the cap: the author may be among them and is not told.
      const readers = await this.#deps.store.listReaders(roomId, this.#deps.maxFollowers + 1);
      const userIds = readers.filter((id) => id !== authorId).slice(0, this.#deps.maxFollowers);
      if (userIds.length === 0) return;
      await this.#deps.bus.publish({ kind: 'unread', roomId, seq, userIds });
    } catch (error) {
      // Counts are a convenience: the message is stored; GET /api/me/unread still tells the truth.
      this.#deps.logger.warn({ err: error, roomId }, 'publishing an unread notice failed');
    }
  }

  #deliver(notice: UnreadMessage): void {
    const json = JSON.stringify({ roomId: notice.roomId, seq: notice.seq });
    for (const id of notice.userIds) this.#deps.output.unread?.(id, notice.roomId, json);
  }
}
