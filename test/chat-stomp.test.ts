// The chat over STOMP, on every storage backend, with a real @stomp/stompjs client: authentication,
// sending with receipts, idempotent retries, spoofing, non-fatal errors, resume with since-seq, presence.
import type { Client, IMessage } from '@stomp/stompjs';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Room } from '../src/chat/model.js';
import { TokenService } from '../src/chat/tokens.js';
import { ManualClock } from '../src/clock.js';
import { join, sendWithReceipt, subscribe, subscribed } from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import {
  availableBackends,
  getJson,
  type Session,
  startTestParley,
  type TestParley,
} from './support/parley.js';
import { activate, createStompClient, receiptOf } from './support/stompjs-client.js';

const backends = await availableBackends();
const SECRET = 'integration-test-secret-of-at-least-32-bytes';

const parse = (m: IMessage): Message => JSON.parse(m.body) as Message;

describe.each(backends)('chat over STOMP on %s', (backend) => {
  let parley: TestParley;
  let alice: Session;
  let bob: Session;
  let room: Room;

  const connect = (session: Session): Promise<Client> => parley.connect(session.token);

  beforeAll(async () => {
    parley = await startTestParley({ backend });
    alice = await parley.session('alice');
    bob = await parley.session('bob');
    room = await parley.createRoom(alice.token, 'lobby');
  });
  afterAll(async () => {
    await parley?.dispose();
  });

  describe('authentication on CONNECT', () => {
    const refused = async (headers: Record<string, string>): Promise<string | undefined> => {
      const client = createStompClient({ url: parley.wsUrl, connectHeaders: headers });
      const outcome = await activate(client);
      await client.deactivate();
      expect(outcome.connected).toBeUndefined();
      return outcome.error?.headers.message;
    };

    it('accepts the token as Authorization or passcode', async () => {
      const viaHeader = createStompClient({ url: parley.wsUrl, token: alice.token });
      const viaPasscode = createStompClient({
        url: parley.wsUrl,
        connectHeaders: { login: 'x', passcode: alice.token },
      });
      for (const client of [viaHeader, viaPasscode]) {
        const outcome = await activate(client);
        expect(outcome.connected?.headers.version).toBe('1.2');
        await client.deactivate();
      }
    });

    it('refuses no token, garbage, alg none, another key, tampered claims and expired tokens', async () => {
      const [header, payload, signature] = alice.token.split('.') as [string, string, string];
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<
        string,
        unknown
      >;
      const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
      const tampered = `${header}.${base64url.encode(JSON.stringify({ ...claims, sub: bob.user.id }))}.${signature}`;
      const foreign = new TokenService({
        secret: new TextEncoder().encode('x'.repeat(40)),
        clock: new ManualClock(Date.now()),
        ttlSeconds: 600,
      });
      const wrongKey = (await foreign.issue(alice.user)).token;
      const past = new TokenService({
        secret: new TextEncoder().encode(SECRET),
        clock: new ManualClock(Date.now() - 7_200_000),
        ttlSeconds: 60,
      });
      const expired = (await past.issue(alice.user)).token;
      for (const headers of [
        {},
        { Authorization: 'Bearer garbage' },
        { Authorization: `Bearer ${none}` },
        { Authorization: `Bearer ${wrongKey}` },
        { Authorization: `Bearer ${tampered}` },
        { Authorization: `Bearer ${expired}` },
        { passcode: expired },
      ]) {
        expect(await refused(headers)).toBe('unauthorized');
      }
    });
  });

  describe('messages', () => {
    it('stores, assigns seq and broadcasts with the server-set author; RECEIPT after storing', async () => {
      const sender = await connect(alice);
      await join(sender, room.id);
      const listener = await connect(bob);
      const inbox = await subscribed(listener, `/topic/rooms.${room.id}`);
      const spoof = JSON.stringify({
        body: '  hello <b>world</b>  ',
        author: { id: bob.user.id, nickname: 'bob', tag: bob.user.tag },
        seq: 999,
        id: 'forged',
        createdAt: '2000-01-01T00:00:00.000Z',
      });
      await sendWithReceipt(sender, `/app/rooms.${room.id}`, spoof, { sender: 'bob', author: 'bob' });
      // Stored before the RECEIPT: history already has it.
      const history = await getJson<{ messages: Message[] }>(`${parley.url}/api/rooms/${room.id}/messages`);
      const stored = history.messages.at(-1);
      expect(stored).toMatchObject({ body: 'hello <b>world</b>', author: alice.user, roomId: room.id });
      expect(stored?.id).not.toBe('forged');
      expect(stored?.seq).not.toBe(999);
      const [delivered] = await inbox.waitFor(1);
      expect(delivered?.headers.seq).toBe(String(stored?.seq));
      expect(delivered?.headers['content-type']).toMatch(/^application\/json/);
      expect(parse(delivered as IMessage)).toEqual(stored);
    });

    it('accepts text/plain bodies', async () => {
      const sender = await connect(alice);
      const inbox = await subscribed(sender, `/topic/rooms.${room.id}`);
      await sendWithReceipt(sender, `/app/rooms.${room.id}`, 'plain {not json}', {
        'content-type': 'text/plain',
      });
      const [m] = await inbox.waitFor(1);
      expect(parse(m as IMessage).body).toBe('plain {not json}');
    });

    it('stores and broadcasts a retried clientMsgId once; every retry gets its RECEIPT', async () => {
      const sender = await connect(alice);
      const inbox = await subscribed(sender, `/topic/rooms.${room.id}`);
      const body = JSON.stringify({ body: 'exactly once', clientMsgId: 'c-42' });
      await Promise.all([
        sendWithReceipt(sender, `/app/rooms.${room.id}`, body),
        sendWithReceipt(sender, `/app/rooms.${room.id}`, body),
      ]);
      await sendWithReceipt(sender, `/app/rooms.${room.id}`, body);
      // A marker sent afterwards proves nothing else is on its way.
      await sendWithReceipt(sender, `/app/rooms.${room.id}`, JSON.stringify({ body: 'marker' }));
      const messages = (await inbox.waitFor(2)).map(parse);
      await eventually(() => expect(messages.at(-1)?.body).toBe('marker'));
      expect(messages.map((m) => m.body)).toEqual(['exactly once', 'marker']);
      expect(messages[0]?.clientMsgId).toBe('c-42');
      const history = await getJson<{ messages: Message[] }>(
        `${parley.url}/api/rooms/${room.id}/messages?limit=200`,
      );
      expect(history.messages.filter((m) => m.clientMsgId === 'c-42')).toHaveLength(1);
    });

    it('delivers each sender’s messages in order with strictly increasing seq', async () => {
      const sender = await connect(alice);
      await join(sender, room.id);
      const other = await connect(bob);
      const inbox = await subscribed(other, `/topic/rooms.${room.id}`);
      const sends: Promise<string>[] = [];
      for (let i = 0; i < 100; i++)
        sends.push(sendWithReceipt(sender, `/app/rooms.${room.id}`, JSON.stringify({ body: `n${i}` })));
      await Promise.all(sends);
      const messages = (await inbox.waitFor(100)).map(parse);
      expect(messages.map((m) => m.body)).toEqual(Array.from({ length: 100 }, (_, i) => `n${i}`));
      for (let i = 1; i < messages.length; i++)
        expect(messages[i]?.seq).toBe((messages[i - 1]?.seq ?? 0) + 1);
    });

    it('keeps one connection’s pipelined SENDs in order when their preludes differ; refusals stay in place', async () => {
      const sender = await connect(alice);
      await join(sender, room.id);
      const listener = await connect(bob);
      const inbox = await subscribed(listener, `/topic/rooms.${room.id}`);
      const errors = await subscribed(sender, '/user/queue/errors');
      // Mentions add a store lookup before the append; over-long bodies are refused before it.
      const bodyOf = (i: number): string =>
        i % 7 === 3 ? 'x'.repeat(4001) : i % 3 === 0 ? `n${i} @bob#${bob.user.tag}` : `n${i}`;
      const total = 120;
      const receipted: number[] = [];
      const accepted: Promise<unknown>[] = [];
      for (let i = 0; i < total; i++) {
        const receipt = `pipelined-${i}`;
        if (i % 7 !== 3) accepted.push(receiptOf(sender, receipt).then(() => receipted.push(i)));
        sender.publish({
          destination: `/app/rooms.${room.id}`,
          body: JSON.stringify({ body: bodyOf(i) }),
          headers: { 'content-type': 'application/json', receipt },
        });
      }
      await Promise.all(accepted);
      const expected = Array.from({ length: total }, (_, i) => i).filter((i) => i % 7 !== 3);
      expect(receipted).toEqual(expected);
      const messages = (await inbox.waitFor(expected.length)).map(parse);
      expect(messages.map((m) => m.body)).toEqual(expected.map(bodyOf));
      for (let i = 1; i < messages.length; i++)
        expect(messages[i]?.seq).toBe((messages[i - 1]?.seq ?? 0) + 1);
      const refused = await errors.waitFor(total - expected.length);
      expect(refused.map((m) => m.headers['receipt-id'])).toEqual(
        Array.from({ length: total }, (_, i) => i)
          .filter((i) => i % 7 === 3)
          .map((i) => `pipelined-${i}`),
      );
      expect(refused.every((m) => (JSON.parse(m.body) as { code: string }).code === 'message_too_long')).toBe(
        true,
      );
    });
  });

  describe('non-fatal errors on /user/queue/errors', () => {
    it('reports unknown room, empty, too long and SEND to /topic with receipt-id; the connection stays', async () => {
      const client = await connect(bob);
      const errors = await subscribed(client, '/user/queue/errors');
      const topic = await subscribed(client, `/topic/rooms.${room.id}`);
      const attempts: Array<[string, string, string]> = [
        ['/app/rooms.nosuchroom', JSON.stringify({ body: 'hi' }), 'room_not_found'],
        [`/app/rooms.${room.id}`, JSON.stringify({ body: '   ' }), 'invalid_message'],
        [`/app/rooms.${room.id}`, JSON.stringify({ body: 'x'.repeat(4001) }), 'message_too_long'],
        [`/app/rooms.${room.id}`, '{"body":', 'invalid_message'],
        [`/topic/rooms.${room.id}`, JSON.stringify({ body: 'broadcast?' }), 'forbidden_destination'],
      ];
      attempts.forEach(([destination, body], i) => {
        client.publish({
          destination,
          body,
          headers: { receipt: `bad-${i}`, 'content-type': 'application/json' },
        });
      });
      const received = await errors.waitFor(attempts.length);
      const byReceipt = new Map(
        received.map((m) => [
          m.headers['receipt-id'],
          JSON.parse(m.body) as { code: string; message: string },
        ]),
      );
      for (const [i, [, , code]] of attempts.entries()) {
        expect(byReceipt.get(`bad-${i}`)?.code).toBe(code);
      }
      // Still connected, and a 4000-character message (the limit) is fine.
      await sendWithReceipt(client, `/app/rooms.${room.id}`, JSON.stringify({ body: '가'.repeat(4000) }));
      const delivered = await topic.waitFor(1);
      expect(delivered.map((m) => parse(m).body.length)).toEqual([4000]);
    });

    it('rate-limits a flooding user per token bucket and keeps the connection', async () => {
      const limited = await startTestParley({ backend, env: { SEND_RATE_PER_SECOND: '1', SEND_BURST: '3' } });
      try {
        const session = await limited.session('flooder');
        const target = await limited.createRoom(session.token, 'floodable');
        const client = await limited.connect(session.token);
        const errors = await subscribed(client, '/user/queue/errors');
        await join(client, target.id);
        for (let i = 0; i < 6; i++) {
          client.publish({
            destination: `/app/rooms.${target.id}`,
            body: JSON.stringify({ body: `f${i}` }),
            headers: { receipt: `f${i}` },
          });
        }
        const refusals = await errors.waitFor(3);
        expect(refusals.map((m) => (JSON.parse(m.body) as { code: string }).code)).toEqual([
          'rate_limited',
          'rate_limited',
          'rate_limited',
        ]);
        const history = await getJson<{ messages: Message[] }>(
          `${limited.url}/api/rooms/${target.id}/messages`,
        );
        expect(history.messages.map((m) => m.body)).toEqual(['f0', 'f1', 'f2']);
        expect(client.connected).toBe(true);
        await client.deactivate();
      } finally {
        await limited.dispose();
      }
    });
  });

  describe('resume with since-seq', () => {
    it('replays what was missed, then goes live, with no gap and no duplicate while others keep sending', async () => {
      const resumeRoom = await parley.createRoom(alice.token, 'resume');
      const writer = await connect(alice);
      await join(writer, resumeRoom.id);
      for (let i = 1; i <= 30; i++)
        await sendWithReceipt(writer, `/app/rooms.${resumeRoom.id}`, JSON.stringify({ body: `a${i}` }));
      // A second writer keeps sending while the reader subscribes and replays.
      const writer2 = await connect(bob);
      await join(writer2, resumeRoom.id);
      let stop = false;
      let sent = 30;
      const background = (async () => {
        while (!stop) {
          sent++;
          await sendWithReceipt(writer2, `/app/rooms.${resumeRoom.id}`, JSON.stringify({ body: `b${sent}` }));
        }
      })();
      await eventually(() => expect(sent).toBeGreaterThan(40));
      const reader = await connect(alice);
      const inbox = subscribe(reader, `/topic/rooms.${resumeRoom.id}`, { 'since-seq': '10' });
      await eventually(() => expect(sent).toBeGreaterThan(80), { timeoutMs: 20_000 });
      stop = true;
      await background;
      const total = sent;
      const messages = (await inbox.waitFor(total - 10, 10_000)).map(parse);
      expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: total - 10 }, (_, i) => 11 + i));
    });

    it('replays nothing when the client is up to date and everything from since-seq 0', async () => {
      const fresh = await parley.createRoom(alice.token, 'fresh');
      const client = await connect(alice);
      await join(client, fresh.id);
      for (let i = 1; i <= 3; i++)
        await sendWithReceipt(client, `/app/rooms.${fresh.id}`, JSON.stringify({ body: `x${i}` }));
      const all = await subscribed(client, `/topic/rooms.${fresh.id}`, { 'since-seq': '0' });
      expect((await all.waitFor(3)).map((m) => m.headers.seq)).toEqual(['1', '2', '3']);
      const none = await subscribed(client, `/topic/rooms.${fresh.id}`, { 'since-seq': '3' });
      await sendWithReceipt(client, `/app/rooms.${fresh.id}`, JSON.stringify({ body: 'x4' }));
      expect((await none.waitFor(1)).map((m) => m.headers.seq)).toEqual(['4']);
      await eventually(() => expect(all.messages.map((m) => m.headers.seq)).toEqual(['1', '2', '3', '4']));
    });

    it('refuses a subscription to an unknown room on /user/queue/errors', async () => {
      const client = await connect(bob);
      const errors = await subscribed(client, '/user/queue/errors');
      subscribe(client, '/topic/rooms.nosuchroom', { receipt: 'sub-unknown' });
      const [error] = await errors.waitFor(1);
      expect(error?.headers['receipt-id']).toBe('sub-unknown');
      expect(JSON.parse(error?.body ?? '{}')).toMatchObject({ code: 'room_not_found' });
    });
  });

  describe('presence', () => {
    it('announces joins and leaves, lists members and relays typing', async () => {
      const presenceRoom = await parley.createRoom(alice.token, 'presence');
      const watcher = await connect(alice);
      const events = await subscribed(watcher, `/topic/rooms.${presenceRoom.id}.presence`);
      await subscribed(watcher, `/topic/rooms.${presenceRoom.id}`);
      const members = () =>
        getJson<{ members: Array<{ id: string }> }>(`${parley.url}/api/rooms/${presenceRoom.id}/members`);
      await eventually(async () =>
        expect((await members()).members.map((m) => m.id)).toEqual([alice.user.id]),
      );

      const visitor = await parley.connect(bob.token);
      const sub = visitor.subscribe(`/topic/rooms.${presenceRoom.id}`, () => {});
      await eventually(async () =>
        expect((await members()).members.map((m) => m.id).sort()).toEqual(
          [alice.user.id, bob.user.id].sort(),
        ),
      );
      expect((await getJson<Room>(`${parley.url}/api/rooms/${presenceRoom.id}`)).online).toBe(2);

      visitor.publish({ destination: `/app/rooms.${presenceRoom.id}.typing`, body: '' });
      sub.unsubscribe();
      await eventually(async () =>
        expect((await members()).members.map((m) => m.id)).toEqual([alice.user.id]),
      );
      await visitor.deactivate();

      const seen = (await events.waitFor(4)).map(
        (m) => JSON.parse(m.body) as { type: string; user: { id: string } },
      );
      expect(seen.map((e) => `${e.type}:${e.user.id === alice.user.id ? 'alice' : 'bob'}`)).toEqual([
        'join:alice',
        'join:bob',
        'typing:bob',
        'leave:bob',
      ]);
    });

    it('leaves when the connection drops', async () => {
      const dropRoom = await parley.createRoom(alice.token, 'drop');
      const visitor = await parley.connect(bob.token);
      await subscribed(visitor, `/topic/rooms.${dropRoom.id}`);
      const members = () => getJson<{ members: unknown[] }>(`${parley.url}/api/rooms/${dropRoom.id}/members`);
      expect((await members()).members).toHaveLength(1);
      await visitor.deactivate();
      await eventually(async () => expect((await members()).members).toHaveLength(0));
    });
  });
});
