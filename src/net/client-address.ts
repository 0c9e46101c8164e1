// Who a client is, as far as per-address limits go: the address a request came from (the socket peer,
// or behind trusted proxies the X-Forwarded-For entry they vouch for) and the key a limit counts it
// under (IPv6 by /64). Pure and dependency-free: HTTP, both STOMP listeners and the chat use it.
// Knows nothing of requests or sockets beyond the two strings it is handed.
import { isIP } from 'node:net';

/** An address or network parsed to bytes: IPv4 (and IPv4-mapped IPv6) as 4 bytes, IPv6 as 16. */
export interface Cidr {
  readonly bytes: readonly number[];
  /** Leading bits that must match: 0–32 for IPv4, 0–128 for IPv6. */
  readonly prefix: number;
}

/**
 * Which peers may speak for a client through `X-Forwarded-For`.
 * - `none`: the socket peer is the client; the header is ignored.
 * - `hops`: exactly `hops` proxies stand in front of every node; the client is that many entries from
 *   the right of [X-Forwarded-For…, peer]. Whatever a client writes itself lies further left.
 * - `proxies`: only peers inside these networks are proxies; walking from the right, trusted entries
 *   are skipped and the first untrusted one is the client.
 */
export type ProxyTrust =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'proxies'; readonly proxies: readonly Cidr[] };

/** Longer entries are not addresses (the longest IPv6 text with a zone is far shorter). */
const MAX_ENTRY_LENGTH = 100;
/** Walking further left than this is only reached by a forged chain; no deployment has this many proxies. */
const MAX_HOPS = 32;

/** Parses an IPv4 or IPv6 address (no brackets, no port; an IPv6 zone is dropped). */
export function parseAddress(text: string): readonly number[] | undefined {
  if (text.length === 0 || text.length > MAX_ENTRY_LENGTH) return undefined;
  const zone = text.indexOf('%');
  const bare = zone >= 0 ? text.slice(0, zone) : text;
  const family = isIP(bare);
  if (family === 4) return zone >= 0 ? undefined : bare.split('.').map(Number);
  if (family !== 6) return undefined;
  const bytes = ipv6Bytes(bare);
  return bytes === undefined ? undefined : unmapped(bytes);
}

/** 16 bytes of an IPv6 text `isIP` accepted (so the syntax is already known to be valid). */
function ipv6Bytes(text: string): number[] | undefined {
  let tail: number[] = [];
  let hex = text;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    hex = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = hex.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (rest === undefined && missing !== 0)) return undefined;
  const words = [...left, ...new Array<number>(missing).fill(0), ...right];
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** `::ffff:a.b.c.d` is an IPv4 client on a dual-stack socket: the same client as `a.b.c.d`. */
function unmapped(bytes: readonly number[]): readonly number[] {
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function format(bytes: readonly number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  // WHATWG's serializer is RFC 5952's canonical form (lower case, longest zero run compressed).
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1);
}

/** `10.0.0.0/8`, `127.0.0.1`, `fd00::/8`, `::1`; undefined when malformed. Host bits are ignored. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const bytes = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (bytes === undefined) return undefined;
  const max = bytes.length * 8;
  if (slash < 0) return { bytes, prefix: max };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  let prefix = Number(prefixText);
  // An IPv4-mapped network was unmapped to 4 bytes; its prefix counted the 96 mapping bits.
  const mappedPrefix = bytes.length === 4 && isIP(text.slice(0, slash)) === 6;
  if (mappedPrefix) prefix -= 96;
  if (prefix < 0 || prefix > max) return undefined;
  return { bytes, prefix };
}

function contains(cidr: Cidr, bytes: readonly number[]): boolean {
  if (cidr.bytes.length !== bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i += 1, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((cidr.bytes[i] ?? 0) & mask) !== ((bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * One X-Forwarded-For entry as an address: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]`,
 * `[2001:db8::1]:443`. Anything else (`unknown`, obfuscated names, garbage) is undefined.
 */
export function parseForwardedEntry(entry: string): readonly number[] | undefined {
  const text = entry.trim();
  if (text.length > MAX_ENTRY_LENGTH) return undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    const after = text.slice(close + 1);
    if (after !== '' && !/^:\d{1,5}$/.test(after)) return undefined;
    const inner = text.slice(1, close);
    // Brackets hold IPv6 only (an IPv4-mapped one still comes back as 4 bytes).
    return inner.includes(':') ? parseAddress(inner) : undefined;
  }
  const portMatch = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  return parseAddress(portMatch?.[1] ?? text);
}

function forwardedEntries(header: string | readonly string[] | undefined): string[] {
  if (header === undefined) return [];
  // Several header lines are one list, in order (RFC 9110 §5.3); Node already joins them, but not always.
  const joined = typeof header === 'string' ? header : header.join(',');
  return joined.split(',');
}

function isTrusted(trust: ProxyTrust, bytes: readonly number[] | undefined, hop: number): boolean {
  switch (trust.kind) {
    case 'none':
      return false;
    case 'hops':
      return hop < trust.hops;
    case 'proxies':
      return bytes !== undefined && trust.proxies.some((cidr) => contains(cidr, bytes));
  }
}

/**
 * The client's address for per-address limits and logs. The peer is where the walk starts; while the
 * current address is a trusted proxy, the next entry to the left of X-Forwarded-For is what it vouched
 * for. An entry that is missing or not an address ends the walk at the proxy that passed it on: its
 * own address is kept (failing towards a shared, stricter budget, never towards one the client picks).
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trust: ProxyTrust,
): string {
  const peerBytes = peer === undefined ? undefined : parseAddress(peer);
  let current = peerBytes === undefined ? (peer ?? 'unknown') : format(peerBytes);
  if (!isTrusted(trust, peerBytes, 0)) return current;
  const entries = forwardedEntries(forwardedFor);
  let bytes = peerBytes;
  for (let hop = 0; hop < MAX_HOPS && isTrusted(trust, bytes, hop); hop += 1) {
    const entry = entries.pop();
    if (entry === undefined) break;
    bytes = parseForwardedEntry(entry);
    if (bytes === undefined) break;
    current = format(bytes);
  }
  return current;
}

/** True when the socket peer itself is a trusted proxy (its connections stand for many clients). */
export function isTrustedPeer(peer: string | undefined, trust: ProxyTrust): boolean {
  return isTrusted(trust, peer === undefined ? undefined : parseAddress(peer), 0);
}

/**
 * The key every per-address limit counts under: IPv4 as is, IPv4-mapped IPv6 as its IPv4 address,
 * IPv6 as its /64 network (one subscriber usually holds at least a /64, so counting single IPv6
 * addresses would give one host 2^64 budgets). Text that is not an address is returned unchanged.
 */
export function addressKey(address: string): string {
  const bytes = parseAddress(address);
  if (bytes === undefined) return address;
  if (bytes.length === 4) return format(bytes);
  return `${format([...bytes.slice(0, 8), 0, 0, 0, 0, 0, 0, 0, 0])}/64`;
}
