// Keyed hashes of client network addresses: what an address ban or an "identities from this address"
// count stores instead of the address. The key is derived from the token secret (HKDF, its own label),
// so a leaked database alone cannot be brute-forced over the 2^32 IPv4 space; IPv6 is hashed by its /64
// (addressKey), the unit one subscriber holds. Knows nothing of bans or rooms.
import { createHmac, hkdfSync } from 'node:crypto';
import { addressKey } from './client-address.js';

/** A keyed hash of an address's network (base64url, 22 characters: 128 bits of HMAC-SHA-256). */
export type AddressHash = string & { readonly __brand: 'AddressHash' };

const HKDF_INFO = 'parley address hash v1';
const HASH_CHARS = 22;

export class AddressHasher {
  readonly #key: Buffer;

  constructor(secret: Uint8Array) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), HKDF_INFO, 32));
  }

  /** The hash of the network an address belongs to; the same for every address of one IPv6 /64. */
  hash(address: string): AddressHash {
    const digest = createHmac('sha256', this.#key).update(addressKey(address)).digest('base64url');
    return digest.slice(0, HASH_CHARS) as AddressHash;
  }
}
