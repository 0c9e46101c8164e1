// Notices and pins across nodes: two in-process Parleys on one PostgreSQL database and one Redis. A pin
// and a notice set by staff on node A reach a member subscribed on node B live (room events over the
// bus), and node B's room JSON carries both at once (its shared room cache follows the room's head).
import { describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { bodyOf, send, subscribed } from './support/chat-client.js';
import { clusterSkipReason, nodePairForSuite } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { getJson } from './support/parley.js';

describe.skipIf((await clusterSkipReason()) !== undefined)('notices and pins across two nodes', () => {
  const nodes = nodePairForSuite('pins-cluster');

  it('a pin and a notice set on node A reach a subscriber on node B, live and in the room', async () => {
    const [a, b] = [nodes.a(), nodes.b()];
    const owner = await a.session('owner');
    const bob = await b.session('bob');
    const room = await a.createRoom(owner.token, 'pins across');
    const bobClient = await b.connect(bob.token);
    const bobRoom = await subscribed(bobClient, `/topic/rooms.${room.id}`);
    // Node B reads (and caches) the room before the changes.
    expect((await getJson<Room>(`${b.url}/api/rooms/${room.id}`)).pins).toEqual([]);

    await send(bobClient, `/app/rooms.${room.id}`, { body: 'read the rules' });
    const posted = await eventually(() => {
      const m = bobRoom.messages.find((x) => x.headers.event === undefined);
      if (m === undefined) throw new Error('no message yet');
      return bodyOf(m);
    });
    const ownerClient = await a.connect(owner.token);
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, { action: 'pin', messageId: posted.id });
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, { action: 'notice', body: 'Welcome, be kind' });

    await eventually(() =>
      expect(bobRoom.messages.map((m) => m.headers.event).filter((e) => e !== undefined)).toEqual([
        'message.pinned',
        'notice.changed',
      ]),
    );
    const events = bobRoom.messages.filter((m) => m.headers.event !== undefined).map(bodyOf);
    expect(events[0]).toMatchObject({ pin: { id: posted.id, body: 'read the rules', pinnedBy: owner.user } });
    expect(events[1]).toMatchObject({ notice: { body: 'Welcome, be kind', by: owner.user } });

    const onB = await getJson<Room>(`${b.url}/api/rooms/${room.id}`);
    expect(onB.pins.map((p) => p.id)).toEqual([posted.id]);
    expect(onB.notice?.body).toBe('Welcome, be kind');
  });
});
