// Who an id is: users as first seen and as renamed since (for mentions, moderation and the name a
// token speaks with), looked up by id or by handle, and the rooms a user holds a role in. Tags are
// identity-tags-sql.ts; token revocation stamps are tokens-sql.ts.
import { type Kysely, sql } from 'kysely';
import type { RoomId, User, UserId } from '../chat/model.js';
import { type Database, handleKey, toInt, userOf } from './schema.js';
import type { StaffRoom, UserState } from './store.js';

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
      seen_at: at.getTime(),
    })
    // A known id keeps its row: only a rename (renameUser) changes its nickname and tag.
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** The user's current name (absent: never recorded) and revocation stamp, in one statement. */
export async function findUserState(db: Db, id: UserId): Promise<UserState> {
  const { rows } = await sql<{
    nickname: string | null;
    tag: string | null;
    valid_after: number | string | null;
  }>`SELECT u.nickname, u.tag, r.valid_after
       FROM (SELECT 1 AS one) probe
       LEFT JOIN users u ON u.id = ${id}
       LEFT JOIN token_revocations r ON r.user_id = ${id}`.execute(db);
  const row = rows[0];
  return {
    ...(row?.nickname == null || row.tag == null ? {} : { user: userOf(id, row.nickname, row.tag) }),
    ...(row?.valid_after == null ? {} : { validAfter: new Date(toInt(row.valid_after)) }),
  };
}

/** The id now goes by this nickname and tag (recorded if it never was). */
export async function renameUser(db: Db, user: User, at: Date): Promise<void> {
  const values = {
    nickname: user.nickname,
    tag: user.tag,
    handle_key: handleKey(user.nickname, user.tag),
    seen_at: at.getTime(),
  };
  await db
    .insertInto('users')
    .values({ id: user.id, ...values, created_at: at.getTime() })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}

/** The identity was used at `at` (a refresh, recovery or link); never moves back. */
export async function touchUser(db: Db, id: UserId, at: Date): Promise<void> {
  const ms = at.getTime();
  await db
    .updateTable('users')
    .set({ seen_at: ms })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('seen_at', 'is', null), eb('seen_at', '<', ms)]))
    .execute();
}

/** When the identity was last used: seen_at, else when it was first recorded; undefined: unknown id. */
export async function findUserSeenAt(db: Db, id: UserId): Promise<Date | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['seen_at', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return new Date(toInt(row.seen_at ?? row.created_at));
}

/** Rooms the user owns now (ownership moves: owner_id, not the creator) or moderates, most recently active first. */
export async function listStaffRooms(db: Db, id: UserId, limit: number): Promise<StaffRoom[]> {
  // Moderators are a JSON array of users written by usersJson: `{"id":"<id>",…}` names one exactly.
  const pattern = `%${JSON.stringify({ id })
    .slice(0, -1)
    .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await db
    .selectFrom('rooms')
    .select(['id', 'name', 'owner_id'])
    .where((eb) => eb.or([eb('owner_id', '=', id), sql<boolean>`moderators LIKE ${pattern} ESCAPE '\\'`]))
    .orderBy('active_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id as RoomId,
    name: r.name,
    role: r.owner_id === id ? ('owner' as const) : ('moderator' as const),
  }));
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
