// A bare STOMP peer over TCP for tests that a real client library would hide: silent peers, peers that
// stop reading, exact frames. Uses the project's codec to read frames; knows nothing of the server.
import net from 'node:net';
import { encodeFrame, FrameParser } from '../../src/stomp/codec.js';
import type { Command, Frame, StompVersion } from '../../src/stomp/frame.js';
import { eventually } from './eventually.js';

const PARSE_LIMITS = { maxFrameBytes: 16 * 1024 * 1024, maxHeaders: 1000, maxHeaderLineBytes: 1024 * 1024 };

export class RawStompClient {
  readonly frames: Frame[] = [];
  heartbeats = 0;
  /** MESSAGE frames received; with `keepMessages` false they are counted, not kept (for volume tests). */
  messageCount = 0;
  keepMessages = true;
  closed = false;
  readonly #socket: net.Socket;
  readonly #parser = new FrameParser(PARSE_LIMITS);
  #version: StompVersion | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#parser.push(
        chunk,
        (frame) => {
          if (frame.command === 'MESSAGE') {
            this.messageCount += 1;
            if (!this.keepMessages) return;
          }
          this.frames.push(frame);
        },
        () => {
          this.heartbeats += 1;
        },
      );
    });
    socket.on('close', () => {
      this.closed = true;
    });
    // Resets from a server that dropped us are expected in these tests; 'close' records the end.
    socket.on('error', () => {});
  }

  static async open(port: number, host = '127.0.0.1'): Promise<RawStompClient> {
    const socket = net.connect({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawStompClient(socket);
  }

  /** CONNECT with a Bearer passcode and wait for CONNECTED (or throw with the ERROR's message). */
  async connect(userId: string, heartBeat = '0,0', version: StompVersion = '1.2'): Promise<Frame> {
    this.write('CONNECT', {
      'accept-version': version,
      host: 'localhost',
      passcode: `test-${userId}`,
      'heart-beat': heartBeat,
    });
    const frame = await this.waitFor((f) => f.command === 'CONNECTED' || f.command === 'ERROR');
    if (frame.command === 'ERROR') throw new Error(`refused: ${frame.headers.message ?? ''}`);
    this.#version = version;
    this.#parser.version = version;
    return frame;
  }

  write(command: Command, headers: Readonly<Record<string, string>>, body?: Buffer | string): void {
    this.#socket.write(encodeFrame(command, headers, body, this.#version));
  }

  /** Exact bytes, neither escaped nor checked: for frames no well-behaved client would write. */
  writeRaw(bytes: Buffer | string): void {
    this.#socket.write(bytes);
  }

  /** After a CONNECT written by hand: read the server's frames with `version`'s escaping. */
  readAs(version: StompVersion): void {
    this.#version = version;
    this.#parser.version = version;
  }

  /** Stops reading: the kernel buffers fill and the server's outbound queue grows. */
  stopReading(): void {
    this.#socket.pause();
  }

  async waitFor(predicate: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    return eventually(
      () => {
        const found = this.frames.find(predicate);
        if (found === undefined)
          throw new Error(`no matching frame among ${this.frames.map((f) => f.command).join(',')}`);
        return found;
      },
      { timeoutMs },
    );
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    await eventually(
      () => {
        if (!this.closed) throw new Error('socket still open');
      },
      { timeoutMs },
    );
  }

  destroy(): void {
    this.#socket.destroy();
  }
}
