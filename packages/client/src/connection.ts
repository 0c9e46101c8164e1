// One STOMP-over-WebSocket connection to Parley (ParleyConnection): reconnects with exponential
// backoff and full jitter, re-subscribes every registered destination on each (re)connect with headers
// computed at that moment (since-seq), and turns RECEIPT / `/user/queue/errors` into a settled promise
// per SEND. Notices a dead link within seconds: it asks the server to beat every 3 s (a silent socket is
// closed after 2× that), and where the platform says the network went away (a browser's offline event)
// it drops the socket at once and, back online, reconnects without waiting out the backoff. The
// WebSocket is injectable (Node 20 has none). Knows no room state and no view.
import { Client, type IMessage, type IStompSocket, Versions } from '@stomp/stompjs';
import { WireErrorSchema } from '../../../src/protocol/index.js';
import { type BackoffOptions, DEFAULT_BACKOFF, fullJitterDelayMs } from './backoff.js';
import { frameBody } from './decode.js';
import { Emitter } from './emitter.js';
import { ParleyError, type RefusalDetails } from './errors.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'stopped';

export type FrameHandler = (body: string, headers: Readonly<Record<string, string>>) => void;

/** Builds the socket for one connection attempt: a browser's WebSocket, or `ws` in Node. */
export type WebSocketFactory = (url: string, protocols: string[]) => IStompSocket;

/** Where the platform tells whether the network is there (browsers: navigator.onLine and its events). */
export interface NetworkStatus {
  online(): boolean;
  /** Calls back on each change; returns the way to stop. */
  watch(onOnline: () => void, onOffline: () => void): () => void;
}

export interface ConnectionEvents {
  state: ConnectionState;
  /** After every successful (re)connect, once subscriptions are back in place. */
  connected: undefined;
  /** The server refused the token (ERROR unauthorized / session_revoked): refresh it or sign out. */
  authRejected: ParleyError;
  /** The identity was renamed (ERROR identity_renamed): reconnecting speaks with the new name. */
  identityRenamed: undefined;
  /** A `/user/queue/errors` report that answered no SEND or SUBSCRIBE of ours (kicked, banned, …). */
  queueError: { readonly error: ParleyError; readonly headers: Readonly<Record<string, string>> };
  /** A reconnect attempt is scheduled after `delayMs` (the `attempt`-th since the last connect, from 1). */
  retrying: { readonly attempt: number; readonly delayMs: number };
}

export interface SubscribeOptions {
  /** Runs at every SUBSCRIBE, so a resume point such as `since-seq` is always current. */
  readonly headers?: () => Record<string, string>;
  /** The server refused the subscription (banned, wrong password, room full): it is not retried. */
  readonly onRefused?: (error: ParleyError) => void;
  /**
   * Runs when the server confirms each (re)subscription (its RECEIPT): from then on no event of the
   * destination is missed, so a snapshot read after it is complete.
   */
  readonly onLive?: () => void;
}

export interface ParleyConnectionOptions {
  /** e.g. `wss://chat.example/ws`. */
  readonly url: string;
  readonly token: string;
  /** Defaults to the global WebSocket (browsers); Node 20 needs one, e.g. from the `ws` package. */
  readonly webSocketFactory?: WebSocketFactory;
  readonly backoff?: BackoffOptions;
  /** The jitter's random source, in [0, 1). */
  readonly random?: () => number;
  /** Defaults to the browser's navigator.onLine and online/offline events when there are any; null: none. */
  readonly network?: NetworkStatus | null;
  /** How often we ask the server to beat (it offers as often as every 2 s); silence for 2× closes. */
  readonly heartbeatIncomingMs?: number;
  /** How often we beat; the server wants to hear every 10 s. */
  readonly heartbeatOutgoingMs?: number;
  /** A socket that has not CONNECTED by then is closed and tried again. */
  readonly connectTimeoutMs?: number;
}

interface Registration {
  readonly destination: string;
  readonly onFrame: FrameHandler;
  readonly options: SubscribeOptions;
  unsubscribe: (() => void) | undefined;
}

interface Waiting {
  readonly resolve: () => void;
  readonly reject: (error: ParleyError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export const HEARTBEAT_IN_MS = 3_000;
export const HEARTBEAT_OUT_MS = 10_000;
/** How long a SEND waits for its RECEIPT unless the caller says otherwise. */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 10_000;

/** The broker URL of the page's own server (`wss://host/ws` under https). */
export function defaultBrokerUrl(location: { readonly protocol: string; readonly host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

interface BrowserGlobals {
  readonly navigator?: { readonly onLine?: boolean };
  readonly addEventListener?: (type: string, listener: () => void) => void;
  readonly removeEventListener?: (type: string, listener: () => void) => void;
}

/** The browser's view of the network, or undefined outside a browser (Node has no such events). */
export function browserNetworkStatus(): NetworkStatus | undefined {
  const g = globalThis as BrowserGlobals;
  const add = g.addEventListener;
  const remove = g.removeEventListener;
  if (add === undefined || remove === undefined || typeof g.navigator?.onLine !== 'boolean') return undefined;
  return {
    online: () => g.navigator?.onLine !== false,
    watch: (onOnline, onOffline) => {
      add.call(globalThis, 'online', onOnline);
      add.call(globalThis, 'offline', onOffline);
      return () => {
        remove.call(globalThis, 'online', onOnline);
        remove.call(globalThis, 'offline', onOffline);
      };
    },
  };
}

export class ParleyConnection extends Emitter<ConnectionEvents> {
  readonly #client: Client;
  readonly #backoff: BackoffOptions;
  readonly #random: () => number;
  readonly #network: NetworkStatus | undefined;
  readonly #registrations = new Set<Registration>();
  readonly #waiting = new Map<string, Waiting>();
  /** SUBSCRIBE receipts we wait on, so a refusal on the error queue reaches the right owner. */
  readonly #subscribeReceipts = new Map<string, Registration>();
  #state: ConnectionState = 'connecting';
  #everConnected = false;
  #started = false;
  #stopped = false;
  #receiptCounter = 0;
  /** Closes since the last successful connect: the backoff's exponent. */
  #failures = 0;
  /** Ends the backoff wait early (back online, or stopped). */
  #wake: (() => void) | undefined;
  #unwatchNetwork: (() => void) | undefined;
  /** Back online: the next attempt goes at once. */
  #skipNextWait = false;

  constructor(options: ParleyConnectionOptions) {
    super();
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#random = options.random ?? Math.random;
    this.#network = options.network === null ? undefined : (options.network ?? browserNetworkStatus());
    const factory = options.webSocketFactory;
    const protocols = Versions.default.protocolVersions();
    this.#client = new Client({
      ...(factory === undefined
        ? { brokerURL: options.url }
        : { webSocketFactory: () => factory(options.url, protocols) }),
      connectHeaders: { Authorization: `Bearer ${options.token}` },
      // The delay is ours (beforeConnect, with jitter); stompjs only comes back to us at once.
      reconnectDelay: 1,
      connectionTimeout: options.connectTimeoutMs ?? 8_000,
      heartbeatIncoming: options.heartbeatIncomingMs ?? HEARTBEAT_IN_MS,
      heartbeatOutgoing: options.heartbeatOutgoingMs ?? HEARTBEAT_OUT_MS,
      heartbeatToleranceMultiplier: 2,
      debug: () => {},
      beforeConnect: () => this.#waitBeforeAttempt(),
      onConnect: () => this.#connected(),
      onWebSocketClose: () => this.#closed(),
      onStompError: (frame) => {
        const code = frame.headers.message ?? '';
        if (code === 'identity_renamed') {
          this.emit('identityRenamed', undefined);
          return;
        }
        const text = `${code} ${frame.body}`;
        if (/unauthori[sz]ed|session_revoked|token|401/i.test(text)) {
          this.emit('authRejected', ParleyError.fromWire(code, frame.body || code));
        }
      },
    });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#unwatchNetwork = this.#network?.watch(this.#onOnline, this.#onOffline);
    if (this.#network?.online() === false) this.#setState('offline');
    this.#client.activate();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatchNetwork?.();
    this.#unwatchNetwork = undefined;
    this.#wake?.();
    this.#rejectWaiting('disconnected');
    await this.#client.deactivate();
    this.#setState('stopped');
  }

  /** Used from the next CONNECT on; the current connection keeps the token it was opened with. */
  setToken(token: string): void {
    this.#client.connectHeaders = { Authorization: `Bearer ${token}` };
  }

  /** Closes the socket as a lost link would (the reconnect loop takes over); for tests and "offline". */
  dropSocket(): void {
    if (this.#client.connected) this.#client.forceDisconnect();
  }

  /** Keeps `destination` subscribed across reconnects until the returned function is called. */
  subscribe(destination: string, onFrame: FrameHandler, options: SubscribeOptions = {}): () => void {
    const registration: Registration = { destination, onFrame, options, unsubscribe: undefined };
    this.#registrations.add(registration);
    if (this.#client.connected) this.#attach(registration);
    return (): void => {
      this.#registrations.delete(registration);
      registration.unsubscribe?.();
      registration.unsubscribe = undefined;
    };
  }

  /** SEND without receipt; false when there is no connection to carry it (the caller may drop it). */
  sendNow(destination: string, body: string): boolean {
    if (!this.#client.connected) return false;
    this.#client.publish({ destination, body, headers: { 'content-type': 'application/json' } });
    return true;
  }

  /**
   * SEND with a `receipt` header; settles on RECEIPT, or rejects with a ParleyError: the server's code
   * (a matching queue error), `timeout`, or `disconnected` (the socket closed first; it may or may not
   * have been stored — resend with the same clientMsgId, the server dedupes).
   */
  sendWithReceipt(
    destination: string,
    body: string,
    timeoutMs: number = DEFAULT_RECEIPT_TIMEOUT_MS,
  ): Promise<void> {
    if (!this.#client.connected) return Promise.reject(new ParleyError('disconnected', 'not connected'));
    this.#receiptCounter += 1;
    const receipt = `r-${Date.now().toString(36)}-${this.#receiptCounter}`;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(receipt);
        reject(new ParleyError('timeout', 'no receipt in time'));
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

  async #waitBeforeAttempt(): Promise<void> {
    const skip = this.#skipNextWait;
    this.#skipNextWait = false;
    if (this.#failures === 0 || this.#stopped || skip) return;
    const delayMs = fullJitterDelayMs(this.#failures - 1, this.#backoff, this.#random);
    this.emit('retrying', { attempt: this.#failures, delayMs });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delayMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }

  #settle(receipt: string, error: ParleyError | undefined): boolean {
    const waiting = this.#waiting.get(receipt);
    if (waiting === undefined) return false;
    this.#waiting.delete(receipt);
    clearTimeout(waiting.timer);
    if (error === undefined) waiting.resolve();
    else waiting.reject(error);
    return true;
  }

  #rejectWaiting(code: 'disconnected'): void {
    for (const receipt of [...this.#waiting.keys()]) {
      this.#settle(receipt, new ParleyError(code, 'connection closed before the receipt'));
    }
  }

  #attach(registration: Registration): void {
    const { onRefused, onLive, headers: headersOf } = registration.options;
    const headers = headersOf?.() ?? {};
    let receipt: string | undefined;
    if (onRefused !== undefined || onLive !== undefined) {
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
        onLive?.();
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
    this.#failures = 0;
    this.#client.subscribe('/user/queue/errors', (message) => this.#queueError(message));
    for (const registration of this.#registrations) this.#attach(registration);
    this.#setState('connected');
    this.emit('connected', undefined);
  }

  #closed(): void {
    this.#failures += 1;
    for (const registration of this.#registrations) registration.unsubscribe = undefined;
    this.#subscribeReceipts.clear();
    // Frames sent on the dead socket may or may not have been stored; the owner resends with the
    // same clientMsgId and the server's dedupe makes that safe.
    this.#rejectWaiting('disconnected');
    if (!this.#client.active || this.#stopped) return;
    const offline = this.#network?.online() === false;
    this.#setState(offline ? 'offline' : this.#everConnected ? 'reconnecting' : 'connecting');
  }

  #queueError(message: IMessage): void {
    // An error body we cannot read still fails the matching SEND, with a generic code.
    const wire = frameBody(WireErrorSchema, message.body);
    const details: RefusalDetails = {
      ...(wire?.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: wire.retryAfterSeconds }),
      ...(wire?.messagesLeft === undefined ? {} : { messagesLeft: wire.messagesLeft }),
      ...(wire?.approval === undefined ? {} : { approval: wire.approval }),
    };
    const error = new ParleyError(wire?.code ?? 'internal_error', wire?.message ?? message.body, {
      details,
      roomId: message.headers['room-id'],
    });
    const receiptId = message.headers['receipt-id'];
    if (receiptId !== undefined && this.#settle(receiptId, error)) return;
    const refused = receiptId === undefined ? undefined : this.#subscribeReceipts.get(receiptId);
    if (receiptId !== undefined && refused !== undefined) {
      this.#subscribeReceipts.delete(receiptId);
      // The server never made it live; it must not be re-sent on the next reconnect either.
      this.#registrations.delete(refused);
      refused.unsubscribe = undefined;
      refused.options.onRefused?.(error);
      return;
    }
    this.emit('queueError', { error, headers: message.headers });
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }

  readonly #onOffline = (): void => {
    this.#setState('offline');
    // The socket may look open, but nothing reaches it (a half-open link): close it now, so in-flight
    // SENDs go back to waiting and the reconnect loop takes over instead of a dead socket.
    this.dropSocket();
  };

  readonly #onOnline = (): void => {
    if (this.#client.connected || this.#stopped) return;
    this.#setState(this.#everConnected ? 'reconnecting' : 'connecting');
    // The backoff may have grown to 10 s while offline; the network is back, so try now.
    this.#skipNextWait = true;
    if (this.#wake !== undefined) this.#wake();
    // An attempt may hang on a socket opened while offline: start afresh.
    else if (this.#client.active) void this.#restart();
  };

  async #restart(): Promise<void> {
    await this.#client.deactivate();
    if (!this.#stopped) this.#client.activate();
  }
}
