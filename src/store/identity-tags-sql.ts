// Tag allocation for identities, shared by both engines: (name key, tag) pairs held until they
// expire, taken by a single conditional upsert so concurrent sessions on any node never share one.
// Knows nothing of how name keys are made (src/chat/name-scripts.ts) or of tokens.
import { randomInt } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { ParleyError } from '../errors.js';
import type { Database } from './schema.js';
import type { TagClaim } from './store.js';

type Db = Kysely<Database>;

/** Random probes before reading which tags are taken; most names have few holders. */
const BLIND_PROBES = 4;
/** Expired rows removed per allocation, so the table tracks live identities, not all ever made. */
const PRUNE_BATCH = 32;

const formatTag = (n: number): string => String(n).padStart(4, '0');

/** Takes (key, tag) when free or expired; true when this claim now holds it. */
async function tryClaim(db: Db, claim: TagClaim, tag: string): Promise<boolean> {
  const row = await db
    .insertInto('identity_tags')
    .values({
      name_key: claim.nameKey,
      tag,
      user_id: claim.userId,
      expires_at: claim.expiresAt.getTime(),
    })
    .onConflict((oc) =>
      oc
        .columns(['name_key', 'tag'])
        .doUpdateSet({
          user_id: (eb) => eb.ref('excluded.user_id'),
          expires_at: (eb) => eb.ref('excluded.expires_at'),
        })
        .where('identity_tags.expires_at', '<=', claim.now.getTime()),
    )
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id === claim.userId;
}

export async function reserveTag(db: Db, claim: TagClaim): Promise<string> {
  const space = Math.max(1, Math.min(10_000, Math.trunc(claim.tagSpace)));
  // Best effort: a prune racing another node's (lock wait, deadlock victim) must not cost a session.
  await sql`DELETE FROM identity_tags WHERE (name_key, tag) IN (
      SELECT name_key, tag FROM identity_tags WHERE expires_at <= ${claim.now.getTime()} LIMIT ${PRUNE_BATCH})`
    .execute(db)
    .catch(() => undefined);
  for (let i = 0; i < Math.min(BLIND_PROBES, space); i++) {
    const tag = formatTag(randomInt(0, space));
    if (await tryClaim(db, claim, tag)) return tag;
  }
  // Crowded: pick among the tags nobody live holds. Another node may take one first; then look again,
  // a bounded number of times (each round fails only when others win every race it runs).
  for (let round = 0; round < 8; round++) {
    const held = new Set(
      (
        await db
          .selectFrom('identity_tags')
          .select('tag')
          .where('name_key', '=', claim.nameKey)
          .where('expires_at', '>', claim.now.getTime())
          .execute()
      ).map((r) => r.tag),
    );
    const free: string[] = [];
    for (let n = 0; n < space; n++) if (!held.has(formatTag(n))) free.push(formatTag(n));
    if (free.length === 0) break;
    for (let i = 0; i < Math.min(BLIND_PROBES, free.length); i++) {
      const [tag] = free.splice(randomInt(0, free.length), 1);
      if (tag !== undefined && (await tryClaim(db, claim, tag))) return tag;
    }
  }
  throw new ParleyError(
    'nickname_unavailable',
    'Every tag of this nickname is in use right now; pick another nickname.',
  );
}

export async function renewTag(db: Db, claim: TagClaim & { readonly tag: string }): Promise<boolean> {
  const expiresAt = claim.expiresAt.getTime();
  const row = await db
    .insertInto('identity_tags')
    .values({ name_key: claim.nameKey, tag: claim.tag, user_id: claim.userId, expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .columns(['name_key', 'tag'])
        .doUpdateSet({
          user_id: (eb) => eb.ref('excluded.user_id'),
          // Never shortens a hold: a refresh with an older clock must not free the tag early.
          expires_at: sql<number>`CASE WHEN identity_tags.user_id = excluded.user_id
            AND identity_tags.expires_at > excluded.expires_at
            THEN identity_tags.expires_at ELSE excluded.expires_at END`,
        })
        .where((eb) =>
          eb.or([
            eb('identity_tags.user_id', '=', claim.userId),
            eb('identity_tags.expires_at', '<=', claim.now.getTime()),
          ]),
        ),
    )
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id === claim.userId;
}
