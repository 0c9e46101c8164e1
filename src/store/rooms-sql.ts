// Rooms as records: created, found, listed (activity order, name and topic search, keyset cursor), and the
// password hash, which never leaves the store otherwise. Settings and staff change through room events
// (room-log-sql.ts), in the event's transaction; the owner's last-seen time is written here.
import { type Kysely, sql } from 'kysely';
import type { RoomId, StoredRoom, UserId } from '../chat/model.js';
import { containsPattern, type Database, encodeRoomCursor, foldName, roomFromRow, toInt } from './schema.js';
import type { NewRoom, RoomPage, RoomQuery } from './store.js';

type Db = Kysely<Database>;

export async function createRoom(db: Db, room: NewRoom & { readonly epoch: string }): Promise<StoredRoom> {
  const createdAt = room.createdAt.getTime();
  const row = await db
    .insertInto('rooms')
    .values({
      id: room.id,
      name: room.name,
      name_key: foldName(room.name),
      topic: room.topic,
      created_at: createdAt,
      created_by_id: room.createdBy.id,
      created_by_nick: room.createdBy.nickname,
      created_by_tag: room.createdBy.tag,
      last_message_at: null,
      last_seq: 0,
      active_at: createdAt,
      epoch: room.epoch,
      owner_id: room.createdBy.id,
      owner_seen_at: createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return roomFromRow(row);
}

export async function findRoom(db: Db, id: RoomId): Promise<StoredRoom | undefined> {
  const row = await db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : roomFromRow(row);
}

/** One page; `limit` checked by the caller, `after` the decoded cursor. */
export async function listRooms(
  db: Db,
  query: RoomQuery,
  after: { readonly activeAt: number; readonly id: string } | undefined,
): Promise<RoomPage> {
  const { limit } = query;
  // Rooms an operator took down are hidden from the list and from search.
  let q = db.selectFrom('rooms').selectAll().where('closed_at', 'is', null);
  if (query.query !== undefined && query.query !== '') {
    // The topic has no folded column: lower() folds it, by the locale on PostgreSQL, ASCII only on SQLite.
    const pattern = containsPattern(query.query);
    q = q.where(
      sql<boolean>`(name_key LIKE ${pattern} ESCAPE '\\' OR lower(topic) LIKE ${pattern} ESCAPE '\\')`,
    );
  }
  if (after !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb('active_at', '<', after.activeAt),
        eb.and([eb('active_at', '=', after.activeAt), eb('id', '<', after.id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('active_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    rooms: page.map(roomFromRow),
    nextCursor:
      rows.length > limit && last !== undefined ? encodeRoomCursor(toInt(last.active_at), last.id) : null,
  };
}

/** The scrypt hash; null: no password; undefined: no room. */
export async function findPasswordHash(db: Db, roomId: RoomId): Promise<string | null | undefined> {
  const row = await db
    .selectFrom('rooms')
    .select('password_hash')
    .where('id', '=', roomId)
    .executeTakeFirst();
  return row === undefined ? undefined : row.password_hash;
}

/** Moves the owner's last-seen time forward to `at`, only while `ownerId` owns the room. */
export async function markOwnerSeen(db: Db, roomId: RoomId, ownerId: UserId, at: Date): Promise<void> {
  await db
    .updateTable('rooms')
    .set({ owner_seen_at: at.getTime() })
    .where('id', '=', roomId)
    .where('owner_id', '=', ownerId)
    .where('owner_seen_at', '<', at.getTime())
    .execute();
}

/** When the room's owner was last seen; undefined: no room. */
export async function findOwnerSeenAt(db: Db, roomId: RoomId): Promise<Date | undefined> {
  const row = await db
    .selectFrom('rooms')
    .select('owner_seen_at')
    .where('id', '=', roomId)
    .executeTakeFirst();
  return row === undefined ? undefined : new Date(toInt(row.owner_seen_at));
}
