import { base64url, SignJWT } from 'jose';
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

  it('refuses a token issued more than the allowed skew ahead of its clock, and an iatMs that disagrees with iat', async () => {
    const now = new ManualClock(Date.UTC(2026, 0, 1));
    const verifier = new TokenService({ secret, clock: now, ttlSeconds: 3600, maxClockSkewSeconds: 60 });
    const ahead = (ms: number) =>
      new TokenService({ secret, clock: new ManualClock(now.now() + ms), ttlSeconds: 3600 });
    const user = verifier.newUser('skewed');
    const slightly = await ahead(59_000).issue(user);
    await expect(verifier.verify(slightly.token)).resolves.toEqual(user);
    const minted = await ahead(61_000).issue(user);
    expect(await refusal(verifier.verify(minted.token))).toBe('unauthorized');
    // Far in the future with a long life: still refused, not merely "not yet".
    const longLived = new TokenService({
      secret,
      clock: new ManualClock(now.now() + 30 * 24 * 3_600_000),
      ttlSeconds: 365 * 24 * 3600,
    });
    expect(await refusal(verifier.verify((await longLived.issue(user)).token))).toBe('unauthorized');

    const key = secret;
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ nick: 'x', tag: '0001', ...claims })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user.id)
        .setIssuer('parley')
        .setAudience('parley')
        .setIssuedAt(Math.floor(now.now() / 1000))
        .setExpirationTime(Math.floor(now.now() / 1000) + 60)
        .sign(key);
    expect(await refusal(verifier.verify(await sign({ iatMs: now.now() - 5000 })))).toBe('unauthorized');
    expect(await refusal(verifier.verify(await sign({ iatMs: 'soon' })))).toBe('unauthorized');
    // Tokens from before iatMs existed are as old as their iat.
    expect((await verifier.verifyClaims(await sign({}))).issuedAtMs).toBe(
      Math.floor(now.now() / 1000) * 1000,
    );
    expect((await verifier.verifyClaims(slightly.token)).issuedAtMs).toBe(now.now() + 59_000);
  });

  it('accepts an expired token for a refresh only, and only within the refresh grace', async () => {
    const sliding = new TokenService({ secret, clock, ttlSeconds: 3600, refreshGraceSeconds: 7200 });
    const user = sliding.newUser('sam');
    const { token } = await sliding.issue(user);
    clock.advance(3_601_000);
    expect(await refusal(sliding.verifyClaims(token))).toBe('unauthorized');
    await expect(sliding.verifyClaims(token, 'refresh')).resolves.toMatchObject({ user });
    clock.advance(7_200_000);
    expect(await refusal(sliding.verifyClaims(token, 'refresh'))).toBe('unauthorized');
    // Without a grace, a refresh is as strict as any use.
    const { token: strictToken } = await tokens.issue(user);
    clock.advance(3_601_000);
    expect(await refusal(tokens.verifyClaims(strictToken, 'refresh'))).toBe('unauthorized');
    // The grace forgives expiry, not forgery.
    const fresh = (await sliding.issue(user)).token;
    expect(
      await refusal(
        sliding.verifyClaims(
          tamper(fresh, (c) => (c.sub = 'someone')),
          'refresh',
        ),
      ),
    ).toBe('unauthorized');
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
