// Seeded random requests against the HTTP API of a real server: methods, paths (with odd ids and
// encodings), query strings, headers and bodies (random JSON, broken JSON, bytes, oversized) drawn from
// a fixed-seed generator. Invariants: never a 5xx; every API refusal is the error envelope with a
// catalogue code; 429 carries Retry-After. The test process is a trusted proxy, so forged, malformed
// and overlong X-Forwarded-For chains reach the client-address walk. Reproduce a failure with
// FUZZ_SEED=<the printed seed>.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../src/chat/model.js';
import { ERROR_CATALOGUE } from '../src/errors.js';
import { type Session, startTestParley, type TestParley } from './support/parley.js';
import { prng } from './support/seeded-random.js';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const REQUESTS = 600;
const PARALLEL = 20;

let parley: TestParley;
let session: Session;
let room: Room;

beforeAll(async () => {
  console.log(`fuzz-http seed ${SEED} (reproduce with FUZZ_SEED=${SEED})`);
  parley = await startTestParley({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
  session = await parley.session('fuzzer');
  room = await parley.createRoom(session.token, 'fuzz room');
});

afterAll(async () => {
  await parley?.dispose();
});

interface Draw {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array<ArrayBuffer> | undefined;
}

function generator(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (max: number) => Math.floor(random() * max);
  const strings = [
    '',
    ' ',
    'a',
    'ä한😀',
    '\u0000',
    '\u202e',
    '<script>',
    '../../etc/passwd',
    '%00',
    '%ZZ',
    "' OR 1=1 --",
    '__proto__',
    'constructor',
    'x'.repeat(300),
    '-1',
    '0',
    '1.5',
    '1e309',
    '9007199254740993',
    'NaN',
    'null',
    'true',
  ];
  const json = (depth: number): unknown => {
    switch (int(depth > 3 ? 5 : 7)) {
      case 0:
        return pick(strings);
      case 1:
        return pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, 42]);
      case 2:
        return pick([true, false, null]);
      case 3:
        return 'x'.repeat(int(5000));
      case 4:
        return pick(strings) + pick(strings);
      case 5:
        return Array.from({ length: int(5) }, () => json(depth + 1));
      default: {
        const keys = ['nickname', 'name', 'topic', 'body', '__proto__', 'constructor', pick(strings)];
        return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(keys), json(depth + 1)]));
      }
    }
  };
  const id = () => pick([room.id, pick(strings), crypto.randomUUID(), `${room.id}x`, '%2e%2e', '..']);
  const paths = [
    () => '/api/sessions',
    () => '/api/sessions/refresh',
    () => '/api/sessions/revoke',
    () => '/api/rooms',
    () => `/api/rooms/${encodeURIComponent(id())}`,
    () => `/api/rooms/${encodeURIComponent(id())}/messages`,
    () => `/api/rooms/${encodeURIComponent(id())}/members`,
    () => `/api/${encodeURIComponent(pick(strings))}`,
    () => '/healthz',
    () => '/readyz',
    () => '/api//rooms',
    () => pick(['/api/rooms/%ZZ', '/api/rooms/%E0%A4%A', '/api/%00', `/api/rooms/${'x'.repeat(500)}`]),
    () => `/api/rooms?${'a=1&'.repeat(50)}`,
  ];
  const queryKeys = ['q', 'limit', 'cursor', 'before', 'after', 'since', pick(strings)];
  return (): Draw => {
    let path = pick(paths)();
    if (random() < 0.6) {
      const parts = Array.from({ length: 1 + int(3) }, () => {
        const value = random() < 0.5 ? pick(strings) : String(int(1000) - 100);
        return `${encodeURIComponent(pick(queryKeys))}=${encodeURIComponent(value)}`;
      });
      path += `${path.includes('?') ? '&' : '?'}${parts.join('&')}`;
    }
    const method = pick(['GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
    const headers: Record<string, string> = {};
    const auth = int(5);
    if (auth === 1) headers.authorization = `Bearer ${session.token}`;
    if (auth === 2) headers.authorization = `Bearer ${pick(strings.filter((s) => /^[\x20-\x7e]*$/.test(s)))}`;
    if (auth === 3) headers.authorization = 'Basic YWxhZGRpbjpvcGVuc2VzYW1l';
    if (auth === 4) headers.authorization = `Bearer ${session.token.slice(0, -2)}xx`;
    if (random() < 0.3) headers.origin = pick(['https://evil.example', 'http://localhost:1', 'null']);
    if (random() < 0.4) {
      const entries = Array.from({ length: 1 + int(4) }, () =>
        pick([
          '203.0.113.7',
          '203.0.113.7:8080',
          '[2001:db8::1]:443',
          '2001:db8::1',
          '::ffff:10.0.0.1',
          '127.0.0.1',
          'unknown',
          '',
          '[',
          '1.2.3.4%eth0',
          ',,,'.repeat(1 + int(500)),
          'x'.repeat(1 + int(1500)),
          pick(strings.filter((s) => /^[\x20-\x7e]*$/.test(s))),
        ]),
      );
      headers['x-forwarded-for'] = entries.join(pick([',', ', ', ' ,']));
    }
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (method !== 'GET' && method !== 'HEAD' && random() < 0.85) {
      headers['content-type'] = pick([
        'application/json',
        'application/json',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        'garbage',
      ]);
      switch (int(5)) {
        case 0:
          body = JSON.stringify(json(0));
          break;
        case 1:
          body = JSON.stringify(json(0)).slice(0, -1 - int(3));
          break;
        case 2:
          body = Uint8Array.from({ length: int(200) }, () => int(256));
          break;
        case 3:
          body = JSON.stringify({ nickname: 'x'.repeat(20_000) });
          break;
        default:
          body = JSON.stringify({ nickname: pick(strings), name: pick(strings), topic: json(2) });
      }
    }
    return { method, path, headers, body };
  };
}

describe(`HTTP fuzzing (seed ${SEED})`, () => {
  it(`${REQUESTS} random requests: never a 5xx, always the error envelope`, async () => {
    const next = generator(prng(SEED));
    const draws = Array.from({ length: REQUESTS }, next);
    const codes = new Set(Object.keys(ERROR_CATALOGUE));
    const seen = new Map<number, number>();
    for (let start = 0; start < draws.length; start += PARALLEL) {
      await Promise.all(
        draws.slice(start, start + PARALLEL).map(async (draw, offset) => {
          const where = `seed ${SEED}, request ${start + offset}: ${draw.method} ${draw.path}`;
          const response = await fetch(`${parley.url}${draw.path}`, {
            method: draw.method,
            headers: draw.headers,
            ...(draw.body === undefined ? {} : { body: draw.body }),
          });
          const text = await response.text();
          seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
          expect(response.status, where).toBeLessThan(500);
          if (response.status === 429) expect(response.headers.get('retry-after'), where).not.toBeNull();
          if (response.status >= 400 && draw.method !== 'HEAD' && draw.path.startsWith('/api/')) {
            const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
            expect(Object.keys(parsed), where).toEqual(['error']);
            expect(codes.has(String(parsed.error?.code)), `${where}: ${text}`).toBe(true);
            expect(typeof parsed.error?.message, where).toBe('string');
          }
        }),
      );
    }
    console.log(`fuzz-http statuses: ${JSON.stringify(Object.fromEntries(seen))}`);
    // The generator reaches both successes and refusals.
    expect([...seen.keys()].some((s) => s < 300)).toBe(true);
    expect([...seen.keys()].some((s) => s >= 400)).toBe(true);
    expect((await fetch(`${parley.url}/healthz`)).status).toBe(200);
  }, 30_000);
});
