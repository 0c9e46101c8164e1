// The codes that bring an identity to another browser: recovery codes (140 random bits, shown once)
// and device link codes (40 bits, single-use, minutes long), both in Crockford's base32 so they can be
// read aloud and typed (no I, L, O, U; those letters read as 1, 1, 0), and the keyed hash that is all
// the store ever sees of them. Knows nothing of users, tokens or storage.
import { createHmac, hkdfSync, randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUP = 4;

/** 28 symbols of 5 bits: 140 bits, seven groups of four. */
export const RECOVERY_CODE_SYMBOLS = 28;
/** 8 symbols of 5 bits: 40 bits, two groups of four (lives minutes, single-use, rationed). */
export const LINK_CODE_SYMBOLS = 8;

export type CodeKind = 'recovery' | 'link';

const SYMBOLS: Readonly<Record<CodeKind, number>> = {
  recovery: RECOVERY_CODE_SYMBOLS,
  link: LINK_CODE_SYMBOLS,
};

/** A fresh random code of the kind, grouped for reading: `7K3M-Q9TD-…`. */
export function newCode(kind: CodeKind): string {
  let symbols = '';
  for (let i = 0; i < SYMBOLS[kind]; i++) symbols += ALPHABET[randomInt(0, ALPHABET.length)];
  return group(symbols);
}

function group(symbols: string): string {
  const groups: string[] = [];
  for (let i = 0; i < symbols.length; i += GROUP) groups.push(symbols.slice(i, i + GROUP));
  return groups.join('-');
}

/**
 * The code as typed, in its one canonical form: case, spaces and hyphens ignored, the look-alike
 * letters read as the digits they resemble. Undefined when it cannot be a code of this kind.
 */
export function normalizeCode(kind: CodeKind, typed: string): string | undefined {
  if (typed.length > 200) return undefined;
  const symbols = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (symbols.length !== SYMBOLS[kind]) return undefined;
  for (const symbol of symbols) if (!ALPHABET.includes(symbol)) return undefined;
  return symbols;
}

/**
 * HMAC-SHA-256 under a key derived from the token secret. A fast keyed hash suffices: the codes carry
 * 40–140 random bits, so there is no small space to search, and without the key even a leaked table
 * cannot be checked against guesses offline. Deterministic, so the store looks a code up by its hash.
 */
export class CodeHasher {
  readonly #key: Buffer;

  constructor(secret: Uint8Array) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), 'parley identity codes v1', 32));
  }

  /** The hash of a normalised code; the kind is part of it, so a link code never matches a recovery one. */
  hash(kind: CodeKind, normalized: string): string {
    return createHmac('sha256', this.#key).update(`${kind}:${normalized}`).digest('base64url');
  }
}
