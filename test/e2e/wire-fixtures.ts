// Users and messages in the wire shapes (src/protocol) for the suites that test its pure rules under
// Node. Plain data only: no browser, no server.
import type { Message } from '../../src/protocol/index.js';

export const alice = { id: 'u-alice', nickname: 'alice', tag: '0412' };
export const bob = { id: 'u-bob', nickname: 'bob', tag: '7731' };

/** A confirmed message by bob in room r1 with seq `seq`; `extra` overrides any field. */
export function message(seq: number, extra: Partial<Message> = {}): Message {
  return {
    id: `m-${seq}`,
    roomId: 'r1',
    seq,
    author: bob,
    body: `body ${seq}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}
