// The secrets that bring an identity to another browser, as keyed hashes only: one recovery code per
// user (replaced when regenerated) and single-use, expiring device link codes (at most one live per
// user). Knows nothing of how codes are made or hashed (src/chat/identity-codes.ts).
import type { Kysely } from 'kysely';
import type { UserId } from '../chat/model.js';
import { type Database, toInt } from './schema.js';
import type { IssuedCodeRecord } from './store.js';

type Db = Kysely<Database>;

export async function setRecoveryCode(db: Db, userId: UserId, codeHash: string, at: Date): Promise<void> {
  await db
    .insertInto('recovery_codes')
    .values({ user_id: userId, code_hash: codeHash, created_at: at.getTime() })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ code_hash: codeHash, created_at: at.getTime() }))
    .execute();
}

export async function findRecoveryCodeCreatedAt(db: Db, userId: UserId): Promise<Date | undefined> {
  const row = await db
    .selectFrom('recovery_codes')
    .select('created_at')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row === undefined ? undefined : new Date(toInt(row.created_at));
}

export async function findRecoveryCode(db: Db, codeHash: string): Promise<IssuedCodeRecord | undefined> {
  const row = await db
    .selectFrom('recovery_codes')
    .select(['user_id', 'created_at'])
    .where('code_hash', '=', codeHash)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { userId: row.user_id as UserId, at: new Date(toInt(row.created_at)) };
}

export async function createDeviceLink(
  db: Db,
  userId: UserId,
  codeHash: string,
  expiresAt: Date,
  now: Date,
): Promise<void> {
  // Expired codes are useless: dropped here, so the table holds only live ones (and a few dead).
  await db.deleteFrom('device_links').where('expires_at', '<=', now.getTime()).execute();
  await db
    .insertInto('device_links')
    .values({ code_hash: codeHash, user_id: userId, expires_at: expiresAt.getTime() })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({ code_hash: codeHash, expires_at: expiresAt.getTime() }),
    )
    .execute();
}

export async function redeemDeviceLink(
  db: Db,
  codeHash: string,
  now: Date,
): Promise<IssuedCodeRecord | undefined> {
  // Deleted and read in one statement: two redemptions racing (on any node) cannot both get the row.
  const row = await db
    .deleteFrom('device_links')
    .where('code_hash', '=', codeHash)
    .returning(['user_id', 'expires_at'])
    .executeTakeFirst();
  if (row === undefined || toInt(row.expires_at) <= now.getTime()) return undefined;
  return { userId: row.user_id as UserId, at: new Date(toInt(row.expires_at)) };
}
