// One STOMP connection's state machine: CONNECT and version negotiation, heart-beats, receipts,
// subscriptions and their pending acks, transactions, backpressure and the ERROR-then-close rules.
// Knows nothing of chat, destinations' meaning or sockets: a `SessionHandler` decides what frames do,
// a `SessionTransport` moves bytes. Frames are handled in arrival order; plain SENDs are pipelined (up to
// `maxInflightSends`, RECEIPTs in SEND order) and every other frame waits until they have all settled.
import type { Clock, Timer } from '../clock.js';
import { assertNever, ERROR_CATALOGUE, type ErrorCode, ParleyError, toParleyError } from '../errors.js';
import { encodeFrame, FrameParser, isEncodableHeaderValue } from './codec.js';
import type { Command, Frame, FrameLimits, Headers, ServerCommand, StompVersion } from './frame.js';

export type AckMode = 'auto' | 'client' | 'client-individual';

export interface SessionTransport {
  /** Queues bytes to the peer; ignored once the transport is closed. */
  write(bytes: Buffer): void;
  /** Queued, not yet flushed (ws.bufferedAmount / socket.writableLength). */
  readonly bufferedBytes: number;
  /** Closes after flushing what was written; undefined = normal close. */
  close(code: ErrorCode | undefined): void;
  readonly remoteAddress: string;
}

/**
 * Every limit a session enforces. All are required: the values come from the configuration schema
 * (src/config.ts, through src/app.ts), the one place their defaults live.
 */
export interface SessionLimits extends FrameLimits {
  /** More subscriptions on one connection → `too_many_subscriptions`. */
  readonly maxSubscriptions: number;
  /** bufferedBytes above this when a MESSAGE is delivered → `slow_consumer`. */
  readonly maxOutboundBytes: number;
  /** The server's cx: how often it can send heart-beats (0 = never). */
  readonly heartbeatSendMs: number;
  /** The server's cy: how often it wants to hear from the peer (0 = never). */
  readonly heartbeatReceiveMs: number;
  /** E.g. 1.5: the peer is dropped after the negotiated receive interval × this of silence. */
  readonly heartbeatGraceFactor: number;
  /** No CONNECT (or no successful one) within this → `connect_timeout`. */
  readonly connectTimeoutMs: number;
  /** SENDs/ACKs held by one transaction → `protocol_error`. */
  readonly maxTransactionFrames: number;
  /** Transactions open at once → `protocol_error`. */
  readonly maxOpenTransactions: number;
  /** Unacknowledged MESSAGEs of one client-ack subscription → `slow_consumer`. */
  readonly maxPendingAcks: number;
  /** Frames received but not yet handled (waiting on earlier async work) → `protocol_error`. */
  readonly maxQueuedFrames: number;
  /** Non-transactional SENDs handed to the handler whose outcome is not written yet; more wait. */
  readonly maxInflightSends: number;
  /** Longest one frame may take from its first byte to its NUL → `frame_timeout`. */
  readonly frameTimeoutMs: number;
  /** Refused frames (reported to `handler.failed`) a connection may have in a burst → `too_many_errors`. */
  readonly refusalBurst: number;
  /** How fast that allowance refills, per second. */
  readonly refusalRatePerSecond: number;
}

export interface SendRequest {
  readonly destination: string;
  readonly headers: Headers;
  readonly body: Buffer;
}

export interface SubscribeRequest {
  readonly id: string;
  readonly destination: string;
  readonly ack: AckMode;
  readonly headers: Headers;
}

export interface SessionHandler {
  /** Throw ParleyError to refuse (e.g. `unauthorized`); any rejection ends the connection with ERROR. */
  connect(session: StompSession, headers: Headers): Promise<void>;
  /** The subscription is registered before this is called, so `deliver` to it works during replay. */
  subscribe(session: StompSession, request: SubscribeRequest): Promise<void>;
  unsubscribe(session: StompSession, id: string): void;
  /** Resolves when handled; only then is the RECEIPT sent. */
  send(session: StompSession, request: SendRequest): Promise<void>;
  /** `messageIds` are all the ids this ACK/NACK settles (several for cumulative `client` mode). */
  ack?(session: StompSession, subscriptionId: string, messageIds: readonly string[], accepted: boolean): void;
  /**
   * A `queue`-disposition ParleyError from subscribe/send; the handler reports it (/user/queue/errors),
   * or, when the client has no way to hear it there, ends the session with `close` (ERROR, then close).
   */
  failed(session: StompSession, error: ParleyError, receiptId: string | undefined): void;
  /** Exactly once for every session whose `connect` resolved, even if the socket closed meanwhile. */
  disconnected(session: StompSession): void;
}

/**
 * Counters for metrics and logs, called synchronously on the hot path: implementations must only count
 * (no allocation, no I/O). Heart-beats are not frames and are not reported.
 */
export interface SessionObserver {
  frameReceived(command: Command): void;
  frameSent(command: ServerCommand): void;
  /** A non-fatal error went to the handler (`/user/queue/errors`). */
  failed(code: ErrorCode): void;
  /** The session ended, once: `code` is the fatal error it was closed with, undefined for a normal end. */
  closed(code: ErrorCode | undefined): void;
}

export interface StompSessionOptions {
  readonly id: string;
  readonly transport: SessionTransport;
  readonly handler: SessionHandler;
  readonly limits: SessionLimits;
  readonly clock: Clock;
  readonly serverName: string;
  /** From the WebSocket subprotocols; undefined = every version. */
  readonly offeredVersions?: readonly StompVersion[] | undefined;
  /** Exceptions thrown by `handler.failed`/`handler.disconnected`, which have nowhere else to go. */
  readonly onHandlerError?: ((error: unknown) => void) | undefined;
  readonly observer?: SessionObserver | undefined;
}

const ALL_VERSIONS: readonly StompVersion[] = ['1.2', '1.1', '1.0'];
const HEARTBEAT = Buffer.from('\n');
const HEART_BEAT_HEADER = /^\s*(\d{1,9})\s*,\s*(\d{1,9})\s*$/;

type SessionState = 'awaiting-connect' | 'connecting' | 'connected' | 'closed';

interface Subscription {
  readonly id: string;
  readonly ack: AckMode;
  /**
   * Delivered, not yet acknowledged message ids, in delivery order; only `client`/`client-individual`
   * subscriptions get one (at their first delivery), so an auto subscription costs no Set.
   */
  pending: Set<string> | undefined;
}

function protocolError(message: string): ParleyError {
  return new ParleyError('protocol_error', message);
}

function negotiateVersion(
  acceptVersion: string | undefined,
  offered: readonly StompVersion[],
): StompVersion | undefined {
  // No accept-version header means a STOMP 1.0 client.
  const accepted = acceptVersion === undefined ? ['1.0'] : acceptVersion.split(',').map((v) => v.trim());
  return ALL_VERSIONS.find((version) => accepted.includes(version) && offered.includes(version));
}

function parseAckMode(value: string | undefined, version: StompVersion): AckMode {
  if (value === undefined || value === 'auto') return 'auto';
  if (value === 'client') return 'client';
  if (value === 'client-individual' && version !== '1.0') return 'client-individual';
  throw protocolError(`Unsupported ack mode ${JSON.stringify(value)}.`);
}

export class StompSession {
  readonly id: string;
  readonly #transport: SessionTransport;
  readonly #handler: SessionHandler;
  readonly #limits: SessionLimits;
  readonly #clock: Clock;
  readonly #serverName: string;
  readonly #offered: readonly StompVersion[];
  readonly #onHandlerError: ((error: unknown) => void) | undefined;
  readonly #observer: SessionObserver | undefined;
  readonly #parser: FrameParser;

  #state: SessionState = 'awaiting-connect';
  #version: StompVersion | undefined;
  #connectSucceeded = false;
  #disconnectNotified = false;

  // Idle connections are the common case: the inbox, ack index and transactions exist only while in use
  // (an empty Map or a grown array costs ~150 bytes each, times every connection).
  /** Frames waiting for earlier async work; dropped once drained. */
  #inbox: Frame[] | undefined;
  #draining = false;
  readonly #subscriptions = new Map<string, Subscription>();
  /** Pending ack id → its subscription, for 1.0/1.2 ACKs that name no subscription. */
  #ackIndex: Map<string, Subscription> | undefined;
  #transactions: Map<string, Frame[]> | undefined;
  /** Pipelined SENDs whose outcome (RECEIPT or queued error) is not written yet. */
  #sendsInFlight = 0;
  /** Settles once the last pipelined SEND's outcome is written, hence every earlier one's too. */
  #lastSend: Promise<void> | undefined;
  /** The drain loop waiting for a free in-flight slot. */
  #slotFreed: (() => void) | undefined;

  #connectTimer: Timer | undefined;
  #sendTimer: Timer | undefined;
  #receiveTimer: Timer | undefined;
  #lastSentAt: number;
  #lastReceivedAt: number;
  /** When the frame the parser is in the middle of began; undefined between frames. */
  #frameStartedAt: number | undefined;
  /** Frames completed when `#frameStartedAt` was taken: a change means a newer frame began. */
  #frameStartedSerial = 0;
  #framesCompleted = 0;
  #frameTimer: Timer | undefined;
  /** Refusal allowance (a token bucket); full until the first refusal, so most sessions never touch it. */
  #refusalTokens: number | undefined;
  #refusalsUpdatedAt = 0;

  constructor(options: StompSessionOptions) {
    this.id = options.id;
    this.#transport = options.transport;
    this.#handler = options.handler;
    this.#limits = options.limits;
    this.#clock = options.clock;
    this.#serverName = options.serverName;
    this.#offered = options.offeredVersions ?? ALL_VERSIONS;
    this.#onHandlerError = options.onHandlerError;
    this.#observer = options.observer;
    this.#parser = new FrameParser(options.limits);
    this.#lastSentAt = this.#lastReceivedAt = this.#clock.now();
    if (this.#limits.connectTimeoutMs > 0) {
      this.#connectTimer = this.#clock.setTimeout(() => {
        if (this.#state === 'awaiting-connect' || this.#state === 'connecting') {
          this.#closeWithError('connect_timeout', 'No CONNECT frame arrived in time.', undefined);
        }
      }, this.#limits.connectTimeoutMs);
    }
  }

  get version(): StompVersion | undefined {
    return this.#version;
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  get remoteAddress(): string {
    return this.#transport.remoteAddress;
  }

  /**
   * More than half of `maxOutboundBytes` waits to be sent: a sender that may choose when to deliver
   * (a queue picking a consumer) waits rather than pushing this peer into `slow_consumer`.
   */
  get outboundBusy(): boolean {
    return this.#transport.bufferedBytes > this.#limits.maxOutboundBytes / 2;
  }

  /** Bytes from the transport, in any chunking. Never throws. */
  receive(chunk: Buffer): void {
    if (this.#state === 'closed') return;
    const now = this.#clock.now();
    this.#lastReceivedAt = now;
    try {
      this.#parser.push(chunk, StompSession.#onFrame, noop, this);
    } catch (error) {
      const failure = toParleyError(error);
      // Whatever the parser hit, the byte stream is lost: every parser failure ends the connection.
      this.#closeWithError(failure.code, failure.message, undefined);
      return;
    }
    if (this.#parser.inFrame) this.#frameBegan(now);
    else this.#frameStartedAt = undefined;
  }

  /** The socket went away. Idempotent. */
  transportClosed(): void {
    this.#terminate(undefined, undefined, false);
  }

  /**
   * Writes a pre-encoded MESSAGE. For `client`/`client-individual` subscriptions the frame's `ack`
   * header must equal `messageId` (it is what 1.2 clients ACK with). Returns false when the message was
   * dropped: unknown subscription, not connected, or the peer is too slow (then the session closes).
   */
  deliver(subscriptionId: string, frame: Buffer, messageId: string): boolean {
    if (this.#state !== 'connected') return false;
    const subscription = this.#subscriptions.get(subscriptionId);
    if (subscription === undefined) return false;
    if (this.#transport.bufferedBytes > this.#limits.maxOutboundBytes) {
      this.#closeWithError('slow_consumer', ERROR_CATALOGUE.slow_consumer.summary, undefined);
      return false;
    }
    if (subscription.ack !== 'auto') {
      subscription.pending ??= new Set();
      if (subscription.pending.size >= this.#limits.maxPendingAcks) {
        this.#closeWithError('slow_consumer', 'Too many messages are waiting for an ACK.', undefined);
        return false;
      }
      subscription.pending.add(messageId);
      this.#ackIndex ??= new Map();
      this.#ackIndex.set(messageId, subscription);
    }
    this.#write(frame, 'MESSAGE');
    return true;
  }

  /**
   * Server-initiated end: ERROR frame (header `message` = code, `receipt-id` when the refused frame
   * asked for a receipt), then close.
   */
  close(code: ErrorCode, message?: string, receiptId?: string): void {
    this.#closeWithError(code, message ?? ERROR_CATALOGUE[code].summary, receiptId);
  }

  // ---- inbound ----

  // Shared by every session (the parser hands the session back): a per-session arrow function and its
  // context would be ~100 bytes on every connection.
  static #onFrame(frame: Frame, session: StompSession): void {
    session.#framesCompleted += 1;
    session.#frameArrived(frame);
  }

  /**
   * A frame is open after this chunk. Bytes inside a frame count as traffic for the heart-beat, so
   * without this bound a peer could hold a connection (and its partial frame) forever by dribbling.
   */
  #frameBegan(now: number): void {
    if (this.#state === 'closed') return;
    if (this.#frameStartedAt === undefined || this.#frameStartedSerial !== this.#framesCompleted) {
      this.#frameStartedAt = now;
      this.#frameStartedSerial = this.#framesCompleted;
    }
    if (this.#frameTimer === undefined) this.#scheduleFrameCheck(this.#limits.frameTimeoutMs);
  }

  /** One timer at a time, re-armed for the frame in progress when it fires: none per frame. */
  #scheduleFrameCheck(delayMs: number): void {
    this.#frameTimer = this.#clock.setTimeout(() => {
      this.#frameTimer = undefined;
      const startedAt = this.#frameStartedAt;
      if (this.#state === 'closed' || startedAt === undefined) return;
      const timeoutMs = this.#limits.frameTimeoutMs;
      const elapsedMs = this.#clock.now() - startedAt;
      if (elapsedMs >= timeoutMs) {
        this.#closeWithError('frame_timeout', `A frame took more than ${timeoutMs} ms to arrive.`, undefined);
      } else {
        this.#scheduleFrameCheck(timeoutMs - elapsedMs);
      }
    }, delayMs);
  }

  #frameArrived(frame: Frame): void {
    if (this.#state === 'closed') return;
    this.#observer?.frameReceived(frame.command);
    this.#inbox ??= [];
    if (this.#inbox.length >= this.#limits.maxQueuedFrames) {
      this.#closeWithError('protocol_error', 'Too many frames are waiting to be handled.', undefined);
      return;
    }
    this.#inbox.push(frame);
    if (!this.#draining) void this.#drain();
  }

  /**
   * Handles queued frames in order; runs synchronously until the first asynchronous handler. A plain SEND
   * is only dispatched (the next frame does not wait for it); any other frame first waits for those.
   */
  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      for (let frame = this.#inbox?.shift(); frame !== undefined; frame = this.#inbox?.shift()) {
        if (this.#state === 'closed') break;
        const receipt = frame.headers.receipt;
        try {
          if (this.#pipelines(frame)) {
            const limit = this.#limits.maxInflightSends;
            while (this.#sendsInFlight >= limit && this.#state === 'connected') {
              await new Promise<void>((resolve) => {
                this.#slotFreed = resolve;
              });
            }
            if (this.#state !== 'connected') break;
            this.#dispatchSend(frame, receipt);
            continue;
          }
          if (this.#lastSend !== undefined) {
            await this.#lastSend;
            // A pipelined SEND's fatal error may have ended the session meanwhile.
            if (!this.connected) break;
          }
          await this.#handle(frame);
        } catch (error) {
          this.#fail(toParleyError(error), receipt);
        }
      }
    } finally {
      this.#draining = false;
      // The array (grown to its first capacity) would otherwise stay with the idle connection.
      if (this.#inbox?.length === 0) this.#inbox = undefined;
    }
  }

  /** A SEND that may run alongside earlier ones: connected, not in a transaction, has a destination. */
  #pipelines(frame: Frame): boolean {
    if (frame.command !== 'SEND' || this.#state !== 'connected') return false;
    if (frame.headers.transaction !== undefined) return false;
    // Without a destination (or with a header refused at the door) it is a fatal error, which must end
    // the session only after earlier frames.
    const destination = frame.headers.destination;
    return destination !== undefined && destination !== '' && this.#unencodableHeader(frame) === undefined;
  }

  /**
   * The first header whose value could not be written back in the negotiated version. Checked for every
   * header, not only those echoed today (subscription id, destination, receipt): a value the server
   * accepted must never make a later MESSAGE, RECEIPT or ERROR unencodable.
   */
  #unencodableHeader(frame: Frame): string | undefined {
    const { headers } = frame;
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined && !isEncodableHeaderValue(value, this.#version)) return name;
    }
    return undefined;
  }

  #dispatchSend(frame: Frame, receipt: string | undefined): void {
    let handled: Promise<void>;
    try {
      handled = this.#send(frame);
    } catch (error) {
      handled = Promise.reject(error);
    }
    this.#sendsInFlight += 1;
    const done = this.#settleSend(handled, this.#lastSend, receipt);
    this.#lastSend = done;
  }

  /** Writes a pipelined SEND's outcome once it has settled and every earlier SEND's outcome is written. */
  async #settleSend(
    handled: Promise<void>,
    previous: Promise<void> | undefined,
    receipt: string | undefined,
  ): Promise<void> {
    let failure: ParleyError | undefined;
    try {
      await handled;
    } catch (error) {
      failure = toParleyError(error);
    }
    if (previous !== undefined) await previous;
    this.#sendsInFlight -= 1;
    // None newer was dispatched (that would have counted): this is the tail, which an idle connection drops.
    if (this.#sendsInFlight === 0) this.#lastSend = undefined;
    this.#wakeDrain();
    if (failure !== undefined) {
      this.#fail(failure, receipt);
      return;
    }
    if (receipt === undefined || this.#state !== 'connected') return;
    try {
      this.#write(this.#encode('RECEIPT', { 'receipt-id': receipt }), 'RECEIPT');
    } catch (error) {
      this.#fail(toParleyError(error), receipt);
    }
  }

  #wakeDrain(): void {
    const wake = this.#slotFreed;
    this.#slotFreed = undefined;
    wake?.();
  }

  #fail(error: ParleyError, receipt: string | undefined): void {
    if (this.#state === 'closed') return;
    if (error.disposition === 'fatal' || this.#state !== 'connected') {
      this.#closeWithError(error.code, error.message, receipt);
      return;
    }
    if (!this.#takeRefusal()) {
      this.#closeWithError(
        'too_many_errors',
        'Too many frames of this connection were refused; it was closed.',
        receipt,
      );
      return;
    }
    this.#observer?.failed(error.code);
    try {
      this.#handler.failed(this, error, receipt);
    } catch (handlerError) {
      this.#onHandlerError?.(handlerError);
    }
  }

  async #handle(frame: Frame): Promise<void> {
    if (this.#state === 'awaiting-connect') {
      if (frame.command !== 'CONNECT' && frame.command !== 'STOMP') {
        throw new ParleyError('not_connected', `${frame.command} before CONNECT.`);
      }
      await this.#connect(frame);
      return;
    }
    const unencodable = this.#unencodableHeader(frame);
    if (unencodable !== undefined) {
      throw new ParleyError(
        'invalid_header',
        `The ${JSON.stringify(unencodable.slice(0, 64))} header holds a character STOMP ${this.#version ?? '1.0'} cannot carry back (NUL, or CR/LF without escaping).`,
      );
    }
    const receipt = frame.headers.receipt;
    switch (frame.command) {
      case 'SEND':
        // A held SEND is not done yet: its RECEIPT waits until COMMIT has executed it (and stored it).
        if (this.#hold(frame)) return;
        await this.#send(frame);
        break;
      case 'SUBSCRIBE':
        await this.#subscribe(frame);
        break;
      case 'UNSUBSCRIBE':
        this.#unsubscribe(frame);
        break;
      case 'ACK':
      case 'NACK':
        if (this.#hold(frame)) return;
        this.#ack(frame);
        break;
      case 'BEGIN':
        this.#begin(frame);
        break;
      case 'COMMIT':
        await this.#commit(frame);
        break;
      case 'ABORT':
        this.#endTransaction(this.#transactionOf(frame));
        break;
      case 'DISCONNECT':
        if (receipt !== undefined) this.#write(this.#encode('RECEIPT', { 'receipt-id': receipt }), 'RECEIPT');
        this.#terminate(undefined, undefined, true);
        return;
      case 'CONNECT':
      case 'STOMP':
        throw protocolError('Already connected.');
      case 'CONNECTED':
      case 'MESSAGE':
      case 'RECEIPT':
      case 'ERROR':
        throw protocolError(`${frame.command} is a server frame.`);
      default:
        assertNever(frame.command);
    }
    if (receipt !== undefined && this.#state === 'connected') {
      this.#write(this.#encode('RECEIPT', { 'receipt-id': receipt }), 'RECEIPT');
    }
  }

  async #connect(frame: Frame): Promise<void> {
    const version = negotiateVersion(frame.headers['accept-version'], this.#offered);
    if (version === undefined) {
      const supported = ALL_VERSIONS.filter((v) => this.#offered.includes(v)).join(',');
      this.#closeWithError(
        'unsupported_version',
        `Supported STOMP versions are ${supported}.`,
        frame.headers.receipt,
        { version: supported },
      );
      return;
    }
    let clientSendMs = 0;
    let clientReceiveMs = 0;
    const heartBeat = frame.headers['heart-beat'];
    if (heartBeat !== undefined && version !== '1.0') {
      const match = HEART_BEAT_HEADER.exec(heartBeat);
      if (match === null) throw protocolError('The heart-beat header must be two integers: cx,cy.');
      clientSendMs = Number(match[1]);
      clientReceiveMs = Number(match[2]);
    }
    this.#version = version;
    this.#parser.version = version;
    this.#state = 'connecting';
    await this.#handler.connect(this, frame.headers);
    this.#connectSucceeded = true;
    // The peer left (or timed out) while the handler authenticated: it still owes `disconnected`.
    if (this.#state !== 'connecting') {
      this.#notifyDisconnected();
      return;
    }
    this.#state = 'connected';
    this.#connectTimer?.cancel();
    this.#connectTimer = undefined;
    const headers: Record<string, string> = { version };
    if (version !== '1.0')
      headers['heart-beat'] = `${this.#limits.heartbeatSendMs},${this.#limits.heartbeatReceiveMs}`;
    headers.server = this.#serverName;
    headers.session = this.id;
    this.#write(encodeFrame('CONNECTED', headers, undefined, version), 'CONNECTED');
    this.#startHeartbeats(clientSendMs, clientReceiveMs);
  }

  /** Calls the handler synchronously (pipelined SENDs reach it in arrival order). */
  #send(frame: Frame): Promise<void> {
    const destination = frame.headers.destination;
    if (destination === undefined || destination === '') throw protocolError('SEND needs a destination.');
    return this.#handler.send(this, { destination, headers: frame.headers, body: frame.body });
  }

  async #subscribe(frame: Frame): Promise<void> {
    const version = this.#version ?? '1.0';
    const destination = frame.headers.destination;
    if (destination === undefined || destination === '')
      throw protocolError('SUBSCRIBE needs a destination.');
    const id = frame.headers.id ?? (version === '1.0' ? destination : undefined);
    if (id === undefined) throw protocolError('SUBSCRIBE needs an id.');
    if (this.#subscriptions.has(id)) throw protocolError(`Subscription id ${JSON.stringify(id)} is in use.`);
    if (this.#subscriptions.size >= this.#limits.maxSubscriptions) {
      throw new ParleyError(
        'too_many_subscriptions',
        `At most ${this.#limits.maxSubscriptions} subscriptions.`,
      );
    }
    const ack = parseAckMode(frame.headers.ack, version);
    const subscription: Subscription = { id, ack, pending: undefined };
    this.#subscriptions.set(id, subscription);
    try {
      await this.#handler.subscribe(this, { id, destination, ack, headers: frame.headers });
    } catch (error) {
      if (this.#subscriptions.get(id) === subscription) this.#forget(subscription);
      throw error;
    }
  }

  #unsubscribe(frame: Frame): void {
    const id = frame.headers.id ?? (this.#version === '1.0' ? frame.headers.destination : undefined);
    if (id === undefined) throw protocolError('UNSUBSCRIBE needs an id.');
    const subscription = this.#subscriptions.get(id);
    if (subscription === undefined) throw protocolError(`No subscription ${JSON.stringify(id)}.`);
    this.#forget(subscription);
    this.#handler.unsubscribe(this, id);
  }

  #forget(subscription: Subscription): void {
    this.#subscriptions.delete(subscription.id);
    const { pending } = subscription;
    if (pending === undefined) return;
    subscription.pending = undefined;
    const index = this.#ackIndex;
    if (index === undefined) return;
    for (const messageId of pending) {
      if (index.get(messageId) === subscription) index.delete(messageId);
    }
    if (index.size === 0) this.#ackIndex = undefined;
  }

  #ack(frame: Frame): void {
    const accepted = frame.command === 'ACK';
    const version = this.#version ?? '1.0';
    if (!accepted && version === '1.0') throw protocolError('NACK does not exist in STOMP 1.0.');
    let messageId: string | undefined;
    let subscription: Subscription | undefined;
    if (version === '1.1') {
      messageId = frame.headers['message-id'];
      const subscriptionId = frame.headers.subscription;
      if (messageId === undefined || subscriptionId === undefined) {
        throw protocolError(`${frame.command} needs message-id and subscription.`);
      }
      subscription = this.#subscriptions.get(subscriptionId);
    } else {
      messageId = version === '1.2' ? frame.headers.id : frame.headers['message-id'];
      if (messageId === undefined) {
        throw protocolError(`${frame.command} needs ${version === '1.2' ? 'id' : 'message-id'}.`);
      }
      subscription = this.#ackIndex?.get(messageId);
    }
    const pending = subscription?.pending;
    if (subscription === undefined || pending === undefined || !pending.has(messageId)) {
      throw protocolError(`${frame.command} for an unknown or settled message ${JSON.stringify(messageId)}.`);
    }
    const settled: string[] = [];
    if (subscription.ack === 'client') {
      // Cumulative: this id and every earlier one still pending on the subscription.
      for (const pendingId of pending) {
        settled.push(pendingId);
        if (pendingId === messageId) break;
      }
    } else {
      settled.push(messageId);
    }
    const index = this.#ackIndex;
    for (const id of settled) {
      pending.delete(id);
      if (index?.get(id) === subscription) index.delete(id);
    }
    // Settled up: the next delivery allocates afresh rather than an idle subscriber keeping the tables.
    if (pending.size === 0) subscription.pending = undefined;
    if (index?.size === 0) this.#ackIndex = undefined;
    this.#handler.ack?.(this, subscription.id, settled, accepted);
  }

  #transactionOf(frame: Frame): string {
    const transaction = frame.headers.transaction;
    if (transaction === undefined) throw protocolError(`${frame.command} needs a transaction.`);
    if (this.#transactions?.has(transaction) !== true) {
      throw protocolError(`Unknown transaction ${JSON.stringify(transaction)}.`);
    }
    return transaction;
  }

  /** Holds a transactional SEND/ACK/NACK until COMMIT; false when the frame has no transaction. */
  #hold(frame: Frame): boolean {
    if (frame.headers.transaction === undefined) return false;
    // Evaluated first: optional chaining would skip the unknown-transaction check when none is open.
    const transaction = this.#transactionOf(frame);
    const held = this.#transactions?.get(transaction);
    if (held === undefined) return false;
    if (held.length >= this.#limits.maxTransactionFrames) {
      throw protocolError(`A transaction holds at most ${this.#limits.maxTransactionFrames} frames.`);
    }
    if (frame.command === 'SEND') {
      const destination = frame.headers.destination;
      if (destination === undefined || destination === '') throw protocolError('SEND needs a destination.');
    }
    held.push(frame);
    return true;
  }

  #begin(frame: Frame): void {
    const transaction = frame.headers.transaction;
    if (transaction === undefined) throw protocolError('BEGIN needs a transaction.');
    this.#transactions ??= new Map();
    const transactions = this.#transactions;
    if (transactions.has(transaction)) {
      throw protocolError(`Transaction ${JSON.stringify(transaction)} is already open.`);
    }
    if (transactions.size >= this.#limits.maxOpenTransactions) {
      throw protocolError(`At most ${this.#limits.maxOpenTransactions} open transactions.`);
    }
    transactions.set(transaction, []);
  }

  #endTransaction(transaction: string): void {
    this.#transactions?.delete(transaction);
    if (this.#transactions?.size === 0) this.#transactions = undefined;
  }

  async #commit(frame: Frame): Promise<void> {
    const transaction = this.#transactionOf(frame);
    const held = this.#transactions?.get(transaction) ?? [];
    this.#endTransaction(transaction);
    for (const heldFrame of held) {
      if (this.#state !== 'connected') return;
      const heldReceipt = heldFrame.headers.receipt;
      if (heldFrame.command === 'SEND') {
        try {
          await this.#send(heldFrame);
        } catch (error) {
          const failure = toParleyError(error);
          // A refused SEND does not undo the others (nothing can be rolled back); it is reported alone.
          if (failure.disposition === 'fatal') throw failure;
          this.#fail(failure, heldReceipt);
          continue;
        }
      } else {
        this.#ack(heldFrame);
      }
      if (heldReceipt !== undefined && this.#state === 'connected') {
        this.#write(this.#encode('RECEIPT', { 'receipt-id': heldReceipt }), 'RECEIPT');
      }
    }
  }

  /**
   * Every refusal costs the server work and a report (and, without an errors subscription, a log line):
   * a client that keeps sending what is refused gets a bounded allowance, then is closed.
   */
  #takeRefusal(): boolean {
    const capacity = this.#limits.refusalBurst;
    const perMs = this.#limits.refusalRatePerSecond / 1000;
    const now = this.#clock.now();
    let tokens = this.#refusalTokens ?? capacity;
    if (this.#refusalTokens !== undefined && now > this.#refusalsUpdatedAt) {
      tokens = Math.min(capacity, tokens + (now - this.#refusalsUpdatedAt) * perMs);
    }
    this.#refusalsUpdatedAt = now;
    if (tokens < 1) {
      this.#refusalTokens = tokens;
      return false;
    }
    this.#refusalTokens = tokens - 1;
    return true;
  }

  // ---- outbound ----

  /** `command` undefined: a heart-beat. */
  #write(bytes: Buffer, command: ServerCommand | undefined): void {
    this.#lastSentAt = this.#clock.now();
    this.#transport.write(bytes);
    if (command !== undefined) this.#observer?.frameSent(command);
  }

  #encode(command: 'RECEIPT' | 'ERROR', headers: Record<string, string>, body?: string): Buffer {
    return encodeFrame(command, headers, body, this.#version);
  }

  #closeWithError(
    code: ErrorCode,
    message: string,
    receipt: string | undefined,
    extraHeaders?: Readonly<Record<string, string>>,
  ): void {
    if (this.#state === 'closed') return;
    const headers: Record<string, string> = { message: code, 'content-type': 'text/plain' };
    if (receipt !== undefined) headers['receipt-id'] = receipt;
    if (extraHeaders !== undefined) Object.assign(headers, extraHeaders);
    let frame: Buffer;
    try {
      frame = this.#encode('ERROR', headers, message);
    } catch {
      // A receipt id that cannot be written back must not stop the ERROR itself.
      frame = this.#encode('ERROR', { message: code, 'content-type': 'text/plain' }, message);
    }
    this.#terminate(code, frame, true);
  }

  #terminate(code: ErrorCode | undefined, lastFrame: Buffer | undefined, closeTransport: boolean): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#connectTimer?.cancel();
    this.#sendTimer?.cancel();
    this.#receiveTimer?.cancel();
    this.#frameTimer?.cancel();
    this.#frameTimer = undefined;
    this.#frameStartedAt = undefined;
    this.#inbox = undefined;
    this.#transactions = undefined;
    this.#subscriptions.clear();
    this.#ackIndex = undefined;
    this.#wakeDrain();
    if (closeTransport) {
      if (lastFrame !== undefined) this.#write(lastFrame, 'ERROR');
      this.#transport.close(code);
    }
    this.#observer?.closed(code);
    if (this.#connectSucceeded) this.#notifyDisconnected();
  }

  #notifyDisconnected(): void {
    if (this.#disconnectNotified) return;
    this.#disconnectNotified = true;
    try {
      this.#handler.disconnected(this);
    } catch (error) {
      this.#onHandlerError?.(error);
    }
  }

  // ---- heart-beats ----

  #startHeartbeats(clientSendMs: number, clientReceiveMs: number): void {
    const { heartbeatSendMs, heartbeatReceiveMs, heartbeatGraceFactor } = this.#limits;
    // Per the spec: each direction runs at the slower of what one side can do and the other wants.
    const sendEveryMs =
      heartbeatSendMs > 0 && clientReceiveMs > 0 ? Math.max(heartbeatSendMs, clientReceiveMs) : 0;
    const expectEveryMs =
      heartbeatReceiveMs > 0 && clientSendMs > 0 ? Math.max(heartbeatReceiveMs, clientSendMs) : 0;
    const now = this.#clock.now();
    this.#lastSentAt = now;
    this.#lastReceivedAt = now;
    if (sendEveryMs > 0) this.#scheduleSend(sendEveryMs, sendEveryMs);
    if (expectEveryMs > 0) {
      const silenceMs = Math.ceil(expectEveryMs * Math.max(1, heartbeatGraceFactor));
      this.#scheduleReceiveCheck(silenceMs, silenceMs);
    }
  }

  /** Re-arms from the last write, so traffic itself counts as the heart-beat. */
  #scheduleSend(delayMs: number, everyMs: number): void {
    this.#sendTimer = this.#clock.setTimeout(() => {
      if (this.#state !== 'connected') return;
      const idleMs = this.#clock.now() - this.#lastSentAt;
      if (idleMs >= everyMs) {
        this.#write(HEARTBEAT, undefined);
        this.#scheduleSend(everyMs, everyMs);
      } else {
        this.#scheduleSend(everyMs - idleMs, everyMs);
      }
    }, delayMs);
  }

  #scheduleReceiveCheck(delayMs: number, silenceMs: number): void {
    this.#receiveTimer = this.#clock.setTimeout(() => {
      if (this.#state !== 'connected') return;
      const quietMs = this.#clock.now() - this.#lastReceivedAt;
      if (quietMs >= silenceMs) {
        this.#closeWithError('heartbeat_timeout', `Nothing received for ${quietMs} ms.`, undefined);
      } else {
        this.#scheduleReceiveCheck(silenceMs - quietMs, silenceMs);
      }
    }, delayMs);
  }
}

function noop(): void {}
