// The one record of where identities are seen from, and the machinery of every address ban (a room's,
// an operator's server-wide one): which networks each user is seen from (keyed hashes, never addresses:
// src/net/address-hash.ts), recorded by Identity and pruned past the retention; the recent ones a ban
// copies; how many identities share them; whether banned hashes cover an address. Knows no rooms,
// roles, events or SQL: the caller decides what is banned and where.
import type { Logger } from 'pino';
import type { Clock, Timer } from '../clock.js';
import type { AddressHash, AddressHasher } from '../net/address-hash.js';
import { parseAddress } from '../net/client-address.js';
import type { Store } from '../store/store.js';
import type { UserId } from './model.js';

/** Banned hashes with the end of the ban covering each, in epoch ms (null: forever). */
export type BannedHashes = ReadonlyMap<AddressHash, number | null>;

export interface AddressBansOptions {
  readonly store: Pick<
    Store,
    'recordSighting' | 'listRecentHashes' | 'countIdentitiesFrom' | 'pruneSightings'
  >;
  readonly hasher: AddressHasher;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Sightings not renewed for this long are pruned (ADDRESS_SIGHTING_RETENTION_DAYS). */
  readonly retentionMs: number;
  /** One node rewrites a pair's last-seen time at most this often (ADDRESS_SIGHTING_REFRESH_SECONDS). */
  readonly refreshMs: number;
  /** A ban copies the networks seen within this window (BAN_ADDRESS_WINDOW_HOURS)… */
  readonly banWindowMs: number;
  /** …at most this many, the most recently seen first (BAN_ADDRESS_MAX_HASHES). */
  readonly maxHashesPerBan: number;
  /** How often old sightings are pruned; default hourly. */
  readonly pruneEveryMs?: number;
}

/** Recently written (user, network) pairs and hashed addresses kept per node: bounded, oldest dropped. */
const MAX_REMEMBERED = 50_000;

export class AddressBans {
  readonly #options: AddressBansOptions;
  /** `${userId} ${hash}` → when this node last wrote the sighting. */
  readonly #written = new Map<string, number>();
  readonly #hashes = new Map<string, AddressHash | undefined>();
  /** Writes under way, by pair: a second sighting meanwhile waits for the same write. */
  readonly #pending = new Map<string, Promise<void>>();
  #pruner: Timer | undefined;
  #pruning: Promise<number> | undefined;

  constructor(options: AddressBansOptions) {
    this.#options = options;
  }

  /** Prunes now and then every `pruneEveryMs` (failures are logged, never thrown). */
  start(): void {
    const prune = (): void => {
      void this.prune().catch((error: unknown) => {
        this.#options.logger.warn({ err: error }, 'pruning address sightings failed');
      });
    };
    prune();
    this.#pruner = this.#options.clock.setInterval(prune, this.#options.pruneEveryMs ?? 3_600_000);
  }

  async close(): Promise<void> {
    this.#pruner?.cancel();
    this.#pruner = undefined;
    await this.#pruning?.catch(() => undefined);
  }

  /** The keyed hash of the address's network; undefined for a peer that is not an IP address. */
  hashOf(address: string): AddressHash | undefined {
    if (this.#hashes.has(address)) return this.#hashes.get(address);
    const hash = parseAddress(address) === undefined ? undefined : this.#options.hasher.hash(address);
    remember(this.#hashes, address, hash);
    return hash;
  }

  /**
   * The user was seen from this address: written at most once per refresh interval per pair on this
   * node. Resolves when that write (or one already under way for the pair) has settled, so a ban laid
   * after the caller answers covers the address; never rejects (a failure is logged, and the next
   * sighting of the pair tries again).
   */
  seen(userId: UserId, address: string): Promise<void> {
    const hash = this.hashOf(address);
    if (hash === undefined) return Promise.resolve();
    const now = this.#options.clock.now();
    const key = `${userId} ${hash}`;
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const last = this.#written.get(key);
    if (last !== undefined && now - last < this.#options.refreshMs) return Promise.resolve();
    remember(this.#written, key, now);
    const write = this.#options.store
      .recordSighting(userId, hash, new Date(now))
      .catch((error: unknown) => {
        this.#written.delete(key);
        this.#options.logger.warn({ err: error }, 'recording an address sighting failed');
      })
      .finally(() => {
        this.#pending.delete(key);
      });
    this.#pending.set(key, write);
    return write;
  }

  /** What an address ban of this user copies: the networks they were seen from recently. */
  recentHashes(userId: UserId): Promise<AddressHash[]> {
    const since = new Date(this.#options.clock.now() - this.#options.banWindowMs);
    return this.#options.store.listRecentHashes(userId, since, this.#options.maxHashesPerBan);
  }

  /** Distinct identities seen from any of these networks within the retention. */
  identitiesFrom(hashes: readonly AddressHash[]): Promise<number> {
    if (hashes.length === 0) return Promise.resolve(0);
    const since = new Date(this.#options.clock.now() - this.#options.retentionMs);
    return this.#options.store.countIdentitiesFrom(hashes, since);
  }

  /** Whether a ban in force at `nowMs` covers the address's network. */
  covers(banned: BannedHashes, address: string, nowMs: number): boolean {
    if (banned.size === 0) return false;
    const hash = this.hashOf(address);
    if (hash === undefined || !banned.has(hash)) return false;
    const until = banned.get(hash);
    return until === null || until === undefined || until > nowMs;
  }

  /** Deletes sightings older than the retention; one run at a time. */
  prune(): Promise<number> {
    this.#pruning ??= this.#options.store
      .pruneSightings(new Date(this.#options.clock.now() - this.#options.retentionMs))
      .finally(() => {
        this.#pruning = undefined;
      });
    return this.#pruning;
  }
}

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size <= MAX_REMEMBERED) return;
  const oldest = map.keys().next();
  if (oldest.done !== true) map.delete(oldest.value);
}
