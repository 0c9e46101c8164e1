// A @stomp/stompjs client for tests, on the `ws` package (Node 20 has no global WebSocket): connect with
// a bounded wait, collect MESSAGEs per subscription, and always deactivate. Knows only the STOMP
// contract (URL, headers), nothing of the server's code.
import { Client, type IFrame, type IMessage, type IStompSocket, type StompHeaders } from '@stomp/stompjs';
import WebSocket from 'ws';
import { eventually } from './eventually.js';

export const STOMP_SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'];

export interface StompClientOptions {
  /** e.g. `ws://127.0.0.1:PORT/ws` */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>`; omit to connect without credentials. */
  readonly token?: string;
  readonly connectHeaders?: StompHeaders;
  /** Milliseconds; 0 (the default) disables heart-beats. */
  readonly heartbeatIncoming?: number;
  readonly heartbeatOutgoing?: number;
  readonly subprotocols?: readonly string[];
  /** Sees the raw socket, e.g. to count heart-beats the library swallows. */
  readonly onSocket?: (socket: WebSocket) => void;
  /** Extra headers of the WebSocket upgrade request (e.g. `X-Forwarded-For` behind a trusted proxy). */
  readonly upgradeHeaders?: Readonly<Record<string, string>>;
}

/** A configured, not yet activated client that never reconnects by itself. */
export function createStompClient(options: StompClientOptions): Client {
  const connectHeaders: StompHeaders = { ...options.connectHeaders };
  if (options.token !== undefined) connectHeaders.Authorization = `Bearer ${options.token}`;
  const subprotocols = [...(options.subprotocols ?? STOMP_SUBPROTOCOLS)];
  return new Client({
    webSocketFactory: (): IStompSocket => {
      const socket =
        options.upgradeHeaders === undefined
          ? new WebSocket(options.url, subprotocols)
          : new WebSocket(options.url, subprotocols, { headers: { ...options.upgradeHeaders } });
      // A refused upgrade emits 'error'; stompjs reports it through onWebSocketError/Close.
      socket.on('error', () => {});
      options.onSocket?.(socket);
      return socket;
    },
    connectHeaders,
    reconnectDelay: 0,
    heartbeatIncoming: options.heartbeatIncoming ?? 0,
    heartbeatOutgoing: options.heartbeatOutgoing ?? 0,
    debug: () => {},
  });
}

export interface ConnectOutcome {
  readonly connected?: IFrame;
  readonly error?: IFrame;
  readonly closeCode?: number;
}

/**
 * Activates and waits (bounded) for CONNECTED, or for the ERROR/close that refused it. Resolves with
 * what happened rather than rejecting, so tests can assert on refusals too.
 */
export function activate(client: Client, timeoutMs = 5000): Promise<ConnectOutcome> {
  return new Promise<ConnectOutcome>((resolve, reject) => {
    let error: IFrame | undefined;
    const timer = setTimeout(() => {
      reject(new Error(`no CONNECTED, ERROR or close within ${timeoutMs} ms`));
    }, timeoutMs);
    client.onConnect = (frame) => {
      clearTimeout(timer);
      resolve({ connected: frame });
    };
    client.onStompError = (frame) => {
      error = frame;
    };
    client.onWebSocketClose = (event: { code?: number } | undefined) => {
      clearTimeout(timer);
      const outcome: ConnectOutcome = error === undefined ? {} : { error };
      resolve(event?.code === undefined ? outcome : { ...outcome, closeCode: event.code });
    };
    client.activate();
  });
}

/** Creates and connects; throws unless CONNECTED arrived. */
export async function connectStompClient(options: StompClientOptions): Promise<Client> {
  const client = createStompClient(options);
  const outcome = await activate(client);
  if (outcome.connected === undefined) {
    await client.deactivate();
    throw new Error(
      `STOMP connect refused: ${outcome.error?.headers.message ?? `close ${outcome.closeCode}`}`,
    );
  }
  return client;
}

/** MESSAGEs of one subscription, in arrival order, with a bounded wait for a count. */
export class Inbox {
  readonly messages: IMessage[] = [];

  readonly listener = (message: IMessage): void => {
    this.messages.push(message);
  };

  bodies(): string[] {
    return this.messages.map((m) => m.body);
  }

  async waitFor(count: number, timeoutMs = 5000): Promise<IMessage[]> {
    return eventually(
      () => {
        if (this.messages.length < count) {
          throw new Error(
            `expected ${count} messages, have ${this.messages.length}: ${this.bodies().join('|')}`,
          );
        }
        return this.messages;
      },
      { timeoutMs },
    );
  }
}

/** Waits for a RECEIPT with `receiptId` (register before sending the frame that asks for it). */
export function receiptOf(client: Client, receiptId: string, timeoutMs = 5000): Promise<IFrame> {
  return new Promise<IFrame>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no RECEIPT ${receiptId} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.watchForReceipt(receiptId, (frame) => {
      clearTimeout(timer);
      resolve(frame);
    });
  });
}
