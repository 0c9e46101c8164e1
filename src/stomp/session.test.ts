// StompSession against a fake transport, a scripted handler and a manual clock: every rule of the
// session (handshake, receipts, errors, subscriptions, acks, transactions, heart-beats, limits).
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { type ErrorCode, ParleyError } from '../errors.js';
import { sessionLimitsOf } from '../session-limits.js';
import { encodeFrame, FrameParser } from './codec.js';
import type { Frame, Headers, StompVersion } from './frame.js';
import {
  type SendRequest,
  type SessionHandler,
  type SessionLimits,
  type SessionTransport,
  StompSession,
  type SubscribeRequest,
} from './session.js';

const LIMITS: SessionLimits = {
  ...sessionLimitsOf(loadConfig({}).limits),
  maxFrameBytes: 4096,
  maxHeaders: 16,
  maxHeaderLineBytes: 512,
  maxSubscriptions: 3,
  maxOutboundBytes: 1000,
  heartbeatSendMs: 5000,
  heartbeatReceiveMs: 3000,
  heartbeatGraceFactor: 1.5,
  connectTimeoutMs: 10_000,
  maxTransactionFrames: 2,
  maxPendingAcks: 4,
  maxQueuedFrames: 8,
};

class FakeTransport implements SessionTransport {
  readonly remoteAddress = '203.0.113.7';
  bufferedBytes = 0;
  readonly writes: Buffer[] = [];
  closedWith: ErrorCode | undefined | 'open' = 'open';

  write(bytes: Buffer): void {
    if (this.closedWith !== 'open') throw new Error('write after close');
    this.writes.push(bytes);
  }

  close(code: ErrorCode | undefined): void {
    if (this.closedWith !== 'open') throw new Error('closed twice');
    this.closedWith = code;
  }

  /** Everything written, parsed; heart-beat EOLs counted separately. */
  parsed(version: StompVersion | undefined = '1.2'): { frames: Frame[]; heartbeats: number } {
    const parser = new FrameParser({ maxFrameBytes: 1 << 20, maxHeaders: 100, maxHeaderLineBytes: 1 << 16 });
    parser.version = version;
    const frames: Frame[] = [];
    let heartbeats = 0;
    parser.push(
      Buffer.concat(this.writes),
      (f) => frames.push(f),
      () => heartbeats++,
    );
    return { frames, heartbeats };
  }

  frames(version?: StompVersion): Frame[] {
    return this.parsed(version).frames;
  }

  commands(): string[] {
    return this.frames().map((f) => f.command);
  }

  last(): Frame | undefined {
    return this.frames().at(-1);
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve = (): void => {};
  let reject = (_error: unknown): void => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

class ScriptedHandler implements SessionHandler {
  readonly calls: string[] = [];
  readonly sends: SendRequest[] = [];
  readonly subscribes: SubscribeRequest[] = [];
  readonly acks: { subscription: string; ids: readonly string[]; accepted: boolean }[] = [];
  readonly failures: { code: ErrorCode; receipt: string | undefined }[] = [];
  disconnects = 0;
  onConnect: (headers: Headers) => Promise<void> = async () => {};
  onSubscribe: (request: SubscribeRequest) => Promise<void> = async () => {};
  onSend: (request: SendRequest) => Promise<void> = async () => {};
  onUnsubscribe: (id: string) => void = () => {};

  connect(_session: StompSession, headers: Headers): Promise<void> {
    this.calls.push('connect');
    return this.onConnect(headers);
  }
  subscribe(_session: StompSession, request: SubscribeRequest): Promise<void> {
    this.calls.push(`subscribe ${request.id}`);
    this.subscribes.push(request);
    return this.onSubscribe(request);
  }
  unsubscribe(_session: StompSession, id: string): void {
    this.calls.push(`unsubscribe ${id}`);
    this.onUnsubscribe(id);
  }
  send(_session: StompSession, request: SendRequest): Promise<void> {
    this.calls.push(`send ${request.body.toString()}`);
    this.sends.push(request);
    return this.onSend(request);
  }
  ack(_session: StompSession, subscription: string, ids: readonly string[], accepted: boolean): void {
    this.acks.push({ subscription, ids, accepted });
  }
  failed(_session: StompSession, error: ParleyError, receipt: string | undefined): void {
    this.failures.push({ code: error.code, receipt });
  }
  disconnected(): void {
    this.disconnects += 1;
  }
}

/** Lets pending promise callbacks run (not a timing wait: nothing here depends on wall time). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(options: { limits?: Partial<SessionLimits>; offeredVersions?: readonly StompVersion[] } = {}) {
  const transport = new FakeTransport();
  const handler = new ScriptedHandler();
  const clock = new ManualClock();
  const session = new StompSession({
    id: 'session-1',
    transport,
    handler,
    clock,
    limits: { ...LIMITS, ...options.limits },
    serverName: 'parley/test',
    offeredVersions: options.offeredVersions,
  });
  const send = (command: Frame['command'], headers: Record<string, string> = {}, body?: string) =>
    session.receive(encodeFrame(command, headers, body, session.version));
  const connect = async (headers: Record<string, string> = { 'accept-version': '1.2' }) => {
    send('CONNECT', headers);
    await settle();
    expect(session.connected).toBe(true);
  };
  return { transport, handler, clock, session, send, connect };
}

function message(subscription: string, id: string, ack = false): Buffer {
  const headers: Record<string, string> = { subscription, 'message-id': id, destination: '/topic/x' };
  if (ack) headers.ack = id;
  return encodeFrame('MESSAGE', headers, `m${id}`, '1.2');
}

describe('StompSession handshake', () => {
  it('answers CONNECT with CONNECTED: negotiated version, heart-beat, server, session', async () => {
    const { transport, connect } = setup();
    await connect({ 'accept-version': '1.0,1.1,1.2', 'heart-beat': '0,0', host: 'x' });
    const connected = transport.last();
    expect(connected?.command).toBe('CONNECTED');
    expect({ ...connected?.headers }).toEqual({
      version: '1.2',
      'heart-beat': '5000,3000',
      server: 'parley/test',
      session: 'session-1',
    });
  });

  it('accepts STOMP as CONNECT and passes the headers to the handler', async () => {
    const { handler, session, send } = setup();
    let seen: Headers | undefined;
    handler.onConnect = async (headers) => {
      seen = headers;
    };
    send('STOMP', { 'accept-version': '1.1', Authorization: 'Bearer abc' });
    await settle();
    expect(session.version).toBe('1.1');
    expect(seen?.Authorization).toBe('Bearer abc');
  });

  it('treats a CONNECT without accept-version as STOMP 1.0', async () => {
    const { transport, session, connect } = setup();
    await connect({});
    expect(session.version).toBe('1.0');
    expect(transport.last()?.headers.version).toBe('1.0');
  });

  it('refuses a version outside the offered ones with unsupported_version and the supported list', async () => {
    const { transport, handler, send } = setup({ offeredVersions: ['1.1'] });
    send('CONNECT', { 'accept-version': '1.2' });
    await settle();
    const error = transport.last();
    expect(error?.command).toBe('ERROR');
    expect(error?.headers.message).toBe('unsupported_version');
    expect(error?.headers.version).toBe('1.1');
    expect(transport.closedWith).toBe('unsupported_version');
    expect(handler.calls).toEqual([]);
  });

  it('answers a frame before CONNECT with ERROR not_connected and closes', async () => {
    const { transport, handler, send } = setup();
    send('SEND', { destination: '/app/x' }, 'hi');
    await settle();
    expect(transport.last()?.headers.message).toBe('not_connected');
    expect(transport.closedWith).toBe('not_connected');
    expect(handler.calls).toEqual([]);
    expect(handler.disconnects).toBe(0);
  });

  it('sends ERROR with the code, content-type and human message when connect is refused', async () => {
    const { transport, handler, send } = setup();
    handler.onConnect = () => Promise.reject(new ParleyError('unauthorized', 'The token has expired.'));
    send('CONNECT', { 'accept-version': '1.2' });
    await settle();
    const error = transport.last();
    expect(error?.headers.message).toBe('unauthorized');
    expect(error?.headers['content-type']).toBe('text/plain');
    expect(error?.body.toString()).toBe('The token has expired.');
    expect(transport.closedWith).toBe('unauthorized');
    expect(handler.disconnects).toBe(0);
  });

  it('closes with connect_timeout when no CONNECT arrives in time', () => {
    const { transport, clock } = setup();
    clock.advance(9999);
    expect(transport.closedWith).toBe('open');
    clock.advance(1);
    expect(transport.last()?.headers.message).toBe('connect_timeout');
    expect(transport.closedWith).toBe('connect_timeout');
  });

  it('does not time out once connected', async () => {
    const { transport, clock, connect } = setup();
    await connect();
    clock.advance(20_000);
    expect(transport.closedWith).toBe('open');
  });

  it('holds frames pipelined behind CONNECT until the handler accepted it', async () => {
    const { transport, handler, session } = setup();
    const gate = deferred();
    handler.onConnect = () => gate.promise;
    session.receive(
      Buffer.concat([
        encodeFrame('CONNECT', { 'accept-version': '1.2' }),
        encodeFrame('SUBSCRIBE', { id: 's', destination: '/topic/a', receipt: 'r1' }, undefined, '1.2'),
      ]),
    );
    await settle();
    expect(handler.calls).toEqual(['connect']);
    gate.resolve();
    await settle();
    expect(handler.calls).toEqual(['connect', 'subscribe s']);
    expect(transport.commands()).toEqual(['CONNECTED', 'RECEIPT']);
  });

  it('calls disconnected once when the socket left while connect was pending, and writes nothing', async () => {
    const { transport, handler, session, send } = setup();
    const gate = deferred();
    handler.onConnect = () => gate.promise;
    send('CONNECT', { 'accept-version': '1.2' });
    session.transportClosed();
    gate.resolve();
    await settle();
    expect(transport.writes).toEqual([]);
    expect(handler.disconnects).toBe(1);
    session.transportClosed();
    expect(handler.disconnects).toBe(1);
  });

  it('refuses a second CONNECT and server frames from the client', async () => {
    for (const command of ['CONNECT', 'MESSAGE', 'CONNECTED', 'RECEIPT', 'ERROR'] as const) {
      const { transport, send, connect } = setup();
      await connect();
      send(command, { receipt: 'r' });
      await settle();
      expect(transport.last()?.headers.message).toBe('protocol_error');
      expect(transport.last()?.headers['receipt-id']).toBe('r');
    }
  });

  it('refuses a malformed heart-beat header', async () => {
    const { transport, send } = setup();
    send('CONNECT', { 'accept-version': '1.2', 'heart-beat': 'often' });
    await settle();
    expect(transport.closedWith).toBe('protocol_error');
  });
});

describe('StompSession SEND and receipts', () => {
  it('sends the RECEIPT only after handler.send resolved', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    const gate = deferred();
    handler.onSend = () => gate.promise;
    send(
      'SEND',
      { destination: '/app/rooms.1', receipt: 'r-7', 'content-type': 'application/json' },
      '{"body":"x"}',
    );
    await settle();
    expect(handler.sends[0]?.destination).toBe('/app/rooms.1');
    expect(handler.sends[0]?.headers['content-type']).toBe('application/json');
    expect(handler.sends[0]?.body.toString()).toBe('{"body":"x"}');
    expect(transport.commands()).toEqual(['CONNECTED']);
    gate.resolve();
    await settle();
    expect(transport.last()?.command).toBe('RECEIPT');
    expect(transport.last()?.headers['receipt-id']).toBe('r-7');
  });

  it('handles frames in order: a later frame waits for an earlier SEND', async () => {
    const { handler, send, connect } = setup();
    await connect();
    const gate = deferred();
    handler.onSend = () => gate.promise;
    send('SEND', { destination: '/app/a' }, '1');
    send('SUBSCRIBE', { id: 's', destination: '/topic/a' });
    await settle();
    expect(handler.calls.slice(1)).toEqual(['send 1']);
    gate.resolve();
    await settle();
    expect(handler.calls.slice(1)).toEqual(['send 1', 'subscribe s']);
  });

  it('reports a queue error to handler.failed with the receipt id, sends no RECEIPT and stays open', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    handler.onSend = () => Promise.reject(new ParleyError('rate_limited'));
    send('SEND', { destination: '/app/a', receipt: 'r1' }, 'x');
    await settle();
    expect(handler.failures).toEqual([{ code: 'rate_limited', receipt: 'r1' }]);
    expect(transport.commands()).toEqual(['CONNECTED']);
    expect(transport.closedWith).toBe('open');
  });

  it('reports an unexpected exception as internal_error and stays open', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    handler.onSend = () => Promise.reject(new TypeError('bug'));
    send('SEND', { destination: '/app/a' }, 'x');
    await settle();
    expect(handler.failures).toEqual([{ code: 'internal_error', receipt: undefined }]);
    expect(transport.closedWith).toBe('open');
  });

  it('ends the connection on a fatal error with ERROR carrying the receipt-id', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    handler.onSend = () => Promise.reject(new ParleyError('unauthorized', 'Token revoked.'));
    send('SEND', { destination: '/app/a', receipt: 'r9' }, 'x');
    await settle();
    const error = transport.last();
    expect(error?.command).toBe('ERROR');
    expect({ ...error?.headers }).toMatchObject({ message: 'unauthorized', 'receipt-id': 'r9' });
    expect(error?.body.toString()).toBe('Token revoked.');
    expect(transport.closedWith).toBe('unauthorized');
    expect(handler.disconnects).toBe(1);
  });

  it('dispatches plain SENDs without waiting for earlier ones, writing RECEIPTs in SEND order', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    const gates = [deferred(), deferred(), deferred()];
    handler.onSend = (request) => gates[Number(request.body.toString())]?.promise ?? Promise.resolve();
    for (let i = 0; i < 3; i++) send('SEND', { destination: '/a', receipt: `r${i}` }, String(i));
    expect(handler.calls.slice(1)).toEqual(['send 0', 'send 1', 'send 2']);
    gates[2]?.resolve();
    gates[1]?.resolve();
    await settle();
    expect(transport.commands()).toEqual(['CONNECTED']);
    gates[0]?.resolve();
    await settle();
    expect(transport.frames().map((f) => f.headers['receipt-id'])).toEqual([undefined, 'r0', 'r1', 'r2']);
  });

  it('reports a refused pipelined SEND in its place without holding back the others', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    const first = deferred();
    const order: string[] = [];
    handler.failed = (_session, error, receipt) => {
      order.push(`${error.code} ${receipt}`);
    };
    handler.onSend = (request) => {
      const body = request.body.toString();
      if (body === '0') return first.promise;
      if (body === '1') return Promise.reject(new ParleyError('rate_limited'));
      return Promise.resolve();
    };
    for (let i = 0; i < 3; i++) send('SEND', { destination: '/a', receipt: `r${i}` }, String(i));
    await settle();
    expect(order).toEqual([]);
    first.resolve();
    await settle();
    const receiptOf = (f: Frame) => f.headers['receipt-id'];
    expect(transport.frames().map(receiptOf)).toEqual([undefined, 'r0', 'r2']);
    expect(order).toEqual(['rate_limited r1']);
    expect(transport.closedWith).toBe('open');
  });

  it('waits for a free slot above maxInflightSends instead of failing', async () => {
    const { transport, handler, send, connect } = setup({ limits: { maxInflightSends: 2 } });
    await connect();
    const gates = [deferred(), deferred(), deferred(), deferred()];
    handler.onSend = (request) => gates[Number(request.body.toString())]?.promise ?? Promise.resolve();
    for (let i = 0; i < 4; i++) send('SEND', { destination: '/a', receipt: `r${i}` }, String(i));
    await settle();
    expect(handler.calls.slice(1)).toEqual(['send 0', 'send 1']);
    gates[1]?.resolve();
    await settle();
    // A slot frees only when the oldest SEND's outcome is written, which keeps RECEIPTs in order.
    expect(handler.calls.slice(1)).toEqual(['send 0', 'send 1']);
    gates[0]?.resolve();
    await settle();
    expect(handler.calls.slice(1)).toEqual(['send 0', 'send 1', 'send 2', 'send 3']);
    gates[2]?.resolve();
    gates[3]?.resolve();
    await settle();
    expect(transport.frames().map((f) => f.headers['receipt-id'])).toEqual([
      undefined,
      'r0',
      'r1',
      'r2',
      'r3',
    ]);
    expect(transport.closedWith).toBe('open');
  });

  it('makes every other frame wait until all pipelined SENDs settled (a barrier)', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    const gates = [deferred(), deferred()];
    handler.onSend = (request) => gates[Number(request.body.toString())]?.promise ?? Promise.resolve();
    send('SEND', { destination: '/a', receipt: 'r0' }, '0');
    send('SEND', { destination: '/a', receipt: 'r1' }, '1');
    send('SUBSCRIBE', { id: 's', destination: '/topic/a', receipt: 'sub' });
    send('SEND', { destination: '/a', receipt: 'r2' }, '2');
    await settle();
    expect(handler.calls.slice(1)).toEqual(['send 0', 'send 1']);
    gates[0]?.resolve();
    await settle();
    expect(handler.calls.slice(1)).toEqual(['send 0', 'send 1']);
    gates[1]?.resolve();
    await settle();
    expect(handler.calls.slice(1)).toEqual(['send 0', 'send 1', 'subscribe s', 'send 2']);
    expect(transport.frames().map((f) => f.headers['receipt-id'])).toEqual([
      undefined,
      'r0',
      'r1',
      'sub',
      'r2',
    ]);
  });

  it('ends the session on a pipelined fatal error: no later RECEIPT, nothing more handled', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    const first = deferred();
    handler.onSend = (request) => {
      const body = request.body.toString();
      if (body === '0') return first.promise;
      if (body === '1') return Promise.reject(new ParleyError('unauthorized', 'Token revoked.'));
      return Promise.resolve();
    };
    send('SEND', { destination: '/a', receipt: 'r0' }, '0');
    send('SEND', { destination: '/a', receipt: 'r1' }, '1');
    send('SEND', { destination: '/a', receipt: 'r2' }, '2');
    send('SUBSCRIBE', { id: 's', destination: '/topic/a' });
    first.resolve();
    await settle();
    const frames = transport.frames();
    expect(frames.map((f) => f.command)).toEqual(['CONNECTED', 'RECEIPT', 'ERROR']);
    expect(frames[2]?.headers['receipt-id']).toBe('r1');
    expect(transport.closedWith).toBe('unauthorized');
    expect(handler.subscribes).toEqual([]);
    expect(handler.disconnects).toBe(1);
  });

  it('keeps transactional SENDs sequential behind pipelined ones', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    const gate = deferred();
    handler.onSend = (request) => (request.body.toString() === 'plain' ? gate.promise : Promise.resolve());
    send('SEND', { destination: '/a', receipt: 'p' }, 'plain');
    send('BEGIN', { transaction: 't' });
    send('SEND', { destination: '/a', transaction: 't', receipt: 'held' }, 'held');
    send('COMMIT', { transaction: 't', receipt: 'c' });
    await settle();
    expect(handler.calls.slice(1)).toEqual(['send plain']);
    gate.resolve();
    await settle();
    expect(handler.calls.slice(1)).toEqual(['send plain', 'send held']);
    expect(transport.frames().map((f) => f.headers['receipt-id'])).toEqual([undefined, 'p', 'held', 'c']);
  });

  it('refuses SEND without destination', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    send('SEND', {}, 'x');
    await settle();
    expect(transport.closedWith).toBe('protocol_error');
    expect(handler.sends).toEqual([]);
  });

  it('unescapes headers of frames after CONNECT per the negotiated version', async () => {
    const { handler, session, connect } = setup();
    await connect({ 'accept-version': '1.2' });
    session.receive(Buffer.from('SEND\ndestination:/app/a\\cb\nx:1\\n2\n\nbody\0'));
    await settle();
    expect(handler.sends[0]?.destination).toBe('/app/a:b');
    expect(handler.sends[0]?.headers.x).toBe('1\n2');
  });
});

describe('StompSession subscriptions', () => {
  it('registers the subscription before handler.subscribe resolves, then sends the RECEIPT', async () => {
    const { transport, handler, session, send, connect } = setup();
    await connect();
    const gate = deferred();
    handler.onSubscribe = () => gate.promise;
    send('SUBSCRIBE', { id: 'sub-0', destination: '/topic/rooms.1', receipt: 'r', 'since-seq': '4' });
    await settle();
    expect(handler.subscribes[0]).toMatchObject({ id: 'sub-0', destination: '/topic/rooms.1', ack: 'auto' });
    expect(handler.subscribes[0]?.headers['since-seq']).toBe('4');
    expect(session.deliver('sub-0', message('sub-0', '1'), '1')).toBe(true);
    expect(transport.commands()).toEqual(['CONNECTED', 'MESSAGE']);
    gate.resolve();
    await settle();
    expect(transport.commands()).toEqual(['CONNECTED', 'MESSAGE', 'RECEIPT']);
  });

  it('forgets a subscription the handler refused and reports a queue error', async () => {
    const { transport, handler, session, send, connect } = setup();
    await connect();
    handler.onSubscribe = () => Promise.reject(new ParleyError('room_not_found'));
    send('SUBSCRIBE', { id: 's', destination: '/topic/rooms.x', receipt: 'r' });
    await settle();
    expect(handler.failures).toEqual([{ code: 'room_not_found', receipt: 'r' }]);
    expect(session.deliver('s', message('s', '1'), '1')).toBe(false);
    expect(transport.commands()).toEqual(['CONNECTED']);
    send('SUBSCRIBE', { id: 's', destination: '/topic/rooms.y' });
    await settle();
    expect(transport.closedWith).toBe('open');
  });

  it('needs id and destination (1.2), and uses the destination as id in 1.0', async () => {
    const noId = setup();
    await noId.connect();
    noId.send('SUBSCRIBE', { destination: '/topic/a' });
    await settle();
    expect(noId.transport.closedWith).toBe('protocol_error');

    const noDestination = setup();
    await noDestination.connect();
    noDestination.send('SUBSCRIBE', { id: 's' });
    await settle();
    expect(noDestination.transport.closedWith).toBe('protocol_error');

    const old = setup();
    await old.connect({});
    old.send('SUBSCRIBE', { destination: '/topic/a' });
    await settle();
    expect(old.handler.subscribes[0]?.id).toBe('/topic/a');
    old.send('UNSUBSCRIBE', { destination: '/topic/a' });
    await settle();
    expect(old.handler.calls.at(-1)).toBe('unsubscribe /topic/a');
  });

  it('refuses a duplicate subscription id', async () => {
    const { transport, send, connect } = setup();
    await connect();
    send('SUBSCRIBE', { id: 's', destination: '/topic/a' });
    send('SUBSCRIBE', { id: 's', destination: '/topic/b' });
    await settle();
    expect(transport.closedWith).toBe('protocol_error');
  });

  it('closes with too_many_subscriptions above the limit', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    for (const id of ['a', 'b', 'c']) send('SUBSCRIBE', { id, destination: `/topic/${id}` });
    await settle();
    expect(transport.closedWith).toBe('open');
    send('SUBSCRIBE', { id: 'd', destination: '/topic/d' });
    await settle();
    expect(transport.closedWith).toBe('too_many_subscriptions');
    expect(handler.subscribes).toHaveLength(3);
  });

  it('unsubscribes (handler told, deliveries dropped) and refuses an unknown id', async () => {
    const { transport, handler, session, send, connect } = setup();
    await connect();
    send('SUBSCRIBE', { id: 's', destination: '/topic/a' });
    send('UNSUBSCRIBE', { id: 's', receipt: 'u' });
    await settle();
    expect(handler.calls.at(-1)).toBe('unsubscribe s');
    expect(transport.last()?.headers['receipt-id']).toBe('u');
    expect(session.deliver('s', message('s', '1'), '1')).toBe(false);
    send('UNSUBSCRIBE', { id: 's' });
    await settle();
    expect(transport.closedWith).toBe('protocol_error');
  });

  it('handles a handler that throws synchronously without throwing out of receive', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    handler.onUnsubscribe = () => {
      throw new ParleyError('invalid_request');
    };
    send('SUBSCRIBE', { id: 's', destination: '/topic/a' });
    await settle();
    expect(() => send('UNSUBSCRIBE', { id: 's' })).not.toThrow();
    await settle();
    expect(handler.failures).toEqual([{ code: 'invalid_request', receipt: undefined }]);
    expect(transport.closedWith).toBe('open');
  });
});

describe('StompSession ACK and NACK', () => {
  async function subscribed(ack: string, version: StompVersion = '1.2') {
    const harness = setup();
    await harness.connect({ 'accept-version': version });
    harness.send('SUBSCRIBE', { id: 's', destination: '/queue/a', ack });
    await settle();
    for (const id of ['m1', 'm2', 'm3'])
      expect(harness.session.deliver('s', message('s', id, true), id)).toBe(true);
    return harness;
  }

  it('client mode: ACK is cumulative over the earlier pending messages', async () => {
    const { handler, transport, send } = await subscribed('client');
    send('ACK', { id: 'm2', receipt: 'a' });
    await settle();
    expect(handler.acks).toEqual([{ subscription: 's', ids: ['m1', 'm2'], accepted: true }]);
    expect(transport.last()?.headers['receipt-id']).toBe('a');
    send('ACK', { id: 'm1' });
    await settle();
    expect(transport.closedWith).toBe('protocol_error');
  });

  it('client-individual mode: ACK and NACK settle one message', async () => {
    const { handler, transport, send } = await subscribed('client-individual');
    send('NACK', { id: 'm2' });
    send('ACK', { id: 'm3' });
    send('ACK', { id: 'm1' });
    await settle();
    expect(handler.acks).toEqual([
      { subscription: 's', ids: ['m2'], accepted: false },
      { subscription: 's', ids: ['m3'], accepted: true },
      { subscription: 's', ids: ['m1'], accepted: true },
    ]);
    expect(transport.closedWith).toBe('open');
  });

  it('1.1 uses message-id and subscription', async () => {
    const { handler, transport, send } = await subscribed('client-individual', '1.1');
    send('ACK', { 'message-id': 'm1', subscription: 's' });
    await settle();
    expect(handler.acks).toEqual([{ subscription: 's', ids: ['m1'], accepted: true }]);
    send('ACK', { 'message-id': 'm2' });
    await settle();
    expect(transport.closedWith).toBe('protocol_error');
  });

  it('refuses an unknown ack id', async () => {
    const { transport, send } = await subscribed('client');
    send('ACK', { id: 'nope' });
    await settle();
    expect(transport.closedWith).toBe('protocol_error');
  });

  it('tracks nothing for auto subscriptions, so their ACKs are unknown', async () => {
    const { transport, send } = await subscribed('auto');
    send('ACK', { id: 'm1' });
    await settle();
    expect(transport.closedWith).toBe('protocol_error');
  });

  it('bounds pending acks: one more closes the session as slow_consumer', async () => {
    const { transport, session } = await subscribed('client');
    expect(session.deliver('s', message('s', 'm4', true), 'm4')).toBe(true);
    expect(session.deliver('s', message('s', 'm5', true), 'm5')).toBe(false);
    expect(transport.closedWith).toBe('slow_consumer');
  });

  it('refuses an unknown ack mode', async () => {
    const { transport, send, connect } = setup();
    await connect();
    send('SUBSCRIBE', { id: 's', destination: '/topic/a', ack: 'sometimes' });
    await settle();
    expect(transport.closedWith).toBe('protocol_error');
  });
});

describe('StompSession transactions', () => {
  it('holds SENDs until COMMIT, runs them in order, then sends the COMMIT receipt', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    const gates = [deferred(), deferred()];
    let n = 0;
    handler.onSend = () => gates[n++]?.promise ?? Promise.resolve();
    send('BEGIN', { transaction: 't' });
    send('SEND', { destination: '/app/a', transaction: 't' }, '1');
    send('SEND', { destination: '/app/a', transaction: 't' }, '2');
    await settle();
    expect(handler.sends).toEqual([]);
    send('COMMIT', { transaction: 't', receipt: 'c' });
    await settle();
    expect(handler.calls.slice(1)).toEqual(['send 1']);
    gates[0]?.resolve();
    await settle();
    expect(handler.calls.slice(1)).toEqual(['send 1', 'send 2']);
    expect(transport.commands()).toEqual(['CONNECTED']);
    gates[1]?.resolve();
    await settle();
    expect(transport.last()?.headers['receipt-id']).toBe('c');
  });

  it('sends a held SEND its RECEIPT only once COMMIT has executed it, never on ABORT', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    const gate = deferred();
    handler.onSend = () => gate.promise;
    send('BEGIN', { transaction: 't' });
    send('SEND', { destination: '/app/a', transaction: 't', receipt: 's1' }, '1');
    await settle();
    expect(transport.commands()).toEqual(['CONNECTED']);
    send('COMMIT', { transaction: 't', receipt: 'c' });
    await settle();
    expect(transport.commands()).toEqual(['CONNECTED']);
    gate.resolve();
    await settle();
    expect(transport.commands()).toEqual(['CONNECTED', 'RECEIPT', 'RECEIPT']);
    expect(
      transport
        .frames()
        .slice(1)
        .map((f) => f.headers['receipt-id']),
    ).toEqual(['s1', 'c']);

    send('BEGIN', { transaction: 'u' });
    send('SEND', { destination: '/app/a', transaction: 'u', receipt: 's2' }, '2');
    send('ABORT', { transaction: 'u', receipt: 'a' });
    await settle();
    expect(
      transport
        .frames()
        .slice(3)
        .map((f) => f.headers['receipt-id']),
    ).toEqual(['a']);
  });

  it('drops held frames on ABORT and on disconnect', async () => {
    const { handler, session, send, connect } = setup();
    await connect();
    send('BEGIN', { transaction: 't' });
    send('SEND', { destination: '/app/a', transaction: 't' }, '1');
    send('ABORT', { transaction: 't' });
    send('BEGIN', { transaction: 'u' });
    send('SEND', { destination: '/app/a', transaction: 'u' }, '2');
    await settle();
    session.transportClosed();
    await settle();
    expect(handler.sends).toEqual([]);
    expect(handler.disconnects).toBe(1);
  });

  it('holds ACKs in a transaction', async () => {
    const { handler, session, send, connect } = setup();
    await connect();
    send('SUBSCRIBE', { id: 's', destination: '/queue/a', ack: 'client-individual' });
    await settle();
    session.deliver('s', message('s', 'm1', true), 'm1');
    send('BEGIN', { transaction: 't' });
    send('ACK', { id: 'm1', transaction: 't' });
    await settle();
    expect(handler.acks).toEqual([]);
    send('COMMIT', { transaction: 't' });
    await settle();
    expect(handler.acks).toEqual([{ subscription: 's', ids: ['m1'], accepted: true }]);
  });

  it.each([
    ['an unknown transaction on SEND', [['SEND', { destination: '/a', transaction: 'x' }]]],
    ['an unknown transaction on COMMIT', [['COMMIT', { transaction: 'x' }]]],
    ['an unknown transaction on ABORT', [['ABORT', { transaction: 'x' }]]],
    ['BEGIN without transaction', [['BEGIN', {}]]],
    [
      'a duplicate BEGIN',
      [
        ['BEGIN', { transaction: 't' }],
        ['BEGIN', { transaction: 't' }],
      ],
    ],
    [
      'more than maxTransactionFrames held',
      [
        ['BEGIN', { transaction: 't' }],
        ['SEND', { destination: '/a', transaction: 't' }],
        ['SEND', { destination: '/a', transaction: 't' }],
        ['SEND', { destination: '/a', transaction: 't' }],
      ],
    ],
  ] as const)('refuses %s with protocol_error', async (_name, frames) => {
    const { transport, send, connect } = setup();
    await connect();
    for (const [command, headers] of frames) send(command, { ...headers });
    await settle();
    expect(transport.closedWith).toBe('protocol_error');
  });

  it('reports a refused SEND inside COMMIT and still completes the COMMIT', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    handler.onSend = (request) =>
      request.body.toString() === '1'
        ? Promise.reject(new ParleyError('message_too_long'))
        : Promise.resolve();
    send('BEGIN', { transaction: 't' });
    send('SEND', { destination: '/a', transaction: 't', receipt: 's1' }, '1');
    send('SEND', { destination: '/a', transaction: 't' }, '2');
    send('COMMIT', { transaction: 't', receipt: 'c' });
    await settle();
    expect(handler.failures).toEqual([{ code: 'message_too_long', receipt: 's1' }]);
    expect(handler.calls.slice(1)).toEqual(['send 1', 'send 2']);
    expect(transport.last()?.headers['receipt-id']).toBe('c');
  });
});

describe('StompSession DISCONNECT and close', () => {
  it('DISCONNECT with receipt: RECEIPT, then a normal close, disconnected once', async () => {
    const { transport, handler, session, send, connect } = setup();
    await connect();
    send('DISCONNECT', { receipt: 'bye' });
    await settle();
    expect(transport.last()?.command).toBe('RECEIPT');
    expect(transport.last()?.headers['receipt-id']).toBe('bye');
    expect(transport.closedWith).toBeUndefined();
    session.transportClosed();
    expect(handler.disconnects).toBe(1);
  });

  it('DISCONNECT waits for earlier SENDs', async () => {
    const { transport, handler, send, connect } = setup();
    await connect();
    const gate = deferred();
    handler.onSend = () => gate.promise;
    send('SEND', { destination: '/a', receipt: 's' }, 'x');
    send('DISCONNECT', { receipt: 'bye' });
    await settle();
    expect(transport.closedWith).toBe('open');
    gate.resolve();
    await settle();
    expect(transport.frames().map((f) => f.headers['receipt-id'])).toEqual([undefined, 's', 'bye']);
    expect(transport.closedWith).toBeUndefined();
  });

  it('close(code) writes ERROR with message = code and closes; later input is ignored', async () => {
    const { transport, handler, session, send, connect } = setup();
    await connect();
    session.close('shutting_down');
    expect(transport.last()?.headers.message).toBe('shutting_down');
    expect(transport.last()?.body.toString()).toMatch(/shutting down/);
    expect(transport.closedWith).toBe('shutting_down');
    expect(handler.disconnects).toBe(1);
    const written = transport.writes.length;
    send('SEND', { destination: '/a' }, 'x');
    session.close('internal_error');
    session.transportClosed();
    await settle();
    expect(transport.writes).toHaveLength(written);
    expect(handler.sends).toEqual([]);
    expect(handler.disconnects).toBe(1);
  });

  it('answers a codec violation with ERROR and close', async () => {
    const { transport, session, connect } = setup({ limits: { maxFrameBytes: 100 } });
    await connect();
    session.receive(Buffer.from(`SEND\ndestination:/a\n\n${'x'.repeat(200)}`));
    expect(transport.last()?.headers.message).toBe('frame_too_large');
    expect(transport.closedWith).toBe('frame_too_large');
    expect(() => session.receive(Buffer.from('garbage'))).not.toThrow();
  });

  it('closes when too many frames wait behind a slow handler', async () => {
    const { transport, handler, send, connect } = setup({ limits: { maxInflightSends: 1 } });
    await connect();
    handler.onSend = () => new Promise<void>(() => {});
    // One SEND in flight, one taken by the drain waiting for a slot, eight queued (the limit).
    for (let i = 0; i < 10; i++) send('SEND', { destination: '/a' }, String(i));
    expect(transport.closedWith).toBe('open');
    send('SEND', { destination: '/a' }, 'one too many');
    expect(transport.closedWith).toBe('protocol_error');
  });
});

describe('StompSession delivery and backpressure', () => {
  it('drops and closes as slow_consumer when the outbound buffer is over the limit', async () => {
    const { transport, handler, session, send, connect } = setup();
    await connect();
    send('SUBSCRIBE', { id: 's', destination: '/topic/a' });
    await settle();
    transport.bufferedBytes = 1000;
    expect(session.deliver('s', message('s', '1'), '1')).toBe(true);
    transport.bufferedBytes = 1001;
    expect(session.deliver('s', message('s', '2'), '2')).toBe(false);
    expect(transport.closedWith).toBe('slow_consumer');
    expect(handler.disconnects).toBe(1);
  });

  it('returns false for an unknown subscription or before CONNECTED', () => {
    const { session } = setup();
    expect(session.deliver('s', message('s', '1'), '1')).toBe(false);
  });

  it('writes the pre-encoded buffer unchanged', async () => {
    const { transport, session, send, connect } = setup();
    await connect();
    send('SUBSCRIBE', { id: 's', destination: '/topic/a' });
    await settle();
    const frame = message('s', '1');
    session.deliver('s', frame, '1');
    expect(transport.writes.at(-1)).toBe(frame);
  });
});

describe('StompSession heart-beats', () => {
  it('negotiates each direction as the max of both sides and advertises its own values', async () => {
    // Server cx=5000, cy=3000; client cx=1000, cy=2000 → send every 5000, expect every 3000 (×1.5).
    const { transport, clock, session, connect } = setup();
    await connect({ 'accept-version': '1.2', 'heart-beat': '1000,2000' });
    expect(transport.last()?.headers['heart-beat']).toBe('5000,3000');
    clock.advance(4000);
    session.receive(Buffer.from('\n'));
    clock.advance(999);
    expect(transport.parsed().heartbeats).toBe(0);
    clock.advance(1);
    expect(transport.parsed().heartbeats).toBe(1);
    clock.advance(3000);
    session.receive(Buffer.from('\n'));
    clock.advance(2000);
    expect(transport.parsed().heartbeats).toBe(2);
    expect(transport.closedWith).toBe('open');
  });

  it('counts any written frame as activity', async () => {
    const { transport, clock, send, connect } = setup();
    await connect({ 'accept-version': '1.2', 'heart-beat': '0,1000' });
    clock.advance(3000);
    send('SEND', { destination: '/a', receipt: 'r' }, 'x');
    await settle();
    clock.advance(4999);
    expect(transport.parsed().heartbeats).toBe(0);
    clock.advance(1);
    expect(transport.parsed().heartbeats).toBe(1);
  });

  it('drops a silent peer after the receive interval times the grace factor', async () => {
    const { transport, clock, session, connect } = setup();
    await connect({ 'accept-version': '1.2', 'heart-beat': '1000,0' });
    clock.advance(4000);
    session.receive(Buffer.from('\r\n'));
    clock.advance(4499);
    expect(transport.closedWith).toBe('open');
    clock.advance(1);
    expect(transport.last()?.headers.message).toBe('heartbeat_timeout');
    expect(transport.closedWith).toBe('heartbeat_timeout');
  });

  it('uses the client interval when it is the larger one', async () => {
    const { transport, clock, connect } = setup();
    await connect({ 'accept-version': '1.2', 'heart-beat': '10000,0' });
    clock.advance(14_999);
    expect(transport.closedWith).toBe('open');
    clock.advance(1);
    expect(transport.closedWith).toBe('heartbeat_timeout');
  });

  it('disables a direction when either side says 0', async () => {
    const client = setup();
    await client.connect({ 'accept-version': '1.2', 'heart-beat': '0,0' });
    client.clock.advance(60_000);
    expect(client.transport.parsed().heartbeats).toBe(0);
    expect(client.transport.closedWith).toBe('open');

    const server = setup({ limits: { heartbeatSendMs: 0, heartbeatReceiveMs: 0 } });
    await server.connect({ 'accept-version': '1.2', 'heart-beat': '1000,1000' });
    expect(server.transport.last()?.headers['heart-beat']).toBe('0,0');
    server.clock.advance(60_000);
    expect(server.transport.parsed().heartbeats).toBe(0);
    expect(server.transport.closedWith).toBe('open');
  });

  it('has no heart-beats in STOMP 1.0', async () => {
    const { transport, clock, connect } = setup();
    await connect({ 'heart-beat': '1000,1000' });
    expect(transport.last()?.headers['heart-beat']).toBeUndefined();
    clock.advance(60_000);
    expect(transport.parsed().heartbeats).toBe(0);
    expect(transport.closedWith).toBe('open');
  });

  it('stops its timers once closed', async () => {
    const { transport, clock, session, connect } = setup();
    await connect({ 'accept-version': '1.2', 'heart-beat': '1000,1000' });
    session.transportClosed();
    const written = transport.writes.length;
    clock.advance(60_000);
    expect(transport.writes).toHaveLength(written);
  });
});

describe('StompSession header values it could not write back', () => {
  // Raw bytes: what a hostile client writes, unescaped and unchecked.
  const raw = (text: string) => Buffer.from(text, 'latin1');

  it.each([
    ['1.0', 'a raw CR in a 1.0 subscription id', 'SUBSCRIBE\nid:a\rb\ndestination:/topic/a\n\n\0'],
    ['1.0', 'a raw CR in a 1.0 destination (the default id)', 'SUBSCRIBE\ndestination:/topic/a\rb\n\n\0'],
    ['1.0', 'a CR ending a 1.0 receipt', 'SEND\ndestination:/a\nreceipt:r\r\r\n\nx\0'],
    ['1.1', 'a raw CR in a 1.1 subscription id', 'SUBSCRIBE\nid:a\rb\ndestination:/topic/a\n\n\0'],
    ['1.1', 'a raw CR in a 1.1 transaction id', 'BEGIN\ntransaction:t\rx\n\n\0'],
    ['1.2', 'a NUL in a 1.2 subscription id', 'SUBSCRIBE\nid:a\0b\ndestination:/topic/a\n\n\0'],
    ['1.2', 'a NUL in a 1.2 SEND destination', 'SEND\ndestination:/a\0\n\nx\0'],
  ] as const)(
    '%s: refuses %s with ERROR invalid_header, before the handler sees it',
    async (version, _name, frame) => {
      const { transport, handler, session, connect } = setup();
      await connect(version === '1.0' ? {} : { 'accept-version': version });
      session.receive(raw(frame));
      await settle();
      expect(transport.closedWith).toBe('invalid_header');
      expect(transport.frames(version).at(-1)?.headers.message).toBe('invalid_header');
      expect(handler.subscribes).toEqual([]);
      expect(handler.sends).toEqual([]);
    },
  );

  it('accepts what the version can carry back, and writes it back intact', async () => {
    const { transport, handler, session, connect } = setup();
    await connect({ 'accept-version': '1.2' });
    // 1.2 escapes CR, LF, colon and backslash; a raw CR or colon inside a value is escaped on the way back.
    session.receive(raw('SUBSCRIBE\nid:a\\r\\n\\c\\\\b\rc:d\ndestination:/topic/a\nreceipt:x\\ry\n\n\0'));
    await settle();
    expect(handler.subscribes.map((s) => s.id)).toEqual(['a\r\n:\\b\rc:d']);
    expect(transport.frames('1.2').at(-1)?.headers['receipt-id']).toBe('x\ry');
    expect(transport.closedWith).toBe('open');

    const old = setup();
    await old.connect({});
    old.session.receive(raw('SUBSCRIBE\nid:a:b\\c\ndestination:/topic/a\nreceipt:p:q\\\n\n\0'));
    await settle();
    expect(old.handler.subscribes.map((s) => s.id)).toEqual(['a:b\\c']);
    expect(old.transport.frames('1.0').at(-1)?.headers['receipt-id']).toBe('p:q\\');
  });

  it('lets the SENDs pipelined before a refused frame finish first', async () => {
    const { transport, handler, session, connect } = setup();
    await connect({ 'accept-version': '1.1' });
    const gate = deferred();
    handler.onSend = () => gate.promise;
    session.receive(
      raw('SEND\ndestination:/a\nreceipt:ok\n\nx\0SEND\ndestination:/a\nreceipt:bad\r\r\n\ny\0'),
    );
    await settle();
    expect(handler.sends).toHaveLength(1);
    expect(transport.closedWith).toBe('open');
    gate.resolve();
    await settle();
    const frames = transport.frames('1.1');
    expect(frames.map((f) => f.command)).toEqual(['CONNECTED', 'RECEIPT', 'ERROR']);
    expect(frames[1]?.headers['receipt-id']).toBe('ok');
    expect(frames[2]?.headers.message).toBe('invalid_header');
    expect(handler.sends).toHaveLength(1);
  });
});

describe('StompSession frame timeout', () => {
  it('closes with frame_timeout when a begun frame does not end in time, however it dribbles', async () => {
    const { transport, clock, session, connect } = setup({ limits: { frameTimeoutMs: 5000 } });
    await connect({ 'accept-version': '1.2', 'heart-beat': '1000,0' });
    session.receive(Buffer.from('SEND\ndestination:/a\n'));
    for (let i = 0; i < 49; i += 1) {
      clock.advance(100);
      session.receive(Buffer.from('x'));
    }
    expect(transport.closedWith).toBe('open');
    clock.advance(99);
    session.receive(Buffer.from('x'));
    expect(transport.closedWith).toBe('open');
    clock.advance(1);
    expect(transport.closedWith).toBe('frame_timeout');
    expect(transport.last()?.headers.message).toBe('frame_timeout');
  });

  it('times each frame from its own first byte; heart-beat EOLs between frames never count', async () => {
    const { transport, handler, clock, session, connect } = setup({ limits: { frameTimeoutMs: 5000 } });
    await connect({ 'accept-version': '1.2', 'heart-beat': '1000,0' });
    // An idle connection that only heart-beats stays open for much longer than the frame timeout.
    for (let i = 0; i < 30; i += 1) {
      clock.advance(1000);
      session.receive(Buffer.from(i % 2 === 0 ? '\n' : '\r\n'));
    }
    // A slow frame that ends in time, then a new one begun in the same chunk: its clock starts afresh.
    session.receive(Buffer.from('SEND\ndestination:/a\n'));
    clock.advance(4000);
    session.receive(Buffer.from('\nfirst\0SEND\ndestination:/a\n'));
    clock.advance(4000);
    session.receive(Buffer.from('\nsecond\0'));
    clock.advance(60_000 - 8000);
    await settle();
    expect(handler.sends.map((s) => s.body.toString())).toEqual(['first', 'second']);
    // Heart-beats from the peer stopped above, but its interval is 1 s: the heart-beat check ends it.
    expect(transport.closedWith).toBe('heartbeat_timeout');
  });

  it('applies before CONNECT too, and stops its timer once closed', async () => {
    const { transport, clock, session } = setup({
      limits: { frameTimeoutMs: 1000, connectTimeoutMs: 60_000 },
    });
    session.receive(Buffer.from('CONN'));
    clock.advance(1000);
    expect(transport.closedWith).toBe('frame_timeout');
    clock.advance(120_000);
    expect(transport.commands()).toEqual(['ERROR']);
  });
});

describe('StompSession refusal allowance', () => {
  it('closes with too_many_errors once refusals exceed the burst, and refills with time', async () => {
    const { transport, handler, clock, send, connect } = setup({
      limits: { refusalBurst: 3, refusalRatePerSecond: 1 },
    });
    await connect();
    handler.onSend = async () => {
      throw new ParleyError('unknown_destination');
    };
    for (let i = 0; i < 3; i += 1) send('SEND', { destination: '/nowhere', receipt: `r${i}` }, 'x');
    await settle();
    expect(handler.failures).toHaveLength(3);
    clock.advance(1000);
    send('SEND', { destination: '/nowhere', receipt: 'r3' }, 'x');
    await settle();
    expect(handler.failures).toHaveLength(4);
    expect(transport.closedWith).toBe('open');
    send('SEND', { destination: '/nowhere', receipt: 'r4' }, 'x');
    await settle();
    expect(handler.failures).toHaveLength(4);
    expect(transport.closedWith).toBe('too_many_errors');
    expect(transport.last()?.headers).toMatchObject({ message: 'too_many_errors', 'receipt-id': 'r4' });
  });

  it('counts refused subscriptions and refusals inside a COMMIT alike', async () => {
    const { transport, handler, send, connect } = setup({ limits: { refusalBurst: 2 } });
    await connect();
    handler.onSubscribe = async () => {
      throw new ParleyError('room_not_found');
    };
    handler.onSend = async () => {
      throw new ParleyError('rate_limited');
    };
    send('SUBSCRIBE', { id: 'a', destination: '/topic/a' });
    send('BEGIN', { transaction: 't' });
    send('SEND', { destination: '/a', transaction: 't' }, 'x');
    send('SEND', { destination: '/a', transaction: 't' }, 'y');
    send('COMMIT', { transaction: 't' });
    await settle();
    expect(handler.failures.map((f) => f.code)).toEqual(['room_not_found', 'rate_limited']);
    expect(transport.closedWith).toBe('too_many_errors');
  });
});
