// Counts open connections per client, under the key per-address limits share (IPv6 by /64), for the
// HTTP server and both STOMP listeners. Knows addresses as strings only; what to do with a refused
// connection is its caller's business.
import { addressKey } from './client-address.js';

export class ConnectionLimiter {
  readonly #max: number;
  readonly #open = new Map<string, number>();
  #total = 0;

  constructor(maxPerAddress: number) {
    this.#max = maxPerAddress;
  }

  get total(): number {
    return this.#total;
  }

  /** Takes a slot for `address`; false (nothing taken) when its key already has the maximum. */
  acquire(address: string): boolean {
    const key = addressKey(address);
    const open = this.#open.get(key) ?? 0;
    if (open >= this.#max) return false;
    this.#open.set(key, open + 1);
    this.#total += 1;
    return true;
  }

  /** Gives back a slot taken with `acquire(address)`. */
  release(address: string): void {
    const key = addressKey(address);
    const open = this.#open.get(key);
    if (open === undefined) return;
    if (open <= 1) this.#open.delete(key);
    else this.#open.set(key, open - 1);
    this.#total -= 1;
  }
}
