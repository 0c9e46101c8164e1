import { describe, expect, it } from 'vitest';
import { AddressHasher } from './address-hash.js';

const secret = new TextEncoder().encode('a-test-secret-that-is-at-least-32-bytes-long');

describe('AddressHasher', () => {
  const hasher = new AddressHasher(secret);

  it('hashes one IPv6 /64 to one value and a neighbouring /64 to another', () => {
    const a = hasher.hash('2001:db8:1:2::1');
    expect(hasher.hash('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(a);
    expect(hasher.hash('2001:db8:1:3::1')).not.toBe(a);
  });

  it('reads an IPv4-mapped address as its IPv4 address', () => {
    expect(hasher.hash('::ffff:203.0.113.7')).toBe(hasher.hash('203.0.113.7'));
    expect(hasher.hash('203.0.113.8')).not.toBe(hasher.hash('203.0.113.7'));
  });

  it('never contains the address and depends on the key', () => {
    const hash = hasher.hash('203.0.113.7');
    expect(hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(hash).not.toContain('203');
    const other = new AddressHasher(new TextEncoder().encode('another-secret-that-is-at-least-32-bytes'));
    expect(other.hash('203.0.113.7')).not.toBe(hash);
  });
});
