// Generic queues of one node: each message goes to one consumer (round robin among those with room),
// waits while nobody can take it, and is given again (`redelivered:true`) after a NACK or when its
// consumer leaves unacknowledged. Node-local by design: a queue lives on the node it was sent to.
// Knows nothing of STOMP frames or sockets: `deliver` writes to one subscription and says its message-id.

import type { OutboundMessage } from '../broker/types.js';
import type { Clock, Timer } from '../clock.js';
import { ParleyError } from '../errors.js';

/** How often a queue whose consumers were all busy (outbound buffers half full) tries again. */
const BUSY_RETRY_MS = 10;

export interface GenericQueueLimits {
  /** Messages one queue holds, waiting or unacknowledged. */
  readonly maxMessages: number;
  /** Body bytes every queue of the node holds together. */
  readonly maxTotalBytes: number;
  /** Unacknowledged messages a client-ack consumer is given at once. */
  readonly prefetch: number;
}

/** Writes `message` to one subscription; the delivery's message-id, or undefined when not written. */
export type DeliverToConsumer = (
  connectionId: string,
  subscriptionId: string,
  message: OutboundMessage,
) => string | undefined;

interface Queued {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  redelivered: boolean;
}

interface Consumer {
  readonly connectionId: string;
  readonly subscriptionId: string;
  /** `client`/`client-individual`: held in `unacked` until ACK/NACK. */
  readonly acks: boolean;
  readonly unacked: Map<string, Queued>;
  gone: boolean;
}

interface Queue {
  readonly destination: string;
  readonly waiting: Queued[];
  readonly consumers: Consumer[];
  /** Where the round robin starts next. */
  next: number;
  /** Waiting plus unacknowledged. */
  held: number;
  pumping: boolean;
  pumpAgain: boolean;
  /** A retry while every consumer with room was busy writing. */
  retry: Timer | undefined;
}

function consumerKey(connectionId: string, subscriptionId: string): string {
  return `${connectionId}\u0000${subscriptionId}`;
}

export class GenericQueues {
  readonly #deliver: DeliverToConsumer;
  readonly #busy: (connectionId: string) => boolean;
  readonly #clock: Clock;
  readonly #limits: GenericQueueLimits;
  readonly #queues = new Map<string, Queue>();
  /** Consumer key → its queue, for ACK/NACK and departures. */
  readonly #consumers = new Map<string, { queue: Queue; consumer: Consumer }>();
  #totalBytes = 0;

  /**
   * `busy` says a consumer's connection has much waiting to be sent: it is passed over (and the queue
   * tries again shortly) rather than pushed into `slow_consumer` by a backlog delivered all at once.
   */
  constructor(
    deliver: DeliverToConsumer,
    busy: (connectionId: string) => boolean,
    clock: Clock,
    limits: GenericQueueLimits,
  ) {
    this.#deliver = deliver;
    this.#busy = busy;
    this.#clock = clock;
    this.#limits = limits;
  }

  /** Stops the retries (shutdown). */
  close(): void {
    for (const queue of this.#queues.values()) {
      queue.retry?.cancel();
      queue.retry = undefined;
    }
  }

  /** Body bytes held by every queue of the node (tests and metrics). */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** Messages `destination` holds, waiting or unacknowledged. */
  held(destination: string): number {
    return this.#queues.get(destination)?.held ?? 0;
  }

  /** Accepts the message or refuses it with `queue_full`; delivers it now if a consumer has room. */
  enqueue(destination: string, headers: Readonly<Record<string, string>>, body: Buffer): void {
    const queue = this.#queues.get(destination);
    if ((queue?.held ?? 0) >= this.#limits.maxMessages) {
      throw new ParleyError(
        'queue_full',
        `${destination} holds ${this.#limits.maxMessages} messages already.`,
      );
    }
    if (this.#totalBytes + body.length > this.#limits.maxTotalBytes) {
      throw new ParleyError('queue_full', 'The queues of this node hold as many bytes as allowed.');
    }
    const target = queue ?? this.#open(destination);
    target.waiting.push({ headers, body, redelivered: false });
    target.held += 1;
    this.#totalBytes += body.length;
    this.#pump(target);
  }

  addConsumer(destination: string, connectionId: string, subscriptionId: string, acks: boolean): void {
    const key = consumerKey(connectionId, subscriptionId);
    if (this.#consumers.has(key)) return;
    const queue = this.#queues.get(destination) ?? this.#open(destination);
    const consumer: Consumer = { connectionId, subscriptionId, acks, unacked: new Map(), gone: false };
    queue.consumers.push(consumer);
    this.#consumers.set(key, { queue, consumer });
    this.#pump(queue);
  }

  /** The consumer left (UNSUBSCRIBE, disconnect): what it had not acknowledged is given to others. */
  removeConsumer(connectionId: string, subscriptionId: string): void {
    const key = consumerKey(connectionId, subscriptionId);
    const found = this.#consumers.get(key);
    if (found === undefined) return;
    this.#consumers.delete(key);
    const { queue, consumer } = found;
    consumer.gone = true;
    const index = queue.consumers.indexOf(consumer);
    if (index >= 0) queue.consumers.splice(index, 1);
    this.#requeue(queue, [...consumer.unacked.values()]);
    consumer.unacked.clear();
    this.#pump(queue);
    this.#closeIfIdle(queue);
  }

  /** ACK (`accepted`) drops the messages; NACK gives them again, to this or another consumer. */
  settle(
    connectionId: string,
    subscriptionId: string,
    messageIds: readonly string[],
    accepted: boolean,
  ): void {
    const found = this.#consumers.get(consumerKey(connectionId, subscriptionId));
    if (found === undefined) return;
    const { queue, consumer } = found;
    const settled: Queued[] = [];
    for (const id of messageIds) {
      const queued = consumer.unacked.get(id);
      if (queued === undefined) continue;
      consumer.unacked.delete(id);
      settled.push(queued);
    }
    if (accepted) {
      for (const queued of settled) this.#release(queue, queued);
    } else {
      this.#requeue(queue, settled);
    }
    this.#pump(queue);
  }

  #open(destination: string): Queue {
    const queue: Queue = {
      destination,
      waiting: [],
      consumers: [],
      next: 0,
      held: 0,
      pumping: false,
      pumpAgain: false,
      retry: undefined,
    };
    this.#queues.set(destination, queue);
    return queue;
  }

  #closeIfIdle(queue: Queue): void {
    if (queue.consumers.length === 0 && queue.held === 0 && !queue.pumping) {
      queue.retry?.cancel();
      queue.retry = undefined;
      this.#queues.delete(queue.destination);
    }
  }

  #release(queue: Queue, queued: Queued): void {
    queue.held -= 1;
    this.#totalBytes -= queued.body.length;
  }

  /** Given again ahead of newer messages, in the order they were first given. */
  #requeue(queue: Queue, messages: readonly Queued[]): void {
    for (const queued of messages) queued.redelivered = true;
    queue.waiting.unshift(...messages);
  }

  /** The next consumer (round robin) that may take a message now; `busy` when one only lacked time. */
  #pick(queue: Queue): Consumer | 'busy' | undefined {
    const { consumers } = queue;
    const start = consumers.length === 0 ? 0 : queue.next % consumers.length;
    let busy = false;
    for (let tried = 0; tried < consumers.length; tried += 1) {
      const index = (start + tried) % consumers.length;
      const consumer = consumers[index];
      if (consumer === undefined || consumer.gone) continue;
      if (consumer.acks && consumer.unacked.size >= this.#limits.prefetch) continue;
      if (this.#busy(consumer.connectionId)) {
        busy = true;
        continue;
      }
      // Not reduced modulo now: a consumer added next is the next one tried.
      queue.next = index + 1;
      return consumer;
    }
    return busy ? 'busy' : undefined;
  }

  /**
   * Hands waiting messages to consumers with room. Delivering can end a consumer's connection (slow
   * consumer), which calls back into `removeConsumer`: such nested calls only ask this loop to go on.
   */
  #pump(queue: Queue): void {
    if (queue.pumping) {
      queue.pumpAgain = true;
      return;
    }
    queue.pumping = true;
    try {
      do {
        queue.pumpAgain = false;
        for (let queued = queue.waiting[0]; queued !== undefined; queued = queue.waiting[0]) {
          const consumer = this.#pick(queue);
          if (consumer === 'busy') {
            queue.retry ??= this.#clock.setTimeout(() => {
              queue.retry = undefined;
              this.#pump(queue);
            }, BUSY_RETRY_MS);
            break;
          }
          if (consumer === undefined) break;
          queue.waiting.shift();
          const headers = queued.redelivered ? { ...queued.headers, redelivered: 'true' } : queued.headers;
          const messageId = this.#deliver(consumer.connectionId, consumer.subscriptionId, {
            headers,
            body: queued.body,
          });
          if (messageId === undefined) {
            // Not written (the consumer is going away): the message waits for another.
            queue.waiting.unshift(queued);
            consumer.gone = true;
            continue;
          }
          if (consumer.acks && !consumer.gone) consumer.unacked.set(messageId, queued);
          else if (consumer.acks) this.#requeue(queue, [queued]);
          else this.#release(queue, queued);
        }
      } while (queue.pumpAgain);
    } finally {
      queue.pumping = false;
    }
    this.#closeIfIdle(queue);
  }
}
