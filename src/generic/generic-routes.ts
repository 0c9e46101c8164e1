// The optional generic destinations (GENERIC_DESTINATIONS) as broker routes: what a SEND or SUBSCRIBE
// under a configured prefix may do (per-prefix access, body size, per-user rate), which headers pass
// through (user ones) and which the server sets (reserved ones), then topics (GenericTopics, across
// nodes) or queues (GenericQueues, node-local). Knows no chat: chat's destinations are routed by longer
// prefixes, and the configuration refuses a generic prefix inside them.
import type { Broker, Connection, InboundSend, Principal, Route, SubscribeContext } from '../broker/types.js';
import type { Clock } from '../clock.js';
import type { Bus, RateLimiter } from '../cluster/bus.js';
import type { GenericConfig, GenericPrefix } from '../config.js';
import { ParleyError } from '../errors.js';
import { GenericQueues } from './generic-queues.js';
import { GenericTopics } from './generic-topics.js';

/**
 * Headers the server writes on a generic MESSAGE, whatever the SEND carried: the frame's own
 * (`destination`, `message-id`, `subscription`, `ack`, `content-length`), the SEND's control headers
 * (`receipt`, `transaction`), and what only the server may say (`user-id`, `redelivered`, and chat's
 * `seq`/`event`). Every other header of the SEND is passed through as it came.
 */
export const GENERIC_RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'destination',
  'message-id',
  'subscription',
  'ack',
  'content-length',
  'receipt',
  'receipt-id',
  'transaction',
  'user-id',
  'redelivered',
  'seq',
  'event',
]);

/** A character some STOMP version cannot carry in a header (1.0 has no escaping; a name has no colon). */
const UNPORTABLE_VALUE = /[\r\n]/;
const UNPORTABLE_NAME = /[\r\n:]/;

export interface GenericRoutesOptions<P extends Principal> {
  readonly broker: Pick<Broker<P>, 'route' | 'publish' | 'deliverTo' | 'isBusy'>;
  readonly clock: Clock;
  readonly bus: Bus;
  readonly rateLimiter: RateLimiter;
  readonly config: GenericConfig;
  readonly onError: (error: unknown) => void;
}

export interface GenericDestinations {
  readonly queues: GenericQueues;
  close(): Promise<void>;
}

/** Registers one route per configured prefix; nothing when GENERIC_DESTINATIONS is unset. */
export function registerGenericDestinations<P extends Principal>(
  options: GenericRoutesOptions<P>,
): GenericDestinations {
  const { broker, config } = options;
  const topics = new GenericTopics(
    options.bus,
    (destination, message) => broker.publish(destination, message),
    options.onError,
  );
  const queues = new GenericQueues(
    (connectionId, subscriptionId, message) => broker.deliverTo(connectionId, subscriptionId, message),
    (connectionId) => broker.isBusy(connectionId),
    options.clock,
    {
      maxMessages: config.queueMaxMessages,
      maxTotalBytes: config.queueMaxTotalBytes,
      prefetch: config.queuePrefetch,
    },
  );
  const rule = { capacity: config.sendBurst, refillPerSecond: config.sendRatePerSecond };

  /** The headers a generic MESSAGE carries: the SEND's own minus the reserved ones, plus `user-id`. */
  function outboundHeaders(connection: Connection<P>, message: InboundSend): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const name of Object.keys(message.headers)) {
      if (GENERIC_RESERVED_HEADERS.has(name)) continue;
      const value = message.headers[name];
      if (value === undefined) continue;
      if (UNPORTABLE_NAME.test(name) || UNPORTABLE_VALUE.test(value)) {
        throw new ParleyError(
          'unportable_header',
          `The ${JSON.stringify(name.slice(0, 64))} header cannot be carried to every subscriber's STOMP version.`,
        );
      }
      headers[name] = value;
    }
    headers['user-id'] = connection.principal.id;
    return headers;
  }

  function routeFor(prefix: GenericPrefix): Route<P> {
    return {
      async send(connection, message) {
        if (!prefix.send) {
          throw new ParleyError('forbidden_destination', `${prefix.prefix}… takes no SEND here.`);
        }
        if (message.path.length === 0) {
          throw new ParleyError('unknown_destination', `Name a destination under ${prefix.prefix}.`);
        }
        if (message.body.length > config.maxBodyBytes) {
          throw new ParleyError(
            'message_too_long',
            `A message to ${prefix.prefix}… is at most ${config.maxBodyBytes} bytes.`,
          );
        }
        const headers = outboundHeaders(connection, message);
        const decision = await options.rateLimiter.take(`generic:${connection.principal.id}`, rule);
        if (!decision.allowed) {
          const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
          throw new ParleyError('rate_limited', `Too many messages; retry in ${seconds} s.`, {
            retryAfterSeconds: seconds,
          });
        }
        if (prefix.kind === 'topic') await topics.publish(message.destination, headers, message.body);
        else queues.enqueue(message.destination, headers, message.body);
      },
      async subscribe(context: SubscribeContext<P>) {
        if (!prefix.subscribe) {
          throw new ParleyError('forbidden_destination', `${prefix.prefix}… takes no SUBSCRIBE here.`);
        }
        if (context.path.length === 0) {
          throw new ParleyError('unknown_destination', `Name a destination under ${prefix.prefix}.`);
        }
        if (prefix.kind === 'topic') {
          await topics.follow(context.destination);
          return;
        }
        // The session checked the ack mode; anything but auto is acknowledged.
        const ack = context.headers.ack ?? 'auto';
        // Registered now: a backlog may be delivered before the SUBSCRIBE's RECEIPT, as the spec allows.
        queues.addConsumer(
          context.destination,
          context.connection.id,
          context.subscriptionId,
          ack !== 'auto',
        );
      },
      unsubscribed(connection, destination, _path, subscriptionId) {
        if (prefix.kind === 'topic') topics.unfollow(destination);
        else queues.removeConsumer(connection.id, subscriptionId);
      },
      acked(settlement) {
        // On topics an ACK/NACK settles nothing: every subscriber has its own copy and nothing is kept.
        if (prefix.kind !== 'queue') return;
        queues.settle(
          settlement.connection.id,
          settlement.subscriptionId,
          settlement.messageIds,
          settlement.accepted,
        );
      },
    };
  }

  for (const prefix of config.prefixes) broker.route(prefix.prefix, routeFor(prefix));
  return {
    queues,
    close: () => {
      queues.close();
      return topics.close();
    },
  };
}
