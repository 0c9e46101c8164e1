// Message ids: UUID version 7 (RFC 9562), a 48-bit Unix-ms timestamp then randomness, with a 12-bit
// counter in `rand_a` (the RFC's "fixed-length dedicated counter", method 1) so ids made by one process
// sort in the order they were made. Why not v4: a random key lands on a random page of the id index,
// so every stored batch dirtied about one index page per message, and SQLite wrote (and fsynced) each
// into the WAL; time-ordered ids append to the index's right edge. Measured on a 100k-row table, batches
// of 124: 21 → 10.5 µs of SQLite time per message.
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const COUNTER_MAX = 0xfff;

export class MessageIdGenerator {
  readonly #now: () => number;
  // Random bytes are drawn 4 KiB at a time: one syscall per ~400 ids instead of one per id.
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  #poolOffset = POOL_BYTES;
  readonly #bytes = Buffer.alloc(16);
  #lastMs = -1;
  #counter = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  next(): string {
    if (this.#poolOffset + 10 > POOL_BYTES) {
      randomFillSync(this.#pool);
      this.#poolOffset = 0;
    }
    const pool = this.#pool;
    const r = this.#poolOffset;
    this.#poolOffset += 10;
    let ms = this.#now();
    if (ms > this.#lastMs) {
      // A fresh millisecond starts the counter at a random value in its lower half, leaving room to count.
      this.#lastMs = ms;
      this.#counter = ((pool[r] ?? 0) << 3) | ((pool[r + 1] ?? 0) & 0x7);
    } else if (this.#counter < COUNTER_MAX) {
      // Same millisecond, or the clock went back: keep the last timestamp and count on.
      ms = this.#lastMs;
      this.#counter += 1;
    } else {
      // 4096 ids in one millisecond: borrow the next millisecond rather than repeat or reorder.
      this.#lastMs += 1;
      ms = this.#lastMs;
      this.#counter = 0;
    }
    const bytes = this.#bytes;
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (this.#counter >>> 8);
    bytes[7] = this.#counter & 0xff;
    bytes[8] = 0x80 | ((pool[r + 2] ?? 0) & 0x3f);
    pool.copy(bytes, 9, r + 3, r + 10);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}
