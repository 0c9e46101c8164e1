// A node with Redis holds exactly two Redis connections, named after it: one for commands (the bus's
// publications, presence, rate limits, cache) and one subscriber. Counted with CLIENT LIST on the
// machine's Redis while the node serves a member of a room, and again after it closed.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { join, sendWithReceipt } from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import { startTestParley, type TestParley } from './support/parley.js';
import { clientNamesStartingWith, REDIS_TEST_URL, redisAvailable, uniqueKeyPrefix } from './support/redis.js';

const withRedis = await redisAvailable();

describe.skipIf(!withRedis)('Redis connections of one node', () => {
  let parley: TestParley | undefined;
  afterEach(async () => {
    await parley?.dispose();
    parley = undefined;
  });

  it('are one command connection and one subscriber, named parley:<nodeId>:cmd and :sub', async () => {
    const nodeId = `conn-${randomUUID().slice(0, 8)}`;
    parley = await startTestParley({
      env: { REDIS_URL: REDIS_TEST_URL },
      overrides: { nodeId, redisKeyPrefix: uniqueKeyPrefix('connections') },
    });
    const names = () => clientNamesStartingWith(`parley:${nodeId}:`);
    // Every Redis-backed part at work: rate limits (session, room), presence and the bus (join, SEND),
    // the cache (room reads).
    const alice = await parley.session('alice');
    const room = await parley.createRoom(alice.token, 'lobby');
    const client = await parley.connect(alice.token);
    try {
      const inbox = await join(client, room.id);
      await sendWithReceipt(client, `/app/rooms.${room.id}`, JSON.stringify({ body: 'hello' }));
      await eventually(() => expect(inbox.messages.length).toBeGreaterThan(0));
      expect((await names()).sort()).toEqual([`parley:${nodeId}:cmd`, `parley:${nodeId}:sub`]);
    } finally {
      await client.deactivate();
    }
    await parley.dispose();
    parley = undefined;
    await eventually(async () => expect(await names()).toEqual([]));
  });
});
