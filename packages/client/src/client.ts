// The SDK's front door (ParleyClient): one identity, one HTTP client, one STOMP connection and the
// session kept fresh; rooms are joined from here as RoomFeeds. Wires the parts together and nothing
// more: each part is usable alone (ParleyHttp, ParleyConnection, RoomFeed, keepSessionFresh).
import type { Session } from '../../../src/protocol/index.js';
import type { BackoffOptions } from './backoff.js';
import {
  type NetworkStatus,
  ParleyConnection,
  type ParleyConnectionOptions,
  type WebSocketFactory,
} from './connection.js';
import { Emitter } from './emitter.js';
import { ParleyError } from './errors.js';
import { type FetchFunction, ParleyHttp } from './http.js';
import { RoomFeed } from './room-feed.js';
import { keepSessionFresh } from './session-refresh.js';

export interface ParleyClientOptions {
  /** The server's origin, e.g. `https://chat.example`. */
  readonly baseUrl: string;
  /** The STOMP endpoint; by default the origin's `/ws` (ws: or wss:). */
  readonly wsUrl?: string;
  readonly fetch?: FetchFunction;
  /** Required in Node 20 (no global WebSocket): e.g. `(url, protocols) => new WebSocket(url, protocols)` from `ws`. */
  readonly webSocketFactory?: WebSocketFactory;
  readonly backoff?: BackoffOptions;
  readonly random?: () => number;
  readonly network?: NetworkStatus | null;
  /** The clock the token refresh schedules by (ms since the epoch). */
  readonly now?: () => number;
  readonly connection?: Partial<
    Pick<ParleyConnectionOptions, 'heartbeatIncomingMs' | 'heartbeatOutgoingMs' | 'connectTimeoutMs'>
  >;
}

export interface ClientEvents {
  /** Every new session: refreshed before expiry, after a rejected token, or after a rename. */
  session: Session;
  /** The server refused the token for good: sign in again. The connection has stopped. */
  signedOut: ParleyError;
}

export interface RoomOptions {
  /** A password room's grant (ParleyHttp.joinRoom). */
  readonly grant?: string;
  readonly historyLimit?: number;
  readonly receiptTimeoutMs?: number;
}

export interface JoinOptions extends Omit<RoomOptions, 'grant'> {
  /** For password rooms: exchanged for a room grant first. */
  readonly password?: string;
}

/** `http://host:port` → `ws://host:port/ws`. */
export function brokerUrlOf(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/ws`;
}

export class ParleyClient extends Emitter<ClientEvents> {
  readonly http: ParleyHttp;
  readonly connection: ParleyConnection;
  #session: Session;
  readonly #stopRefresh: () => void;
  readonly #rooms = new Set<RoomFeed>();
  readonly #offs: (() => void)[] = [];

  /** Signs in as a new anonymous identity named `nickname` and connects. */
  static async signIn(options: ParleyClientOptions & { readonly nickname: string }): Promise<ParleyClient> {
    const http = new ParleyHttp(httpOptions(options));
    return new ParleyClient(options, await http.createSession(options.nickname), http);
  }

  /** Connects with a session kept from before (it is renewed first if the server still takes it). */
  constructor(options: ParleyClientOptions, session: Session, http?: ParleyHttp) {
    super();
    this.http = http ?? new ParleyHttp(httpOptions(options));
    this.#session = session;
    this.connection = new ParleyConnection({
      url: options.wsUrl ?? brokerUrlOf(options.baseUrl),
      token: session.token,
      ...(options.webSocketFactory === undefined ? {} : { webSocketFactory: options.webSocketFactory }),
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.network === undefined ? {} : { network: options.network }),
      ...options.connection,
    });
    this.#stopRefresh = keepSessionFresh({
      http: this.http,
      current: () => this.#session,
      onRefreshed: (next) => this.#adopt(next),
      onExpired: (error) => this.#signedOut(error),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    // A refused token (expired while offline) or a rename: renew now; the reconnect loop uses the result.
    const renew = (): void => {
      const used = this.#session.token;
      this.http.refreshSession(used).then(
        (next) => this.#adopt(next),
        (error: unknown) => {
          if (this.#session.token !== used) return;
          if (error instanceof ParleyError && error.status === 401) this.#signedOut(error);
        },
      );
    };
    this.#offs.push(this.connection.on('authRejected', renew), this.connection.on('identityRenamed', renew));
    this.connection.start();
  }

  get session(): Session {
    return this.#session;
  }

  /**
   * A room's feed, not started: add listeners, then `start()` (history, then live). Use `join` for the
   * same in one step, and for password rooms.
   */
  room(roomId: string, options: RoomOptions = {}): RoomFeed {
    const feed = new RoomFeed({
      http: this.http,
      connection: this.connection,
      roomId,
      token: () => this.#session.token,
      ...(options.grant === undefined ? {} : { grant: options.grant }),
      ...(options.historyLimit === undefined ? {} : { historyLimit: options.historyLimit }),
      ...(options.receiptTimeoutMs === undefined ? {} : { receiptTimeoutMs: options.receiptTimeoutMs }),
    });
    this.#rooms.add(feed);
    feed.on('removed', () => this.#rooms.delete(feed));
    return feed;
  }

  /** Joins a room: history, then live. Resolves once the subscription is live. */
  async join(roomId: string, options: JoinOptions = {}): Promise<RoomFeed> {
    const { password, ...rest } = options;
    const grant =
      password === undefined
        ? undefined
        : (await this.http.joinRoom(this.#session.token, roomId, password)).grant;
    const feed = this.room(roomId, grant === undefined ? rest : { ...rest, grant });
    try {
      await feed.start();
    } catch (error) {
      this.#rooms.delete(feed);
      feed.stop();
      throw error;
    }
    return feed;
  }

  /** Leaves every room, stops renewing and closes the connection. */
  async close(): Promise<void> {
    this.#stopRefresh();
    for (const off of this.#offs.splice(0)) off();
    for (const feed of this.#rooms) feed.stop();
    this.#rooms.clear();
    await this.connection.stop();
  }

  #adopt(next: Session): void {
    this.#session = next;
    this.connection.setToken(next.token);
    this.emit('session', next);
  }

  #signedOut(error: ParleyError): void {
    this.emit('signedOut', error);
    void this.close();
  }
}

function httpOptions(options: ParleyClientOptions): { baseUrl: string; fetch?: FetchFunction } {
  return options.fetch === undefined
    ? { baseUrl: options.baseUrl }
    : { baseUrl: options.baseUrl, fetch: options.fetch };
}
