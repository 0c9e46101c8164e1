// Generic topics across nodes: a SEND is published on the bus channel of its destination, and every
// node with local subscribers of that destination follows the channel and fans the message out through
// its broker (the node that sent it too: the bus hands a node its own publications). Knows no STOMP.
import type { OutboundMessage } from '../broker/types.js';
import type { Bus } from '../cluster/bus.js';
import { genericTopicChannel } from '../cluster/messages.js';

interface Followed {
  subscribers: number;
  readonly following: Promise<() => Promise<void>>;
}

export class GenericTopics {
  readonly #bus: Bus;
  readonly #publishLocally: (destination: string, message: OutboundMessage) => void;
  readonly #onError: (error: unknown) => void;
  readonly #followed = new Map<string, Followed>();

  constructor(
    bus: Bus,
    publishLocally: (destination: string, message: OutboundMessage) => void,
    onError: (error: unknown) => void,
  ) {
    this.#bus = bus;
    this.#publishLocally = publishLocally;
    this.#onError = onError;
  }

  /** Resolves once this node hears the destination's channel (a SUBSCRIBE's RECEIPT waits for it). */
  async follow(destination: string): Promise<void> {
    let followed = this.#followed.get(destination);
    if (followed === undefined) {
      followed = this.#start(destination);
      this.#followed.set(destination, followed);
    } else {
      followed.subscribers += 1;
    }
    try {
      await followed.following;
    } catch (error) {
      // A refused SUBSCRIBE hears no `unsubscribed`: its count is given back here.
      this.#unfollow(destination, followed);
      throw error;
    }
  }

  #start(destination: string): Followed {
    const followed: Followed = {
      subscribers: 1,
      following: this.#bus.subscribe(genericTopicChannel(destination), (message) => {
        // A channel being left while a new follow began: only the current follower delivers.
        if (this.#followed.get(destination) !== followed) return;
        this.#publishLocally(destination, {
          headers: message.headers,
          body: Buffer.from(message.body, 'base64'),
        });
      }),
    };
    return followed;
  }

  /** One local subscriber fewer; the last one leaves the channel. */
  unfollow(destination: string): void {
    const followed = this.#followed.get(destination);
    if (followed !== undefined) this.#unfollow(destination, followed);
  }

  #unfollow(destination: string, followed: Followed): void {
    followed.subscribers -= 1;
    if (followed.subscribers > 0) return;
    if (this.#followed.get(destination) === followed) this.#followed.delete(destination);
    followed.following.then((leave) => leave(), noop).catch(this.#onError);
  }

  /** Resolves once the bus took the message (then the SEND's RECEIPT is written). */
  publish(destination: string, headers: Readonly<Record<string, string>>, body: Buffer): Promise<void> {
    return this.#bus.publish({
      kind: 'generic.topic',
      destination,
      headers,
      body: body.toString('base64'),
    });
  }

  async close(): Promise<void> {
    const all = [...this.#followed.values()];
    this.#followed.clear();
    await Promise.allSettled(all.map((followed) => followed.following.then((leave) => leave())));
  }
}

/** A follow that failed was reported to its subscriber; there is nothing to leave. */
function noop(): void {}
