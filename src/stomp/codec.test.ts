// Byte-level tests of the STOMP codec: every rule and limit, each input fed whole, split at every byte
// boundary, and one byte at a time.
import { describe, expect, it } from 'vitest';
import { type ErrorCode, ParleyError } from '../errors.js';
import { encodeFrame, FrameParser, headersOf } from './codec.js';
import { COMMANDS, type Frame, type FrameLimits, type StompVersion } from './frame.js';

const LIMITS: FrameLimits = { maxFrameBytes: 1024, maxHeaders: 8, maxHeaderLineBytes: 64 };

interface Outcome {
  readonly frames: { command: string; headers: Record<string, string>; body: string }[];
  readonly heartbeats: number;
  readonly error: ParleyError | undefined;
}

function run(chunks: readonly Buffer[], limits: FrameLimits = LIMITS, version?: StompVersion): Outcome {
  const parser = new FrameParser(limits);
  parser.version = version;
  const frames: Outcome['frames'] = [];
  let heartbeats = 0;
  const onFrame = (f: Frame): void => {
    frames.push({ command: f.command, headers: { ...f.headers }, body: f.body.toString('latin1') });
  };
  try {
    for (const chunk of chunks) parser.push(chunk, onFrame, () => heartbeats++);
  } catch (error) {
    if (!(error instanceof ParleyError)) throw error;
    return { frames, heartbeats, error };
  }
  return { frames, heartbeats, error: undefined };
}

/** The input whole, split once at every boundary, and one byte at a time. */
function chunkings(bytes: Buffer): Buffer[][] {
  const all: Buffer[][] = [[bytes]];
  for (let i = 1; i < bytes.length; i++) all.push([bytes.subarray(0, i), bytes.subarray(i)]);
  all.push([...bytes].map((b) => Buffer.from([b])));
  return all;
}

/** Asserts that every chunking of `text` gives the same outcome, and returns it. */
function parseEverySplit(
  text: string | Buffer,
  limits: FrameLimits = LIMITS,
  version?: StompVersion,
): Outcome {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const [first, ...rest] = chunkings(bytes).map((chunks) => run(chunks, limits, version));
  if (first === undefined) throw new Error('no chunkings');
  const summary = (o: Outcome) => ({ frames: o.frames, heartbeats: o.heartbeats, code: o.error?.code });
  for (const other of rest) expect(summary(other)).toEqual(summary(first));
  return first;
}

function expectError(
  text: string | Buffer,
  code: ErrorCode,
  limits: FrameLimits = LIMITS,
  version?: StompVersion,
) {
  const outcome = parseEverySplit(text, limits, version);
  expect(outcome.error?.code).toBe(code);
  return outcome;
}

describe('FrameParser framing', () => {
  it('parses a frame with LF line ends and a body up to the NUL', () => {
    const o = parseEverySplit('SEND\ndestination:/app/x\n\nhello\0');
    expect(o.error).toBeUndefined();
    expect(o.frames).toEqual([{ command: 'SEND', headers: { destination: '/app/x' }, body: 'hello' }]);
  });

  it('accepts CRLF line ends and strips the CR', () => {
    const o = parseEverySplit('SEND\r\ndestination:/a\r\nx:y\r\n\r\nbody\0');
    expect(o.frames).toEqual([{ command: 'SEND', headers: { destination: '/a', x: 'y' }, body: 'body' }]);
  });

  it('counts LF and CRLF between frames (and before the first) as heart-beats', () => {
    const o = parseEverySplit('\n\r\nDISCONNECT\n\n\0\n\r\n\nDISCONNECT\n\n\0\r\n');
    expect(o.error).toBeUndefined();
    expect(o.frames.map((f) => f.command)).toEqual(['DISCONNECT', 'DISCONNECT']);
    expect(o.heartbeats).toBe(6);
  });

  it('parses several frames in one chunk', () => {
    const o = parseEverySplit(
      'BEGIN\ntransaction:t\n\n\0SEND\ndestination:/a\n\n1\0COMMIT\ntransaction:t\n\n\0',
    );
    expect(o.frames.map((f) => [f.command, f.body])).toEqual([
      ['BEGIN', ''],
      ['SEND', '1'],
      ['COMMIT', ''],
    ]);
  });

  it('reads exactly content-length bytes, NULs included', () => {
    const o = parseEverySplit('SEND\ndestination:/a\ncontent-length:5\n\na\0b\0c\0');
    expect(o.error).toBeUndefined();
    expect(o.frames[0]?.body).toBe('a\0b\0c');
  });

  it('accepts content-length 0', () => {
    const o = parseEverySplit('SEND\ncontent-length:0\n\n\0');
    expect(o.frames[0]?.body).toBe('');
  });

  it('refuses a body longer than its content-length', () => {
    expectError('SEND\ncontent-length:2\n\nabc\0', 'invalid_frame');
  });

  it('refuses a content-length that is not a non-negative integer', () => {
    expectError('SEND\ncontent-length:-1\n\n\0', 'invalid_frame');
    expectError('SEND\ncontent-length:1x\n\nx\0', 'invalid_frame');
    expectError('SEND\ncontent-length:\n\n\0', 'invalid_frame');
  });

  it('takes the first of repeated headers', () => {
    const o = parseEverySplit('SEND\nfoo:1\nfoo:2\ncontent-length:1\ncontent-length:9\n\nx\0');
    expect(o.frames[0]?.headers).toEqual({ foo: '1', 'content-length': '1' });
    expect(o.frames[0]?.body).toBe('x');
  });

  it('keeps colons after the first one in a value and allows an empty value', () => {
    const o = parseEverySplit('CONNECT\nhost:example.com:8080\nlogin:\n\n\0');
    expect(o.frames[0]?.headers).toEqual({ host: 'example.com:8080', login: '' });
  });

  it('refuses unknown and lower-case commands, and trailing spaces on the command', () => {
    expectError('HELLO\n\n\0', 'invalid_frame');
    expectError('send\n\n\0', 'invalid_frame');
    expectError('SEND \n\n\0', 'invalid_frame');
  });

  it('refuses a header line without a colon or with an empty name', () => {
    expectError('SEND\nnocolon\n\n\0', 'invalid_frame');
    expectError('SEND\n:value\n\n\0', 'invalid_frame');
  });

  it('refuses a CR between frames that is not followed by LF', () => {
    const o = expectError('DISCONNECT\n\n\0\rX', 'invalid_frame');
    expect(o.frames).toHaveLength(1);
  });

  it('parses every server and client command', () => {
    const text = COMMANDS.map((c) => `${c}\n\n\0`).join('');
    expect(run([Buffer.from(text)]).frames.map((f) => f.command)).toEqual(COMMANDS);
  });

  it('gives headers a null prototype so any name is a plain key', () => {
    const parser = new FrameParser(LIMITS);
    let frame: Frame | undefined;
    parser.push(
      Buffer.from('SEND\n__proto__:x\nconstructor:y\n\n\0'),
      (f) => {
        frame = f;
      },
      () => {},
    );
    expect(Object.getPrototypeOf(frame?.headers)).toBeNull();
    expect(Object.entries(frame?.headers ?? {})).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });

  it('decodes UTF-8 header names and values', () => {
    const o = parseEverySplit(Buffer.from('SEND\n이름:値😀\n\n\0', 'utf8'));
    expect(o.frames[0]?.headers).toEqual({ 이름: '値😀' });
  });

  it('stays failed after the first error', () => {
    const parser = new FrameParser(LIMITS);
    const push = (text: string) =>
      parser.push(
        Buffer.from(text),
        () => {},
        () => {},
      );
    expect(() => push('NOPE\n')).toThrow(ParleyError);
    expect(() => push('SEND\n\n\0')).toThrow(/unknown command/);
  });

  it('stays failed after a callback throws', () => {
    const parser = new FrameParser(LIMITS);
    const boom = new Error('callback');
    const onFrame = () => {
      throw boom;
    };
    expect(() => parser.push(Buffer.from('SEND\n\n\0'), onFrame, () => {})).toThrow(boom);
    expect(() => parser.push(Buffer.from('\n'), onFrame, () => {})).toThrow(boom);
  });
});

describe('FrameParser header escaping', () => {
  const raw = 'SEND\na\\cb:x\\ny\\\\z\n\n\0';

  it('does not unescape before CONNECT (version undefined) or in 1.0', () => {
    expect(parseEverySplit(raw).frames[0]?.headers).toEqual({ 'a\\cb': 'x\\ny\\\\z' });
    expect(parseEverySplit(raw, LIMITS, '1.0').frames[0]?.headers).toEqual({ 'a\\cb': 'x\\ny\\\\z' });
  });

  it('unescapes \\n \\c \\\\ in 1.1 and refuses \\r', () => {
    expect(parseEverySplit(raw, LIMITS, '1.1').frames[0]?.headers).toEqual({ 'a:b': 'x\ny\\z' });
    expectError('SEND\na:\\r\n\n\0', 'invalid_frame', LIMITS, '1.1');
  });

  it('unescapes \\r \\n \\c \\\\ in 1.2', () => {
    const o = parseEverySplit('SEND\nk\\r:\\r\\n\\c\\\\\n\n\0', LIMITS, '1.2');
    expect(o.frames[0]?.headers).toEqual({ 'k\r': '\r\n:\\' });
  });

  it('refuses undefined escapes and a trailing backslash', () => {
    expectError('SEND\na:\\t\n\n\0', 'invalid_frame', LIMITS, '1.2');
    expectError('SEND\na:b\\\n\n\0', 'invalid_frame', LIMITS, '1.2');
    expectError('SEND\na\\x:b\n\n\0', 'invalid_frame', LIMITS, '1.1');
  });

  it('never unescapes CONNECT, STOMP or CONNECTED', () => {
    for (const command of ['CONNECT', 'STOMP', 'CONNECTED']) {
      const o = parseEverySplit(`${command}\npasscode:a\\cb\\t\n\n\0`, LIMITS, '1.2');
      expect(o.frames[0]?.headers).toEqual({ passcode: 'a\\cb\\t' });
    }
  });
});

describe('FrameParser limits', () => {
  const limits: FrameLimits = { maxFrameBytes: 64, maxHeaders: 3, maxHeaderLineBytes: 16 };

  it('accepts a frame of exactly maxFrameBytes and refuses one byte more', () => {
    const head = 'SEND\n\n';
    const exact = `${head}${'x'.repeat(64 - head.length - 1)}\0`;
    expect(parseEverySplit(exact, limits).error).toBeUndefined();
    expectError(`${head}${'x'.repeat(64 - head.length)}\0`, 'frame_too_large', limits);
  });

  it('refuses as soon as the bytes pass the limit, before any NUL arrives', () => {
    expect(run([Buffer.from(`SEND\n\n${'x'.repeat(100)}`)], limits).error?.code).toBe('frame_too_large');
    expect(run([Buffer.alloc(65, 0x41)], limits).error?.code).toBe('header_too_long');
  });

  it('refuses a declared content-length over the limit before the body arrives', () => {
    const o = run([Buffer.from('SEND\ncontent-length:1000\n\n')], { ...limits, maxHeaderLineBytes: 32 });
    expect(o.error?.code).toBe('frame_too_large');
  });

  it('applies the frame limit to content-length bodies', () => {
    const wide = { ...limits, maxHeaderLineBytes: 32 };
    expect(parseEverySplit(`SEND\ncontent-length:39\n\n${'x'.repeat(39)}\0`, wide).error).toBeUndefined();
    expectError(`SEND\ncontent-length:40\n\n${'x'.repeat(40)}\0`, 'frame_too_large', wide);
  });

  it('accepts a header line of exactly maxHeaderLineBytes (LF or CRLF) and refuses one more', () => {
    const line = `a:${'v'.repeat(14)}`;
    expect(parseEverySplit(`SEND\n${line}\n\n\0`, limits).frames[0]?.headers.a).toHaveLength(14);
    expect(parseEverySplit(`SEND\r\n${line}\r\n\r\n\0`, limits).error).toBeUndefined();
    expectError(`SEND\n${line}v\n\n\0`, 'header_too_long', limits);
    expectError(`SEND\r\n${line}v\r\n\r\n\0`, 'header_too_long', limits);
  });

  it('applies the line limit to the command line', () => {
    expectError(`${'S'.repeat(17)}\n\n\0`, 'header_too_long', limits);
  });

  it('refuses a header line that never ends, without buffering it', () => {
    expect(run([Buffer.from(`SEND\na:${'v'.repeat(40)}`)], limits).error?.code).toBe('header_too_long');
  });

  it('accepts maxHeaders headers and refuses one more', () => {
    expect(parseEverySplit('SEND\na:1\nb:2\nc:3\n\n\0', limits).error).toBeUndefined();
    expectError('SEND\na:1\nb:2\nc:3\nd:4\n\n\0', 'too_many_headers', limits);
  });

  it('counts repeated headers against maxHeaders', () => {
    expectError('SEND\na:1\na:2\na:3\na:4\n\n\0', 'too_many_headers', limits);
  });

  it('resets the frame size between frames', () => {
    const frame = `SEND\n\n${'x'.repeat(50)}\0`;
    const o = parseEverySplit(`${frame}\n${frame}`, limits);
    expect(o.error).toBeUndefined();
    expect(o.frames).toHaveLength(2);
  });
});

describe('encodeFrame', () => {
  it('writes command, headers, a blank line, the body and NUL as one buffer', () => {
    const bytes = encodeFrame('MESSAGE', { destination: '/topic/a', 'message-id': '7' }, 'hi');
    expect(bytes.toString()).toBe('MESSAGE\ncontent-length:2\ndestination:/topic/a\nmessage-id:7\n\nhi\0');
  });

  it('omits content-length without a body and ignores a given one', () => {
    expect(encodeFrame('RECEIPT', { 'receipt-id': '1' }).toString()).toBe('RECEIPT\nreceipt-id:1\n\n\0');
    const bytes = encodeFrame('MESSAGE', { 'content-length': '99' }, Buffer.from([0, 1]));
    expect(bytes).toEqual(Buffer.from('MESSAGE\ncontent-length:2\n\n\0\x01\0', 'latin1'));
  });

  it('counts content-length in UTF-8 bytes', () => {
    expect(encodeFrame('MESSAGE', {}, '한😀').toString()).toBe('MESSAGE\ncontent-length:7\n\n한😀\0');
  });

  it('escapes per version', () => {
    const headers = { 'a:b': 'x\r\ny\\' };
    expect(encodeFrame('MESSAGE', headers, undefined, '1.2').toString()).toBe(
      'MESSAGE\na\\cb:x\\r\\ny\\\\\n\n\0',
    );
    expect(encodeFrame('MESSAGE', { a: 'x\ny:\\' }, undefined, '1.1').toString()).toBe(
      'MESSAGE\na:x\\ny\\c\\\\\n\n\0',
    );
    expect(encodeFrame('MESSAGE', { a: 'x:\\' }, undefined, '1.0').toString()).toBe('MESSAGE\na:x:\\\n\n\0');
  });

  it('never escapes CONNECTED', () => {
    expect(encodeFrame('CONNECTED', { server: 'p:1\\' }, undefined, '1.2').toString()).toBe(
      'CONNECTED\nserver:p:1\\\n\n\0',
    );
  });

  it('refuses a header that cannot be written without escaping', () => {
    expect(() => encodeFrame('ERROR', { message: 'a\nb' }, undefined, '1.0')).toThrow(ParleyError);
    expect(() => encodeFrame('MESSAGE', { 'a:b': 'c' })).toThrow(ParleyError);
    expect(() => encodeFrame('CONNECTED', { server: 'x\r' }, undefined, '1.2')).toThrow(ParleyError);
  });

  it('round-trips through the parser', () => {
    const headers = headersOf({ destination: '/t', 'k:\n': 'v\r\\' });
    const bytes = encodeFrame('SEND', headers, Buffer.from([0, 255, 10]), '1.2');
    const o = parseEverySplit(bytes, LIMITS, '1.2');
    expect(o.frames[0]?.headers).toEqual({ 'content-length': '3', destination: '/t', 'k:\n': 'v\r\\' });
    expect(o.frames[0]?.body).toBe('\0\xff\n');
  });
});
