// Property tests of the STOMP codec: encode→parse round trips under arbitrary chunking, and arbitrary
// bytes yield only frames or a ParleyError; whatever a session accepts can be written back to it.
// Seeded by fast-check, which prints the seed on failure.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { ParleyError } from '../errors.js';
import { sessionLimitsOf } from '../session-limits.js';
import { encodeFrame, FrameParser, headersOf } from './codec.js';
import { COMMANDS, type Command, type Frame, type FrameLimits, type StompVersion } from './frame.js';
import { type SessionHandler, StompSession } from './session.js';

const BIG: FrameLimits = { maxFrameBytes: 1 << 20, maxHeaders: 1000, maxHeaderLineBytes: 1 << 16 };

/** Characters that stress framing and escaping, mixed with arbitrary Unicode. */
const unit = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(':', '\n', '\r', '\\', '\0', 'é', '한', '😀', ' ', 'c', 'n', 'r') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);
const text = fc.string({ unit, maxLength: 12 });

/** What survives a version's escaping rules (1.0 and the handshake have none; 1.1 has no \r; no NUL ever). */
function representable(value: string, version: StompVersion | undefined, isName: boolean): boolean {
  if (value.includes('\0')) return false;
  if (version === '1.2') return true;
  if (version === '1.1') return !value.includes('\r');
  return !value.includes('\n') && !value.includes('\r') && !(isName && value.includes(':'));
}

interface FrameSpec {
  readonly command: Command;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array | undefined;
}

const frameSpec: fc.Arbitrary<FrameSpec> = fc.record({
  command: fc.constantFrom(...COMMANDS),
  headers: fc.uniqueArray(
    fc.tuple(
      text.filter((n) => n.length > 0 && n !== 'content-length'),
      text,
    ),
    {
      maxLength: 6,
      selector: ([name]) => name,
    },
  ),
  body: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
});

const version = fc.constantFrom<StompVersion>('1.0', '1.1', '1.2');

function encodable(spec: FrameSpec, v: StompVersion): boolean {
  const escaping =
    spec.command === 'CONNECT' || spec.command === 'STOMP' || spec.command === 'CONNECTED' ? undefined : v;
  return spec.headers.every(
    ([n, value]) => representable(n, escaping, true) && representable(value, escaping, false),
  );
}

/** Cuts `bytes` at the given fractions (sorted, deduplicated) into chunks. */
function cut(bytes: Buffer, fractions: readonly number[]): Buffer[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

const fractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

describe('codec properties', () => {
  it('round-trips any sequence of frames, with heart-beats between, under any chunking', () => {
    fc.assert(
      fc.property(
        version,
        fc.array(fc.tuple(frameSpec, fc.constantFrom('', '\n', '\r\n', '\n\n')), {
          minLength: 1,
          maxLength: 4,
        }),
        fractions,
        (v, specs, cuts) => {
          const usable = specs.filter(([spec]) => encodable(spec, v));
          const wire = Buffer.concat(
            usable.flatMap(([spec, eols]) => [
              encodeFrame(
                spec.command,
                headersOf(Object.fromEntries(spec.headers)),
                spec.body && Buffer.from(spec.body),
                v,
              ),
              Buffer.from(eols),
            ]),
          );
          const parser = new FrameParser(BIG);
          parser.version = v;
          const frames: Frame[] = [];
          let heartbeats = 0;
          for (const chunk of cut(wire, cuts))
            parser.push(
              chunk,
              (f) => frames.push(f),
              () => heartbeats++,
            );
          expect(frames).toHaveLength(usable.length);
          usable.forEach(([spec], i) => {
            const frame = frames[i];
            // fromEntries defines own properties, so a `__proto__` header is compared as a header.
            const expected = Object.fromEntries([
              ...(spec.body === undefined ? [] : [['content-length', String(spec.body.length)]]),
              ...spec.headers,
            ]);
            expect(frame?.command).toBe(spec.command);
            expect({ ...frame?.headers }).toEqual(expected);
            expect(frame?.body).toEqual(Buffer.from(spec.body ?? []));
          });
          expect(heartbeats).toBe(
            usable.reduce((n, [, eols]) => n + eols.replaceAll('\r\n', '\n').length, 0),
          );
        },
      ),
      { numRuns: 12_000 },
    );
  });

  it('turns arbitrary bytes into frames or a ParleyError, never another exception', () => {
    const limits: FrameLimits = { maxFrameBytes: 96, maxHeaders: 4, maxHeaderLineBytes: 24 };
    const fragment = fc.oneof(
      fc.constantFrom(
        'SEND',
        'CONNECT',
        'MESSAGE',
        '\n',
        '\r\n',
        '\r',
        '\0',
        ':',
        '\\',
        '\\c',
        '\\r',
        'content-length:',
      ),
      fc.constantFrom('content-length:3', 'content-length:x', 'a:b', 'é', '9'),
      fc.string({ maxLength: 6 }),
    );
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 160 }).map((a) => Buffer.from(a)),
      fc.array(fragment, { maxLength: 30 }).map((parts) => Buffer.from(parts.join(''))),
    );
    fc.assert(
      fc.property(fc.option(version, { nil: undefined }), bytes, fractions, (v, input, cuts) => {
        const parser = new FrameParser(limits);
        parser.version = v;
        let thrown: unknown;
        try {
          for (const chunk of cut(input, cuts)) {
            parser.push(
              chunk,
              (f) => expect(f.body.length).toBeLessThanOrEqual(limits.maxFrameBytes),
              () => {},
            );
          }
        } catch (error) {
          thrown = error;
        }
        if (thrown !== undefined) {
          expect(thrown).toBeInstanceOf(ParleyError);
          // Once failed, it stays failed with the same error.
          let again: unknown;
          try {
            parser.push(
              Buffer.from('\n'),
              () => {},
              () => {},
            );
          } catch (error) {
            again = error;
          }
          expect(again).toBe(thrown);
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('gives the same result for any chunking of arbitrary fragments', () => {
    const limits: FrameLimits = { maxFrameBytes: 128, maxHeaders: 4, maxHeaderLineBytes: 32 };
    const fragment = fc.constantFrom(
      'SEND\n',
      'ACK\n',
      'x:y\n',
      'content-length:2\n',
      '\n',
      '\r\n',
      'ab',
      '\0',
      'a\\cb:1\n',
    );
    const outcome = (chunks: readonly Buffer[]) => {
      const parser = new FrameParser(limits);
      parser.version = '1.2';
      const seen: unknown[] = [];
      try {
        for (const chunk of chunks) {
          parser.push(
            chunk,
            (f) => seen.push([f.command, { ...f.headers }, f.body.toString('latin1')]),
            () => seen.push('hb'),
          );
        }
      } catch (error) {
        seen.push(error instanceof ParleyError ? error.code : error);
      }
      return seen;
    };
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 24 }), fractions, (parts, cuts) => {
        const input = Buffer.from(parts.join(''));
        expect(outcome(cut(input, cuts))).toEqual(outcome([input]));
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('what a session accepts, the server can write back', () => {
  /** Raw header text as a hostile client writes it: any escape-ish sequence, raw CR, colon, NUL. */
  const rawUnit = fc.constantFrom(
    'a',
    'é',
    '😀',
    ':',
    '\\',
    '\\n',
    '\\r',
    '\\c',
    '\\\\',
    '\\t',
    '\r',
    '\0',
    ' ',
  );
  const rawValue = fc.string({ unit: rawUnit, minLength: 1, maxLength: 8 });
  const echoing = fc.constantFrom('SUBSCRIBE', 'SEND', 'UNSUBSCRIBE', 'BEGIN', 'DISCONNECT', 'ACK');

  it('for any frame accepted from a session of any version, every MESSAGE/RECEIPT/ERROR it may send encodes', async () => {
    await fc.assert(
      fc.asyncProperty(
        version,
        echoing,
        fc.record({ id: rawValue, destination: rawValue, receipt: rawValue, transaction: rawValue }),
        async (v, command, values) => {
          const accepted: Record<string, string>[] = [];
          const writes: Buffer[] = [];
          let closedWith: string | undefined;
          const handler: SessionHandler = {
            connect: async () => {},
            subscribe: async (_s, request) => {
              accepted.push({ ...request.headers, id: request.id, destination: request.destination });
            },
            unsubscribe: () => {},
            send: async (_s, request) => {
              accepted.push({ ...request.headers });
            },
            failed: () => {},
            disconnected: () => {},
          };
          const session = new StompSession({
            id: 's',
            transport: {
              write: (bytes) => void writes.push(bytes),
              bufferedBytes: 0,
              close: (code) => {
                closedWith = code ?? 'normal';
              },
              remoteAddress: '127.0.0.1',
            },
            handler,
            limits: sessionLimitsOf(loadConfig({}).limits),
            clock: new ManualClock(),
            serverName: 'parley/test',
          });
          session.receive(Buffer.from(v === '1.0' ? 'CONNECT\n\n\0' : `CONNECT\naccept-version:${v}\n\n\0`));
          await new Promise<void>((resolve) => setImmediate(resolve));
          const headers = ['destination', 'id', 'receipt', 'transaction']
            .map((name) => `${name}:${values[name as keyof typeof values]}\n`)
            .join('');
          session.receive(Buffer.from(`${command}\n${headers}\nbody\0`, 'utf8'));
          await new Promise<void>((resolve) => setImmediate(resolve));
          // Whatever else happened (a parse error, a refusal), what the server wrote parses…
          const parser = new FrameParser(BIG);
          parser.version = v;
          parser.push(
            Buffer.concat(writes),
            () => {},
            () => {},
          );
          // …and every value it accepted can go back in each server frame that may echo it.
          for (const frameHeaders of accepted) {
            for (const value of Object.values(frameHeaders)) {
              expect(() =>
                encodeFrame('MESSAGE', { subscription: value, destination: value }, 'x', v),
              ).not.toThrow();
              expect(() => encodeFrame('RECEIPT', { 'receipt-id': value }, undefined, v)).not.toThrow();
              expect(() => encodeFrame('ERROR', { message: 'x', 'receipt-id': value }, 'x', v)).not.toThrow();
            }
          }
          if (closedWith === 'invalid_header') expect(accepted).toEqual([]);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
