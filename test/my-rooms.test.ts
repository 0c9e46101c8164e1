// "My rooms" over real sockets and HTTP on both databases: a room the user read in is one of their
// rooms (GET /api/me/unread with name, unread and mention counts); each new message there is pushed on
// /user/queue/unread to their connections outside the room, never to its author; leaving a room
// (POST /api/me/rooms/:id/leave) ends both; a taken-down room leaves everyone's rooms;
// UNREAD_PUSH_MAX_FOLLOWERS bounds who is told; across two nodes on Redis and PostgreSQL the push reaches
// the follower connected to the other node.
import type { Client } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { join, send, subscribed } from './support/chat-client.js';
import { clusterSkipReason } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import {
  availableBackends,
  callApi,
  type Session,
  startNodePair,
  startTestParley,
  type TestParley,
} from './support/parley.js';
import { deleteKeys, REDIS_TEST_URL, uniqueKeyPrefix } from './support/redis.js';
import { type Inbox, receiptOf } from './support/stompjs-client.js';

const backends = await availableBackends();
const SECRET = 'my-rooms-operator-secret-0123456789abcdef';

interface MyRoom {
  readonly roomId: string;
  readonly name: string;
  readonly lastReadSeq: number;
  readonly unread: number;
  readonly mentions: number;
}

/** POST /api/me/rooms/:id/leave; its status (204 has no body). */
async function leave(parley: TestParley, roomId: string, token?: string): Promise<number> {
  const response = await fetch(`${parley.url}/api/me/rooms/${roomId}/leave`, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

async function myRooms(parley: TestParley, session: Session): Promise<MyRoom[]> {
  const reply = await callApi(parley.url, 'GET', '/api/me/unread', { token: session.token });
  expect(reply.status).toBe(200);
  return (reply.body as { rooms: MyRoom[] }).rooms;
}

/** Joins the room on a connection of its own, reads up to `seq`, and leaves it again. */
async function readIn(parley: TestParley, session: Session, roomId: string, seq: number): Promise<void> {
  const client = await parley.connect(session.token);
  await join(client, roomId);
  await send(client, `/app/rooms.${roomId}.read`, { seq });
  await client.deactivate();
}

/** Posts a message and waits for its RECEIPT (stored). */
async function post(client: Client, roomId: string, body: string): Promise<void> {
  const receipt = `p-${Math.random()}`;
  const stored = receiptOf(client, receipt);
  client.publish({
    destination: `/app/rooms.${roomId}`,
    body: JSON.stringify({ body }),
    headers: { 'content-type': 'application/json', receipt },
  });
  await stored;
}

describe.each(backends)('my rooms and live unread counts on %s', (backend) => {
  let parley: TestParley;
  let alice: Session;
  let bob: Session;

  beforeAll(async () => {
    parley = await startTestParley({ backend, env: { OPERATOR_TOKENS: SECRET } });
    alice = await parley.session('alice');
    bob = await parley.session('bob');
  }, 60_000);
  afterAll(async () => {
    await parley?.dispose();
  });

  /** Alice in the room, bob following it (read in it) and listening on /user/queue/unread elsewhere. */
  async function followed(name: string): Promise<{ room: Room; aliceClient: Client; bobUnread: Inbox }> {
    const room = await parley.createRoom(alice.token, name, 'a topic');
    const aliceClient = await parley.connect(alice.token);
    await join(aliceClient, room.id);
    await readIn(parley, bob, room.id, 0);
    const bobClient = await parley.connect(bob.token);
    const bobUnread = await subscribed(bobClient, '/user/queue/unread');
    return { room, aliceClient, bobUnread };
  }

  it('pushes each new message of a followed room to the follower outside it, with its seq; never to the author', async () => {
    const { room, aliceClient, bobUnread } = await followed('Weekend hiking');
    const aliceUnread = await subscribed(aliceClient, '/user/queue/unread');
    await post(aliceClient, room.id, 'hello');
    await post(aliceClient, room.id, `hey @bob#${bob.user.tag}`);
    const pushed = await bobUnread.waitFor(2);
    expect(pushed.map((m) => JSON.parse(m.body))).toEqual([
      { roomId: room.id, seq: 1 },
      { roomId: room.id, seq: 2 },
    ]);
    expect(pushed[0]?.headers['room-id']).toBe(room.id);
    expect(await myRooms(parley, bob)).toContainEqual({
      roomId: room.id,
      name: 'Weekend hiking',
      lastReadSeq: 0,
      unread: 2,
      mentions: 1,
    });
    // Alice reads in it too (she holds a marker only once she reads); her own messages push nothing to her.
    await send(aliceClient, `/app/rooms.${room.id}.read`, { seq: 2 });
    await post(aliceClient, room.id, 'third');
    await bobUnread.waitFor(3);
    expect(aliceUnread.messages).toHaveLength(0);
  });

  it('leaving a room takes it out of my rooms and stops its pushes; reading in it again brings it back', async () => {
    const { room, aliceClient, bobUnread } = await followed('Leave me');
    await post(aliceClient, room.id, 'one');
    await bobUnread.waitFor(1);
    expect(await leave(parley, room.id, bob.token)).toBe(204);
    expect((await myRooms(parley, bob)).map((r) => r.roomId)).not.toContain(room.id);
    await post(aliceClient, room.id, 'two');
    // A message to a room bob still follows arrives after it: the 'two' notice would have come first.
    const { room: other, aliceClient: otherClient } = await followed('Still followed');
    await post(otherClient, other.id, 'marker');
    await eventually(() =>
      expect(bobUnread.messages.some((m) => JSON.parse(m.body).roomId === other.id)).toBe(true),
    );
    expect(bobUnread.messages.map((m) => JSON.parse(m.body).roomId)).toEqual([room.id, other.id]);
    await readIn(parley, bob, room.id, 2);
    expect((await myRooms(parley, bob)).map((r) => r.roomId)).toContain(room.id);
    // Idempotent (a room that is not one of yours, or none at all, is left already); no token → 401.
    expect(await leave(parley, room.id, bob.token)).toBe(204);
    expect(await leave(parley, room.id, bob.token)).toBe(204);
    expect(await leave(parley, room.id)).toBe(401);
    expect(await leave(parley, 'nope', bob.token)).toBe(204);
  });

  it('a room taken down leaves everyone’s rooms', async () => {
    const { room } = await followed('Taken down');
    expect((await myRooms(parley, bob)).map((r) => r.roomId)).toContain(room.id);
    const closed = await callApi(parley.url, 'POST', `/api/admin/rooms/${room.id}/close`, {
      token: SECRET,
      body: { reason: 'spam' },
    });
    expect(closed.status).toBe(200);
    expect((await myRooms(parley, bob)).map((r) => r.roomId)).not.toContain(room.id);
  });
});

describe('UNREAD_PUSH_MAX_FOLLOWERS', () => {
  let parley: TestParley;
  beforeAll(async () => {
    parley = await startTestParley({ env: { UNREAD_PUSH_MAX_FOLLOWERS: '1' } });
  }, 60_000);
  afterAll(async () => {
    await parley?.dispose();
  });

  it('tells at most that many followers of each message (the author not counted)', async () => {
    const author = await parley.session('author');
    const followers = [await parley.session('f1'), await parley.session('f2')];
    const room = await parley.createRoom(author.token, 'capped');
    const authorClient = await parley.connect(author.token);
    await join(authorClient, room.id);
    await send(authorClient, `/app/rooms.${room.id}.read`, { seq: 0 });
    const inboxes: Inbox[] = [];
    for (const follower of followers) {
      await readIn(parley, follower, room.id, 0);
      inboxes.push(await subscribed(await parley.connect(follower.token), '/user/queue/unread'));
    }
    await post(authorClient, room.id, 'one');
    await post(authorClient, room.id, 'two');
    // The first follower by user id is told, and only it; the author, who follows too, is skipped.
    const first = [...followers].sort((a, b) => a.user.id.localeCompare(b.user.id))[0];
    const told = inboxes[followers.indexOf(first as Session)];
    await told?.waitFor(2);
    const other = inboxes.find((inbox) => inbox !== told);
    expect(other?.messages).toHaveLength(0);
  });
});

describe.skipIf((await clusterSkipReason()) !== undefined)('live unread counts across two nodes', () => {
  const prefix = uniqueKeyPrefix('my-rooms-cluster');
  let a: TestParley;
  let b: TestParley;
  beforeAll(async () => {
    ({ a, b } = await startNodePair({ redisUrl: REDIS_TEST_URL, redisKeyPrefix: prefix }));
  }, 30_000);
  afterAll(async () => {
    await b?.dispose();
    await a?.dispose();
    await deleteKeys(prefix);
  });

  it('a message stored on node A reaches the follower listening on node B', async () => {
    const author = await a.session('author');
    const follower = await b.session('follower');
    const room = await a.createRoom(author.token, 'across');
    await readIn(b, follower, room.id, 0);
    const inbox = await subscribed(await b.connect(follower.token), '/user/queue/unread');
    const authorClient = await a.connect(author.token);
    await join(authorClient, room.id);
    await post(authorClient, room.id, 'from A');
    const [pushed] = await inbox.waitFor(1);
    expect(JSON.parse(pushed?.body ?? '')).toEqual({ roomId: room.id, seq: 1 });
  });
});
