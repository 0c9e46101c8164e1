import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ParleyError } from '../errors.js';
import { bearerToken, TokenService } from './tokens.js';

const secret = new TextEncoder().encode('a'.repeat(32));
const otherSecret = new TextEncoder().encode('b'.repeat(32));

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof ParleyError ? error.code : 'not a ParleyError';
  }
}

function tamper(token: string, patch: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
  patch(claims);
  return `${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`;
}

describe('TokenService', () => {
  const clock = new ManualClock();
  const tokens = new TokenService({ secret, clock, ttlSeconds: 3600 });

  it('round-trips a user and reports the expiry', async () => {
    const user = tokens.newUser('alice');
    expect(user.tag).toMatch(/^\d{4}$/);
    const issued = await tokens.issue(user);
    expect(new Date(issued.expiresAt).getTime()).toBe(Math.floor(clock.now() / 1000) * 1000 + 3_600_000);
    await expect(tokens.verify(issued.token)).resolves.toEqual(user);
  });

  it('refuses garbage, alg none, another key, tampered claims and expired tokens', async () => {
    const { token } = await tokens.issue(tokens.newUser('bob'));
    expect(await refusal(tokens.verify('garbage'))).toBe('unauthorized');
    expect(await refusal(tokens.verify(''))).toBe('unauthorized');

    const [, payload] = token.split('.') as [string, string];
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
    expect(await refusal(tokens.verify(none))).toBe('unauthorized');

    const foreign = new TokenService({ secret: otherSecret, clock, ttlSeconds: 3600 });
    expect(await refusal(tokens.verify((await foreign.issue(foreign.newUser('eve'))).token))).toBe(
      'unauthorized',
    );

    expect(await refusal(tokens.verify(tamper(token, (c) => (c.nick = 'admin'))))).toBe('unauthorized');
    expect(await refusal(tokens.verify(tamper(token, (c) => (c.exp = 9_999_999_999))))).toBe('unauthorized');

    clock.advance(3_601_000);
    expect(await refusal(tokens.verify(token))).toBe('unauthorized');
  });

  it('refuses secrets shorter than 32 bytes', () => {
    expect(() => new TokenService({ secret: secret.subarray(0, 31), clock, ttlSeconds: 60 })).toThrow(
      /32 bytes/,
    );
  });

  it('reads bearer tokens', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer  x ')).toBe('x');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
