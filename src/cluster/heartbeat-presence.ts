// The node-side half of presence shared by the memory and Redis registries: remembers this node's
// own entries and re-asserts them every ttlMs/3, so they outlive the ttl only while this node lives.
// Where entries are kept and how expiry is read is the backend's business, not this module's.
import type { RoomId, User } from '../chat/model.js';
import type { Clock, Timer } from '../clock.js';
import { ParleyError } from '../errors.js';
import type { PresenceEntry, PresenceRegistry } from './bus.js';

export interface OwnedEntry {
  readonly roomId: RoomId;
  readonly connectionId: string;
  readonly user: User;
}

/** Storage of entries with expiry. `now` and `expiresAtMs` come from the registry's Clock. */
export interface PresenceBackend {
  /** True when first for the user; 'full' (nothing added) when `maxUsers` > 0 distinct users are in. */
  join(entry: OwnedEntry, expiresAtMs: number, nowMs: number, maxUsers: number): Promise<boolean | 'full'>;
  leave(roomId: RoomId, connectionId: string, nowMs: number): Promise<{ lastForUser: boolean; user?: User }>;
  members(roomId: RoomId, nowMs: number): Promise<User[]>;
  counts(roomIds: readonly RoomId[], nowMs: number): Promise<Map<RoomId, number>>;
  /** Extends the entries, re-adding any that a reader already expired (this node is alive after all). */
  refresh(entries: readonly OwnedEntry[], expiresAtMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface HeartbeatPresenceOptions {
  readonly nodeId: string;
  /** An entry not refreshed for this long is gone for readers. Refreshes happen every ttlMs/3. */
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly onError: (error: unknown) => void;
}

export class HeartbeatPresence implements PresenceRegistry {
  readonly nodeId: string;
  readonly #backend: PresenceBackend;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;
  /** This node's entries by connection id, then room: the source of truth for refreshes. */
  readonly #own = new Map<string, Map<RoomId, OwnedEntry>>();
  #timer: Timer | undefined;
  #refreshing: Promise<void> | undefined;
  #closed = false;

  constructor(backend: PresenceBackend, options: HeartbeatPresenceOptions) {
    if (!(options.ttlMs > 0)) throw new ParleyError('internal_error', 'presence ttlMs must be positive');
    this.#backend = backend;
    this.nodeId = options.nodeId;
    this.#ttlMs = options.ttlMs;
    this.#clock = options.clock;
    this.#onError = options.onError;
    this.#timer = this.#clock.setInterval(
      () => {
        this.refresh().catch(this.#onError);
      },
      Math.max(1, Math.floor(this.#ttlMs / 3)),
    );
  }

  async join(
    roomId: RoomId,
    entry: PresenceEntry,
    limit?: { readonly maxUsers?: number | undefined },
  ): Promise<{ readonly firstForUser: boolean }> {
    this.#assertOpen();
    const owned: OwnedEntry = { roomId, connectionId: entry.connectionId, user: entry.user };
    let rooms = this.#own.get(entry.connectionId);
    if (rooms === undefined) {
      rooms = new Map();
      this.#own.set(entry.connectionId, rooms);
    }
    rooms.set(roomId, owned);
    const now = this.#clock.now();
    const maxUsers = limit?.maxUsers ?? 0;
    let joined: boolean | 'full';
    try {
      joined = await this.#backend.join(owned, now + this.#ttlMs, now, maxUsers);
    } catch (error) {
      this.#forget(roomId, entry.connectionId);
      throw error;
    }
    if (joined === 'full') {
      this.#forget(roomId, entry.connectionId);
      throw new ParleyError('room_full', `The room allows ${maxUsers} members online at once.`);
    }
    return { firstForUser: joined };
  }

  async leave(
    roomId: RoomId,
    connectionId: string,
  ): Promise<{ readonly lastForUser: boolean; readonly user?: User }> {
    this.#assertOpen();
    this.#forget(roomId, connectionId);
    return this.#backend.leave(roomId, connectionId, this.#clock.now());
  }

  async members(roomId: RoomId): Promise<User[]> {
    this.#assertOpen();
    const users = await this.#backend.members(roomId, this.#clock.now());
    return users.sort(byNameThenTag);
  }

  async counts(roomIds: readonly RoomId[]): Promise<Map<RoomId, number>> {
    this.#assertOpen();
    if (roomIds.length === 0) return new Map();
    return this.#backend.counts(roomIds, this.#clock.now());
  }

  /** One heartbeat now; overlapping calls share the one in flight. */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#refreshing !== undefined) return this.#refreshing;
    const entries = [...this.#own.values()].flatMap((rooms) => [...rooms.values()]);
    const run = (
      entries.length === 0
        ? Promise.resolve()
        : this.#backend.refresh(entries, this.#clock.now() + this.#ttlMs)
    ).finally(() => {
      if (this.#refreshing === run) this.#refreshing = undefined;
    });
    this.#refreshing = run;
    return run;
  }

  /** Stops heart-beating and removes this node's entries (best effort), then releases the backend. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    const entries = [...this.#own.values()].flatMap((rooms) => [...rooms.values()]);
    this.#own.clear();
    const now = this.#clock.now();
    try {
      await this.#refreshing;
      await Promise.all(entries.map((entry) => this.#backend.leave(entry.roomId, entry.connectionId, now)));
    } catch (error) {
      // Whatever is left expires by itself within ttlMs.
      this.#onError(error);
    } finally {
      await this.#backend.close();
    }
  }

  #forget(roomId: RoomId, connectionId: string): void {
    const rooms = this.#own.get(connectionId);
    if (rooms === undefined) return;
    rooms.delete(roomId);
    if (rooms.size === 0) this.#own.delete(connectionId);
  }

  #assertOpen(): void {
    if (this.#closed) throw new ParleyError('shutting_down', 'The presence registry is closed.');
  }
}

function byNameThenTag(a: User, b: User): number {
  return a.nickname.localeCompare(b.nickname) || a.tag.localeCompare(b.tag) || a.id.localeCompare(b.id);
}
