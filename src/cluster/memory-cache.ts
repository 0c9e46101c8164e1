// The in-process Cache for a single node: string values with a ttl read from the injected Clock,
// bounded to `maxEntries` by dropping expired then least recently used entries. Knows nothing of
// what is cached (rooms, history pages): keys and values are opaque strings.
import { type Clock, systemClock } from '../clock.js';
import { ParleyError } from '../errors.js';
import { type Cache, decodeVersioned, encodeVersioned, type VersionedValue } from './bus.js';

interface Entry {
  readonly value: string;
  readonly expiresAtMs: number;
}

export interface MemoryCacheOptions {
  readonly clock?: Clock;
  /** Default 10 000. */
  readonly maxEntries?: number;
}

export class MemoryCache implements Cache {
  readonly #clock: Clock;
  readonly #maxEntries: number;
  /** Map order is least recently used first. */
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(options: MemoryCacheOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<string | undefined> {
    this.#assertOpen();
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAtMs <= this.#clock.now()) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#assertOpen();
    const now = this.#clock.now();
    this.#entries.delete(key);
    if (!(ttlMs > 0)) return;
    if (this.#entries.size >= this.#maxEntries) {
      for (const [k, entry] of this.#entries) if (entry.expiresAtMs <= now) this.#entries.delete(k);
    }
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, expiresAtMs: now + ttlMs });
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.#assertOpen();
    for (const key of keys) this.#entries.delete(key);
  }

  async setIfNewer(key: string, version: number, value: string, ttlMs: number): Promise<void> {
    // One synchronous read-compare-write: nothing can interleave in a single process.
    const current = decodeVersioned(this.#live(key));
    if (current !== undefined && current.version >= version) return;
    await this.set(key, encodeVersioned(version, value), ttlMs);
  }

  async getVersioned(key: string): Promise<VersionedValue | undefined> {
    return decodeVersioned(await this.get(key));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
  }

  #live(key: string): string | undefined {
    this.#assertOpen();
    const entry = this.#entries.get(key);
    return entry === undefined || entry.expiresAtMs <= this.#clock.now() ? undefined : entry.value;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ParleyError('shutting_down', 'The cache is closed.');
  }
}
