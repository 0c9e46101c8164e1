// The parley-client SDK (packages/client) against a real Parley in-process, in Node 20 with `ws`:
// sign-in, history then live, gapless resume across a dropped socket, a send retried until its
// receipt, typed errors, token refresh, backoff with jitter, message features, presence and typing,
// and a moderation command. Every wait is bounded.
import type { IStompSocket } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { nodeWebSocket } from '../packages/client/examples/ping-bot.js';
import {
  type Message,
  ParleyClient,
  type ParleyClientOptions,
  ParleyError,
  type RoomEvent,
  type RoomFeed,
  type Session,
  type User,
  type WebSocketFactory,
} from '../packages/client/src/index.js';
import { eventually, within } from './support/eventually.js';
import { startTestParley, type TestParley } from './support/parley.js';

/** What a feed told its listeners, in order. */
interface Heard {
  readonly messages: Message[];
  readonly events: { seq: number; event: RoomEvent }[];
  readonly presence: { type: string; user: User }[];
  readonly typing: User[];
  readonly members: (readonly User[])[];
  readonly removed: ParleyError[];
}

function listen(feed: RoomFeed): Heard {
  const heard: Heard = { messages: [], events: [], presence: [], typing: [], members: [], removed: [] };
  feed.on('message', (m) => heard.messages.push(m));
  feed.on('event', (e) => heard.events.push(e));
  feed.on('presence', (p) => heard.presence.push(p));
  feed.on('typing', (u) => heard.typing.push(u));
  feed.on('members', (m) => heard.members.push(m));
  feed.on('removed', (e) => heard.removed.push(e));
  return heard;
}

/** A `ws` socket whose incoming RECEIPT frames can be swallowed: a receipt lost on the way. */
function lossyWebSocket(): { factory: WebSocketFactory; dropReceipts: (on: boolean) => void } {
  let dropping = false;
  const decoder = new TextDecoder();
  const factory: WebSocketFactory = (url, protocols) => {
    const socket = new WebSocket(url, protocols);
    socket.on('error', () => {});
    return new Proxy(socket, {
      set(target, property, value: unknown) {
        if (property === 'onmessage' && typeof value === 'function') {
          target.onmessage = (event) => {
            const data = event.data;
            const text = typeof data === 'string' ? data : decoder.decode(data as ArrayBuffer);
            if (dropping && text.startsWith('RECEIPT')) return;
            (value as (e: typeof event) => void)(event);
          };
          return true;
        }
        return Reflect.set(target, property, value, target);
      },
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as unknown as IStompSocket;
  };
  return {
    factory,
    dropReceipts: (on) => {
      dropping = on;
    },
  };
}

const seqs = (messages: readonly Message[]): number[] => messages.map((m) => m.seq);

describe('parley-client SDK against a live server (Node 20, ws)', () => {
  let parley: TestParley;
  const clients: ParleyClient[] = [];

  beforeAll(async () => {
    // A short token life, so the refresh runs within a test (60 s is the shortest allowed).
    parley = await startTestParley({ env: { TOKEN_TTL_SECONDS: '60' } });
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await parley?.dispose();
  });

  const options = (extra: Partial<ParleyClientOptions> = {}): ParleyClientOptions => ({
    baseUrl: parley.url,
    webSocketFactory: nodeWebSocket,
    // Quick retries: the tests drop sockets on purpose.
    backoff: { baseMs: 50, capMs: 200 },
    ...extra,
  });

  async function signIn(nickname: string, extra: Partial<ParleyClientOptions> = {}): Promise<ParleyClient> {
    const client = await ParleyClient.signIn({ ...options(extra), nickname });
    clients.push(client);
    return client;
  }

  async function newRoom(owner: ParleyClient, name: string): Promise<string> {
    return (await owner.http.createRoom(owner.session.token, name)).id;
  }

  it('signs in, joins with history then live, sends and receives', async () => {
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    expect(alice.session.user.nickname).toBe('alice');
    const roomId = await newRoom(alice, 'sdk-basics');
    const first = await alice.join(roomId);
    const aliceHeard = listen(first);
    await first.send('before bob').receipt;
    await first.send('second').receipt;

    const feed = bob.room(roomId);
    const bobHeard = listen(feed);
    // Sent before joining: it waits, then goes behind the SUBSCRIBE, after the history.
    const early = feed.send('queued before start');
    expect(feed.pendingIds).toEqual([early.clientMsgId]);
    await feed.start();
    await early.receipt;
    await eventually(() =>
      expect(bobHeard.messages.map((m) => m.body)).toEqual(['before bob', 'second', 'queued before start']),
    );

    const sent = feed.send('hello from bob');
    await sent.receipt;
    await eventually(() => expect(aliceHeard.messages.map((m) => m.body)).toContain('hello from bob'));
    await eventually(() => expect(bobHeard.messages.map((m) => m.body)).toContain('hello from bob'));
    const mine = bobHeard.messages.find((m) => m.body === 'hello from bob');
    expect(mine?.clientMsgId).toBe(sent.clientMsgId);
    expect(mine?.author.id).toBe(bob.session.user.id);
    expect(seqs(bobHeard.messages)).toEqual([...seqs(bobHeard.messages)].sort((a, b) => a - b));
  });

  it('resumes after a dropped socket with no gap and no duplicate while another client sends', async () => {
    const writer = await signIn('writer');
    // A reconnect that waits long enough for the writer to send several messages meanwhile.
    const reader = await signIn('reader', { backoff: { baseMs: 600, capMs: 600 }, random: () => 0.99 });
    const roomId = await newRoom(writer, 'sdk-resume');
    const out = await writer.join(roomId);
    for (let i = 1; i <= 3; i += 1) await out.send(`early ${i}`).receipt;
    const feed = await reader.join(roomId);
    const heard = listen(feed);
    const seen = new Set<number>();
    const duplicates: number[] = [];
    feed.on('message', (m) => {
      if (seen.has(m.seq)) duplicates.push(m.seq);
      seen.add(m.seq);
    });
    await out.send('live 1').receipt;
    await eventually(() => expect(heard.messages.map((m) => m.body)).toEqual(['live 1']));

    const states: string[] = [];
    reader.connection.on('state', (s) => states.push(s));
    reader.connection.dropSocket();
    await eventually(() => expect(states).toContain('reconnecting'));
    for (let i = 2; i <= 6; i += 1) await out.send(`live ${i}`).receipt;
    // All five were stored while the reader was away.
    expect(reader.connection.connected).toBe(false);
    await eventually(() => expect(states.at(-1)).toBe('connected'), { timeoutMs: 5000 });
    await out.send('live 7').receipt;

    await eventually(() => expect(heard.messages).toHaveLength(7));
    expect(heard.messages.map((m) => m.body)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `live ${i}`));
    expect(duplicates).toEqual([]);
    const stored = await writer.http.listMessages(roomId, { limit: 50 }, { token: writer.session.token });
    expect(seqs(heard.messages)).toEqual(seqs(stored).slice(3));
    expect(states).toContain('reconnecting');
  });

  it('retries a send whose receipt was lost once the connection is back; it is stored once', async () => {
    const lossy = lossyWebSocket();
    const sender = await signIn('sender', { webSocketFactory: lossy.factory });
    const watcher = await signIn('watcher');
    const roomId = await newRoom(sender, 'sdk-receipts');
    const feed = await sender.join(roomId, { receiptTimeoutMs: 60_000 });
    const watched = listen(await watcher.join(roomId));

    lossy.dropReceipts(true);
    const pending = feed.send('exactly once');
    let settled = false;
    void pending.receipt.then(() => {
      settled = true;
    });
    // The server stored and broadcast it, but its RECEIPT never reached the sender.
    await eventually(() => expect(watched.messages.map((m) => m.body)).toEqual(['exactly once']));
    expect(settled).toBe(false);
    expect(feed.pendingIds).toEqual([pending.clientMsgId]);

    lossy.dropReceipts(false);
    sender.connection.dropSocket();
    await within(pending.receipt, 5000, 'the retried receipt');
    expect(feed.pendingIds).toEqual([]);
    const stored = await sender.http.listMessages(roomId, {}, { token: sender.session.token });
    expect(stored.filter((m) => m.clientMsgId === pending.clientMsgId)).toHaveLength(1);
    await watcher.http.listMessages(roomId, {}, { token: watcher.session.token });
    expect(watched.messages.filter((m) => m.body === 'exactly once')).toHaveLength(1);
  });

  it('reports refusals as typed ParleyErrors with their catalogue code', async () => {
    const client = await signIn('typed');
    const roomId = await newRoom(client, 'sdk-errors');
    const feed = await client.join(roomId);
    const failed: { clientMsgId: string; error: ParleyError }[] = [];
    feed.on('sendFailed', (f) => failed.push(f));

    const tooLong = feed.send('x'.repeat(4001));
    const refusal = await tooLong.receipt.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ParleyError);
    expect((refusal as ParleyError).code).toBe('message_too_long');
    expect(failed.map((f) => [f.clientMsgId, f.error.code])).toEqual([
      [tooLong.clientMsgId, 'message_too_long'],
    ]);
    expect(feed.pendingIds).toEqual([]);

    const missing = await client.http.getRoom('NoSuchRoom00').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(missing).toBeInstanceOf(ParleyError);
    expect(missing).toMatchObject({ code: 'room_not_found', status: 404 });

    const notMine = await feed.edit('0'.repeat(24), 'x').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(notMine).toBeInstanceOf(ParleyError);
    expect((notMine as ParleyError).status).toBe(0);
    expect(['message_not_found', 'invalid_request']).toContain((notMine as ParleyError).code);
  });

  it('refreshes the token before it expires and reconnects with the new one', async () => {
    // The clock says the 60 s token has 2 s left: the refresh is due in 1 s.
    const client = await signIn('fresh', { now: () => Date.now() + 58_000 });
    const before: Session = client.session;
    const renewed = await within(client.once('session'), 10_000, 'a refreshed session');
    expect(renewed.token).not.toBe(before.token);
    expect(client.session.token).toBe(renewed.token);
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThanOrEqual(Date.parse(before.expiresAt));
    expect(renewed.user.id).toBe(before.user.id);

    await eventually(() => expect(client.connection.connected).toBe(true));
    const back = client.connection.once('connected');
    client.connection.dropSocket();
    await within(back, 5000, 'a reconnect with the new token');
    const roomId = await newRoom(client, 'sdk-refresh');
    const feed = await client.join(roomId);
    await feed.send('still me').receipt;
  });

  it('edits, deletes, reacts and replies; everyone in the room hears each change once', async () => {
    const alice = await signIn('editor');
    const bob = await signIn('reactor');
    const roomId = await newRoom(alice, 'sdk-features');
    const aliceFeed = await alice.join(roomId);
    const bobFeed = await bob.join(roomId);
    const bobHeard = listen(bobFeed);

    await aliceFeed.send('first draft').receipt;
    const original = await eventually(() => {
      const found = bobHeard.messages.find((m) => m.body === 'first draft');
      if (found === undefined) throw new Error('not yet');
      return found;
    });
    await aliceFeed.edit(original.id, 'final text');
    await bobFeed.react(original.id, '👍');
    const reply = bobFeed.reply(original.id, 'agreed');
    await reply.receipt;
    await aliceFeed.delete(original.id);

    await eventually(() => expect(bobHeard.events).toHaveLength(3));
    const [edited, reacted, deleted] = bobHeard.events.map((e) => e.event);
    expect(edited).toMatchObject({
      type: 'message.edited',
      message: { id: original.id, body: 'final text' },
    });
    expect(reacted).toMatchObject({
      type: 'reaction.changed',
      messageId: original.id,
      emoji: '👍',
      added: true,
    });
    expect(deleted).toMatchObject({ type: 'message.deleted', message: { id: original.id, deleted: true } });
    const answer = bobHeard.messages.find((m) => m.clientMsgId === reply.clientMsgId);
    expect(answer?.replyTo?.id).toBe(original.id);
    // Events and messages share the room's seq: strictly increasing, none heard twice.
    const all = [...bobHeard.messages.map((m) => m.seq), ...bobHeard.events.map((e) => e.seq)].sort(
      (a, b) => a - b,
    );
    expect(new Set(all).size).toBe(all.length);
    expect(bobFeed.lastSeq).toBe(all.at(-1));
  });

  it('hears comings, goings and typing, and reads the member list once presence is live', async () => {
    const host = await signIn('host');
    const guest = await signIn('guest');
    const roomId = await newRoom(host, 'sdk-presence');
    const hostHeard = listen(await host.join(roomId));
    await eventually(() =>
      expect(hostHeard.members.at(-1)?.map((u) => u.id)).toEqual([host.session.user.id]),
    );

    const guestFeed = guest.room(roomId);
    const guestHeard = listen(guestFeed);
    await guestFeed.start();
    await eventually(() =>
      expect(hostHeard.presence).toContainEqual({ type: 'join', user: guest.session.user }),
    );
    await eventually(() =>
      expect(
        guestHeard.members
          .at(-1)
          ?.map((u) => u.id)
          .sort(),
      ).toEqual([host.session.user.id, guest.session.user.id].sort()),
    );
    expect(guestFeed.typing()).toBe(true);
    await eventually(() => expect(hostHeard.typing.map((u) => u.id)).toContain(guest.session.user.id));

    guestFeed.stop();
    await eventually(() =>
      expect(hostHeard.presence).toContainEqual({ type: 'leave', user: guest.session.user }),
    );
  });

  it('runs a moderation command: the muted member is refused with muted, a kicked one removed', async () => {
    const owner = await signIn('owner');
    const member = await signIn('member');
    const roomId = await newRoom(owner, 'sdk-moderation');
    const ownerFeed = await owner.join(roomId);
    const ownerHeard = listen(ownerFeed);
    const memberFeed = await member.join(roomId);
    const memberHeard = listen(memberFeed);

    await ownerFeed.moderate({
      action: 'mute',
      userId: member.session.user.id,
      seconds: 60,
      reason: 'calm down',
    });
    await eventually(() => expect(ownerHeard.events.map((e) => e.event.type)).toContain('member.muted'));
    const refused = await memberFeed.send('can I talk?').receipt.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ParleyError);
    expect((refused as ParleyError).code).toBe('muted');

    const forbidden = await memberFeed.moderate({ action: 'kick', userId: owner.session.user.id }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(forbidden).toMatchObject({ code: 'forbidden' });

    await ownerFeed.moderate({ action: 'kick', userId: member.session.user.id, seconds: 0 });
    await eventually(() => expect(memberHeard.removed.map((e) => e.code)).toEqual(['kicked']));
    expect(memberHeard.removed[0]?.roomId).toBe(roomId);
  });

  it('drops the socket when the network goes and, back online, reconnects without waiting out the backoff', async () => {
    let online = true;
    let wentOnline = (): void => {};
    let wentOffline = (): void => {};
    const network = {
      online: () => online,
      watch: (onOnline: () => void, onOffline: () => void) => {
        wentOnline = onOnline;
        wentOffline = onOffline;
        return () => {};
      },
    };
    // A backoff of about a minute: only the online event can bring it back within the test.
    const client = await signIn('roamer', {
      network,
      backoff: { baseMs: 60_000, capMs: 60_000 },
      random: () => 0.99,
    });
    await eventually(() => expect(client.connection.connected).toBe(true));
    const states: string[] = [];
    const retries: number[] = [];
    client.connection.on('state', (s) => states.push(s));
    client.connection.on('retrying', (r) => retries.push(r.delayMs));

    online = false;
    wentOffline();
    await eventually(() => expect(client.connection.connected).toBe(false));
    await eventually(() => expect(retries).toEqual([59_400]));
    expect(states).toEqual(['offline']);

    const back = client.connection.once('connected');
    online = true;
    wentOnline();
    await within(back, 3000, 'a reconnect as soon as the network is back');
    expect(states).toEqual(['offline', 'reconnecting', 'connected']);
  });

  it('waits a jittered, capped, growing delay between reconnect attempts (injected random)', async () => {
    const client = await signIn('jitter', { backoff: { baseMs: 40, capMs: 100 }, random: () => 0.5 });
    await eventually(() => expect(client.connection.connected).toBe(true));
    const retries: { attempt: number; delayMs: number }[] = [];
    client.connection.on('retrying', (r) => retries.push(r));
    // The server goes away: every attempt fails until it is back.
    await parley.stop();
    try {
      await eventually(() => expect(retries.length).toBeGreaterThanOrEqual(4), { timeoutMs: 5000 });
    } finally {
      parley = await parley.restart();
    }
    // 0.5 × min(100, 40 × 2^(attempt-1)): 20, 40, 50, 50, …
    expect(retries.slice(0, 4)).toEqual([
      { attempt: 1, delayMs: 20 },
      { attempt: 2, delayMs: 40 },
      { attempt: 3, delayMs: 50 },
      { attempt: 4, delayMs: 50 },
    ]);
  });
});
