// Room password hashing (scrypt) behind a bounded queue. scrypt runs on libuv's small thread pool,
// which token checks (WebCrypto HMAC) share: at most `concurrency` hashes run at once and at most
// `maxQueued` wait, so a guessing flood is refused (server_busy) instead of starving every CONNECT.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ParleyError } from '../errors.js';

export interface PasswordHasherOptions {
  /** Hashes running at once; keep it below the pool size (4 unless UV_THREADPOOL_SIZE says otherwise). */
  readonly concurrency: number;
  /** Hashes waiting for a slot; one more is refused with server_busy. */
  readonly maxQueued: number;
}

const scryptAsync = (password: string, salt: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    scrypt(password, salt, 32, (error, key) => (error === null ? resolve(key) : reject(error)));
  });

export class PasswordHasher {
  readonly #options: PasswordHasherOptions;
  readonly #waiting: Array<() => void> = [];
  #running = 0;

  constructor(options: PasswordHasherOptions) {
    this.#options = options;
  }

  /** Hashes running and waiting, for tests and metrics. */
  get load(): { readonly running: number; readonly queued: number } {
    return { running: this.#running, queued: this.#waiting.length };
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await this.#run(() => scryptAsync(password, salt));
    return `scrypt$${salt.toString('hex')}$${key.toString('hex')}`;
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const [scheme, saltHex, hashHex] = stored.split('$');
    if (scheme !== 'scrypt' || saltHex === undefined || hashHex === undefined) return false;
    const expected = Buffer.from(hashHex, 'hex');
    const actual = await this.#run(() => scryptAsync(password, Buffer.from(saltHex, 'hex')));
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  async #run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#options.concurrency) {
      if (this.#waiting.length >= this.#options.maxQueued) {
        throw new ParleyError('server_busy', undefined, { retryAfterSeconds: 1 });
      }
      // The slot is handed over by the finishing job, so #running never drops in between.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running += 1;
    }
    try {
      return await job();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#running -= 1;
      else next();
    }
  }
}
