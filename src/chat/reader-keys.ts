// Keys that tell a room's readers apart for read counts without saying who they are: a keyed hash of
// the room and the user, so the same member has one key in a room and unrelated keys across rooms, and
// nobody without the server's secret can match a key to a user. Same secret on every node.
import { createHmac, hkdfSync } from 'node:crypto';
import type { RoomId, UserId } from './model.js';

export class ReaderKeys {
  readonly #key: Buffer;

  constructor(secret: Uint8Array) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), 'parley reader keys v1', 32));
  }

  /** 96 bits: no two members of a room collide in practice. */
  of(roomId: RoomId, userId: UserId): string {
    return createHmac('sha256', this.#key).update(`${roomId}:${userId}`).digest('base64url').slice(0, 16);
  }
}
