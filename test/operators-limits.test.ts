// Every operator limit at its configured value: wrong secrets per address, word-list and reserved-name
// sizes, how many recently seen networks a server-wide ban covers (BAN_ADDRESS_MAX_HASHES, shared with
// room bans); and operator secrets never echoed by a configuration error.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { type Session, startTestParley, type TestParley } from './support/parley.js';

const SECRET = 'limits-operator-secret-0123456789abcdefgh';

const logged: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logged.push(chunk.toString('utf8'));
    done();
  },
});

describe('operator limits', () => {
  let parley: TestParley;

  const call = async (
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string; body?: unknown; forwardedFor?: string } = {},
  ): Promise<{ status: number; code: unknown; body: Record<string, unknown>; retryAfter: string | null }> => {
    const response = await fetch(`${parley.url}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...(options.forwardedFor === undefined ? {} : { 'x-forwarded-for': options.forwardedFor }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    return {
      status: response.status,
      code: (body.error as { code?: unknown } | undefined)?.code,
      body,
      retryAfter: response.headers.get('retry-after'),
    };
  };
  const settings = (body: unknown) => call('POST', '/api/admin/settings', { token: SECRET, body });

  beforeAll(async () => {
    parley = await startTestParley({
      env: {
        OPERATOR_TOKENS: SECRET,
        OPERATOR_AUTH_FAILURES_PER_IP_PER_MINUTE: '2',
        WORD_FILTER_MAX_WORDS: '3',
        WORD_FILTER_MAX_WORD_CHARS: '5',
        RESERVED_NAMES_MAX: '2',
        BAN_ADDRESS_MAX_HASHES: '2',
        TRUST_PROXY: 'true',
      },
      // Everything a node would log, at the most verbose level: no operator secret may be in it.
      overrides: { logger: createLogger({ logLevel: 'trace' }, 'limits-node', sink) },
    });
  }, 30_000);

  afterAll(async () => {
    await parley?.dispose();
  });

  it('OPERATOR_AUTH_FAILURES_PER_IP_PER_MINUTE: wrong secrets from one address, then rate_limited', async () => {
    const from = { forwardedFor: '192.0.2.1' };
    expect((await call('GET', '/api/admin/rooms', { token: 'wrong-1', ...from })).code).toBe('not_operator');
    expect((await call('GET', '/api/admin/rooms', { token: 'wrong-2', ...from })).code).toBe('not_operator');
    const limited = await call('GET', '/api/admin/rooms', { token: 'wrong-3', ...from });
    expect([limited.status, limited.code]).toEqual([429, 'rate_limited']);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    // Another address is not held to this one's failures; the right secret always works.
    expect(
      (await call('GET', '/api/admin/rooms', { token: 'wrong-4', forwardedFor: '192.0.2.2' })).code,
    ).toBe('not_operator');
    expect((await call('GET', '/api/admin/rooms', { token: SECRET, ...from })).status).toBe(200);
  });

  it('WORD_FILTER_MAX_WORDS, WORD_FILTER_MAX_WORD_CHARS and RESERVED_NAMES_MAX bound the lists', async () => {
    expect((await settings({ wordFilter: { mode: 'mask', words: ['a', 'b', 'c'] } })).status).toBe(200);
    expect((await settings({ wordFilter: { mode: 'mask', words: ['a', 'b', 'c', 'd'] } })).code).toBe(
      'invalid_request',
    );
    expect((await settings({ wordFilter: { mode: 'mask', words: ['fives'] } })).status).toBe(200);
    expect((await settings({ wordFilter: { mode: 'mask', words: ['sixsix'] } })).code).toBe(
      'invalid_request',
    );
    expect((await settings({ reservedNames: ['one', 'two'] })).status).toBe(200);
    expect((await settings({ reservedNames: ['one', 'two', 'three'] })).code).toBe('invalid_request');
    // Refused changes changed nothing.
    expect((await call('GET', '/api/admin/settings', { token: SECRET })).body).toEqual({
      reservedNames: ['one', 'two'],
      wordFilter: { mode: 'mask', words: ['fives'] },
    });
    await settings({ reservedNames: [], wordFilter: null });
  });

  it('BAN_ADDRESS_MAX_HASHES: a server-wide ban covers the networks the identity was seen from most recently', async () => {
    const created = await call('POST', '/api/sessions', {
      body: { nickname: 'roamer' },
      forwardedFor: '198.51.100.1',
    });
    const roamer = created.body as unknown as Session;
    for (const address of ['198.51.100.2', '198.51.100.3']) {
      expect(
        (await call('POST', '/api/sessions/refresh', { token: roamer.token, forwardedFor: address })).status,
      ).toBe(200);
    }
    const laid = await call('POST', '/api/admin/bans', { token: SECRET, body: { userId: roamer.user.id } });
    expect((laid.body.bans as Array<{ kind: string }>).map((b) => b.kind).sort()).toEqual([
      'address',
      'address',
      'user',
    ]);
    const fresh = (address: string) =>
      call('POST', '/api/sessions', { body: { nickname: 'fresh' }, forwardedFor: address });
    expect((await fresh('198.51.100.3')).code).toBe('server_banned');
    expect((await fresh('198.51.100.2')).code).toBe('server_banned');
    // The oldest address is past the limit: not covered.
    expect((await fresh('198.51.100.1')).status).toBe(201);
  });

  it('logs no operator secret, right or wrong, at any level', async () => {
    const wrong = 'wrong-operator-secret-that-must-not-be-logged-0123';
    await call('POST', '/api/admin/session', { token: wrong, forwardedFor: '192.0.2.77' });
    await call('POST', '/api/admin/rooms/nope/close', { token: SECRET, body: { reason: 'x' } });
    await call('POST', '/api/admin/session', { token: SECRET });
    await parley.stop();
    const text = logged.join('');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(wrong);
  });

  it('never echoes operator secrets in a configuration error', () => {
    const secret = 'too-short-secret-value';
    let caught: unknown;
    try {
      loadConfig({ OPERATOR_TOKENS: `${secret},${'x'.repeat(40)}` });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const { message } = caught as ConfigError;
    expect(message).toContain('OPERATOR_TOKENS');
    expect(message).not.toContain(secret);
    expect(message).not.toContain('xxxx');
    const config = loadConfig({ OPERATOR_TOKENS: ` ${'s'.repeat(32)} , ${'t'.repeat(40)} ` });
    expect(config.operators.tokenHashes).toHaveLength(2);
    expect(JSON.stringify(config)).not.toContain('s'.repeat(32));
  });
});
