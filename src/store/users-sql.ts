// Who an id is: users as first seen (for mentions and moderation), looked up by id or by handle. Tags
// are identity-tags-sql.ts; token revocation stamps are tokens-sql.ts.
import type { Kysely } from 'kysely';
import type { User, UserId } from '../chat/model.js';
import { type Database, handleKey, userOf } from './schema.js';

type Db = Kysely<Database>;

export async function rememberUser(db: Db, user: User, at: Date): Promise<void> {
  await db
    .insertInto('users')
    .values({
      id: user.id,
      nickname: user.nickname,
      tag: user.tag,
      handle_key: handleKey(user.nickname, user.tag),
      created_at: at.getTime(),
    })
    // An id's nickname and tag never change (a refreshed token keeps them): known ids are left alone.
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function findUser(db: Db, id: UserId): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'nickname', 'tag'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (row !== undefined) return userOf(row.id, row.nickname, row.tag);
  // Someone who joined before users were recorded: their latest message names them.
  const authored = await db
    .selectFrom('messages')
    .select(['author_id', 'author_nick', 'author_tag'])
    .where('author_id', '=', id)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return authored === undefined
    ? undefined
    : userOf(authored.author_id, authored.author_nick, authored.author_tag);
}

export async function findUsersByHandle(
  db: Db,
  handles: readonly { readonly nickname: string; readonly tag: string }[],
): Promise<User[]> {
  if (handles.length === 0) return [];
  const keys = [...new Set(handles.map((h) => handleKey(h.nickname, h.tag)))];
  const rows = await db
    .selectFrom('users')
    .leftJoin('identity_tags', (join) =>
      join.onRef('identity_tags.user_id', '=', 'users.id').onRef('identity_tags.tag', '=', 'users.tag'),
    )
    .select([
      'users.id',
      'users.nickname',
      'users.tag',
      'users.handle_key',
      'identity_tags.user_id as holder',
    ])
    .where('users.handle_key', 'in', keys)
    .orderBy('users.created_at')
    .orderBy('users.id')
    .execute();
  // Since tags are reserved (identity_tags), one identity holds a handle at a time; ids that had it
  // before (expired) or that share it from before reservations must not be mentioned beside it.
  const held = new Set(rows.filter((r) => r.holder !== null).map((r) => r.handle_key));
  return rows
    .filter((r) => r.holder !== null || !held.has(r.handle_key))
    .map((r) => userOf(r.id, r.nickname, r.tag));
}
