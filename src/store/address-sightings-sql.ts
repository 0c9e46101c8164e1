// Where users were seen from, as keyed hashes of their networks (never an address): recorded on session
// creation, CONNECT and authenticated HTTP requests, read when a ban copies a user's recent hashes and
// when staff are shown how many identities share them, pruned past the retention.
import { type Kysely, sql } from 'kysely';
import type { UserId } from '../chat/model.js';
import type { AddressHash } from '../net/address-hash.js';
import { type Database, toInt } from './schema.js';

type Db = Kysely<Database>;

export async function recordSighting(db: Db, userId: UserId, hash: AddressHash, at: Date): Promise<void> {
  const ms = at.getTime();
  await db
    .insertInto('address_sightings')
    .values({ user_id: userId, address_hash: hash, first_seen_at: ms, last_seen_at: ms })
    // Last seen only ever moves forward (two nodes may record out of order).
    .onConflict((oc) =>
      oc.columns(['user_id', 'address_hash']).doUpdateSet({
        last_seen_at: sql<number>`CASE WHEN address_sightings.last_seen_at < ${ms} THEN ${ms} ELSE address_sightings.last_seen_at END`,
      }),
    )
    .execute();
}

export async function listRecentHashes(
  db: Db,
  userId: UserId,
  since: Date,
  limit: number,
): Promise<AddressHash[]> {
  const rows = await db
    .selectFrom('address_sightings')
    .select('address_hash')
    .where('user_id', '=', userId)
    .where('last_seen_at', '>=', since.getTime())
    .orderBy('last_seen_at', 'desc')
    .orderBy('address_hash')
    .limit(limit)
    .execute();
  return rows.map((r) => r.address_hash as AddressHash);
}

export async function countIdentitiesFrom(
  db: Db,
  hashes: readonly AddressHash[],
  since: Date,
): Promise<number> {
  if (hashes.length === 0) return 0;
  const row = await db
    .selectFrom('address_sightings')
    .select((eb) => eb.fn.count<number | string>('user_id').distinct().as('n'))
    .where('address_hash', 'in', [...hashes])
    .where('last_seen_at', '>=', since.getTime())
    .executeTakeFirstOrThrow();
  return toInt(row.n);
}

export async function pruneSightings(db: Db, before: Date): Promise<number> {
  const result = await db
    .deleteFrom('address_sightings')
    .where('last_seen_at', '<', before.getTime())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
