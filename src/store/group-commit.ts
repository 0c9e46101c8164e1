// Group commit: calls that arrive together are handed to one flush (one transaction), and each caller's
// promise settles with its own outcome. Owns batching, ordering and settling; knows nothing of SQL.
// Batches run one at a time, in arrival order, so appends issued in order keep that order.
import { ParleyError } from '../errors.js';

export type Outcome<R> =
  | { readonly ok: true; readonly value: R }
  | { readonly ok: false; readonly error: ParleyError };

/** Stores a batch atomically; returns one outcome per item, in order. Throwing fails the whole batch. */
export type FlushBatch<I, R> = (items: readonly I[]) => Promise<readonly Outcome<R>[]>;

interface Pending<I, R> {
  readonly item: I;
  readonly resolve: (value: R) => void;
  readonly reject: (error: ParleyError) => void;
}

export class GroupCommitter<I, R> {
  readonly #flush: FlushBatch<I, R>;
  readonly #maxBatch: number;
  #queue: Pending<I, R>[] = [];
  #running: Promise<void> | undefined;

  constructor(flush: FlushBatch<I, R>, options: { readonly maxBatch: number }) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new RangeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
    this.#flush = flush;
    this.#maxBatch = options.maxBatch;
  }

  /** Number of items waiting for a batch (not counting the one being flushed). */
  get queued(): number {
    return this.#queue.length;
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#running === undefined) this.#running = this.#run();
    });
  }

  /** Resolves once every submitted item has settled. */
  async drain(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #run(): Promise<void> {
    // One macrotask of patience lets every call issued in the current tick join the first batch; later
    // calls collect while a flush is in flight and form the next batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      let outcomes: readonly Outcome<R>[];
      try {
        outcomes = await this.#flush(batch.map((p) => p.item));
      } catch (error) {
        for (const p of batch) p.reject(new ParleyError('storage_unavailable', undefined, { cause: error }));
        continue;
      }
      batch.forEach((p, i) => {
        const outcome = outcomes[i];
        if (outcome === undefined)
          p.reject(new ParleyError('internal_error', 'batch returned too few outcomes'));
        else if (outcome.ok) p.resolve(outcome.value);
        else p.reject(outcome.error);
      });
    }
    this.#running = undefined;
  }
}
