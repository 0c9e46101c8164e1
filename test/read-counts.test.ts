// Read counts (issue 16), over real sockets on SQLite and PostgreSQL: in a small room each read goes
// out live on the presence topic under a key of the member for this room (never who they are), and
// GET /api/rooms/:id/reads lists every marker the same way; above READ_COUNTS_MAX_MEMBERS nothing goes
// out live and the summary counts markers per seq. Password rooms tell only members.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, getWithToken, join, send, subscribed } from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import { availableBackends, type Session, startTestParley, type TestParley } from './support/parley.js';

const backends = await availableBackends();
const MAX_MEMBERS = 2;

describe.each(backends)('read counts on %s', (backend) => {
  let parley: TestParley;

  beforeAll(async () => {
    parley = await startTestParley({ backend, env: { READ_COUNTS_MAX_MEMBERS: String(MAX_MEMBERS) } });
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  async function member(session: Session, roomId: string) {
    const client = await parley.connect(session.token);
    await join(client, roomId);
    const presence = await subscribed(client, `/topic/rooms.${roomId}.presence`);
    return { client, presence };
  }
  const reads = (inbox: { messages: { body: string }[] }) =>
    inbox.messages.map((m) => bodyOf(m as never)).filter((e) => e.type === 'read');

  it('sends each read live in a small room under a per-room key, and lists every marker the same way', async () => {
    const [ann, ben] = [await parley.session('ann'), await parley.session('ben')];
    const room = await parley.createRoom(ann.token, 'Small');
    const a = await member(ann, room.id);
    const b = await member(ben, room.id);
    for (const body of ['one', 'two', 'three']) await send(a.client, `/app/rooms.${room.id}`, { body });
    await send(a.client, `/app/rooms.${room.id}.read`, { seq: 3 });
    await send(b.client, `/app/rooms.${room.id}.read`, { seq: 2 });
    // A marker never passes the room's last seq.
    await send(b.client, `/app/rooms.${room.id}.read`, { seq: 99 });
    const heard = await eventually(() => {
      const events = reads(a.presence);
      expect(events).toHaveLength(3);
      return events;
    });
    const [annKey, benKey] = [heard[0]?.reader, heard[1]?.reader];
    expect(heard).toEqual([
      { type: 'read', reader: annKey, seq: 3 },
      { type: 'read', reader: benKey, seq: 2 },
      { type: 'read', reader: benKey, seq: 3 },
    ]);
    expect(annKey).not.toBe(benKey);
    // The key says nothing of who: no id, no name.
    for (const key of [annKey, benKey]) {
      expect(String(key)).not.toContain(ann.user.id);
      expect(String(key)).not.toContain(ben.user.id);
      expect(String(key)).not.toMatch(/ann|ben/);
    }
    await eventually(() => expect(reads(b.presence)).toHaveLength(3));
    // A read that raises nothing is no news: repeating it must not fan out to the room.
    for (let i = 0; i < 5; i++) await send(b.client, `/app/rooms.${room.id}.read`, { seq: 3 });
    await send(a.client, `/app/rooms.${room.id}.read`, { seq: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reads(a.presence)).toHaveLength(3);

    const summary = await getWithToken(`${parley.url}/api/rooms/${room.id}/reads`, ben.token);
    expect(summary.status).toBe(200);
    expect(summary.body.members).toBe(2);
    expect(summary.body.live).toBe(true);
    expect(
      [...(summary.body.markers as { reader: string; seq: number }[])].sort((x, y) =>
        x.reader.localeCompare(y.reader),
      ),
    ).toEqual(
      [
        { reader: annKey, seq: 3 },
        { reader: benKey, seq: 3 },
      ].sort((x, y) => String(x.reader).localeCompare(String(y.reader))),
    );
    // The same member has another key in another room.
    const other = await parley.createRoom(ann.token, 'Other');
    const o = await member(ann, other.id);
    await send(o.client, `/app/rooms.${other.id}`, { body: 'hi' });
    await send(o.client, `/app/rooms.${other.id}.read`, { seq: 1 });
    const [elsewhere] = await eventually(() => {
      const events = reads(o.presence);
      expect(events).toHaveLength(1);
      return events;
    });
    expect(elsewhere?.reader).not.toBe(annKey);
  });

  it('above READ_COUNTS_MAX_MEMBERS sends no read live and counts markers per seq', async () => {
    const people = await Promise.all(['cat', 'dan', 'eve'].map((n) => parley.session(n)));
    const [cat, dan, eve] = people as [Session, Session, Session];
    const room = await parley.createRoom(cat.token, 'Large');
    const c = await member(cat, room.id);
    const d = await member(dan, room.id);
    const e = await member(eve, room.id);
    for (const body of ['a', 'b', 'c', 'd']) await send(c.client, `/app/rooms.${room.id}`, { body });
    await send(c.client, `/app/rooms.${room.id}.read`, { seq: 4 });
    await send(d.client, `/app/rooms.${room.id}.read`, { seq: 4 });
    await eventually(() => expect(reads(e.presence)).toHaveLength(2));
    // The third member makes the room larger than the limit: from now on, no live reads.
    await send(e.client, `/app/rooms.${room.id}.read`, { seq: 1 });
    await send(d.client, `/app/rooms.${room.id}`, { body: 'e' });
    await send(c.client, `/app/rooms.${room.id}.read`, { seq: 5 });
    const summary = await getWithToken(`${parley.url}/api/rooms/${room.id}/reads?from=2`, eve.token);
    expect(summary.body).toEqual({
      members: 3,
      live: false,
      readBy: [
        { seq: 5, count: 1 },
        { seq: 4, count: 1 },
      ],
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reads(e.presence)).toHaveLength(2);
  });

  it('tells a password room’s reads only to its members', async () => {
    const owner = await parley.session('owl');
    const outsider = await parley.session('fox');
    const room = await parley.createRoom(owner.token, 'Locked');
    const ownerClient = await parley.connect(owner.token);
    await join(ownerClient, room.id);
    await send(ownerClient, `/app/rooms.${room.id}.moderate`, {
      action: 'settings',
      password: 'open sesame',
    });
    const refused = await getWithToken(`${parley.url}/api/rooms/${room.id}/reads`, outsider.token);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'not_joined' } });
    expect((await fetch(`${parley.url}/api/rooms/${room.id}/reads`)).status).toBe(403);
    // The owner, a member, reads them.
    expect((await getWithToken(`${parley.url}/api/rooms/${room.id}/reads`, owner.token)).status).toBe(200);
  });
});
