// GenericQueues without a broker: `deliver` is a fake that records (or refuses) deliveries.
import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../broker/types.js';
import { ManualClock } from '../clock.js';
import { ParleyError } from '../errors.js';
import { type GenericQueueLimits, GenericQueues } from './generic-queues.js';

interface Delivered {
  readonly consumer: string;
  readonly id: string;
  readonly body: string;
  readonly redelivered: boolean;
}

function setup(limits: Partial<GenericQueueLimits> = {}) {
  const delivered: Delivered[] = [];
  const refusing = new Set<string>();
  let counter = 0;
  let onDeliver: ((consumer: string) => void) | undefined;
  const busy = new Set<string>();
  const clock = new ManualClock();
  const queues = new GenericQueues(
    (connectionId, subscriptionId, message: OutboundMessage) => {
      const consumer = `${connectionId}/${subscriptionId}`;
      onDeliver?.(consumer);
      if (refusing.has(consumer)) return undefined;
      counter += 1;
      const id = `m${counter}`;
      delivered.push({
        consumer,
        id,
        body: message.body.toString(),
        redelivered: message.headers.redelivered === 'true',
      });
      return id;
    },
    (connectionId) => busy.has(connectionId),
    clock,
    { maxMessages: 100, maxTotalBytes: 1_000_000, prefetch: 10, ...limits },
  );
  const send = (body: string, destination = '/queue/q') => queues.enqueue(destination, {}, Buffer.from(body));
  return {
    queues,
    delivered,
    refusing,
    busy,
    clock,
    send,
    setOnDeliver: (fn: (consumer: string) => void) => {
      onDeliver = fn;
    },
  };
}

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ParleyError ? error.code : 'not a ParleyError';
  }
  return undefined;
}

describe('GenericQueues', () => {
  it('gives each message to one consumer, round robin, and keeps messages until a consumer comes', () => {
    const { queues, delivered, send } = setup();
    send('early');
    expect(delivered).toHaveLength(0);
    queues.addConsumer('/queue/q', 'c1', 's', false);
    queues.addConsumer('/queue/q', 'c2', 's', false);
    send('a');
    send('b');
    send('c');
    expect(delivered.map((d) => `${d.consumer}:${d.body}`)).toEqual([
      'c1/s:early',
      'c2/s:a',
      'c1/s:b',
      'c2/s:c',
    ]);
    // Auto consumers settle on delivery: nothing is held.
    expect(queues.held('/queue/q')).toBe(0);
    expect(queues.totalBytes).toBe(0);
  });

  it('holds at most `prefetch` unacknowledged per client-ack consumer; ACK lets the next one through', () => {
    const { queues, delivered, send } = setup({ prefetch: 2 });
    queues.addConsumer('/queue/q', 'c1', 's', true);
    for (const body of ['1', '2', '3']) send(body);
    expect(delivered.map((d) => d.body)).toEqual(['1', '2']);
    expect(queues.held('/queue/q')).toBe(3);
    queues.settle('c1', 's', [delivered[0]?.id ?? ''], true);
    expect(delivered.map((d) => d.body)).toEqual(['1', '2', '3']);
    expect(queues.held('/queue/q')).toBe(2);
  });

  it('NACK and a departing consumer give the message again, marked redelivered, ahead of newer ones', () => {
    const { queues, delivered, send } = setup({ prefetch: 1 });
    queues.addConsumer('/queue/q', 'c1', 's', true);
    send('x');
    send('y');
    queues.settle('c1', 's', [delivered[0]?.id ?? ''], false);
    expect(delivered.map((d) => `${d.body}:${d.redelivered}`)).toEqual(['x:false', 'x:true']);
    queues.addConsumer('/queue/q', 'c2', 's', true);
    // c2 took y (c1 is at its prefetch); c1 leaves holding x: x goes to c2 once it has room.
    expect(delivered.at(-1)).toMatchObject({ consumer: 'c2/s', body: 'y' });
    queues.removeConsumer('c1', 's');
    queues.settle('c2', 's', [delivered.at(-1)?.id ?? ''], true);
    expect(delivered.at(-1)).toMatchObject({ consumer: 'c2/s', body: 'x', redelivered: true });
  });

  it('refuses with queue_full by message count per queue and by bytes per node', () => {
    const counted = setup({ maxMessages: 2 });
    counted.send('1');
    counted.send('2');
    expect(codeOf(() => counted.send('3'))).toBe('queue_full');
    expect(codeOf(() => counted.send('other', '/queue/other'))).toBeUndefined();

    const sized = setup({ maxTotalBytes: 10 });
    sized.send('12345', '/queue/a');
    sized.send('12345', '/queue/b');
    expect(codeOf(() => sized.send('1', '/queue/c'))).toBe('queue_full');
  });

  it('passes over a consumer whose connection is busy writing and tries again shortly', () => {
    const { queues, delivered, busy, clock, send } = setup();
    queues.addConsumer('/queue/q', 'c1', 's', false);
    busy.add('c1');
    send('a');
    send('b');
    expect(delivered).toHaveLength(0);
    clock.advance(50);
    expect(delivered).toHaveLength(0);
    busy.delete('c1');
    clock.advance(50);
    expect(delivered.map((d) => d.body)).toEqual(['a', 'b']);
    queues.close();
  });

  it('a delivery that is not written (consumer going away) keeps the message for another consumer', () => {
    const { queues, delivered, refusing, send, setOnDeliver } = setup();
    queues.addConsumer('/queue/q', 'gone', 's', false);
    queues.addConsumer('/queue/q', 'live', 's', false);
    refusing.add('gone/s');
    // The refused delivery ends the consumer re-entrantly, as a slow consumer's disconnect does.
    setOnDeliver((consumer) => {
      if (consumer === 'gone/s') queues.removeConsumer('gone', 's');
    });
    send('m');
    expect(delivered.map((d) => `${d.consumer}:${d.body}`)).toEqual(['live/s:m']);
  });
});
