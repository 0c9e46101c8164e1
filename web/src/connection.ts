// One STOMP-over-WebSocket connection per page: reconnects with exponential backoff, re-subscribes
// every registered destination on each (re)connect with headers computed at that moment (since-seq),
// and turns RECEIPT / `/user/queue/errors` into a settled promise per SEND. Notices a dead link within
// seconds: the server beats every HEARTBEAT_IN_MS (a silent socket is closed after 2× that) and the
// browser's offline event drops the socket at once; back online, it reconnects without waiting out
// the backoff. Knows no view or room state.
import { Client, type IMessage, ReconnectionTimeMode } from '@stomp/stompjs';
import { WireErrorSchema } from '../../src/protocol/index.js';
import { frameBody } from './decode.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Why a SEND did not get its RECEIPT: a server catalogue code, `timeout`, or `disconnected`. */
export class SendError extends Error {
  override readonly name = 'SendError';
  constructor(
    readonly code: string,
    message: string,
    /** What the server said remains (cool-downs, the newcomer gate), when it did. */
    readonly details: RefusalDetails = {},
  ) {
    super(message);
  }
}

/** The optional fields of a refusal: how long to wait, how many messages the room must still see. */
export interface RefusalDetails {
  readonly retryAfterSeconds?: number;
  readonly messagesLeft?: number;
  readonly approval?: 'needed' | 'asked' | 'denied';
}

export type FrameHandler = (body: string, headers: Readonly<Record<string, string>>) => void;

/** A `/user/queue/errors` frame that answered no SEND or SUBSCRIBE of ours (kicked, banned, …). */
export type QueueErrorListener = (
  code: string,
  message: string,
  headers: Readonly<Record<string, string>>,
) => void;

interface Registration {
  readonly destination: string;
  readonly onFrame: FrameHandler;
  readonly headers: () => Record<string, string>;
  readonly onRefused: ((code: string, message: string, details: RefusalDetails) => void) | undefined;
  readonly onLive: (() => void) | undefined;
  unsubscribe: (() => void) | undefined;
}

interface Waiting {
  readonly resolve: () => void;
  readonly reject: (error: SendError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export interface ConnectionOptions {
  readonly url: string;
  readonly token: string;
  readonly onState: (state: ConnectionState) => void;
  /** The server refused the token (ERROR on CONNECT); the owner refreshes it or signs out. */
  readonly onAuthRejected: () => void;
  /** The identity was renamed (ERROR identity_renamed): reconnecting speaks with the new name. */
  readonly onIdentityRenamed?: () => void;
  /** A queue error that answered no receipt we wait for (e.g. rate limit on a typing notice). */
  readonly onQueueError?: (code: string, message: string) => void;
}

/** How often we ask the server to beat (it offers as often as every 2 s); silence for 2× closes. */
export const HEARTBEAT_IN_MS = 3_000;
/** How often we beat; the server wants to hear every 10 s. */
export const HEARTBEAT_OUT_MS = 10_000;

export function defaultBrokerUrl(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

export class ChatConnection {
  readonly #client: Client;
  readonly #options: ConnectionOptions;
  readonly #registrations = new Set<Registration>();
  readonly #connectListeners = new Set<() => void>();
  readonly #waiting = new Map<string, Waiting>();
  /** SUBSCRIBE receipts we wait on, so a refusal on the error queue reaches the right owner. */
  readonly #subscribeReceipts = new Map<string, Registration>();
  readonly #errorListeners = new Set<QueueErrorListener>();
  #state: ConnectionState = 'connecting';
  #everConnected = false;
  #stopped = false;
  #receiptCounter = 0;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#client = new Client({
      brokerURL: options.url,
      connectHeaders: { Authorization: `Bearer ${options.token}` },
      reconnectDelay: 500,
      maxReconnectDelay: 10_000,
      reconnectTimeMode: ReconnectionTimeMode.EXPONENTIAL,
      connectionTimeout: 8_000,
      heartbeatIncoming: HEARTBEAT_IN_MS,
      heartbeatOutgoing: HEARTBEAT_OUT_MS,
      heartbeatToleranceMultiplier: 2,
      debug: () => {},
      onConnect: () => this.#connected(),
      onWebSocketClose: () => this.#closed(),
      onStompError: (frame) => {
        if (frame.headers.message === 'identity_renamed') {
          options.onIdentityRenamed?.();
          return;
        }
        const text = `${frame.headers.message ?? ''} ${frame.body}`;
        if (/unauthori[sz]ed|token|401/i.test(text)) options.onAuthRejected();
      },
    });
    window.addEventListener('offline', this.#onOffline);
    window.addEventListener('online', this.#onOnline);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  start(): void {
    if (!navigator.onLine) this.#setState('offline');
    this.#client.activate();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    window.removeEventListener('offline', this.#onOffline);
    window.removeEventListener('online', this.#onOnline);
    this.#rejectWaiting('disconnected');
    await this.#client.deactivate();
  }

  /** Used from the next CONNECT on; the current connection keeps the token it was opened with. */
  setToken(token: string): void {
    this.#client.connectHeaders = { Authorization: `Bearer ${token}` };
  }

  /**
   * Keeps `destination` subscribed across reconnects. `headers` runs at every SUBSCRIBE, so a resume
   * point such as `since-seq` is always current. `onLive` runs when the server confirms each (re)subscription
   * (its RECEIPT): from then on no event of the destination is missed, so a snapshot read after it is
   * complete. Returns the way to stop.
   */
  subscribe(
    destination: string,
    onFrame: FrameHandler,
    headers: () => Record<string, string> = () => ({}),
    onRefused?: (code: string, message: string, details: RefusalDetails) => void,
    onLive?: () => void,
  ) {
    const registration: Registration = {
      destination,
      onFrame,
      headers,
      onRefused,
      onLive,
      unsubscribe: undefined,
    };
    this.#registrations.add(registration);
    if (this.#client.connected) this.#attach(registration);
    return (): void => {
      this.#registrations.delete(registration);
      registration.unsubscribe?.();
      registration.unsubscribe = undefined;
    };
  }

  /** Hears queue errors nobody waited for; several listeners may each pick what concerns them. */
  onQueueError(listener: QueueErrorListener): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** Runs `listener` after every successful (re)connect, once subscriptions are back in place. */
  onConnected(listener: () => void): () => void {
    this.#connectListeners.add(listener);
    return () => this.#connectListeners.delete(listener);
  }

  /** SEND without receipt; false when there is no connection to carry it (the caller may drop it). */
  sendNow(destination: string, body: string): boolean {
    if (!this.#client.connected) return false;
    this.#client.publish({ destination, body, headers: { 'content-type': 'application/json' } });
    return true;
  }

  /** SEND with a `receipt` header; settles on RECEIPT, on a matching queue error, or after `timeoutMs`. */
  sendWithReceipt(destination: string, body: string, timeoutMs: number): Promise<void> {
    if (!this.#client.connected) return Promise.reject(new SendError('disconnected', 'not connected'));
    this.#receiptCounter += 1;
    const receipt = `r-${Date.now().toString(36)}-${this.#receiptCounter}`;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(receipt);
        reject(new SendError('timeout', 'no receipt in time'));
      }, timeoutMs);
      this.#waiting.set(receipt, { resolve, reject, timer });
      this.#client.watchForReceipt(receipt, () => this.#settle(receipt, undefined));
      this.#client.publish({
        destination,
        body,
        headers: { 'content-type': 'application/json', receipt },
      });
    });
  }

  #settle(receipt: string, error: SendError | undefined): boolean {
    const waiting = this.#waiting.get(receipt);
    if (waiting === undefined) return false;
    this.#waiting.delete(receipt);
    clearTimeout(waiting.timer);
    if (error === undefined) waiting.resolve();
    else waiting.reject(error);
    return true;
  }

  #rejectWaiting(code: string): void {
    for (const receipt of [...this.#waiting.keys()]) {
      this.#settle(receipt, new SendError(code, 'connection closed before the receipt'));
    }
  }

  #attach(registration: Registration): void {
    const headers = registration.headers();
    let receipt: string | undefined;
    if (registration.onRefused !== undefined || registration.onLive !== undefined) {
      // A refused SUBSCRIBE (banned, wrong password, room full) is reported on the error queue with
      // this receipt id; a RECEIPT means it went live.
      this.#receiptCounter += 1;
      receipt = `s-${Date.now().toString(36)}-${this.#receiptCounter}`;
      headers.receipt = receipt;
      this.#subscribeReceipts.set(receipt, registration);
      const settled = receipt;
      this.#client.watchForReceipt(settled, () => {
        // Unsubscribed (or the connection dropped) before the answer: nothing is live to report.
        if (!this.#subscribeReceipts.delete(settled)) return;
        registration.onLive?.();
      });
    }
    const subscription = this.#client.subscribe(
      registration.destination,
      (message: IMessage) => registration.onFrame(message.body, message.headers),
      headers,
    );
    registration.unsubscribe = () => {
      if (receipt !== undefined) this.#subscribeReceipts.delete(receipt);
      if (this.#client.connected) subscription.unsubscribe();
    };
  }

  #connected(): void {
    this.#everConnected = true;
    this.#client.subscribe('/user/queue/errors', (message) => this.#queueError(message));
    for (const registration of this.#registrations) this.#attach(registration);
    this.#setState('connected');
    for (const listener of this.#connectListeners) listener();
  }

  #closed(): void {
    for (const registration of this.#registrations) registration.unsubscribe = undefined;
    this.#subscribeReceipts.clear();
    // Frames sent on the dead socket may or may not have been stored; the owner resends with the
    // same clientMsgId and the server's dedupe makes that safe.
    this.#rejectWaiting('disconnected');
    if (!this.#client.active) return;
    this.#setState(!navigator.onLine ? 'offline' : this.#everConnected ? 'reconnecting' : 'connecting');
  }

  #queueError(message: IMessage): void {
    // An error body we cannot read still fails the matching SEND, with a generic code.
    const error = frameBody(WireErrorSchema, message.body);
    const code: string = error?.code ?? 'internal_error';
    const text = error?.message ?? message.body;
    const details: RefusalDetails = {
      ...(error?.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
      ...(error?.messagesLeft === undefined ? {} : { messagesLeft: error.messagesLeft }),
      ...(error?.approval === undefined ? {} : { approval: error.approval }),
    };
    const receiptId = message.headers['receipt-id'];
    if (receiptId !== undefined && this.#settle(receiptId, new SendError(code, text, details))) return;
    const refused = receiptId === undefined ? undefined : this.#subscribeReceipts.get(receiptId);
    if (receiptId !== undefined && refused !== undefined) {
      this.#subscribeReceipts.delete(receiptId);
      // The server never made it live; it must not be re-sent on the next reconnect either.
      this.#registrations.delete(refused);
      refused.unsubscribe = undefined;
      refused.onRefused?.(code, text, details);
      return;
    }
    this.#options.onQueueError?.(code, text);
    for (const listener of this.#errorListeners) listener(code, text, message.headers);
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#options.onState(state);
  }

  readonly #onOffline = (): void => {
    this.#setState('offline');
    // The socket may look open, but nothing reaches it (a half-open link): close it now, so in-flight
    // SENDs go back to waiting and the reconnect loop takes over instead of a dead socket.
    if (this.#client.connected) this.#client.forceDisconnect();
  };

  readonly #onOnline = (): void => {
    if (this.#client.connected) return;
    this.#setState(this.#everConnected ? 'reconnecting' : 'connecting');
    // The backoff may have grown to 10 s while offline; the network is back, so try now.
    if (this.#client.active) void this.#reconnectNow();
  };

  async #reconnectNow(): Promise<void> {
    await this.#client.deactivate();
    if (!this.#stopped) this.#client.activate();
  }
}
