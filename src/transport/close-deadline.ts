// How a listener closes a socket it ends: the socket is asked to close (and may flush first), and is
// destroyed if it has not closed within the listener's close timeout. Shared by the TCP and WebSocket
// listeners; knows a socket only as something that emits 'close'.
import type { EventEmitter } from 'node:events';
import { type Clock, systemClock } from '../clock.js';

/** How long a closing socket may take to flush when the listener's options do not say. */
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

export class CloseDeadline {
  readonly #clock: Clock;
  readonly #timeoutMs: number;

  constructor(options: { readonly clock?: Clock; readonly closeTimeoutMs?: number }) {
    this.#clock = options.clock ?? systemClock;
    this.#timeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  }

  /**
   * Calls `destroy` unless `socket` emits 'close' within the timeout; resolves on that 'close'. Call it
   * before asking the socket to close, so a close that happens at once is not missed.
   */
  watch(socket: EventEmitter, destroy: () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.#clock.setTimeout(destroy, this.#timeoutMs);
      socket.once('close', () => {
        timer.cancel();
        resolve();
      });
    });
  }
}
