// The room domain's input: one typed command per thing a member or staff can do in a room. Adapters
// build them (src/stomp-api/command-readers.ts from SEND bodies, src/http/ from requests); nothing in
// the domain sees JSON text, a header or a Buffer.
import type { ModerateBody } from '../protocol/index.js';
import type { MessageId, RoomId } from './model.js';

/** One staff action (`SEND /app/rooms.<id>.moderate`), discriminated on `action`. */
export type ModerationAction = ModerateBody;

export type PostCommand = {
  readonly kind: 'post';
  readonly roomId: RoomId;
  readonly body: string;
  readonly clientMsgId?: string;
  /** A message of the same room (the store refuses others with message_not_found). */
  readonly replyTo?: MessageId;
  /**
   * The client address the sender speaks from (set by the adapter from the connection, never from the
   * body): checked against the room's address bans.
   */
  readonly address?: string;
};

export type RoomCommand =
  | PostCommand
  | { readonly kind: 'typing'; readonly roomId: RoomId }
  | { readonly kind: 'edit'; readonly roomId: RoomId; readonly messageId: MessageId; readonly body: string }
  | { readonly kind: 'delete'; readonly roomId: RoomId; readonly messageId: MessageId }
  | {
      readonly kind: 'react';
      readonly roomId: RoomId;
      readonly messageId: MessageId;
      readonly emoji: string;
      readonly on: boolean;
    }
  | {
      readonly kind: 'report';
      readonly roomId: RoomId;
      readonly messageId: MessageId;
      readonly reason: string;
    }
  | { readonly kind: 'read'; readonly roomId: RoomId; readonly seq: number }
  /** A newcomer asks staff to let them post (rooms that approve newcomers). */
  | { readonly kind: 'ask'; readonly roomId: RoomId }
  | { readonly kind: 'moderate'; readonly roomId: RoomId; readonly action: ModerationAction };
