// Resuming a room with since-seq in its epoch, over real STOMP sockets on every storage backend: the
// right epoch replays; another epoch, or a since-seq past the room's head (a database restored from an
// older backup), is told `history.reset` with the current epoch and last seq, and nothing is replayed.
import type { Client } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { decodeJson, HistoryResetSchema } from '../src/protocol/index.js';
import { join, sendWithReceipt, subscribed } from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import {
  availableBackends,
  getJson,
  type Session,
  startTestParley,
  type TestParley,
} from './support/parley.js';

const backends = await availableBackends();

describe.each(backends)('resume with an epoch on %s', (backend) => {
  let parley: TestParley;
  let alice: Session;
  let room: Room;
  let writer: Client;

  const connect = (): Promise<Client> => parley.connect(alice.token);

  beforeAll(async () => {
    parley = await startTestParley({ backend });
    alice = await parley.session('alice');
    room = await parley.createRoom(alice.token, 'epochs');
    writer = await connect();
    await join(writer, room.id);
    for (let i = 1; i <= 3; i++)
      await sendWithReceipt(writer, `/app/rooms.${room.id}`, JSON.stringify({ body: `m${i}` }));
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  it('shows the epoch in the room JSON, the same on every read', async () => {
    expect(room.epoch).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    const fetched = await getJson<Room>(`${parley.url}/api/rooms/${room.id}`);
    expect(fetched.epoch).toBe(room.epoch);
  });

  it('replays after since-seq when the epoch is the room’s', async () => {
    const client = await connect();
    const inbox = await subscribed(client, `/topic/rooms.${room.id}`, {
      'since-seq': '1',
      epoch: room.epoch,
    });
    const replayed = await inbox.waitFor(2);
    expect(replayed.map((m) => m.headers.seq)).toEqual(['2', '3']);
    expect(replayed.some((m) => m.headers.event === 'history.reset')).toBe(false);
  });

  it('replays when the epoch header is empty (a client that does not know the epoch yet)', async () => {
    const client = await connect();
    const inbox = await subscribed(client, `/topic/rooms.${room.id}`, { 'since-seq': '1', epoch: '' });
    const replayed = await inbox.waitFor(2);
    expect(replayed.map((m) => m.headers.seq)).toEqual(['2', '3']);
    expect(replayed.some((m) => m.headers.event === 'history.reset')).toBe(false);
  });

  const headSeq = async (): Promise<number> =>
    (await getJson<{ messages: { seq: number }[] }>(`${parley.url}/api/rooms/${room.id}/messages?limit=1`))
      .messages[0]?.seq ?? 0;

  const expectReset = async (headers: Record<string, string>): Promise<void> => {
    const head = await headSeq();
    const client = await connect();
    const inbox = await subscribed(client, `/topic/rooms.${room.id}`, headers);
    const [notice] = await inbox.waitFor(1);
    expect(notice?.headers.event).toBe('history.reset');
    expect(notice?.headers.seq).toBeUndefined();
    expect(notice?.headers.epoch).toBe(room.epoch);
    expect(notice?.headers['last-seq']).toBe(String(head));
    expect(decodeJson(HistoryResetSchema, notice?.body ?? '')).toEqual({
      ok: true,
      value: { type: 'history.reset', epoch: room.epoch, lastSeq: head },
    });
    // Nothing older is replayed; what is said next arrives live.
    await sendWithReceipt(writer, `/app/rooms.${room.id}`, JSON.stringify({ body: 'after' }));
    await eventually(() =>
      expect(inbox.messages.map((m) => m.headers.seq ?? 'reset')).toEqual(['reset', String(head + 1)]),
    );
  };

  it('tells a client naming another epoch that the history was reset, and replays nothing', async () => {
    await expectReset({ 'since-seq': '1', epoch: 'an-older-epoch' });
  });

  it('tells a client whose since-seq is past the head (a restored backup), with or without an epoch', async () => {
    await expectReset({ 'since-seq': '999', epoch: room.epoch });
    await expectReset({ 'since-seq': '999' });
  });
});
