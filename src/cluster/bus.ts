// What the nodes of one deployment share at run time: fan-out between nodes, who is online, and rate
// limits. In-process implementations serve the single node; Redis ones serve many. Each interface is
// phrased in domain terms, and each pair passes one contract suite (test/bus-contract.test.ts).
import type { RoomId, User } from '../chat/model.js';
import type { ClusterChannel, ClusterMessage, ClusterMessageKind, ClusterMessageOf } from './messages.js';

/**
 * Publish/subscribe between nodes. At most once, and ordered per channel while connected: messages
 * published while a subscriber was disconnected are lost, so `onResync` tells the subscriber to fill
 * gaps from the store. A node also receives its own publications. Every message is a typed
 * `ClusterMessage`; the channel it travels on follows from it (`channelNameOf`), and a listener only
 * ever receives well-formed messages of its channel's kind (malformed ones are dropped and reported).
 */
export interface Bus {
  publish(message: ClusterMessage): Promise<void>;
  /** Resolves once the subscription is active; the returned function ends it. */
  subscribe<K extends ClusterMessageKind>(
    channel: ClusterChannel<K>,
    listener: (message: ClusterMessageOf<K>) => void,
  ): Promise<() => Promise<void>>;
  /** Called after the bus reconnected (messages may have been lost in between). */
  onResync(listener: () => void): void;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PresenceEntry {
  readonly user: User;
  /** One per STOMP connection that is in the room. */
  readonly connectionId: string;
}

/**
 * Who is in which room, across nodes. Entries are owned by a node and expire unless that node keeps
 * heart-beating (`refresh`), so members of a dead node disappear within `ttlMs` by themselves.
 */
export interface PresenceRegistry {
  /**
   * `firstForUser`: this user had no other connection in the room (announce a join). With `maxUsers`,
   * a user not yet in the room is refused with ParleyError('room_full') when that many distinct users
   * already are; the check and the join are one atomic step across nodes.
   */
  join(
    roomId: RoomId,
    entry: PresenceEntry,
    limit?: { readonly maxUsers?: number | undefined },
  ): Promise<{ readonly firstForUser: boolean }>;
  /** `lastForUser`: this user has no connection left in the room (announce a leave). */
  leave(
    roomId: RoomId,
    connectionId: string,
  ): Promise<{ readonly lastForUser: boolean; readonly user?: User }>;
  /** Distinct users online in the room, across all live nodes. */
  members(roomId: RoomId): Promise<User[]>;
  /** Distinct users online per room. Rooms with nobody map to 0. */
  counts(roomIds: readonly RoomId[]): Promise<Map<RoomId, number>>;
  close(): Promise<void>;
}

export interface RateRule {
  /** Bucket size: how many actions may burst. */
  readonly capacity: number;
  /** Tokens added per second. */
  readonly refillPerSecond: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** When refused: how long until one token is available. */
  readonly retryAfterMs: number;
}

/**
 * Growing delays after repeated attempts (password guesses): the first `freeAttempts` pass at once;
 * the n-th attempt past them starts a delay of `baseDelayMs`·2^(n−1), at most `maxDelayMs`, during
 * which every attempt is refused. A key with no attempt for `resetAfterMs` starts over.
 */
export interface BackoffRule {
  readonly freeAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly resetAfterMs: number;
}

/** Token buckets keyed by the caller (e.g. `send:<userId>`); shared by all nodes when on Redis. */
export interface RateLimiter {
  take(key: string, rule: RateRule, cost?: number): Promise<RateDecision>;
  /**
   * Counts one attempt under `key` unless a delay is running (then refused, `retryAfterMs` until it
   * ends; a refused attempt is not counted). Check and count are one atomic step across nodes, so
   * attempts racing each other are serialised by the delays they start.
   */
  attempt(key: string, rule: BackoffRule): Promise<RateDecision>;
  /** Forgets the key's attempts (they ended well). */
  forgive(key: string): Promise<void>;
  /**
   * Takes back one counted attempt (it turned out right, so it was no guess); a running delay ends
   * when the count is back within `rule.freeAttempts`.
   */
  refund(key: string, rule: BackoffRule): Promise<void>;
  close(): Promise<void>;
}

/**
 * Shared, expiring string values (e.g. room metadata, recent history pages) so nodes avoid
 * re-reading the store. Best effort: a miss is always allowed, so callers must handle `undefined`.
 */
export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Removes the keys on every node; missing keys are ignored. */
  delete(keys: readonly string[]): Promise<void>;
  /**
   * Stores `value` under `version` unless the key already holds this or a higher version (atomic across
   * nodes), so concurrent writers can only move a value forward. Rejects when the write failed.
   */
  setIfNewer(key: string, version: number, value: string, ttlMs: number): Promise<void>;
  /** A value written by `setIfNewer`, with its version; a miss (or a failed read) is undefined. */
  getVersioned(key: string): Promise<VersionedValue | undefined>;
  close(): Promise<void>;
}

export interface VersionedValue {
  readonly version: number;
  readonly value: string;
}

/** How `setIfNewer` values are held as plain strings (`<version>:<value>`), shared by both caches. */
export function encodeVersioned(version: number, value: string): string {
  return `${version}:${value}`;
}

export function decodeVersioned(stored: string | undefined): VersionedValue | undefined {
  if (stored === undefined) return undefined;
  const colon = stored.indexOf(':');
  const version = Number(stored.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(version) || version < 0) return undefined;
  return { version, value: stored.slice(colon + 1) };
}
