// The chat's nouns as they cross every seam (store, bus, HTTP, STOMP bodies). Plain data only.

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type UserId = Brand<string, 'UserId'>;
export type RoomId = Brand<string, 'RoomId'>;
export type MessageId = Brand<string, 'MessageId'>;

export interface User {
  readonly id: UserId;
  readonly nickname: string;
  /** Four digits that tell two people with the same nickname apart: `alice#0412`. */
  readonly tag: string;
}

/** A room as stored; `online` is added from presence when shown. Times are ISO-8601 strings. */
export interface StoredRoom {
  readonly id: RoomId;
  readonly name: string;
  readonly topic: string | null;
  readonly createdAt: string;
  readonly createdBy: User;
  readonly lastMessageAt: string | null;
  /** The highest `seq` stored in this room (0 when empty). */
  readonly lastSeq: number;
}

export interface Room extends Omit<StoredRoom, 'lastSeq'> {
  readonly online: number;
}

export interface Message {
  readonly id: MessageId;
  readonly roomId: RoomId;
  /** Positive, strictly increasing within a room, dense (no gaps), never reused. */
  readonly seq: number;
  readonly author: User;
  readonly body: string;
  readonly createdAt: string;
  readonly clientMsgId?: string;
}
