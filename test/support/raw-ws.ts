// A WebSocket peer written against the bare TCP socket, for hostile-input tests a real client library
// would refuse to produce: any opcode, FIN and RSV bits, fragment storms, garbage, never reading.
// Speaks RFC 6455 framing only; it knows nothing of STOMP beyond collecting the text it receives.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { eventually } from './eventually.js';

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface RawFrameOptions {
  readonly fin?: boolean;
  readonly rsv1?: boolean;
  /** Clients must mask; false sends an unmasked frame (a protocol violation). */
  readonly mask?: boolean;
}

/** One client-to-server WebSocket frame. */
export function wsFrame(opcode: number, payload: Buffer, options: RawFrameOptions = {}): Buffer {
  const fin = options.fin ?? true;
  const mask = options.mask ?? true;
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | (options.rsv1 === true ? 0x40 : 0) | opcode;
  const maskBit = mask ? 0x80 : 0;
  if (lengthBytes === 0) header[1] = maskBit | length;
  else if (lengthBytes === 2) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  key.copy(header, 2 + lengthBytes);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) masked[i] = (payload[i] ?? 0) ^ (key[i & 3] ?? 0);
  return Buffer.concat([header, masked]);
}

export interface HandshakeOptions {
  readonly path?: string;
  readonly origin?: string;
  /** The Host header (default `127.0.0.1:<port>`): a name a production server is reached by. */
  readonly host?: string;
  readonly protocols?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
}

export class RawWebSocket {
  /** Text and binary messages received, decoded as UTF-8. */
  readonly messages: string[] = [];
  /** Close frame code from the server, when one arrived. */
  closeCode: number | undefined;
  /** The TCP connection has ended. */
  ended = false;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly #socket: net.Socket;
  #buffer: Buffer;
  #fragments: Buffer[] = [];

  private constructor(socket: net.Socket, headers: Record<string, string>, rest: Buffer) {
    this.#socket = socket;
    this.responseHeaders = headers;
    this.#buffer = rest;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
    this.#parse();
  }

  /** Upgrades; rejects with `HTTP <status>` when the server refuses the handshake. */
  static open(port: number, options: HandshakeOptions = {}): Promise<RawWebSocket> {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.on('error', () => {});
    const key = randomBytes(16).toString('base64');
    const lines = [
      `GET ${options.path ?? '/ws'} HTTP/1.1`,
      `Host: ${options.host ?? `127.0.0.1:${port}`}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`,
      'Sec-WebSocket-Version: 13',
    ];
    if (options.origin !== undefined) lines.push(`Origin: ${options.origin}`);
    if (options.protocols !== undefined)
      lines.push(`Sec-WebSocket-Protocol: ${options.protocols.join(', ')}`);
    for (const [name, value] of Object.entries(options.headers ?? {})) lines.push(`${name}: ${value}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    return new Promise<RawWebSocket>((resolve, reject) => {
      let received = Buffer.alloc(0);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('no handshake response within 5 s'));
      }, 5000);
      const onData = (chunk: Buffer): void => {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        clearTimeout(timer);
        socket.off('data', onData);
        const [statusLine = '', ...headerLines] = received.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(statusLine.split(' ')[1]);
        if (status !== 101) {
          socket.destroy();
          reject(new Error(`HTTP ${status}`));
          return;
        }
        const headers: Record<string, string> = {};
        for (const line of headerLines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const accept = createHash('sha1')
          .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        if (headers['sec-websocket-accept'] !== accept) {
          socket.destroy();
          reject(new Error('bad Sec-WebSocket-Accept'));
          return;
        }
        const ws = new RawWebSocket(socket, headers, received.subarray(end + 4));
        socket.on('close', () => {
          ws.ended = true;
        });
        resolve(ws);
      };
      socket.on('data', onData);
      socket.once('close', () => {
        clearTimeout(timer);
        reject(new Error('closed during handshake'));
      });
    });
  }

  /** Raw bytes onto the socket (frames from `wsFrame`, or anything else). */
  writeRaw(bytes: Buffer): void {
    if (!this.#socket.destroyed) this.#socket.write(bytes);
  }

  /** One text message, one frame. */
  send(text: string | Buffer): void {
    this.writeRaw(wsFrame(OPCODE.text, Buffer.isBuffer(text) ? text : Buffer.from(text)));
  }

  /** Stops reading: kernel buffers fill and the server's queue for this peer grows. */
  stopReading(): void {
    this.#socket.pause();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  /** All text received so far, as one string (STOMP frames of several messages joined). */
  get text(): string {
    return this.messages.join('');
  }

  async waitFor(predicate: (text: string) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    await eventually(
      () => {
        if (!predicate(this.text)) throw new Error(`waiting for ${what}; got ${JSON.stringify(this.text)}`);
      },
      { timeoutMs },
    );
  }

  /** Resolves once the connection is gone; returns the close code (undefined if none was sent). */
  async waitEnded(timeoutMs = 5000): Promise<number | undefined> {
    await eventually(
      () => {
        if (!this.ended) throw new Error('connection still open');
      },
      { timeoutMs },
    );
    return this.closeCode;
  }

  #parse(): void {
    for (;;) {
      const buffer = this.#buffer;
      if (buffer.length < 2) return;
      const first = buffer[0] ?? 0;
      const second = buffer[1] ?? 0;
      let length = second & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      const payload = buffer.subarray(offset, offset + length);
      this.#buffer = buffer.subarray(offset + length);
      const opcode = first & 0x0f;
      const fin = (first & 0x80) !== 0;
      if (opcode === OPCODE.close) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        // Answer like a well-behaved client, so the server may end the TCP connection at once.
        this.writeRaw(wsFrame(OPCODE.close, Buffer.from(payload.subarray(0, 2))));
        this.#socket.end();
        continue;
      }
      if (opcode === OPCODE.ping) {
        this.writeRaw(wsFrame(OPCODE.pong, Buffer.from(payload)));
        continue;
      }
      if (opcode === OPCODE.pong) continue;
      this.#fragments.push(Buffer.from(payload));
      if (fin) {
        this.messages.push(Buffer.concat(this.#fragments).toString('utf8'));
        this.#fragments = [];
      }
    }
  }
}
