// The broker as the application sees it: routes for `/app/...` SENDs and for subscriptions, local
// fan-out to `/topic/...`, and per-user queues. Generic over the authenticated principal; knows no chat.
import type { ErrorCode } from '../errors.js';
import type { Headers } from '../stomp/frame.js';

export interface Principal {
  /** Stable user id: `/user/queue/...` reaches every connection with this id. */
  readonly id: string;
}

/** Checks CONNECT headers (e.g. `Authorization: Bearer …` or `passcode`); throws ParleyError('unauthorized'). */
export type Authenticator<P extends Principal> = (headers: Headers, remoteAddress: string) => Promise<P>;

export interface Connection<P extends Principal> {
  /** Unique per connection, also across nodes (used as the STOMP `session` header). */
  readonly id: string;
  readonly principal: P;
  readonly remoteAddress: string;
}

export interface InboundSend {
  readonly destination: string;
  /** The part of the destination after the route's prefix, e.g. `abc` for `/app/rooms.abc`. */
  readonly path: string;
  readonly headers: Headers;
  readonly body: Buffer;
}

/** A message to deliver. `headers` must not contain subscription, message-id, ack or destination. */
export interface OutboundMessage {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /**
   * Position in an ordered destination. When set, a subscription never receives a seq it has already
   * received (replay and live overlap are dropped), and live messages wait while the subscription replays.
   */
  readonly seq?: number;
}

export interface SubscribeContext<P extends Principal> {
  readonly connection: Connection<P>;
  readonly subscriptionId: string;
  readonly destination: string;
  readonly path: string;
  readonly headers: Headers;
  /**
   * Delivers history to this subscription only, before it goes live. Live messages published to the
   * destination meanwhile are held and then delivered if their seq is above the last replayed one.
   * False once the subscription has ended (UNSUBSCRIBE, disconnect, dropped as a slow consumer): the
   * route must stop reading history nobody will receive.
   */
  replay(message: OutboundMessage): boolean;
  /**
   * The client already has every seq up to `seq` (e.g. its `since-seq`): none of them is delivered to
   * this subscription, live or replayed.
   */
  resumeAfter(seq: number): void;
}

export interface Route<P extends Principal> {
  /**
   * SEND to this route. Resolves when the message is handled (durably stored, if it is stored): only
   * then does the client get its RECEIPT. Throw ParleyError to refuse: `queue` codes go to the
   * connection's /user/queue/errors with `receipt-id`, `fatal` codes end the connection.
   * Without `send`, SENDs here are refused with `forbidden_destination`.
   */
  send?(connection: Connection<P>, message: InboundSend): Promise<void>;
  /**
   * SUBSCRIBE to this route. Without `subscribe`, subscriptions here are refused with
   * `forbidden_destination`. Throw ParleyError to refuse. May call `replay` before resolving.
   */
  subscribe?(context: SubscribeContext<P>): Promise<void>;
  /** The subscription ended: UNSUBSCRIBE, DISCONNECT or a dropped connection. */
  unsubscribed?(connection: Connection<P>, destination: string, path: string, subscriptionId: string): void;
  /** An ACK (`accepted`) or NACK settled these deliveries (`message-id`s) of a subscription here. */
  acked?(settlement: AckSettlement<P>): void;
}

export interface AckSettlement<P extends Principal> {
  readonly connection: Connection<P>;
  readonly subscriptionId: string;
  readonly destination: string;
  readonly messageIds: readonly string[];
  readonly accepted: boolean;
}

export interface BrokerStats {
  readonly connections: number;
  readonly subscriptions: number;
}

export interface Broker<P extends Principal> {
  /** Routes a destination prefix (longest prefix wins), e.g. `/app/rooms.` or `/topic/rooms.`. */
  route(prefix: string, route: Route<P>): void;
  /** Local fan-out: encodes the MESSAGE once per subscription group and writes it to each subscriber. */
  publish(destination: string, message: OutboundMessage): void;
  /** To `destination` (e.g. `/user/queue/mentions`) on every local connection of the user that subscribed it. */
  sendToUser(userId: string, destination: string, message: OutboundMessage): void;
  /**
   * Ends every local subscription of the user to exactly `destination` (the connections stay); the
   * route hears `unsubscribed` for each. Returns how many ended.
   */
  endSubscriptions(userId: string, destination: string): number;
  /** Ends every local subscription to exactly `destination` (a room taken down); returns whose ended. */
  endDestination(destination: string): string[];
  /**
   * To one subscription of one local connection (a queue's chosen consumer); returns the `message-id`
   * it was delivered with, or undefined when it was not delivered.
   */
  deliverTo(connectionId: string, subscriptionId: string, message: OutboundMessage): string | undefined;
  /** The connection's outbound buffer is more than half full: a delivery that can wait should. */
  isBusy(connectionId: string): boolean;
  /** Ends every local connection of the user with an ERROR frame carrying `code`. */
  disconnectUser(userId: string, code: ErrorCode, message: string): void;
  stats(): BrokerStats;
  /** Sends ERROR `shutting_down` to every connection and closes them (WebSocket code 1001). */
  close(): Promise<void>;
}
