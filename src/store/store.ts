// The storage port: rooms and messages, durable. Implementations: SqliteStore (embedded default) and
// PostgresStore (shared by many nodes). Both pass test/store-contract.ts. Knows nothing of STOMP.
import type { Message, MessageId, RoomId, StoredRoom, User } from '../chat/model.js';

export interface NewRoom {
  readonly id: RoomId;
  readonly name: string;
  readonly topic: string | null;
  readonly createdBy: User;
  readonly createdAt: Date;
}

export interface NewMessage {
  readonly id: MessageId;
  readonly roomId: RoomId;
  readonly author: User;
  readonly body: string;
  readonly createdAt: Date;
  readonly clientMsgId?: string;
}

export interface AppendResult {
  readonly message: Message;
  /** True when (roomId, author.id, clientMsgId) was stored before: `message` is the stored original. */
  readonly duplicate: boolean;
}

export interface RoomQuery {
  /** Case-insensitive substring of the room name. */
  readonly query?: string;
  readonly limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface RoomPage {
  readonly rooms: StoredRoom[];
  readonly nextCursor: string | null;
}

/** At most one of beforeSeq/afterSeq. None: the latest `limit`. Result always ascending by seq. */
export interface MessageRange {
  readonly beforeSeq?: number;
  readonly afterSeq?: number;
  readonly limit: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending migrations; called once at start-up before anything else. */
  migrate(): Promise<void>;
  createRoom(room: NewRoom): Promise<StoredRoom>;
  findRoom(id: RoomId): Promise<StoredRoom | undefined>;
  /** Most recently active first (last message, else creation), then id. */
  listRooms(query: RoomQuery): Promise<RoomPage>;
  /**
   * Assigns the room's next `seq` atomically (also across processes sharing the database), stores the
   * message and resolves only after the transaction has committed. Calls are group-committed: many
   * concurrent appends share one transaction, yet each promise settles only with its own outcome.
   * Appends issued in order by one caller get increasing seqs in that order.
   * Rejects with ParleyError('room_not_found') or ParleyError('storage_unavailable').
   */
  appendMessage(message: NewMessage): Promise<AppendResult>;
  listMessages(roomId: RoomId, range: MessageRange): Promise<Message[]>;
  /** Resolves when the database answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  /** Flushes pending appends, then releases connections. */
  close(): Promise<void>;
}
