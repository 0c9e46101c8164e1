// Coalesces a socket's writes within one tick into one system call. A RECEIPT per stored message, a
// MESSAGE per publish: frames for one socket often come many to a tick (a group commit settles a
// hundred SENDs at once; a publisher's burst fans out together), and each `write` on an uncorked
// socket is its own syscall. The first write of a tick corks the socket; one `process.nextTick` for
// all of a coalescer's sockets uncorks them after the current callbacks and their promise
// continuations have run, so no frame waits for I/O or timers. Each listener owns one coalescer.
import type { Writable } from 'node:stream';

export class WriteCoalescer {
  readonly #corked: Writable[] = [];
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    const corked = this.#corked;
    // Uncorking can run user code (`drain`, errors) that writes again; those writes cork anew and
    // schedule the next flush, so iterate over a fixed length and clear after.
    const count = corked.length;
    for (let i = 0; i < count; i++) corked[i]?.uncork();
    corked.splice(0, count);
  };

  /** Writes `bytes` to `socket`, sent together with its other writes of this tick. */
  write(socket: Writable, bytes: Buffer): void {
    if (socket.writableCorked === 0) {
      socket.cork();
      this.#corked.push(socket);
      if (!this.#scheduled) {
        this.#scheduled = true;
        process.nextTick(this.#flush);
      }
    }
    socket.write(bytes);
  }
}
