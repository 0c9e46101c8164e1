import { describe, expect, it } from 'vitest';
import {
  CodeHasher,
  LINK_CODE_SYMBOLS,
  newCode,
  normalizeCode,
  RECOVERY_CODE_SYMBOLS,
} from './identity-codes.js';

const SECRET = new TextEncoder().encode('a token secret of at least thirty-two bytes');

describe('identity codes', () => {
  it('makes recovery codes of 140 bits in seven groups of four, and link codes of 40 bits in two', () => {
    expect(RECOVERY_CODE_SYMBOLS * 5).toBeGreaterThanOrEqual(128);
    const recovery = newCode('recovery');
    expect(recovery).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(newCode('link')).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(LINK_CODE_SYMBOLS).toBe(8);
    // Random: a thousand link codes (40 bits) do not repeat.
    expect(new Set(Array.from({ length: 1000 }, () => newCode('link'))).size).toBe(1000);
  });

  it('reads a code however it was typed: case, spaces, hyphens, and the look-alike letters', () => {
    expect(normalizeCode('link', 'ab1k-m0pq')).toBe('AB1KM0PQ');
    expect(normalizeCode('link', ' ab1k m0pq ')).toBe('AB1KM0PQ');
    expect(normalizeCode('link', 'ABlK-MOPQ')).toBe('AB1KM0PQ');
    expect(normalizeCode('link', 'ABIK-MOPQ')).toBe('AB1KM0PQ');
    const code = newCode('recovery');
    expect(normalizeCode('recovery', code.toLowerCase())).toBe(code.replaceAll('-', ''));
  });

  it('refuses what cannot be a code of the kind', () => {
    expect(normalizeCode('link', 'AB1K-M0P')).toBeUndefined();
    expect(normalizeCode('link', 'AB1K-M0PQR')).toBeUndefined();
    expect(normalizeCode('link', 'AB1K-M0PU')).toBeUndefined();
    expect(normalizeCode('link', 'AB1K_M0PQ')).toBeUndefined();
    expect(normalizeCode('recovery', newCode('link'))).toBeUndefined();
    expect(normalizeCode('recovery', 'A'.repeat(10_000))).toBeUndefined();
  });

  it('hashes deterministically under the secret, apart per kind and per secret', () => {
    const hasher = new CodeHasher(SECRET);
    const other = new CodeHasher(new TextEncoder().encode('another secret of at least thirty-two bytes'));
    const hash = hasher.hash('link', 'AB1KM0PQ');
    expect(hash).toBe(hasher.hash('link', 'AB1KM0PQ'));
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('AB1KM0PQ');
    expect(hasher.hash('recovery', 'AB1KM0PQ')).not.toBe(hash);
    expect(other.hash('link', 'AB1KM0PQ')).not.toBe(hash);
  });
});
