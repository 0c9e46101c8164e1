// The local broker: connections, routing by destination prefix, subscriptions, fan-out and per-user
// queues, behind the STOMP session's `SessionHandler`. It owns who subscribed what and encodes each
// MESSAGE once per subscription group; it knows no chat (routes supply meaning) and no sockets
// (sessions own framing, heart-beats, acks and backpressure).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock, Timer } from '../clock.js';
import { type ErrorCode, ParleyError, toParleyError } from '../errors.js';
import { encodeFrame } from '../stomp/codec.js';
import type { Headers, StompVersion } from '../stomp/frame.js';
import type { AckMode, SendRequest, SessionHandler, SubscribeRequest } from '../stomp/session.js';
import { LogSampler, type LogSampling } from './log-sampler.js';
import type {
  Authenticator,
  Broker,
  BrokerStats,
  Connection,
  OutboundMessage,
  Principal,
  Route,
  SubscribeContext,
} from './types.js';

/** What the broker needs of a STOMP session; `StompSession` satisfies it, tests pass fakes. */
export interface BrokerSession {
  readonly id: string;
  readonly version: StompVersion | undefined;
  /** The peer's address, from the transport; used for authentication and per-address limits. */
  readonly remoteAddress: string;
  /** Much is waiting to be sent to the peer (deliveries that can wait, should). Absent: never busy. */
  readonly outboundBusy?: boolean;
  /** Writes a pre-encoded MESSAGE; false when the session dropped it (and closed as slow consumer). */
  deliver(subscriptionId: string, frame: Buffer, messageId: string): boolean;
  /** ERROR frame carrying `code` (and `receipt-id` when given), then close; `disconnected` follows. */
  close(code: ErrorCode, message?: string, receiptId?: string): void;
}

/** Optional counters for metrics; called synchronously, so they must be cheap. */
export interface BrokerHooks {
  /** One `publish`/`sendToUser`: how many sessions it was written to and how many encodings it took. */
  published?(deliveries: number, encodings: number): void;
  /** A subscription's held queue overflowed while it replayed; the connection was closed. */
  replayOverflowed?(connectionId: string): void;
}

export interface StompBrokerOptions<P extends Principal> {
  readonly authenticate: Authenticator<P>;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly hooks?: BrokerHooks;
  /** Prefix of message ids, unique per node (default: random). */
  readonly nodeId?: string;
  /** Live messages held per replaying subscription; above it the connection ends as `slow_consumer`. */
  readonly maxHeldMessages?: number;
  /** `close()` resolves at the latest after this long, even if sessions have not reported closing. */
  readonly closeTimeoutMs?: number;
  /** Lines peers can cause (unreported errors, dropped subscribers) are sampled per kind like this. */
  readonly logSampling?: Partial<LogSampling>;
}

/** Destinations under this prefix are per connection: no route needed, delivered via `sendToUser`. */
const USER_QUEUE_PREFIX = '/user/queue/';
const ERRORS_DESTINATION = '/user/queue/errors';

type SubscriptionState = 'replaying' | 'live' | 'removed';

/**
 * What a subscription holds while nothing is held: shared, never written to (`#hold` gives the
 * subscription its own arrays first), so the many subscriptions that never hold anything own none.
 */
const NOTHING_HELD: OutboundMessage[] = [];
const NO_HELD_IDS: string[] = [];

interface ConnectionState<P extends Principal> {
  readonly session: BrokerSession;
  readonly connection: Connection<P>;
  readonly subscriptions: Map<string, Subscription<P>>;
}

interface Subscription<P extends Principal> {
  readonly owner: ConnectionState<P>;
  readonly id: string;
  readonly destination: string;
  readonly path: string;
  readonly route: Route<P> | undefined;
  readonly group: Group<P>;
  state: SubscriptionState;
  /** The removal happened while replaying: `unsubscribed` is owed once the route's subscribe resolves. */
  unsubscribedPending: boolean;
  /** Highest seq delivered; ordered messages at or below it are skipped. */
  lastSeq: number;
  /** Live messages held while replaying (parallel arrays: no allocation per held message). */
  heldMessages: OutboundMessage[];
  heldIds: string[];
}

/** Subscribers that receive byte-identical MESSAGE frames: same subscription id, ack mode and version. */
interface Group<P extends Principal> {
  readonly key: string;
  readonly destination: string;
  readonly subscriptionId: string;
  readonly ack: AckMode;
  readonly version: StompVersion;
  /**
   * Suffix of delivery ids for acknowledged groups. A session indexes pending acks by id alone
   * (STOMP 1.0/1.2 ACK names no subscription), so two acked subscriptions of one session to one
   * destination must not get the same id for the same message.
   */
  readonly ackSuffix: string;
  readonly members: Set<Subscription<P>>;
  readonly channel: Channel<P>;
}

/** All subscribers of one destination (a topic, or one user's queue). */
interface Channel<P extends Principal> {
  readonly key: string;
  readonly groups: Map<string, Group<P>>;
}

interface RouteEntry<P extends Principal> {
  readonly prefix: string;
  readonly route: Route<P>;
}

function userChannelKey(userId: string, destination: string): string {
  // NUL cannot occur in a STOMP header value, so user keys never collide with topic destinations.
  return `\u0000${userId}\u0000${destination}`;
}

export class StompBroker<P extends Principal> implements Broker<P>, SessionHandler {
  readonly #authenticate: Authenticator<P>;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #sampledLog: LogSampler | undefined;
  readonly #hooks: BrokerHooks;
  readonly #nodeId: string;
  readonly #maxHeldMessages: number;
  readonly #closeTimeoutMs: number;

  readonly #routes: RouteEntry<P>[] = [];
  readonly #connections = new Map<string, ConnectionState<P>>();
  readonly #byUser = new Map<string, Set<ConnectionState<P>>>();
  readonly #channels = new Map<string, Channel<P>>();
  #subscriptionCount = 0;
  #messageCounter = 0;
  #groupCounter = 0;
  #closing = false;
  #closeWaiters: (() => void)[] = [];
  /** SENDs whose route has not settled yet; shutdown lets them finish (and get their RECEIPT) first. */
  #sendsInFlight = 0;
  #drainWaiters: (() => void)[] = [];

  constructor(options: StompBrokerOptions<P>) {
    this.#authenticate = options.authenticate;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#sampledLog =
      options.logger === undefined
        ? undefined
        : new LogSampler(options.logger, options.clock, options.logSampling);
    this.#hooks = options.hooks ?? {};
    this.#nodeId = options.nodeId ?? randomUUID().slice(0, 8);
    this.#maxHeldMessages = options.maxHeldMessages ?? 1000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5000;
  }

  // ---- Broker ----

  route(prefix: string, route: Route<P>): void {
    if (this.#routes.some((entry) => entry.prefix === prefix)) {
      throw new Error(`route already registered: ${prefix}`);
    }
    this.#routes.push({ prefix, route });
    // Longest first, so the first match is the most specific.
    this.#routes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  publish(destination: string, message: OutboundMessage): void {
    const channel = this.#channels.get(destination);
    if (channel === undefined) return;
    this.#fanOut(channel, message);
  }

  sendToUser(userId: string, destination: string, message: OutboundMessage): void {
    const channel = this.#channels.get(userChannelKey(userId, destination));
    if (channel === undefined) return;
    this.#fanOut(channel, message);
  }

  endSubscriptions(userId: string, destination: string): number {
    const connections = this.#byUser.get(userId);
    if (connections === undefined) return 0;
    let ended = 0;
    for (const state of [...connections]) {
      for (const subscription of [...state.subscriptions.values()]) {
        if (subscription.destination !== destination) continue;
        this.#removeSubscription(subscription);
        ended += 1;
      }
    }
    return ended;
  }

  /** Ends every local subscription to exactly `destination`, whoever holds it; returns whose ended. */
  endDestination(destination: string): string[] {
    const users: string[] = [];
    for (const [userId, connections] of [...this.#byUser]) {
      let ended = false;
      for (const state of [...connections]) {
        for (const subscription of [...state.subscriptions.values()]) {
          if (subscription.destination !== destination) continue;
          this.#removeSubscription(subscription);
          ended = true;
        }
      }
      if (ended) users.push(userId);
    }
    return users;
  }

  /** Closes the user's connections (those whose principal `which` accepts, when given). */
  disconnectUser(userId: string, code: ErrorCode, message: string, which?: (principal: P) => boolean): void {
    const connections = this.#byUser.get(userId);
    if (connections === undefined) return;
    // Copy: closing may report `disconnected` synchronously, which edits the set.
    for (const state of [...connections]) {
      if (which === undefined || which(state.connection.principal)) state.session.close(code, message);
    }
  }

  stats(): BrokerStats {
    return { connections: this.#connections.size, subscriptions: this.#subscriptionCount };
  }

  async close(): Promise<void> {
    this.#closing = true;
    try {
      await this.#closeSessions();
    } finally {
      this.#sampledLog?.flush();
    }
  }

  async #closeSessions(): Promise<void> {
    if (this.#connections.size === 0) return;
    if (this.#sendsInFlight > 0) await this.#drainSends();
    const closed = new Promise<void>((resolve) => {
      this.#closeWaiters.push(resolve);
    });
    for (const state of [...this.#connections.values()]) {
      state.session.close('shutting_down', 'The server is shutting down; reconnect elsewhere.');
    }
    let timer: Timer | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = this.#clock.setTimeout(resolve, this.#closeTimeoutMs);
    });
    await Promise.race([closed, timedOut]);
    timer?.cancel();
    if (this.#connections.size > 0) {
      this.#logger?.warn({ open: this.#connections.size }, 'broker closed with sessions still open');
    }
  }

  // ---- SessionHandler ----

  async connect(session: BrokerSession, headers: Headers): Promise<void> {
    if (this.#closing) throw new ParleyError('shutting_down');
    const { remoteAddress } = session;
    const principal = await this.#authenticate(headers, remoteAddress);
    // Shutdown may have begun while authenticating: refuse rather than register a connection close() missed.
    if (this.#closing) throw new ParleyError('shutting_down');
    if (this.#connections.has(session.id)) throw new ParleyError('protocol_error', 'Already connected.');
    const state: ConnectionState<P> = {
      session,
      connection: { id: session.id, principal, remoteAddress },
      subscriptions: new Map(),
    };
    this.#connections.set(session.id, state);
    let userConnections = this.#byUser.get(principal.id);
    if (userConnections === undefined) {
      userConnections = new Set();
      this.#byUser.set(principal.id, userConnections);
    }
    userConnections.add(state);
    // Ids and address only: the CONNECT headers carry the token and are never logged.
    this.#logger?.debug({ connectionId: session.id, userId: principal.id, remoteAddress }, 'stomp connected');
  }

  async subscribe(session: BrokerSession, request: SubscribeRequest): Promise<void> {
    const state = this.#stateOf(session);
    if (state.subscriptions.has(request.id)) {
      throw new ParleyError('protocol_error', `Subscription id already in use: ${request.id}`);
    }
    const { destination } = request;
    const entry = this.#match(destination);
    const isUserQueue = destination.startsWith(USER_QUEUE_PREFIX);
    if (!isUserQueue) {
      if (entry === undefined)
        throw new ParleyError('unknown_destination', `No such destination: ${destination}`);
      if (entry.route.subscribe === undefined) {
        throw new ParleyError('forbidden_destination', `Cannot subscribe to ${destination}`);
      }
    }
    const route = entry?.route;
    const path =
      entry === undefined
        ? destination.slice(USER_QUEUE_PREFIX.length)
        : destination.slice(entry.prefix.length);
    const channelKey = isUserQueue ? userChannelKey(state.connection.principal.id, destination) : destination;
    const subscription = this.#addSubscription(state, request, channelKey, path, route);

    const subscribeHook = route?.subscribe;
    if (subscribeHook === undefined) {
      subscription.state = 'live';
      return;
    }
    const context: SubscribeContext<P> = {
      connection: state.connection,
      subscriptionId: request.id,
      destination,
      path,
      headers: request.headers,
      replay: (message) => this.#replay(subscription, message),
      resumeAfter: (seq) => {
        if (seq > subscription.lastSeq) subscription.lastSeq = seq;
      },
    };
    try {
      await subscribeHook.call(route, context);
    } catch (error) {
      // Never went live: the route gets no `unsubscribed` for a subscription it refused.
      if (subscription.state !== 'removed') this.#removeSubscription(subscription);
      subscription.unsubscribedPending = false;
      throw error;
    }
    this.#goLive(subscription);
  }

  unsubscribe(session: BrokerSession, id: string): void {
    const state = this.#connections.get(session.id);
    const subscription = state?.subscriptions.get(id);
    if (subscription === undefined) return;
    this.#removeSubscription(subscription);
  }

  async send(session: BrokerSession, request: SendRequest): Promise<void> {
    const state = this.#stateOf(session);
    const { destination } = request;
    const entry = this.#match(destination);
    // `/topic/…` takes SENDs only where a route accepts them (generic topics); `/user/…` never does.
    if (
      destination.startsWith('/user/') ||
      (destination.startsWith('/topic/') && entry?.route.send === undefined)
    ) {
      throw new ParleyError('forbidden_destination', `Clients cannot SEND to ${destination}`);
    }
    if (entry === undefined)
      throw new ParleyError('unknown_destination', `No such destination: ${destination}`);
    const sendHook = entry.route.send;
    if (sendHook === undefined)
      throw new ParleyError('forbidden_destination', `Cannot SEND to ${destination}`);
    // Once shutdown began, nothing new is accepted; what is already in flight is finished.
    if (this.#closing) throw new ParleyError('shutting_down');
    this.#sendsInFlight += 1;
    try {
      await sendHook.call(entry.route, state.connection, {
        destination,
        path: destination.slice(entry.prefix.length),
        headers: request.headers,
        body: request.body,
      });
    } finally {
      this.#sendsInFlight -= 1;
      if (this.#sendsInFlight === 0) for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
  }

  /** Waits (bounded by the close timeout) for in-flight SENDs, then one turn so their RECEIPTs are written. */
  async #drainSends(): Promise<void> {
    let timer: Timer | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.#drainWaiters.push(resolve)),
      new Promise<void>((resolve) => {
        timer = this.#clock.setTimeout(resolve, this.#closeTimeoutMs);
      }),
    ]);
    timer?.cancel();
    // The session writes a RECEIPT in the continuation after `send` resolves: let it run before closing.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  failed(session: BrokerSession, error: ParleyError, receiptId: string | undefined): void {
    const state = this.#connections.get(session.id);
    let delivered = false;
    if (state !== undefined) {
      const body = Buffer.from(JSON.stringify(error.toWire()));
      for (const subscription of state.subscriptions.values()) {
        if (subscription.destination !== ERRORS_DESTINATION || subscription.state === 'removed') continue;
        const messageId = this.#nextMessageId();
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (receiptId !== undefined) headers['receipt-id'] = receiptId;
        delivered = true;
        this.#deliverOne(subscription, { headers, body }, messageId);
      }
    }
    if (!delivered) {
      // A plain STOMP client never subscribes to /user/queue/errors: it is told as the spec says (ERROR
      // with `receipt-id` when it asked for a receipt, then close), not left waiting for a RECEIPT.
      this.#sampledLog?.log(
        'info',
        { connectionId: session.id, code: error.code },
        'refusal ends the connection: no /user/queue/errors subscription',
      );
      session.close(error.code, error.message, receiptId);
    }
  }

  /**
   * ACK/NACK of a MESSAGE delivered to a subscription: the route that owns the destination hears which
   * deliveries were settled (a queue redelivers a NACKed one); routes without `acked` ignore them.
   */
  ack(
    session: BrokerSession,
    subscriptionId: string,
    messageIds: readonly string[],
    accepted: boolean,
  ): void {
    const subscription = this.#connections.get(session.id)?.subscriptions.get(subscriptionId);
    const hook = subscription?.route?.acked;
    if (subscription === undefined || hook === undefined) return;
    try {
      hook.call(subscription.route, {
        connection: subscription.owner.connection,
        subscriptionId,
        destination: subscription.destination,
        messageIds,
        accepted,
      });
    } catch (error) {
      this.#sampledLog?.log(
        'error',
        { err: error, destination: subscription.destination },
        'acked hook threw',
      );
    }
  }

  /** Whether the connection's outbound buffer is more than half full (or the connection is gone). */
  isBusy(connectionId: string): boolean {
    const state = this.#connections.get(connectionId);
    return state === undefined || state.session.outboundBusy === true;
  }

  /**
   * Delivers to one subscription of one local connection (a queue picking its consumer). Returns the
   * MESSAGE's `message-id` (what the client ACKs), or undefined when it was not written: no such live
   * subscription, or the session dropped it (slow consumer).
   */
  deliverTo(connectionId: string, subscriptionId: string, message: OutboundMessage): string | undefined {
    const subscription = this.#connections.get(connectionId)?.subscriptions.get(subscriptionId);
    if (subscription === undefined || subscription.state === 'removed') return undefined;
    const deliveryId = this.#deliveryId(subscription.group, this.#nextMessageId());
    try {
      const frame = this.#encode(subscription.group, deliveryId, message);
      return subscription.owner.session.deliver(subscription.id, frame, deliveryId) ? deliveryId : undefined;
    } catch (error) {
      this.#dropSubscriber(subscription, error);
      return undefined;
    }
  }

  disconnected(session: BrokerSession): void {
    const state = this.#connections.get(session.id);
    if (state === undefined) return;
    this.#connections.delete(session.id);
    const userId = state.connection.principal.id;
    this.#logger?.debug({ connectionId: session.id, userId }, 'stomp disconnected');
    const userConnections = this.#byUser.get(userId);
    if (userConnections !== undefined) {
      userConnections.delete(state);
      if (userConnections.size === 0) this.#byUser.delete(userId);
    }
    for (const subscription of [...state.subscriptions.values()]) this.#removeSubscription(subscription);
    if (this.#closing && this.#connections.size === 0) {
      const waiters = this.#closeWaiters;
      this.#closeWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  // ---- internals ----

  #stateOf(session: BrokerSession): ConnectionState<P> {
    const state = this.#connections.get(session.id);
    if (state === undefined) throw new ParleyError('not_connected');
    return state;
  }

  #match(destination: string): RouteEntry<P> | undefined {
    for (const entry of this.#routes) {
      if (destination.startsWith(entry.prefix)) return entry;
    }
    return undefined;
  }

  #nextMessageId(): string {
    this.#messageCounter += 1;
    return `${this.#nodeId}-${this.#messageCounter}`;
  }

  #addSubscription(
    state: ConnectionState<P>,
    request: SubscribeRequest,
    channelKey: string,
    path: string,
    route: Route<P> | undefined,
  ): Subscription<P> {
    let channel = this.#channels.get(channelKey);
    if (channel === undefined) {
      channel = { key: channelKey, groups: new Map() };
      this.#channels.set(channelKey, channel);
    }
    const version = state.session.version ?? '1.2';
    const groupKey = `${request.id}\u0000${request.ack}\u0000${version}`;
    let group = channel.groups.get(groupKey);
    if (group === undefined) {
      this.#groupCounter += 1;
      group = {
        key: groupKey,
        ackSuffix: `.${this.#groupCounter}`,
        destination: request.destination,
        subscriptionId: request.id,
        ack: request.ack,
        version,
        members: new Set(),
        channel,
      };
      channel.groups.set(groupKey, group);
    }
    const subscription: Subscription<P> = {
      owner: state,
      id: request.id,
      destination: request.destination,
      path,
      route,
      group,
      state: 'replaying',
      unsubscribedPending: false,
      lastSeq: Number.NEGATIVE_INFINITY,
      heldMessages: NOTHING_HELD,
      heldIds: NO_HELD_IDS,
    };
    group.members.add(subscription);
    state.subscriptions.set(request.id, subscription);
    this.#subscriptionCount += 1;
    return subscription;
  }

  /** Detaches the subscription; the route hears `unsubscribed` now, or once its subscribe resolves. */
  #removeSubscription(subscription: Subscription<P>): void {
    if (subscription.state === 'removed') return;
    const wasReplaying = subscription.state === 'replaying';
    subscription.state = 'removed';
    subscription.heldMessages.length = 0;
    subscription.heldIds.length = 0;
    subscription.heldMessages = NOTHING_HELD;
    subscription.heldIds = NO_HELD_IDS;
    const { group, owner } = subscription;
    group.members.delete(subscription);
    if (group.members.size === 0) {
      group.channel.groups.delete(group.key);
      if (group.channel.groups.size === 0) this.#channels.delete(group.channel.key);
    }
    if (owner.subscriptions.get(subscription.id) === subscription)
      owner.subscriptions.delete(subscription.id);
    this.#subscriptionCount -= 1;
    if (wasReplaying) {
      subscription.unsubscribedPending = subscription.route?.subscribe !== undefined;
      if (!subscription.unsubscribedPending) this.#notifyUnsubscribed(subscription);
    } else {
      this.#notifyUnsubscribed(subscription);
    }
  }

  #notifyUnsubscribed(subscription: Subscription<P>): void {
    const hook = subscription.route?.unsubscribed;
    if (hook === undefined) return;
    try {
      hook.call(
        subscription.route,
        subscription.owner.connection,
        subscription.destination,
        subscription.path,
        subscription.id,
      );
    } catch (error) {
      this.#sampledLog?.log(
        'error',
        { err: error, destination: subscription.destination },
        'unsubscribed hook threw',
      );
    }
  }

  /** False once the subscription no longer replays (ended, or dropped by this very delivery). */
  #replay(subscription: Subscription<P>, message: OutboundMessage): boolean {
    if (subscription.state !== 'replaying') return false;
    if (message.seq !== undefined) {
      if (message.seq <= subscription.lastSeq) return true;
      subscription.lastSeq = message.seq;
    }
    this.#deliverOne(subscription, message, this.#nextMessageId());
    return subscription.state === 'replaying';
  }

  /** The route's subscribe resolved: deliver what was held (skipping replayed seqs), then go live. */
  #goLive(subscription: Subscription<P>): void {
    if (subscription.state === 'removed') {
      if (subscription.unsubscribedPending) {
        subscription.unsubscribedPending = false;
        this.#notifyUnsubscribed(subscription);
      }
      return;
    }
    const { heldMessages, heldIds } = subscription;
    for (let i = 0; i < heldMessages.length; i += 1) {
      const message = heldMessages[i];
      const messageId = heldIds[i];
      if (message === undefined || messageId === undefined) continue;
      if (message.seq !== undefined) {
        if (message.seq <= subscription.lastSeq) continue;
        subscription.lastSeq = message.seq;
      }
      if (!this.#deliverOne(subscription, message, messageId)) break;
      if (subscription.state !== 'replaying') break;
    }
    heldMessages.length = 0;
    heldIds.length = 0;
    subscription.heldMessages = NOTHING_HELD;
    subscription.heldIds = NO_HELD_IDS;
    if (subscription.state === 'replaying') subscription.state = 'live';
  }

  /** Replay, held and error-report deliveries: one subscriber, so a failure drops that subscriber only. */
  #deliverOne(subscription: Subscription<P>, message: OutboundMessage, messageId: string): boolean {
    try {
      const deliveryId = this.#deliveryId(subscription.group, messageId);
      const frame = this.#encode(subscription.group, deliveryId, message);
      return subscription.owner.session.deliver(subscription.id, frame, deliveryId);
    } catch (error) {
      this.#dropSubscriber(subscription, error);
      return false;
    }
  }

  /**
   * A frame that cannot be encoded for a subscriber (or a `deliver` that throws) must cost that
   * subscriber its connection, never the others of the destination their messages: the fan-out goes on.
   * The connection gets an ERROR with the failure's code and its subscriptions end on `disconnected`.
   */
  #dropSubscriber(subscription: Subscription<P>, error: unknown): void {
    const failure = toParleyError(error);
    const code: ErrorCode = failure.disposition === 'fatal' ? failure.code : 'internal_error';
    this.#sampledLog?.log(
      'warn',
      {
        err: error,
        connectionId: subscription.owner.connection.id,
        subscriptionId: subscription.id,
        destination: subscription.destination,
        code,
      },
      'dropped a subscriber whose delivery failed',
    );
    // Even if the session has no `disconnected` to report (or closing throws), it gets nothing more here.
    this.#removeSubscription(subscription);
    try {
      subscription.owner.session.close(code, 'A message could not be delivered to this subscription.');
    } catch (closeError) {
      this.#logger?.error({ err: closeError }, 'closing a session threw');
    }
  }

  /** The id a group's members see as message-id (and ack): unique per session for acked groups. */
  #deliveryId(group: Group<P>, messageId: string): string {
    return group.ack === 'auto' ? messageId : messageId + group.ackSuffix;
  }

  /**
   * The hot path. Per group one encoding; per subscriber only a seq comparison and `deliver` of the
   * shared Buffer: no closures, spreads or strings per subscriber.
   */
  #fanOut(channel: Channel<P>, message: OutboundMessage): void {
    const messageId = this.#nextMessageId();
    const seq = message.seq;
    let deliveries = 0;
    let encodings = 0;
    for (const group of channel.groups.values()) {
      let frame: Buffer | undefined;
      let deliveryId = messageId;
      for (const subscription of group.members) {
        if (subscription.state === 'replaying') {
          this.#hold(subscription, message, messageId);
          continue;
        }
        if (seq !== undefined) {
          if (seq <= subscription.lastSeq) continue;
          subscription.lastSeq = seq;
        }
        // Per subscriber, never per destination: a throw here used to end the loop, and every group
        // after the failing one missed the message for good (the feed had already moved on).
        try {
          if (frame === undefined) {
            deliveryId = this.#deliveryId(group, messageId);
            frame = this.#encode(group, deliveryId, message);
            encodings += 1;
          }
          // A false return means the session dropped itself as a slow consumer; `disconnected` cleans up.
          subscription.owner.session.deliver(group.subscriptionId, frame, deliveryId);
          deliveries += 1;
        } catch (error) {
          this.#dropSubscriber(subscription, error);
        }
      }
    }
    this.#hooks.published?.(deliveries, encodings);
  }

  #hold(subscription: Subscription<P>, message: OutboundMessage, messageId: string): void {
    if (subscription.heldMessages.length >= this.#maxHeldMessages) {
      this.#hooks.replayOverflowed?.(subscription.owner.connection.id);
      this.#sampledLog?.log(
        'warn',
        { connectionId: subscription.owner.connection.id, destination: subscription.destination },
        'held queue overflowed while replaying',
      );
      subscription.owner.session.close('slow_consumer', 'Too many messages arrived while replaying history.');
      return;
    }
    if (subscription.heldMessages === NOTHING_HELD) {
      subscription.heldMessages = [message];
      subscription.heldIds = [messageId];
      return;
    }
    subscription.heldMessages.push(message);
    subscription.heldIds.push(messageId);
  }

  #encode(group: Group<P>, messageId: string, message: OutboundMessage): Buffer {
    const headers: Record<string, string> = {
      destination: group.destination,
      'message-id': messageId,
      subscription: group.subscriptionId,
    };
    if (group.ack !== 'auto') headers.ack = messageId;
    for (const name of Object.keys(message.headers)) {
      if (Object.hasOwn(headers, name)) continue;
      const value = message.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    if (message.seq !== undefined && headers.seq === undefined) headers.seq = String(message.seq);
    return encodeFrame('MESSAGE', headers, message.body, group.version);
  }
}
