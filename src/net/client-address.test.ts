// The client address behind proxies and the per-address limit key: examples of every accepted entry
// form, and properties over arbitrary X-Forwarded-For text (garbage, ports, brackets, several header
// lines, empty and overlong entries): whatever a client writes never becomes its address.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addressKey,
  clientAddress,
  isTrustedPeer,
  type ProxyTrust,
  parseCidr,
  parseForwardedEntry,
} from './client-address.js';

const NONE: ProxyTrust = { kind: 'none' };
const ONE_HOP: ProxyTrust = { kind: 'hops', hops: 1 };
const cidrs = (...texts: string[]): ProxyTrust => ({
  kind: 'proxies',
  proxies: texts.map((t) => {
    const cidr = parseCidr(t);
    if (cidr === undefined) throw new Error(t);
    return cidr;
  }),
});
const LB = cidrs('10.0.0.0/8', '127.0.0.1', 'fd00::/8');

/** Text a client may put in its own X-Forwarded-For: addresses, ports, brackets, commas, garbage. */
const forged = fc.array(
  fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.ipV4().map((a) => `${a}:8080`),
    fc.ipV6().map((a) => `[${a}]:443`),
    fc.constantFrom('', ' ', 'unknown', '_hidden', '[', ']:1', '::ffff:', '10.0.0.1', '1.2.3.4%eth0'),
    fc.string({ maxLength: 30 }),
    fc.string({ minLength: 200, maxLength: 400 }),
  ),
  { maxLength: 8 },
);
/** A public-looking client address the proxy saw (not inside LB's networks). */
const realClient = fc.oneof(
  fc.ipV4().filter((a) => !a.startsWith('10.') && a !== '127.0.0.1'),
  fc.ipV6().filter((a) => !/^fd/i.test(a) && !a.includes('.')),
);

describe('parseForwardedEntry', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7 ', '203.0.113.7'],
    ['203.0.113.7:5678', '203.0.113.7'],
    ['2001:DB8::1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['::ffff:198.51.100.2', '198.51.100.2'],
    ['[::ffff:198.51.100.2]:80', '198.51.100.2'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('reads %j as %s', (entry, expected) => {
    expect(clientAddress('10.0.0.1', entry, ONE_HOP)).toBe(expected);
  });

  it.each([
    '',
    'unknown',
    '_hidden',
    '[203.0.113.7]',
    '[2001:db8::1',
    '[2001:db8::1]x',
    '[2001:db8::1]:99999999',
    '203.0.113.7:',
    '203.0.113.7:port',
    '203.0.113.07',
    '1.2.3.4%eth0',
    'a'.repeat(1000),
  ])('refuses %j', (entry) => {
    expect(parseForwardedEntry(entry)).toBeUndefined();
  });

  it('reads an unbracketed IPv6 with a "port" as the address it also is (why proxies bracket)', () => {
    expect(clientAddress('10.0.0.1', '2001:db8::1:80', ONE_HOP)).toBe('2001:db8::1:80');
  });
});

describe('clientAddress', () => {
  it('without trust is the socket peer, whatever the header says', () => {
    expect(clientAddress('198.51.100.9', '1.2.3.4', NONE)).toBe('198.51.100.9');
    expect(clientAddress('::ffff:198.51.100.9', undefined, NONE)).toBe('198.51.100.9');
    expect(clientAddress(undefined, '1.2.3.4', NONE)).toBe('unknown');
  });

  it('with one hop takes the entry the proxy appended, not the one the client wrote', () => {
    expect(clientAddress('10.0.0.1', '6.6.6.6, 203.0.113.7', ONE_HOP)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.1', ['6.6.6.6', '203.0.113.7'], ONE_HOP)).toBe('203.0.113.7');
    // A request that reached the node without the proxy (no header): the peer.
    expect(clientAddress('203.0.113.8', undefined, ONE_HOP)).toBe('203.0.113.8');
    expect(clientAddress('10.0.0.1', '1.1.1.1, 2.2.2.2, 3.3.3.3', { kind: 'hops', hops: 2 })).toBe('2.2.2.2');
  });

  it('with trusted proxies skips them from the right and ignores the header from anyone else', () => {
    expect(clientAddress('10.0.0.1', '6.6.6.6, 203.0.113.7, 10.2.3.4', LB)).toBe('203.0.113.7');
    expect(clientAddress('::ffff:127.0.0.1', '203.0.113.7', LB)).toBe('203.0.113.7');
    expect(clientAddress('fd00::5', '2001:db8::7', LB)).toBe('2001:db8::7');
    // Not a listed proxy: its header is the client's own claim.
    expect(clientAddress('198.51.100.9', '203.0.113.7', LB)).toBe('198.51.100.9');
    // Only proxies all the way: the leftmost one is all there is.
    expect(clientAddress('10.0.0.1', '10.0.0.2', LB)).toBe('10.0.0.2');
  });

  it('stops at the proxy that passed on a missing or malformed entry', () => {
    expect(clientAddress('10.0.0.1', '203.0.113.7, garbage', LB)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', '203.0.113.7,', ONE_HOP)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', '', ONE_HOP)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', undefined, LB)).toBe('10.0.0.1');
  });

  it('property: behind an appending proxy, nothing the client writes becomes its address', () => {
    fc.assert(
      fc.property(forged, realClient, fc.boolean(), (claims, real, separateLines) => {
        const header = separateLines ? [...claims, real] : [...claims, real].join(', ');
        expect(clientAddress('10.0.0.1', header, ONE_HOP)).toBe(clientAddress(real, undefined, NONE));
        const viaTwo = separateLines
          ? [...claims, real, '10.9.9.9']
          : `${[...claims, real].join(',')},10.9.9.9`;
        expect(clientAddress('127.0.0.1', viaTwo, LB)).toBe(clientAddress(real, undefined, NONE));
      }),
    );
  });

  it('property: from an untrusted peer the header is never read', () => {
    fc.assert(
      fc.property(forged, realClient, (claims, peer) => {
        expect(clientAddress(peer, claims.join(','), LB)).toBe(clientAddress(peer, undefined, NONE));
        expect(clientAddress(peer, claims, NONE)).toBe(clientAddress(peer, undefined, NONE));
      }),
    );
  });

  it('property: any header yields the trusted peer or a canonical address, never raw text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          forged.map((c) => c.join(',')),
        ),
        (header) => {
          for (const trust of [ONE_HOP, LB, { kind: 'hops', hops: 5 } as const]) {
            const result = clientAddress('10.0.0.1', header, trust);
            expect(parseForwardedEntry(result), result).toBeDefined();
            expect(clientAddress(result, undefined, NONE)).toBe(result);
          }
        },
      ),
    );
  });

  it('walks at most 32 hops however long a forged chain of trusted-looking entries is', () => {
    const chain = Array.from({ length: 1000 }, () => '10.0.0.3').join(',');
    expect(clientAddress('10.0.0.1', `203.0.113.7,${chain}`, LB)).toBe('10.0.0.3');
  });
});

describe('isTrustedPeer', () => {
  it('knows the listed networks, counts every peer as a proxy with hops, none without', () => {
    expect(isTrustedPeer('10.1.2.3', LB)).toBe(true);
    expect(isTrustedPeer('::ffff:10.1.2.3', LB)).toBe(true);
    expect(isTrustedPeer('11.1.2.3', LB)).toBe(false);
    expect(isTrustedPeer('203.0.113.7', ONE_HOP)).toBe(true);
    expect(isTrustedPeer('203.0.113.7', { kind: 'hops', hops: 0 })).toBe(false);
    expect(isTrustedPeer('10.1.2.3', NONE)).toBe(false);
    expect(isTrustedPeer(undefined, LB)).toBe(false);
  });
});

describe('parseCidr', () => {
  it('reads addresses and networks of both families, and IPv4-mapped networks as IPv4', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ bytes: [10, 0, 0, 0], prefix: 8 });
    expect(parseCidr('127.0.0.1')).toEqual({ bytes: [127, 0, 0, 1], prefix: 32 });
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ bytes: [10, 0, 0, 0], prefix: 8 });
    expect(parseCidr('fd00::/8')?.prefix).toBe(8);
    expect(parseCidr('::1')?.prefix).toBe(128);
  });

  it.each([
    '',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    'fd00::/129',
    'example.com',
    '10/8',
  ])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('addressKey', () => {
  it('keeps IPv4, unmaps IPv4-mapped IPv6, groups IPv6 by /64, passes non-addresses through', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:DB8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::1')).toBe('::/64');
    expect(addressKey('unknown')).toBe('unknown');
  });

  it('property: two IPv6 addresses share a key exactly when their first 64 bits are equal', () => {
    const half = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 4, maxLength: 4 });
    const text = (words: number[]) => words.map((w) => w.toString(16)).join(':');
    fc.assert(
      fc.property(half, half, half, half, (netA, hostA, netB, hostB) => {
        // Skip the IPv4-mapped range, which is IPv4 by design.
        fc.pre(!(netA.every((w) => w === 0) || netB.every((w) => w === 0)));
        const a = addressKey(text([...netA, ...hostA]));
        const b = addressKey(text([...netB, ...hostB]));
        const sameNet = netA.every((w, i) => w === netB[i]);
        expect(a === b).toBe(sameNet);
        expect(addressKey(text([...netA, ...hostB]))).toBe(a);
      }),
    );
  });

  it('property: an IPv4 address and its IPv4-mapped IPv6 form share a key', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(addressKey(`::ffff:${ip}`)).toBe(addressKey(ip));
        expect(addressKey(ip)).toBe(ip);
      }),
    );
  });
});
