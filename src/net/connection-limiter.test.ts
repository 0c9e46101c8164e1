import { describe, expect, it } from 'vitest';
import { ConnectionLimiter } from './connection-limiter.js';

describe('ConnectionLimiter', () => {
  it('counts an IPv6 /64 as one address and an IPv4-mapped address as its IPv4 one', () => {
    const limiter = new ConnectionLimiter(2);
    expect(limiter.acquire('2001:db8:1:2::a')).toBe(true);
    expect(limiter.acquire('2001:db8:1:2:ffff::b')).toBe(true);
    expect(limiter.acquire('2001:db8:1:2::c')).toBe(false);
    expect(limiter.acquire('2001:db8:1:3::a')).toBe(true);
    expect(limiter.acquire('203.0.113.7')).toBe(true);
    expect(limiter.acquire('::ffff:203.0.113.7')).toBe(true);
    expect(limiter.acquire('203.0.113.7')).toBe(false);
    limiter.release('2001:db8:1:2::a');
    expect(limiter.acquire('2001:db8:1:2::d')).toBe(true);
    expect(limiter.total).toBe(5);
    limiter.release('unknown-never-taken');
    expect(limiter.total).toBe(5);
  });
});
