// Sign out everywhere: per user, the stamp before which tokens are refused; it only moves forward, also
// when two nodes revoke at once.
import type { Kysely } from 'kysely';
import type { UserId } from '../chat/model.js';
import { type Database, toInt } from './schema.js';

type Db = Kysely<Database>;

export async function findTokensValidAfter(db: Db, userId: UserId): Promise<Date | undefined> {
  const row = await db
    .selectFrom('token_revocations')
    .select('valid_after')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row === undefined ? undefined : new Date(toInt(row.valid_after));
}

export async function revokeTokens(db: Db, userId: UserId, validAfter: Date): Promise<Date> {
  const ms = validAfter.getTime();
  await db
    .insertInto('token_revocations')
    .values({ user_id: userId, valid_after: ms })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({ valid_after: ms }).where('token_revocations.valid_after', '<', ms),
    )
    .execute();
  const row = await db
    .selectFrom('token_revocations')
    .select('valid_after')
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return new Date(toInt(row.valid_after));
}
