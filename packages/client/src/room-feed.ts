// One room as a stream (RoomFeed): the latest page of history over HTTP, then live from the seq after
// it (`since-seq` + `epoch`), resumed the same way after every reconnect, so no message or event is
// missed or heard twice; a history reset reloads and says so. Sends carry a clientMsgId and are tried
// again until their RECEIPT (the server stores a retried clientMsgId once). Presence, typing, edits,
// reactions and moderation go through here too. Knows the wire, not any view.
import {
  HistoryResetSchema,
  type Message,
  MessageSchema,
  type ModerateBody,
  type PresenceEvent,
  PresenceEventSchema,
  type Room,
  type RoomEvent,
  RoomEventSchema,
  type User,
} from '../../../src/protocol/index.js';
import type { ParleyConnection } from './connection.js';
import { frameBody } from './decode.js';
import { Emitter } from './emitter.js';
import { ParleyError } from './errors.js';
import type { ParleyHttp, RoomAuth } from './http.js';

export interface RoomFeedEvents {
  /** A message new to this feed: the history page first (ascending seq), then live ones, each once. */
  message: Message;
  /** A change that took the room's next seq (edit, deletion, reaction, moderation, settings). */
  event: { readonly seq: number; readonly event: RoomEvent };
  /** The room's history was reset (another epoch): drop what you hold; `message`s of the new one follow. */
  reset: { readonly epoch: string };
  /** Someone came or went (typing notices are `typing`). */
  presence: Extract<PresenceEvent, { readonly type: 'join' | 'leave' }>;
  typing: User;
  /**
   * A member read up to `seq` (rooms up to the server's READ_COUNTS_MAX_MEMBERS): `reader` tells members
   * apart for read counts, never who they are. Start from `http.readSummary` and apply these over it.
   */
  read: { readonly reader: string; readonly seq: number };
  /** Who is online, read again every time presence goes live (each reconnect): replace your list. */
  members: readonly User[];
  /** The room subscription is live (after joining and after every resume). */
  live: undefined;
  /** Refused on joining again, kicked, banned, or the room closed: the feed has stopped. */
  removed: ParleyError;
  /** A send that was refused for good (its promise rejects too). */
  sendFailed: { readonly clientMsgId: string; readonly error: ParleyError };
}

export interface RoomFeedOptions {
  readonly http: ParleyHttp;
  readonly connection: ParleyConnection;
  readonly roomId: string;
  /** The token in use now (it changes on refresh), for HTTP reads: staff read password rooms with it. */
  readonly token?: () => string | undefined;
  /** A password room's grant (ParleyHttp.joinRoom), sent with every read and SUBSCRIBE. */
  readonly grant?: string;
  /** How many of the latest messages to load first (at most the server's page size). */
  readonly historyLimit?: number;
  readonly receiptTimeoutMs?: number;
  /** Builds a clientMsgId when the caller gives none. */
  readonly newClientMsgId?: () => string;
}

export interface SendOptions {
  readonly replyTo?: string;
  /** Give your own to resend something the caller kept across a restart; otherwise one is made. */
  readonly clientMsgId?: string;
}

export interface PendingSend {
  readonly clientMsgId: string;
  /** Resolves on the RECEIPT (stored); rejects with a ParleyError the server gave (never for a drop). */
  readonly receipt: Promise<void>;
}

interface Pending {
  readonly body: string;
  readonly replyTo: string | undefined;
  readonly resolve: () => void;
  readonly reject: (error: ParleyError) => void;
  inFlight: boolean;
}

const DEFAULT_HISTORY_LIMIT = 50;
const DEFAULT_RECEIPT_TIMEOUT_MS = 10_000;

let clientMsgCounter = 0;
function defaultClientMsgId(): string {
  clientMsgCounter += 1;
  return `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${clientMsgCounter}`;
}

export class RoomFeed extends Emitter<RoomFeedEvents> {
  readonly roomId: string;
  readonly #options: RoomFeedOptions;
  readonly #pending = new Map<string, Pending>();
  /** The highest seq (message or event) this feed has passed on: the resume point. */
  #lastSeq = 0;
  #epoch: string | undefined;
  #room: Room | undefined;
  /** Live frames that came while a history page was being read: replayed after it, deduped by seq. */
  #buffered: { body: string; headers: Readonly<Record<string, string>> }[] | undefined;
  #offs: (() => void)[] = [];
  /** Subscribed (start() ran): only then may a message go, or the server answers not_joined. */
  #subscribed = false;
  #stopped = false;

  constructor(options: RoomFeedOptions) {
    super();
    this.roomId = options.roomId;
    this.#options = options;
  }

  /** The room as read on joining (or on the last reset). */
  get room(): Room | undefined {
    return this.#room;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** Sends not yet acknowledged, by clientMsgId. */
  get pendingIds(): readonly string[] {
    return [...this.#pending.keys()];
  }

  /**
   * Reads the room and its latest page (emitted as `message`s), then subscribes from the seq after it.
   * Resolves once the subscription is live; rejects with the refusal (banned, wrong_password, …).
   */
  async start(): Promise<void> {
    const { connection, roomId } = this.#options;
    await this.#loadHistory();
    const topic = `/topic/rooms.${roomId}`;
    this.#subscribed = true;
    const joined = new Promise<void>((resolve, reject) => {
      const offMessages = connection.subscribe(topic, (body, headers) => this.#frame(body, headers), {
        headers: () => {
          const headers: Record<string, string> = { 'since-seq': String(this.#lastSeq) };
          if (this.#epoch !== undefined) headers.epoch = this.#epoch;
          if (this.#options.grant !== undefined) headers['room-grant'] = this.#options.grant;
          return headers;
        },
        onLive: () => {
          resolve();
          this.emit('live', undefined);
        },
        onRefused: (error) => {
          reject(error);
          this.#removed(error);
        },
      });
      this.#offs.push(offMessages);
    });
    const offPresence = connection.subscribe(`${topic}.presence`, (body) => this.#presence(body), {
      headers: () => (this.#options.grant === undefined ? {} : { 'room-grant': this.#options.grant }),
      // Presence is live from here: a member list read now misses nobody who comes later.
      onLive: () => void this.#readMembers(),
    });
    this.#offs.push(offPresence);
    this.#offs.push(
      connection.on('queueError', ({ error }) => {
        // Kicks, bans and a closed room end this room's subscriptions server-side.
        if (error.roomId !== roomId) return;
        if (error.code === 'kicked' || error.code === 'banned' || error.code === 'room_closed') {
          this.#removed(error);
        }
      }),
      // Frames are handled in order: a SEND after the re-SUBSCRIBE is handled once it is in the room.
      connection.on('connected', () => this.#dispatchAll()),
    );
    // Sends made before start() (or while it read history) go now, behind the SUBSCRIBE.
    this.#dispatchAll();
    await joined;
  }

  /** Unsubscribes; unsent messages are rejected with `disconnected`. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const off of this.#offs.splice(0)) off();
    for (const [id, pending] of [...this.#pending]) {
      this.#pending.delete(id);
      pending.reject(new ParleyError('disconnected', 'the room feed was stopped'));
    }
  }

  /**
   * Sends a message. Tried again after every reconnect (and after a lost receipt) with the same
   * clientMsgId until a RECEIPT says it is stored; the server stores and broadcasts it once.
   */
  send(body: string, options: SendOptions = {}): PendingSend {
    const clientMsgId = options.clientMsgId ?? (this.#options.newClientMsgId ?? defaultClientMsgId)();
    const receipt = new Promise<void>((resolve, reject) => {
      this.#pending.set(clientMsgId, { body, replyTo: options.replyTo, resolve, reject, inFlight: false });
    });
    // Nobody may be listening to a send refused for good: `sendFailed` tells those who are.
    receipt.catch(() => {});
    this.#dispatch(clientMsgId);
    return { clientMsgId, receipt };
  }

  /** Sends `body` as a reply to `messageId`. */
  reply(messageId: string, body: string): PendingSend {
    return this.send(body, { replyTo: messageId });
  }

  edit(messageId: string, body: string): Promise<void> {
    return this.#command('edit', { messageId, body });
  }

  delete(messageId: string): Promise<void> {
    return this.#command('delete', { messageId });
  }

  react(messageId: string, emoji: string, on = true): Promise<void> {
    return this.#command('react', { messageId, emoji, on });
  }

  report(messageId: string, reason: string): Promise<void> {
    return this.#command('report', { messageId, reason });
  }

  /** Moves this user's read marker (never lowers it). */
  markRead(seq: number = this.#lastSeq): Promise<void> {
    return this.#command('read', { seq });
  }

  /** A staff action: mute, kick, ban, settings, … (docs/protocol.md, Commands). */
  moderate(action: ModerateBody): Promise<void> {
    return this.#command('moderate', action);
  }

  /** A newcomer asks staff to let them post (rooms that approve newcomers). */
  ask(): Promise<void> {
    return this.#command('ask', {});
  }

  /** A typing notice (no receipt; the server drops more than one per 2 s). False when offline. */
  typing(): boolean {
    return this.#options.connection.sendNow(`/app/rooms.${this.roomId}.typing`, '{}');
  }

  /** A command with a receipt; rejects with a ParleyError (`disconnected` when offline: not queued). */
  #command(action: string, body: unknown): Promise<void> {
    return this.#options.connection.sendWithReceipt(
      `/app/rooms.${this.roomId}.${action}`,
      JSON.stringify(body),
      this.#options.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS,
    );
  }

  #auth(): RoomAuth {
    return { token: this.#options.token?.(), grant: this.#options.grant };
  }

  async #loadHistory(): Promise<void> {
    const { http, roomId } = this.#options;
    this.#buffered = [];
    try {
      const room = await http.getRoom(roomId, this.#auth());
      const messages = await http.listMessages(
        roomId,
        { limit: this.#options.historyLimit ?? DEFAULT_HISTORY_LIMIT },
        this.#auth(),
      );
      this.#room = room;
      this.#epoch = room.epoch;
      for (const message of messages) this.#message(message);
    } finally {
      const buffered = this.#buffered;
      this.#buffered = undefined;
      for (const { body, headers } of buffered) this.#frame(body, headers);
    }
  }

  #frame(body: string, headers: Readonly<Record<string, string>>): void {
    if (this.#stopped) return;
    if (this.#buffered !== undefined) {
      this.#buffered.push({ body, headers });
      return;
    }
    const eventType = headers.event;
    if (eventType === 'history.reset') {
      const reset = frameBody(HistoryResetSchema, body);
      const epoch = reset?.epoch ?? headers.epoch;
      if (epoch === undefined) return;
      // The seqs held mean nothing now: start over in the new epoch; live frames wait for the page.
      this.#epoch = epoch;
      this.#lastSeq = 0;
      this.emit('reset', { epoch });
      this.#loadHistory().catch((error: unknown) => {
        this.#removed(
          error instanceof ParleyError ? error : new ParleyError('internal_error', String(error)),
        );
      });
      return;
    }
    const seq = Number(headers.seq);
    if (!Number.isSafeInteger(seq) || seq < 1) return;
    if (eventType !== undefined) {
      const event = frameBody(RoomEventSchema, body);
      if (event === undefined || seq <= this.#lastSeq) return;
      this.#lastSeq = seq;
      this.emit('event', { seq, event });
      return;
    }
    const message = frameBody(MessageSchema, body);
    if (message === undefined || message.roomId !== this.roomId) return;
    this.#message(message);
  }

  #message(message: Message): void {
    // Replays and pages never overlap by design; this is the guarantee should they ever.
    if (message.seq <= this.#lastSeq) return;
    this.#lastSeq = message.seq;
    this.emit('message', message);
  }

  #presence(body: string): void {
    if (this.#stopped) return;
    const event = frameBody(PresenceEventSchema, body);
    if (event === undefined) return;
    if (event.type === 'typing') this.emit('typing', event.user);
    else if (event.type === 'read') this.emit('read', { reader: event.reader, seq: event.seq });
    else this.emit('presence', event);
  }

  async #readMembers(): Promise<void> {
    try {
      const members = await this.#options.http.listMembers(this.roomId, this.#auth());
      if (!this.#stopped) this.emit('members', members);
    } catch {
      // The next reconnect reads it again; presence events keep coming meanwhile.
    }
  }

  #dispatchAll(): void {
    for (const [id, pending] of this.#pending) if (!pending.inFlight) this.#dispatch(id);
  }

  #dispatch(clientMsgId: string): void {
    const pending = this.#pending.get(clientMsgId);
    const { connection } = this.#options;
    if (pending === undefined || pending.inFlight || !this.#subscribed || this.#stopped) return;
    if (!connection.connected) return;
    pending.inFlight = true;
    const body =
      pending.replyTo === undefined
        ? { body: pending.body, clientMsgId }
        : { body: pending.body, clientMsgId, replyTo: pending.replyTo };
    connection
      .sendWithReceipt(
        `/app/rooms.${this.roomId}`,
        JSON.stringify(body),
        this.#options.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS,
      )
      .then(
        () => {
          this.#pending.delete(clientMsgId);
          pending.resolve();
        },
        (error: unknown) => {
          pending.inFlight = false;
          const failure =
            error instanceof ParleyError ? error : new ParleyError('internal_error', String(error));
          if (failure.code === 'disconnected') return; // sent again on the next connect
          if (failure.code === 'timeout') {
            // No answer on a live connection: the same clientMsgId again is safe.
            this.#dispatch(clientMsgId);
            return;
          }
          this.#pending.delete(clientMsgId);
          pending.reject(failure);
          this.emit('sendFailed', { clientMsgId, error: failure });
        },
      );
  }

  #removed(error: ParleyError): void {
    if (this.#stopped) return;
    this.stop();
    this.emit('removed', error);
  }
}
