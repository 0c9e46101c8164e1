// In-process presence for a single node, with the same expiry rules as the Redis registry so one
// contract covers both. Several MemoryPresence instances may share a `MemoryPresenceSpace` to stand
// in for nodes (tests). Knows nothing of STOMP; time comes only from the injected Clock.
import type { RoomId, User } from '../chat/model.js';
import { type Clock, systemClock } from '../clock.js';
import { HeartbeatPresence, type OwnedEntry, type PresenceBackend } from './heartbeat-presence.js';
import { defaultOnError } from './redis-client.js';

interface Slot {
  readonly user: User;
  expiresAtMs: number;
}

/** The shared table of entries: room → connection → slot. Expired slots are dropped when read. */
export class MemoryPresenceSpace implements PresenceBackend {
  readonly #rooms = new Map<RoomId, Map<string, Slot>>();

  async join(
    entry: OwnedEntry,
    expiresAtMs: number,
    nowMs: number,
    maxUsers: number,
  ): Promise<boolean | 'full'> {
    const room = this.#room(entry.roomId);
    dropExpired(room, nowMs);
    const existing = room.get(entry.connectionId);
    if (existing !== undefined) {
      existing.expiresAtMs = expiresAtMs;
      return false;
    }
    const first = !hasUser(room, entry.user.id);
    if (first && maxUsers > 0 && distinctUsers(room) >= maxUsers) return 'full';
    room.set(entry.connectionId, { user: entry.user, expiresAtMs });
    return first;
  }

  async leave(
    roomId: RoomId,
    connectionId: string,
    nowMs: number,
  ): Promise<{ lastForUser: boolean; user?: User }> {
    const room = this.#rooms.get(roomId);
    const slot = room?.get(connectionId);
    if (room === undefined || slot === undefined) return { lastForUser: false };
    room.delete(connectionId);
    const live = this.#live(roomId, nowMs);
    return { lastForUser: !hasUser(live, slot.user.id), user: slot.user };
  }

  async members(roomId: RoomId, nowMs: number): Promise<User[]> {
    const users = new Map<string, User>();
    for (const slot of this.#live(roomId, nowMs).values()) users.set(slot.user.id, slot.user);
    return [...users.values()];
  }

  async counts(roomIds: readonly RoomId[], nowMs: number): Promise<Map<RoomId, number>> {
    const result = new Map<RoomId, number>();
    for (const roomId of roomIds) {
      const ids = new Set<string>();
      for (const slot of this.#live(roomId, nowMs).values()) ids.add(slot.user.id);
      result.set(roomId, ids.size);
    }
    return result;
  }

  async refresh(entries: readonly OwnedEntry[], expiresAtMs: number): Promise<void> {
    for (const entry of entries) {
      const room = this.#room(entry.roomId);
      const slot = room.get(entry.connectionId);
      if (slot === undefined) room.set(entry.connectionId, { user: entry.user, expiresAtMs });
      else slot.expiresAtMs = expiresAtMs;
    }
  }

  async close(): Promise<void> {
    // Shared by every node made from it; the nodes' entries are removed by their own close.
  }

  #room(roomId: RoomId): Map<string, Slot> {
    let room = this.#rooms.get(roomId);
    if (room === undefined) {
      room = new Map();
      this.#rooms.set(roomId, room);
    }
    return room;
  }

  /** The room's live slots, for reading; empty rooms are forgotten so memory stays bounded. */
  #live(roomId: RoomId, nowMs: number): ReadonlyMap<string, Slot> {
    const room = this.#rooms.get(roomId);
    if (room === undefined) return new Map();
    dropExpired(room, nowMs);
    if (room.size === 0) this.#rooms.delete(roomId);
    return room;
  }
}

function dropExpired(room: Map<string, Slot>, nowMs: number): void {
  for (const [connectionId, slot] of room) if (slot.expiresAtMs <= nowMs) room.delete(connectionId);
}

function distinctUsers(room: ReadonlyMap<string, Slot>): number {
  const users = new Set<string>();
  for (const slot of room.values()) users.add(slot.user.id);
  return users.size;
}

function hasUser(room: ReadonlyMap<string, Slot>, userId: string): boolean {
  for (const slot of room.values()) if (slot.user.id === userId) return true;
  return false;
}

export interface MemoryPresenceOptions {
  readonly nodeId?: string;
  /** An entry not refreshed for this long is gone for readers (PRESENCE_TTL_MS). */
  readonly ttlMs: number;
  readonly clock?: Clock;
  /** Share to make several registries behave as nodes of one deployment. */
  readonly space?: MemoryPresenceSpace;
  readonly onError?: (error: unknown) => void;
}

export class MemoryPresence extends HeartbeatPresence {
  constructor(options: MemoryPresenceOptions) {
    super(options.space ?? new MemoryPresenceSpace(), {
      nodeId: options.nodeId ?? 'local',
      ttlMs: options.ttlMs,
      clock: options.clock ?? systemClock,
      onError: options.onError ?? defaultOnError,
    });
  }
}
