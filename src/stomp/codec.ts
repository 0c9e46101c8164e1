// STOMP 1.0/1.1/1.2 wire codec: an incremental byte parser with limits, and a one-Buffer encoder.
// Owns framing, header escaping and the frame limits; knows nothing of sessions, sockets or chat.
// The parser never buffers more than `maxFrameBytes` and scans Buffers with indexOf, never per byte.
import { ParleyError } from '../errors.js';
import {
  COMMANDS,
  type Command,
  type Frame,
  type FrameLimits,
  type Headers,
  type StompVersion,
} from './frame.js';

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COLON = 0x3a;

const KNOWN_COMMANDS: ReadonlySet<string> = new Set<Command>(COMMANDS);

const EMPTY = Buffer.alloc(0);
/**
 * Between frames a parser holds these shared empties instead of its own: an idle connection's parser
 * then owns no scratch (a null-prototype header object alone is ~180 bytes). Never written to: every
 * write path first replaces them (`#startFrame`, or the `push` of a part after a length check).
 */
const NO_PARTS: Buffer[] = [];
const NO_HEADERS: Record<string, string> = Object.freeze(Object.create(null));
const DIGITS = /^[0-9]{1,15}$/;

/** The spec exempts the connection handshake from escaping so that a version can be negotiated first. */
function isHandshake(command: Command): boolean {
  return command === 'CONNECT' || command === 'STOMP' || command === 'CONNECTED';
}

type ParserState =
  | 'between' // between frames: EOLs here are heart-beats
  | 'between-cr' // saw CR between frames, LF must follow
  | 'command'
  | 'headers'
  | 'body'
  | 'body-nul' // content-length bytes read, NUL must follow
  | 'failed';

/**
 * Incremental STOMP frame parser. `push` accepts any chunking (frames split at any byte, several per
 * chunk). Bodies may be slices of the pushed chunks (zero copy) or one concatenation of them, so
 * callers must not reuse a chunk's memory after pushing it. Throws ParleyError on the first violation
 * and stays failed afterwards (every later `push` rethrows it).
 */
export class FrameParser {
  /** Decides header unescaping; undefined = before CONNECT (no unescaping). Set once negotiated. */
  version: StompVersion | undefined = undefined;

  readonly #limits: FrameLimits;
  #state: ParserState = 'between';
  #failure: unknown;

  // Partial line (command or header) carried across chunks; bounded by maxHeaderLineBytes + 1.
  #lineParts: Buffer[] = NO_PARTS;
  #lineBytes = 0;

  #frameBytes = 0;
  #command: Command | undefined;
  #headers: Record<string, string> = NO_HEADERS;
  #headerCount = 0;
  #contentLength: number | undefined;
  #bodyParts: Buffer[] = NO_PARTS;
  #bodyBytes = 0;

  constructor(limits: FrameLimits) {
    this.#limits = limits;
  }

  /** Some bytes of a frame have arrived but not its end (heart-beat EOLs between frames do not count). */
  get inFrame(): boolean {
    return this.#state !== 'between' && this.#state !== 'between-cr' && this.#state !== 'failed';
  }

  /**
   * `context` is handed to the callbacks: a long-lived owner (a session) can pass shared functions
   * and itself instead of keeping a closure per parser.
   */
  push<T = undefined>(
    chunk: Buffer,
    onFrame: (frame: Frame, context: T) => void,
    onHeartbeat: (context: T) => void,
    context?: T,
  ): void {
    if (this.#state === 'failed') throw this.#failure;
    try {
      this.#consume(chunk, onFrame, onHeartbeat, context);
    } catch (error) {
      // Any throw (ours or a callback's) leaves the byte stream at an unknown position.
      this.#state = 'failed';
      this.#failure = error;
      this.#lineParts = NO_PARTS;
      this.#bodyParts = NO_PARTS;
      this.#headers = NO_HEADERS;
      throw error;
    }
  }

  #consume<T>(
    chunk: Buffer,
    onFrame: (frame: Frame, context: T) => void,
    onHeartbeat: (context: T) => void,
    context: T | undefined,
  ): void {
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      switch (this.#state) {
        case 'between': {
          const byte = chunk[pos];
          if (byte === LF) {
            pos += 1;
            onHeartbeat(context as T);
          } else if (byte === CR) {
            pos += 1;
            this.#state = 'between-cr';
          } else {
            this.#startFrame();
          }
          break;
        }
        case 'between-cr': {
          if (chunk[pos] !== LF) throw invalid('a CR between frames must be followed by LF');
          pos += 1;
          this.#state = 'between';
          onHeartbeat(context as T);
          break;
        }
        case 'command':
        case 'headers': {
          pos = this.#consumeLine(chunk, pos);
          break;
        }
        case 'body': {
          pos = this.#consumeBody(chunk, pos, onFrame, context);
          break;
        }
        case 'body-nul': {
          if (chunk[pos] !== NUL) throw invalid('the body is longer than its content-length');
          pos += 1;
          this.#state = 'between';
          this.#emit(onFrame, context);
          break;
        }
        case 'failed':
          throw this.#failure;
      }
    }
  }

  #startFrame(): void {
    this.#state = 'command';
    this.#frameBytes = 0;
    this.#command = undefined;
    this.#headers = Object.create(null);
    this.#headerCount = 0;
    this.#contentLength = undefined;
    this.#bodyParts = NO_PARTS;
    this.#bodyBytes = 0;
  }

  #count(bytes: number): void {
    this.#frameBytes += bytes;
    if (this.#frameBytes > this.#limits.maxFrameBytes) {
      throw new ParleyError('frame_too_large', `A frame exceeds ${this.#limits.maxFrameBytes} bytes.`);
    }
  }

  /** Reads up to one line end; returns the new position. Completing the blank line moves to 'body'. */
  #consumeLine(chunk: Buffer, pos: number): number {
    const lf = chunk.indexOf(LF, pos);
    const end = lf === -1 ? chunk.length : lf;
    const taken = end - pos;
    // One spare byte: a trailing CR may turn out to be part of a CRLF line end.
    if (this.#lineBytes + taken > this.#limits.maxHeaderLineBytes + 1) throw this.#lineTooLong();
    this.#count(lf === -1 ? taken : taken + 1);
    if (lf === -1) {
      if (taken > 0) {
        this.#addLinePart(chunk.subarray(pos, end));
        this.#lineBytes += taken;
      }
      return end;
    }
    // The usual case reads the line in place; only a line split across chunks is joined (one copy).
    let line = chunk;
    let start = pos;
    let stop = end;
    if (this.#lineParts.length > 0) {
      this.#lineParts.push(chunk.subarray(pos, end));
      line = Buffer.concat(this.#lineParts, this.#lineBytes + taken);
      this.#lineParts = NO_PARTS;
      start = 0;
      stop = line.length;
    }
    this.#lineBytes = 0;
    if (stop > start && line[stop - 1] === CR) stop -= 1;
    if (stop - start > this.#limits.maxHeaderLineBytes) throw this.#lineTooLong();
    if (this.#state === 'command') this.#readCommand(line, start, stop);
    else this.#readHeader(line, start, stop);
    return lf + 1;
  }

  #addLinePart(part: Buffer): void {
    if (this.#lineParts === NO_PARTS) this.#lineParts = [part];
    else this.#lineParts.push(part);
  }

  #addBodyPart(part: Buffer): void {
    if (this.#bodyParts === NO_PARTS) this.#bodyParts = [part];
    else this.#bodyParts.push(part);
  }

  #lineTooLong(): ParleyError {
    return new ParleyError(
      'header_too_long',
      `A header line exceeds ${this.#limits.maxHeaderLineBytes} bytes.`,
    );
  }

  #readCommand(line: Buffer, start: number, stop: number): void {
    const command = line.toString('latin1', start, stop);
    if (!KNOWN_COMMANDS.has(command))
      throw invalid(`unknown command ${JSON.stringify(command.slice(0, 32))}`);
    this.#command = command as Command;
    this.#state = 'headers';
  }

  #readHeader(line: Buffer, start: number, stop: number): void {
    if (stop === start) {
      this.#endHeaders();
      return;
    }
    this.#headerCount += 1;
    if (this.#headerCount > this.#limits.maxHeaders) {
      throw new ParleyError('too_many_headers', `A frame has more than ${this.#limits.maxHeaders} headers.`);
    }
    // Names are short: a plain loop beats a native indexOf call here, and cannot run past the line.
    let colon = start;
    while (colon < stop && line[colon] !== COLON) colon += 1;
    if (colon === stop) throw invalid('a header line has no colon');
    if (colon === start) throw invalid('a header name is empty');
    const escaping = this.#command !== undefined && isHandshake(this.#command) ? undefined : this.version;
    const name = unescapeHeader(line.toString('utf8', start, colon), escaping);
    const value = unescapeHeader(line.toString('utf8', colon + 1, stop), escaping);
    if (!(name in this.#headers)) this.#headers[name] = value;
  }

  #endHeaders(): void {
    const declared = this.#headers['content-length'];
    if (declared !== undefined) {
      if (!DIGITS.test(declared)) throw invalid('content-length is not a non-negative integer');
      const contentLength = Number(declared);
      if (this.#frameBytes + contentLength + 1 > this.#limits.maxFrameBytes) {
        throw new ParleyError('frame_too_large', `A frame exceeds ${this.#limits.maxFrameBytes} bytes.`);
      }
      this.#contentLength = contentLength;
    }
    this.#state = 'body';
  }

  #consumeBody<T>(
    chunk: Buffer,
    pos: number,
    onFrame: (frame: Frame, context: T) => void,
    context: T | undefined,
  ): number {
    if (this.#contentLength !== undefined) {
      const wanted = this.#contentLength - this.#bodyBytes;
      const taken = Math.min(wanted, chunk.length - pos);
      if (taken > 0) {
        this.#count(taken);
        this.#addBodyPart(chunk.subarray(pos, pos + taken));
        this.#bodyBytes += taken;
      }
      if (this.#bodyBytes === this.#contentLength) {
        this.#count(1);
        this.#state = 'body-nul';
      }
      return pos + taken;
    }
    const nul = chunk.indexOf(NUL, pos);
    const end = nul === -1 ? chunk.length : nul;
    this.#count(nul === -1 ? end - pos : end - pos + 1);
    if (end > pos) {
      this.#addBodyPart(chunk.subarray(pos, end));
      this.#bodyBytes += end - pos;
    }
    if (nul === -1) return end;
    this.#state = 'between';
    this.#emit(onFrame, context);
    return nul + 1;
  }

  #emit<T>(onFrame: (frame: Frame, context: T) => void, context: T | undefined): void {
    const command = this.#command;
    if (command === undefined) throw invalid('a frame has no command');
    const parts = this.#bodyParts;
    const body =
      parts.length === 0
        ? EMPTY
        : parts.length === 1
          ? (parts[0] ?? EMPTY)
          : Buffer.concat(parts, this.#bodyBytes);
    const frame: Frame = { command, headers: this.#headers, body };
    this.#bodyParts = NO_PARTS;
    this.#headers = NO_HEADERS;
    onFrame(frame, context as T);
  }
}

function invalid(reason: string): ParleyError {
  return new ParleyError('invalid_frame', `Invalid STOMP frame: ${reason}.`);
}

/** Undoes the escaping of `version`; an undefined escape sequence is `invalid_frame`. */
export function unescapeHeader(text: string, version: StompVersion | undefined): string {
  if (version === undefined || version === '1.0') return text;
  let slash = text.indexOf('\\');
  if (slash === -1) return text;
  let out = '';
  let start = 0;
  while (slash !== -1) {
    out += text.slice(start, slash);
    switch (text.charCodeAt(slash + 1)) {
      case 0x6e: // n
        out += '\n';
        break;
      case 0x63: // c
        out += ':';
        break;
      case 0x5c: // backslash
        out += '\\';
        break;
      case 0x72: // r
        if (version !== '1.2') throw invalid('\\r is not an escape in STOMP 1.1');
        out += '\r';
        break;
      default:
        throw invalid('undefined escape sequence in a header');
    }
    start = slash + 2;
    slash = text.indexOf('\\', start);
  }
  return out + text.slice(start);
}

// Test with the sticky-free patterns: a /g pattern's `test` would carry lastIndex between calls.
const NEEDS_ESCAPE_12 = /[\\\r\n:]/;
const NEEDS_ESCAPE_11 = /[\\\n:]/;
const ESCAPE_12 = /[\\\r\n:]/g;
const ESCAPE_11 = /[\\\n:]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\r': '\\r', '\n': '\\n', ':': '\\c' };
const replaceEscape = (c: string): string => ESCAPES[c] ?? c;
/**
 * What no escaping of a version can carry in a header. A NUL ends a frame for the many parsers that scan
 * for it; 1.1 has no escape for CR (a raw one would be eaten as part of a CRLF line end); 1.0 (and the
 * handshake) has no escaping at all.
 */
const UNENCODABLE_12 = /\0/;
const UNENCODABLE_11 = /[\0\r]/;
const UNENCODABLE_10 = /[\0\r\n]/;

/**
 * Whether `encodeFrame` can write `value` as a header value under `version` (undefined: unescaped, as
 * the handshake). The session refuses, at the door, any header a client sends that fails this, since the
 * server may have to write it back (subscription id, receipt, destination).
 */
export function isEncodableHeaderValue(value: string, version: StompVersion | undefined): boolean {
  const unencodable =
    version === '1.2' ? UNENCODABLE_12 : version === '1.1' ? UNENCODABLE_11 : UNENCODABLE_10;
  return !unencodable.test(value);
}

function escapeHeader(text: string, version: StompVersion | undefined, isName: boolean): string {
  if (version === '1.2' && !text.includes('\0'))
    return NEEDS_ESCAPE_12.test(text) ? text.replace(ESCAPE_12, replaceEscape) : text;
  if (version === '1.1' && isEncodableHeaderValue(text, version))
    return NEEDS_ESCAPE_11.test(text) ? text.replace(ESCAPE_11, replaceEscape) : text;
  // Unescaped, a line break (or a colon in a name) would change the frame's structure.
  if (
    version !== '1.2' &&
    version !== '1.1' &&
    isEncodableHeaderValue(text, version) &&
    !(isName && text.includes(':'))
  )
    return text;
  throw new ParleyError('invalid_header', `A header cannot be represented in STOMP ${version ?? '1.0'}.`);
}

/**
 * Encodes one frame as one Buffer, ready to be written unchanged to many sockets. Escapes headers per
 * `version` (never for CONNECT/STOMP/CONNECTED) and sets `content-length` itself when a body is given
 * (a `content-length` in `headers` is ignored). Throws `invalid_header` for a header that cannot be
 * represented (a NUL; a CR in 1.1; a line break without escaping).
 */
export function encodeFrame(
  command: Command,
  headers: Readonly<Record<string, string>>,
  body?: Buffer | string,
  version?: StompVersion,
): Buffer {
  const escaping = isHandshake(command) ? undefined : version;
  const bodyLength =
    body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  let head = `${command}\n`;
  if (body !== undefined) head += `content-length:${bodyLength}\n`;
  for (const name of Object.keys(headers)) {
    if (name === 'content-length') continue;
    const value = headers[name];
    if (value === undefined) continue;
    head += `${escapeHeader(name, escaping, true)}:${escapeHeader(value, escaping, false)}\n`;
  }
  head += '\n';
  const headLength = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headLength + bodyLength + 1);
  out.write(head, 0, headLength, 'utf8');
  if (typeof body === 'string') out.write(body, headLength, bodyLength, 'utf8');
  else if (body !== undefined) body.copy(out, headLength);
  out[headLength + bodyLength] = NUL;
  return out;
}

/** A header set as the parser produces it (null prototype, so names like `__proto__` are plain keys). */
export function headersOf(entries: Readonly<Record<string, string>>): Headers {
  const headers: Record<string, string> = Object.create(null);
  for (const name of Object.keys(entries)) {
    const value = entries[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}
