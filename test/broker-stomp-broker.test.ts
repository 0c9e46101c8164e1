import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StompBroker } from '../src/broker/stomp-broker.js';
import type { OutboundMessage, Principal, Route, SubscribeContext } from '../src/broker/types.js';
import { ManualClock } from '../src/clock.js';
import { ParleyError } from '../src/errors.js';
import type { AckMode } from '../src/stomp/session.js';
import { FakeSession } from './support/fake-session.js';

interface TestPrincipal extends Principal {
  readonly id: string;
}

function makeBroker(options: { maxHeldMessages?: number; clock?: ManualClock } = {}) {
  const counts = { deliveries: 0, encodings: 0 };
  const broker = new StompBroker<TestPrincipal>({
    clock: options.clock ?? new ManualClock(),
    authenticate: async (headers) => {
      const id = headers.passcode;
      if (id === undefined || id === '') throw new ParleyError('unauthorized');
      return { id };
    },
    hooks: {
      published(deliveries, encodings) {
        counts.deliveries += deliveries;
        counts.encodings += encodings;
      },
    },
    nodeId: 'n1',
    ...(options.maxHeldMessages === undefined ? {} : { maxHeldMessages: options.maxHeldMessages }),
  });
  return { broker, counts };
}

async function connect(
  broker: StompBroker<TestPrincipal>,
  userId: string,
  options: { version?: '1.0' | '1.1' | '1.2' } = {},
): Promise<FakeSession> {
  const session = new FakeSession(options);
  session.onClose((s) => broker.disconnected(s));
  await broker.connect(session, { passcode: userId });
  return session;
}

function subscribe(
  broker: StompBroker<TestPrincipal>,
  session: FakeSession,
  id: string,
  destination: string,
  ack: AckMode = 'auto',
  headers: Record<string, string> = {},
): Promise<void> {
  return broker.subscribe(session, { id, destination, ack, headers });
}

function text(body: string, seq?: number): OutboundMessage {
  const message = { headers: { 'content-type': 'text/plain' }, body: Buffer.from(body) };
  return seq === undefined ? message : { ...message, seq };
}

const topicRoute: Route<TestPrincipal> = { subscribe: async () => {} };

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toSatisfy((error) => error instanceof ParleyError && error.code === code);
}

describe('StompBroker connections', () => {
  it('authenticates with the session remote address and registers the connection by session id', async () => {
    const seen: string[] = [];
    const broker = new StompBroker<TestPrincipal>({
      clock: new ManualClock(),
      authenticate: async (headers, remoteAddress) => {
        seen.push(remoteAddress);
        return { id: headers.passcode ?? '' };
      },
    });
    const session = new FakeSession({ remoteAddress: '10.0.0.7' });
    await broker.connect(session, { passcode: 'u1' });
    expect(seen).toEqual(['10.0.0.7']);
    expect(broker.stats()).toEqual({ connections: 1, subscriptions: 0 });
    let connectionId = '';
    broker.route('/app/', {
      send: async (connection) => {
        connectionId = connection.id;
      },
    });
    await broker.send(session, { destination: '/app/x', headers: {}, body: Buffer.alloc(0) });
    expect(connectionId).toBe(session.id);
  });

  it('refuses a CONNECT the authenticator refuses and registers nothing', async () => {
    const { broker } = makeBroker();
    await expectCode(broker.connect(new FakeSession(), {}), 'unauthorized');
    expect(broker.stats().connections).toBe(0);
  });
});

describe('StompBroker routing', () => {
  it('routes SEND by the longest matching prefix and passes the rest as path', async () => {
    const { broker } = makeBroker();
    const calls: string[] = [];
    broker.route('/app/', { send: async (_c, m) => void calls.push(`app:${m.path}`) });
    broker.route('/app/rooms.', {
      send: async (_c, m) => void calls.push(`rooms:${m.path}:${m.body.toString()}`),
    });
    const session = await connect(broker, 'u1');
    await broker.send(session, {
      destination: '/app/rooms.abc.typing',
      headers: {},
      body: Buffer.from('hi'),
    });
    await broker.send(session, { destination: '/app/other', headers: {}, body: Buffer.alloc(0) });
    expect(calls).toEqual(['rooms:abc.typing:hi', 'app:other']);
  });

  it('refuses SEND to /topic/ with forbidden_destination unless its route takes SENDs; /user/ always', async () => {
    const { broker } = makeBroker();
    let sent = 0;
    broker.route('/topic/', { subscribe: async () => {} });
    // Generic topics (GENERIC_DESTINATIONS) are a route under /topic/ that takes SENDs.
    broker.route('/topic/generic.', {
      subscribe: async () => {},
      send: async () => {
        sent += 1;
      },
    });
    broker.route('/user/', {
      send: async () => {
        sent += 100;
      },
    });
    const subscriber = await connect(broker, 'u1');
    await subscribe(broker, subscriber, 's1', '/topic/echo');
    const sender = await connect(broker, 'u2');
    await expectCode(
      broker.send(sender, { destination: '/topic/echo', headers: {}, body: Buffer.from('x') }),
      'forbidden_destination',
    );
    await expectCode(
      broker.send(sender, { destination: '/topic/nowhere', headers: {}, body: Buffer.from('x') }),
      'forbidden_destination',
    );
    await expectCode(
      broker.send(sender, { destination: '/user/queue/errors', headers: {}, body: Buffer.from('x') }),
      'forbidden_destination',
    );
    expect(sent).toBe(0);
    expect(subscriber.deliveries).toHaveLength(0);
    await broker.send(sender, { destination: '/topic/generic.x', headers: {}, body: Buffer.from('x') });
    expect(sent).toBe(1);
  });

  it('refuses unknown destinations and frames a route does not accept', async () => {
    const { broker } = makeBroker();
    broker.route('/app/', { send: async () => {} });
    broker.route('/topic/', topicRoute);
    const session = await connect(broker, 'u1');
    await expectCode(
      broker.send(session, { destination: '/queue/x', headers: {}, body: Buffer.alloc(0) }),
      'unknown_destination',
    );
    await expectCode(subscribe(broker, session, 's1', '/nowhere'), 'unknown_destination');
    await expectCode(subscribe(broker, session, 's2', '/app/x'), 'forbidden_destination');
    await expectCode(subscribe(broker, session, 's3', '/user/topic/x'), 'unknown_destination');
    expect(broker.stats().subscriptions).toBe(0);
  });

  it('passes a route refusal through and keeps no subscription', async () => {
    const { broker } = makeBroker();
    let unsubscribed = 0;
    broker.route('/topic/rooms.', {
      subscribe: async () => {
        throw new ParleyError('room_not_found');
      },
      unsubscribed: () => {
        unsubscribed += 1;
      },
    });
    const session = await connect(broker, 'u1');
    await expectCode(subscribe(broker, session, 's1', '/topic/rooms.nope'), 'room_not_found');
    broker.publish('/topic/rooms.nope', text('x'));
    expect(session.deliveries).toHaveLength(0);
    expect(broker.stats().subscriptions).toBe(0);
    expect(unsubscribed).toBe(0);
    // The id is free again.
    broker.route('/topic/ok.', topicRoute);
    await subscribe(broker, session, 's1', '/topic/ok.1');
    expect(broker.stats().subscriptions).toBe(1);
  });

  it('refuses a second route for the same prefix', () => {
    const { broker } = makeBroker();
    broker.route('/app/', {});
    expect(() => broker.route('/app/', {})).toThrow();
  });
});

describe('StompBroker fan-out', () => {
  it('encodes once per group and delivers the very same Buffer to every member', async () => {
    const { broker, counts } = makeBroker();
    broker.route('/topic/', topicRoute);
    const same = [await connect(broker, 'a'), await connect(broker, 'b'), await connect(broker, 'c')];
    for (const session of same) await subscribe(broker, session, 'sub-0', '/topic/echo');
    const otherId = await connect(broker, 'd');
    await subscribe(broker, otherId, 'sub-1', '/topic/echo');
    const clientAck = await connect(broker, 'e');
    await subscribe(broker, clientAck, 'sub-0', '/topic/echo', 'client');
    const v11 = await connect(broker, 'f', { version: '1.1' });
    await subscribe(broker, v11, 'sub-0', '/topic/echo');
    const elsewhere = await connect(broker, 'g');
    await subscribe(broker, elsewhere, 'sub-0', '/topic/other');

    broker.publish('/topic/echo', text('hello'));

    const frames = same.map((s) => s.deliveries[0]?.frame);
    expect(frames[0]).toBeInstanceOf(Buffer);
    expect(frames[1]).toBe(frames[0]);
    expect(frames[2]).toBe(frames[0]);
    expect(otherId.deliveries[0]?.frame).not.toBe(frames[0]);
    expect(clientAck.deliveries[0]?.frame).not.toBe(frames[0]);
    expect(v11.deliveries[0]?.frame).not.toBe(frames[0]);
    expect(elsewhere.deliveries).toHaveLength(0);
    expect(counts).toEqual({ deliveries: 6, encodings: 4 });

    const [message] = same[0]?.messages() ?? [];
    expect(message?.command).toBe('MESSAGE');
    expect(message?.headers).toMatchObject({
      destination: '/topic/echo',
      subscription: 'sub-0',
      'content-type': 'text/plain',
    });
    expect(message?.headers.ack).toBeUndefined();
    expect(message?.body).toBe('hello');
    const messageId = message?.headers['message-id'];
    expect(messageId).toMatch(/^n1-/);
    expect(same[0]?.deliveries[0]?.messageId).toBe(messageId);
    expect(otherId.messages()[0]?.headers).toMatchObject({ subscription: 'sub-1', 'message-id': messageId });
    const acked = clientAck.messages()[0]?.headers;
    expect(acked?.ack).toBe(acked?.['message-id']);
    expect(acked?.ack?.startsWith(`${messageId}.`)).toBe(true);

    broker.publish('/topic/echo', text('again'));
    expect(same[0]?.messages()[1]?.headers['message-id']).not.toBe(messageId);
  });

  it('gives acknowledged subscriptions of one session to one destination distinct ack ids', async () => {
    const { broker } = makeBroker();
    broker.route('/topic/', topicRoute);
    const session = await connect(broker, 'a');
    await subscribe(broker, session, 'c', '/topic/t', 'client');
    await subscribe(broker, session, 'ci', '/topic/t', 'client-individual');
    await subscribe(broker, session, 'auto', '/topic/t');
    broker.publish('/topic/t', text('x'));
    const [client, individual, auto] = session.messages();
    expect(client?.headers.ack).toBeDefined();
    expect(individual?.headers.ack).toBeDefined();
    expect(client?.headers.ack).not.toBe(individual?.headers.ack);
    // ACK by message-id (STOMP 1.0/1.1) must name the same pending entry as ACK by ack (1.2).
    expect(client?.headers['message-id']).toBe(client?.headers.ack);
    expect(session.deliveries.map((d) => d.messageId)).toEqual([
      client?.headers.ack,
      individual?.headers.ack,
      auto?.headers['message-id'],
    ]);
  });

  it('keeps delivering to the rest of a group when one member is dropped as a slow consumer', async () => {
    const { broker } = makeBroker();
    broker.route('/topic/', topicRoute);
    const sessions = [await connect(broker, 'a'), await connect(broker, 'b'), await connect(broker, 'c')];
    for (const session of sessions) await subscribe(broker, session, 'sub-0', '/topic/t');
    const slow = sessions[1];
    if (slow === undefined) throw new Error('unreachable');
    slow.accepting = false;
    broker.publish('/topic/t', text('1'));
    expect(slow.closedWith?.code).toBe('slow_consumer');
    expect(sessions[0]?.bodies()).toEqual(['1']);
    expect(sessions[2]?.bodies()).toEqual(['1']);
    expect(broker.stats()).toEqual({ connections: 2, subscriptions: 2 });
    broker.publish('/topic/t', text('2'));
    expect(sessions[2]?.bodies()).toEqual(['1', '2']);
  });

  it('adds a seq header from message.seq and never delivers a seq twice', async () => {
    const { broker } = makeBroker();
    broker.route('/topic/', topicRoute);
    const session = await connect(broker, 'a');
    await subscribe(broker, session, 's', '/topic/r');
    for (const seq of [1, 2, 2, 1, 3, 3]) broker.publish('/topic/r', text(`m${seq}`, seq));
    expect(session.bodies()).toEqual(['m1', 'm2', 'm3']);
    expect(session.messages().map((m) => m.headers.seq)).toEqual(['1', '2', '3']);
    broker.publish('/topic/r', text('unordered'));
    expect(session.bodies()).toHaveLength(4);
  });
});

describe('StompBroker fan-out isolation', () => {
  /** A session whose transport fails in a way the broker did not foresee. */
  class ThrowingSession extends FakeSession {
    override deliver(): boolean {
      throw new Error('deliver exploded');
    }
  }

  function isolatedBroker() {
    const { broker } = makeBroker();
    const ended: string[] = [];
    broker.route('/topic/', {
      subscribe: async () => {},
      unsubscribed: (connection) => void ended.push(connection.principal.id),
    });
    return { broker, ended };
  }

  it('drops only the group whose frame cannot be encoded; groups after it get every message', async () => {
    const { broker, ended } = isolatedBroker();
    const before = await connect(broker, 'before');
    // A STOMP 1.0 id with a raw CR: no 1.0 MESSAGE can carry it (the session refuses it at the door; the
    // broker must survive it anyway).
    const attacker = await connect(broker, 'mallory', { version: '1.0' });
    const after = await connect(broker, 'after');
    const after10 = await connect(broker, 'after10', { version: '1.0' });
    await subscribe(broker, before, 's', '/topic/t');
    await subscribe(broker, attacker, 'x\ry', '/topic/t');
    await subscribe(broker, after, 'z', '/topic/t');
    await subscribe(broker, after10, 'ok', '/topic/t');

    broker.publish('/topic/t', text('m1', 1));
    broker.publish('/topic/t', text('m2', 2));
    expect(attacker.closedWith?.code).toBe('invalid_header');
    expect(attacker.deliveries).toHaveLength(0);
    for (const session of [before, after, after10]) expect(session.bodies()).toEqual(['m1', 'm2']);
    expect(broker.stats()).toEqual({ connections: 3, subscriptions: 3 });
    expect(ended).toEqual(['mallory']);

    // Kicks and unsubscribes still end subscriptions afterwards.
    expect(broker.endSubscriptions('after', '/topic/t')).toBe(1);
    broker.unsubscribe(after10, 'ok');
    broker.publish('/topic/t', text('m3', 3));
    expect(before.bodies()).toEqual(['m1', 'm2', 'm3']);
    expect(after.bodies()).toEqual(['m1', 'm2']);
    expect(after10.bodies()).toEqual(['m1', 'm2']);
    expect(ended).toEqual(['mallory', 'after', 'after10']);
  });

  it('drops a subscriber whose deliver throws and serves the rest of its group and the groups after', async () => {
    const { broker } = isolatedBroker();
    const first = await connect(broker, 'first');
    const broken = new ThrowingSession();
    broken.onClose((s) => broker.disconnected(s));
    await broker.connect(broken, { passcode: 'broken' });
    const sameGroup = await connect(broker, 'same');
    const otherGroup = await connect(broker, 'other');
    for (const session of [first, broken, sameGroup]) await subscribe(broker, session, 'sub-0', '/topic/t');
    await subscribe(broker, otherGroup, 'sub-1', '/topic/t');
    broker.publish('/topic/t', text('hello'));
    expect(broken.closedWith?.code).toBe('internal_error');
    for (const session of [first, sameGroup, otherGroup]) expect(session.bodies()).toEqual(['hello']);
    broker.publish('/topic/t', text('again'));
    expect(otherGroup.bodies()).toEqual(['hello', 'again']);
  });

  it('isolates sendToUser, replayed, held and error-report deliveries the same way', async () => {
    const { broker } = makeBroker();
    let replayTo: SubscribeContext<TestPrincipal> | undefined;
    let finish: () => void = () => {};
    broker.route('/topic/rooms.', {
      subscribe: (ctx) => {
        replayTo = ctx;
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    });
    // A header value no STOMP 1.0 frame can carry (a line break): 1.0 subscribers cannot be served it.
    const multiline: OutboundMessage = { headers: { note: 'a\nb' }, body: Buffer.from('x'), seq: 1 };

    const old = await connect(broker, 'alice', { version: '1.0' });
    const modern = await connect(broker, 'alice');
    await subscribe(broker, old, 'm', '/user/queue/mentions');
    await subscribe(broker, modern, 'm', '/user/queue/mentions');
    broker.sendToUser('alice', '/user/queue/mentions', multiline);
    expect(old.closedWith?.code).toBe('invalid_header');
    expect(modern.bodies()).toEqual(['x']);

    const replayed = await connect(broker, 'bob', { version: '1.0' });
    const pending = subscribe(broker, replayed, 's', '/topic/rooms.1');
    replayTo?.replay(multiline);
    expect(replayed.closedWith?.code).toBe('invalid_header');
    finish();
    await pending;

    const held = await connect(broker, 'carol', { version: '1.0' });
    const holding = subscribe(broker, held, 's', '/topic/rooms.2');
    broker.publish('/topic/rooms.2', multiline);
    finish();
    await holding;
    expect(held.closedWith?.code).toBe('invalid_header');

    const reporter = await connect(broker, 'erin', { version: '1.0' });
    await subscribe(broker, reporter, 'e', '/user/queue/errors');
    expect(() => broker.failed(reporter, new ParleyError('rate_limited'), 'r\r')).not.toThrow();
    expect(reporter.closedWith?.code).toBe('invalid_header');
    expect(broker.stats().connections).toBe(1);
  });
});

describe('StompBroker replay', () => {
  it('holds live messages while the route replays, then delivers those above the last replayed seq', async () => {
    const { broker } = makeBroker();
    let finish: () => void = () => {};
    let context: SubscribeContext<TestPrincipal> | undefined;
    broker.route('/topic/rooms.', {
      subscribe: (ctx) => {
        context = ctx;
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    });
    const session = await connect(broker, 'a');
    const pending = subscribe(broker, session, 's', '/topic/rooms.1', 'auto', { 'since-seq': '0' });
    expect(context?.path).toBe('1');
    expect(context?.headers['since-seq']).toBe('0');
    context?.replay(text('m1', 1));
    broker.publish('/topic/rooms.1', text('m3', 3)); // stored after the history read started
    context?.replay(text('m2', 2));
    context?.replay(text('m3', 3));
    broker.publish('/topic/rooms.1', text('m4', 4));
    expect(session.bodies()).toEqual(['m1', 'm2', 'm3']);
    finish();
    await pending;
    broker.publish('/topic/rooms.1', text('m5', 5));
    expect(session.bodies()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(session.messages().every((m) => m.headers.subscription === 's')).toBe(true);
  });

  it('tells the route to stop replaying once the subscription ended (unsubscribed, disconnected)', async () => {
    const { broker } = makeBroker();
    const contexts: SubscribeContext<TestPrincipal>[] = [];
    const finishers: (() => void)[] = [];
    broker.route('/topic/rooms.', {
      subscribe: (ctx) => {
        contexts.push(ctx);
        return new Promise<void>((resolve) => finishers.push(resolve));
      },
    });
    const session = await connect(broker, 'a');
    const first = subscribe(broker, session, 's', '/topic/rooms.1', 'auto', { 'since-seq': '0' });
    expect(contexts[0]?.replay(text('m1', 1))).toBe(true);
    broker.unsubscribe(session, 's');
    expect(contexts[0]?.replay(text('m2', 2))).toBe(false);
    finishers[0]?.();
    await first;
    const second = subscribe(broker, session, 't', '/topic/rooms.2', 'auto', { 'since-seq': '0' });
    expect(contexts[1]?.replay(text('n1', 1))).toBe(true);
    broker.disconnected(session);
    expect(contexts[1]?.replay(text('n2', 2))).toBe(false);
    finishers[1]?.();
    await second.catch(() => undefined);
    expect(session.bodies()).toEqual(['m1', 'n1']);
  });

  it('resumes with no gap and no duplicate for any interleaving of storing, publishing and replaying', async () => {
    const ticks = async (n: number) => {
      for (let i = 0; i < n; i += 1) await Promise.resolve();
    };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.tuple(fc.nat(4), fc.nat(4)), { maxLength: 8 }),
        fc.array(fc.nat(3), { maxLength: 12 }),
        async (initial, sinceRaw, readDelay, publishPlan, replayGaps) => {
          const since = Math.min(sinceRaw, initial);
          const { broker } = makeBroker();
          const store: number[] = [];
          for (let seq = 1; seq <= initial; seq += 1) store.push(seq);
          broker.route('/topic/rooms.', {
            subscribe: async (ctx) => {
              ctx.resumeAfter(since);
              await ticks(readDelay);
              const snapshot = store.filter((seq) => seq > since);
              for (const [i, seq] of snapshot.entries()) {
                ctx.replay(text(`m${seq}`, seq));
                await ticks(replayGaps[i] ?? 0);
              }
            },
          });
          const session = await connect(broker, 'a');
          const publisher = (async () => {
            for (const [beforeStore, beforePublish] of publishPlan) {
              await ticks(beforeStore);
              const seq = store.length + 1;
              store.push(seq);
              await ticks(beforePublish);
              broker.publish('/topic/rooms.1', text(`m${seq}`, seq));
            }
          })();
          await Promise.all([subscribe(broker, session, 's', '/topic/rooms.1'), publisher]);
          const expected = store.filter((seq) => seq > since).map((seq) => `m${seq}`);
          expect(session.bodies()).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('resumeAfter keeps every seq the client already has away from the subscription', async () => {
    const { broker } = makeBroker();
    broker.route('/topic/rooms.', {
      subscribe: async (ctx) => {
        ctx.resumeAfter(5);
        ctx.replay(text('m4', 4));
        ctx.replay(text('m6', 6));
      },
    });
    const session = await connect(broker, 'a');
    await subscribe(broker, session, 's', '/topic/rooms.1');
    broker.publish('/topic/rooms.1', text('m5', 5));
    broker.publish('/topic/rooms.1', text('m7', 7));
    expect(session.bodies()).toEqual(['m6', 'm7']);
  });

  it('ends the connection as slow_consumer when too much is held during a replay', async () => {
    const { broker } = makeBroker({ maxHeldMessages: 2 });
    let finish: () => void = () => {};
    broker.route('/topic/', {
      subscribe: () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    });
    const session = await connect(broker, 'a');
    const pending = subscribe(broker, session, 's', '/topic/x');
    for (let seq = 1; seq <= 3; seq += 1) broker.publish('/topic/x', text(`m${seq}`, seq));
    expect(session.closedWith?.code).toBe('slow_consumer');
    finish();
    await pending;
    expect(session.deliveries).toHaveLength(0);
    expect(broker.stats()).toEqual({ connections: 0, subscriptions: 0 });
  });

  it('tells the route `unsubscribed` only after its subscribe settled when UNSUBSCRIBE came mid-replay', async () => {
    const { broker } = makeBroker();
    const events: string[] = [];
    let finish: () => void = () => {};
    broker.route('/topic/', {
      subscribe: () =>
        new Promise<void>((resolve) => {
          finish = () => {
            events.push('subscribed');
            resolve();
          };
        }),
      unsubscribed: (_c, destination) => {
        events.push(`unsubscribed ${destination}`);
      },
    });
    const session = await connect(broker, 'a');
    const pending = subscribe(broker, session, 's', '/topic/x');
    broker.publish('/topic/x', text('held'));
    broker.unsubscribe(session, 's');
    expect(events).toEqual([]);
    finish();
    await pending;
    expect(events).toEqual(['subscribed', 'unsubscribed /topic/x']);
    expect(session.deliveries).toHaveLength(0);
  });
});

describe('StompBroker user queues and errors', () => {
  it('sendToUser reaches every connection of that user that subscribed the destination, and no one else', async () => {
    const { broker } = makeBroker();
    const a1 = await connect(broker, 'alice');
    const a2 = await connect(broker, 'alice');
    const a3 = await connect(broker, 'alice');
    const b = await connect(broker, 'bob');
    await subscribe(broker, a1, 'm', '/user/queue/mentions');
    await subscribe(broker, a2, 'm', '/user/queue/mentions');
    await subscribe(broker, a3, 'e', '/user/queue/errors');
    await subscribe(broker, b, 'm', '/user/queue/mentions');

    broker.sendToUser('alice', '/user/queue/mentions', text('ping'));
    expect(a1.bodies()).toEqual(['ping']);
    expect(a2.deliveries[0]?.frame).toBe(a1.deliveries[0]?.frame);
    expect(a3.deliveries).toHaveLength(0);
    expect(b.deliveries).toHaveLength(0);
    expect(a1.messages()[0]?.headers.destination).toBe('/user/queue/mentions');

    broker.publish('/user/queue/mentions', text('not for topics'));
    expect(a1.deliveries).toHaveLength(1);
    expect(b.deliveries).toHaveLength(0);
    broker.sendToUser('nobody', '/user/queue/mentions', text('x'));
  });

  it('reports failures as JSON on the failing connection’s /user/queue/errors with receipt-id', async () => {
    const { broker } = makeBroker();
    const failing = await connect(broker, 'alice');
    const sibling = await connect(broker, 'alice');
    await subscribe(broker, failing, 'errs', '/user/queue/errors');
    await subscribe(broker, sibling, 'errs', '/user/queue/errors');

    broker.failed(failing, new ParleyError('forbidden_destination', 'no sending to topics'), 'r-7');
    broker.failed(failing, new ParleyError('rate_limited'), undefined);

    const [first, second] = failing.messages();
    expect(first?.headers).toMatchObject({
      destination: '/user/queue/errors',
      subscription: 'errs',
      'content-type': 'application/json',
      'receipt-id': 'r-7',
    });
    expect(JSON.parse(first?.body ?? '')).toEqual({
      code: 'forbidden_destination',
      message: 'no sending to topics',
    });
    expect(second?.headers['receipt-id']).toBeUndefined();
    expect(JSON.parse(second?.body ?? '').code).toBe('rate_limited');
    expect(sibling.deliveries).toHaveLength(0);
  });

  it('ends a connection with no errors subscription with ERROR (code, receipt-id), as the STOMP spec asks', async () => {
    const { broker } = makeBroker();
    const session = await connect(broker, 'alice');
    expect(() => broker.failed(session, new ParleyError('rate_limited'), 'r1')).not.toThrow();
    expect(session.deliveries).toHaveLength(0);
    expect(session.closedWith).toMatchObject({ code: 'rate_limited', receiptId: 'r1' });
    const other = await connect(broker, 'bob');
    broker.failed(other, new ParleyError('unknown_destination'), undefined);
    expect(other.closedWith).toMatchObject({ code: 'unknown_destination' });
    expect(other.closedWith?.receiptId).toBeUndefined();
  });
});

describe('StompBroker lifecycle', () => {
  it('tells the route `unsubscribed` on UNSUBSCRIBE and for every subscription on disconnect', async () => {
    const { broker } = makeBroker();
    const events: string[] = [];
    broker.route('/topic/rooms.', {
      subscribe: async () => {},
      unsubscribed: (connection, destination, path) => {
        events.push(`${connection.principal.id} ${destination} ${path}`);
      },
    });
    const session = await connect(broker, 'alice');
    await subscribe(broker, session, 's1', '/topic/rooms.1');
    await subscribe(broker, session, 's2', '/topic/rooms.2');
    await subscribe(broker, session, 's3', '/user/queue/errors');
    expect(broker.stats()).toEqual({ connections: 1, subscriptions: 3 });

    broker.unsubscribe(session, 's1');
    broker.unsubscribe(session, 's1');
    expect(events).toEqual(['alice /topic/rooms.1 1']);
    broker.publish('/topic/rooms.1', text('x'));
    expect(session.deliveries).toHaveLength(0);

    broker.disconnected(session);
    broker.disconnected(session);
    expect(events).toEqual(['alice /topic/rooms.1 1', 'alice /topic/rooms.2 2']);
    expect(broker.stats()).toEqual({ connections: 0, subscriptions: 0 });
    broker.publish('/topic/rooms.2', text('x'));
    broker.sendToUser('alice', '/user/queue/errors', text('x'));
    expect(session.deliveries).toHaveLength(0);
  });

  it('disconnectUser ends every connection of that user with the code', async () => {
    const { broker } = makeBroker();
    const a1 = await connect(broker, 'alice');
    const a2 = await connect(broker, 'alice');
    const b = await connect(broker, 'bob');
    broker.disconnectUser('alice', 'unauthorized', 'banned');
    expect(a1.closedWith).toEqual({ code: 'unauthorized', message: 'banned' });
    expect(a2.closedWith?.code).toBe('unauthorized');
    expect(b.closedWith).toBeUndefined();
    expect(broker.stats().connections).toBe(1);
  });

  it('close() sends shutting_down to everyone, resolves once all closed, then refuses new connections', async () => {
    const { broker } = makeBroker();
    const sessions = [await connect(broker, 'a'), await connect(broker, 'b')];
    await broker.close();
    expect(sessions.map((s) => s.closedWith?.code)).toEqual(['shutting_down', 'shutting_down']);
    expect(broker.stats().connections).toBe(0);
    await expectCode(broker.connect(new FakeSession(), { passcode: 'c' }), 'shutting_down');
  });

  it('close() gives up waiting after the close timeout when a session never reports', async () => {
    const clock = new ManualClock();
    const { broker } = makeBroker({ clock });
    const silent = new FakeSession();
    await broker.connect(silent, { passcode: 'a' });
    let done = false;
    const closing = broker.close().then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(silent.closedWith?.code).toBe('shutting_down');
    expect(done).toBe(false);
    clock.advance(5000);
    await closing;
    expect(done).toBe(true);
  });
});
