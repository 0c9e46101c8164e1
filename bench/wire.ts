// The load generator's own minimal clients: STOMP over WebSocket, the Engine.IO/Socket.IO v4 wire
// format, and the bare-ws reference's one-letter protocol. They parse only what the benchmark reads
// (the `bench|seq|sentUs|` marker, receipts, acks) so the client's cost stays small.
// Knows nothing of scenarios or how targets are started.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { ParleyError } from '../src/errors.js';

export type Protocol = 'stomp' | 'socketio' | 'raw';

/** How one target names its rooms and wraps a text on the wire. */
export interface Dialect {
  readonly protocol: Protocol;
  readonly url: string;
  /** STOMP CONNECT headers (login, passcode, Authorization…); ignored by other protocols. */
  readonly connectHeaders: Readonly<Record<string, string>>;
  /** STOMP destination where the server reports refused frames, when it has one. */
  readonly errorDestination: string | undefined;
  subscribeDestination(room: string): string;
  sendDestination(room: string): string;
  /** The SEND body for a text (Parley wants JSON, the others take the text as is). */
  encodeBody(text: string): string;
}

export interface ConnectionEvents {
  /** A message carrying the marker arrived; `sentUs` is the publisher's `nowUs()` at send time. */
  delivered(sentUs: number): void;
  receipt(id: string): void;
  /** A MESSAGE without the marker: on a publisher it is an error from `/user/queue/errors`. */
  rejected(text: string): void;
  /** The server closed or broke the connection outside `close()`. */
  dropped(reason: string): void;
}

export const MARKER = 'bench|';
const MARKER_BYTES = Buffer.from(MARKER);
const NUL = 0;
const LF = 10;
const SUBSCRIBE_TIMEOUT_MS = 15_000;

/** Microseconds on this process's monotonic clock; publisher and subscribers share it. */
export function nowUs(): number {
  return Math.round(performance.now() * 1000);
}

/** A body text: marker, sequence number, send time, then padding up to `bytes`. */
export function markerText(seq: number, sentUs: number, bytes: number): string {
  const head = `${MARKER}${seq}|${sentUs}|`;
  return head.length >= bytes ? head : head + 'x'.repeat(bytes - head.length);
}

/** The send time inside a marker starting at `at` in `data`; NaN when malformed. */
export function readSentUs(data: Buffer, at: number): number {
  let i = at + MARKER_BYTES.length;
  while (i < data.length && data[i] !== 0x7c) i++;
  i++;
  let value = 0;
  let digits = 0;
  for (; i < data.length; i++) {
    const c = data[i] ?? 0;
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? Number.NaN : value;
}

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

/** One WebSocket connection speaking one target's protocol. */
export class BenchConnection {
  readonly #socket: WebSocket;
  readonly #dialect: Dialect;
  readonly #events: ConnectionEvents;
  readonly #ready: Promise<void>;
  #readyPending: Pending | undefined;
  #closing = false;
  #nextId = 1;
  /** STOMP receipts and Socket.IO acks we wait on, by id. */
  readonly #acks = new Map<string, Pending>();
  /** Bare-ws acks come back in order. */
  readonly #rawAcks: Pending[] = [];

  constructor(dialect: Dialect, events: ConnectionEvents, localAddress?: string) {
    this.#dialect = dialect;
    this.#events = events;
    const url = dialect.protocol === 'socketio' ? `${dialect.url}/?EIO=4&transport=websocket` : dialect.url;
    const protocols = dialect.protocol === 'stomp' ? ['v12.stomp'] : [];
    this.#socket = new WebSocket(url, protocols, {
      perMessageDeflate: false,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#readyPending = { resolve, reject };
    });
    this.#socket.on('error', (error) => this.#fail(error.message));
    this.#socket.on('close', (code, reason) => this.#fail(`closed ${code} ${reason.toString()}`));
    this.#socket.on('open', () => this.#opened());
    this.#socket.on('message', (data: Buffer) => this.#received(data));
  }

  /** Resolves once the protocol handshake (CONNECTED, Socket.IO connect) is done. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  get isOpen(): boolean {
    return !this.#closing && this.#socket.readyState === WebSocket.OPEN;
  }

  get bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }

  /** Subscribes and resolves when the server confirmed it, so no message published later is missed. */
  subscribe(room: string): Promise<void> {
    const id = String(this.#nextId++);
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ParleyError('internal_error', `subscribe to ${room} not confirmed`)),
        SUBSCRIBE_TIMEOUT_MS,
      );
      const pending: Pending = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (this.#dialect.protocol === 'raw') this.#rawAcks.push(pending);
      else this.#acks.set(this.#dialect.protocol === 'stomp' ? `s${id}` : id, pending);
    });
    const destination = this.#dialect.subscribeDestination(room);
    switch (this.#dialect.protocol) {
      case 'stomp':
        this.#socket.send(`SUBSCRIBE\nid:${id}\ndestination:${destination}\nreceipt:s${id}\n\n\0`);
        break;
      case 'socketio':
        this.#socket.send(`42${id}${JSON.stringify(['join', destination])}`);
        break;
      case 'raw':
        this.#socket.send(`s${destination}`);
        break;
    }
    return done;
  }

  /** STOMP only: the per-connection error queue, so refused SENDs are counted instead of vanishing. */
  subscribeErrors(): void {
    const destination = this.#dialect.errorDestination;
    if (this.#dialect.protocol !== 'stomp' || destination === undefined) return;
    this.#socket.send(`SUBSCRIBE\nid:errors\ndestination:${destination}\n\n\0`);
  }

  publish(room: string, text: string, receipt?: string): void {
    const destination = this.#dialect.sendDestination(room);
    switch (this.#dialect.protocol) {
      case 'stomp': {
        const receiptLine = receipt === undefined ? '' : `receipt:${receipt}\n`;
        const body = this.#dialect.encodeBody(text);
        this.#socket.send(
          `SEND\ndestination:${destination}\ncontent-type:application/json\n${receiptLine}\n${body}\0`,
        );
        break;
      }
      case 'socketio':
        this.#socket.send(`42${JSON.stringify(['pub', destination, text])}`);
        break;
      case 'raw':
        this.#socket.send(`p${destination}\n${text}`);
        break;
    }
  }

  close(): void {
    this.#closing = true;
    if (this.#dialect.protocol === 'stomp' && this.#socket.readyState === WebSocket.OPEN) {
      this.#socket.send('DISCONNECT\n\n\0');
    }
    this.#socket.terminate();
  }

  #opened(): void {
    switch (this.#dialect.protocol) {
      case 'stomp': {
        const headers = Object.entries(this.#dialect.connectHeaders)
          .map(([name, value]) => `${name}:${value}\n`)
          .join('');
        this.#socket.send(`CONNECT\naccept-version:1.2\nhost:/\nheart-beat:0,0\n${headers}\n\0`);
        break;
      }
      case 'socketio':
        // The namespace connect is sent once the Engine.IO open packet arrives.
        break;
      case 'raw':
        this.#readyPending?.resolve();
        break;
    }
  }

  #received(data: Buffer): void {
    switch (this.#dialect.protocol) {
      case 'stomp':
        this.#receivedStomp(data);
        break;
      case 'socketio':
        this.#receivedSocketIo(data);
        break;
      case 'raw':
        this.#receivedRaw(data);
        break;
    }
  }

  #receivedStomp(data: Buffer): void {
    let start = 0;
    while (start < data.length) {
      while (start < data.length && (data[start] === LF || data[start] === 13)) start++;
      if (start >= data.length) return;
      let end = data.indexOf(NUL, start);
      if (end < 0) end = data.length;
      this.#stompFrame(data, start, end);
      start = end + 1;
    }
  }

  #stompFrame(data: Buffer, start: number, end: number): void {
    const first = data[start];
    if (first === 0x4d /* M: MESSAGE */) {
      const at = data.indexOf(MARKER_BYTES, start);
      if (at >= 0 && at < end) this.#events.delivered(readSentUs(data, at));
      else this.#events.rejected(frameBody(data, start, end));
    } else if (first === 0x52 /* R: RECEIPT */) {
      const id = headerValue(data, start, end, 'receipt-id');
      const pending = id === undefined ? undefined : this.#acks.get(id);
      if (id !== undefined && pending !== undefined) {
        this.#acks.delete(id);
        pending.resolve();
      } else if (id !== undefined) this.#events.receipt(id);
    } else if (first === 0x43 /* C: CONNECTED */) {
      this.#readyPending?.resolve();
    } else if (first === 0x45 /* E: ERROR */) {
      const message = headerValue(data, start, end, 'message') ?? frameBody(data, start, end);
      this.#fail(`STOMP ERROR: ${message}`);
    }
  }

  #receivedSocketIo(data: Buffer): void {
    const type = data[0];
    if (type === 0x34 /* 4: message */) {
      const packet = data[1];
      if (packet === 0x32 /* 2: event */) {
        const at = data.indexOf(MARKER_BYTES, 2);
        if (at >= 0) this.#events.delivered(readSentUs(data, at));
      } else if (packet === 0x33 /* 3: ack */) {
        let i = 2;
        while (i < data.length && (data[i] ?? 0) >= 0x30 && (data[i] ?? 0) <= 0x39) i++;
        const id = data.toString('latin1', 2, i);
        const pending = this.#acks.get(id);
        this.#acks.delete(id);
        pending?.resolve();
      } else if (packet === 0x30 /* 0: namespace connected */) {
        this.#readyPending?.resolve();
      } else if (packet === 0x34 /* 4: connect error */) {
        this.#fail(`Socket.IO connect error: ${data.toString()}`);
      }
    } else if (type === 0x32 /* 2: ping */) {
      this.#socket.send('3');
    } else if (type === 0x30 /* 0: open */) {
      this.#socket.send('40');
    }
  }

  #receivedRaw(data: Buffer): void {
    if (data[0] === 0x6b /* k: subscribed */ && data.length === 1) {
      this.#rawAcks.shift()?.resolve();
      return;
    }
    const at = data.indexOf(MARKER_BYTES);
    if (at >= 0) this.#events.delivered(readSentUs(data, at));
  }

  #fail(reason: string): void {
    const error = new ParleyError('internal_error', reason);
    this.#readyPending?.reject(error);
    this.#readyPending = undefined;
    for (const pending of this.#acks.values()) pending.reject(error);
    this.#acks.clear();
    for (const pending of this.#rawAcks.splice(0)) pending.reject(error);
    if (!this.#closing) {
      this.#closing = true;
      this.#events.dropped(reason);
      this.#socket.terminate();
    }
  }
}

function headerValue(data: Buffer, start: number, end: number, name: string): string | undefined {
  const bodyAt = data.indexOf('\n\n', start);
  const headersEnd = bodyAt < 0 || bodyAt > end ? end : bodyAt;
  const at = data.indexOf(`\n${name}:`, start);
  if (at < 0 || at >= headersEnd) return undefined;
  const valueStart = at + name.length + 2;
  let valueEnd = data.indexOf(LF, valueStart);
  if (valueEnd < 0 || valueEnd > end) valueEnd = end;
  if (data[valueEnd - 1] === 13) valueEnd--;
  return data.toString('utf8', valueStart, valueEnd);
}

function frameBody(data: Buffer, start: number, end: number): string {
  const bodyAt = data.indexOf('\n\n', start);
  return bodyAt < 0 || bodyAt > end ? '' : data.toString('utf8', bodyAt + 2, end);
}
