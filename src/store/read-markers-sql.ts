// Read markers: each user's last read seq per room (only ever raised), and the unread counts after it.
import type { Kysely } from 'kysely';
import type { RoomId, UserId } from '../chat/model.js';
import { ParleyError } from '../errors.js';
import { type Database, toInt } from './schema.js';
import type { MarkedRead, ReadSummary, UnreadRoom } from './store.js';

type Db = Kysely<Database>;

export async function markRead(db: Db, userId: UserId, roomId: RoomId, seq: number): Promise<MarkedRead> {
  const exists = await db.selectFrom('rooms').select('id').where('id', '=', roomId).executeTakeFirst();
  if (exists === undefined) throw new ParleyError('room_not_found');
  const written = await db
    .insertInto('read_markers')
    .values({ user_id: userId, room_id: roomId, last_read_seq: seq })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'room_id'])
        .doUpdateSet({ last_read_seq: seq })
        .where('read_markers.last_read_seq', '<', seq),
    )
    .executeTakeFirst();
  const row = await db
    .selectFrom('read_markers')
    .select('last_read_seq')
    .where('user_id', '=', userId)
    .where('room_id', '=', roomId)
    .executeTakeFirstOrThrow();
  // A new marker or a higher one: a row was written (a lower or equal seq writes none).
  return {
    lastReadSeq: toInt(row.last_read_seq),
    raised: Number(written.numInsertedOrUpdatedRows ?? 0n) > 0,
  };
}

/** A kicked or banned member's marker goes: the room's unread count must not tell them what is said. */
export async function forgetReadMarker(trx: Db, roomId: RoomId, userId: UserId): Promise<void> {
  await trx.deleteFrom('read_markers').where('room_id', '=', roomId).where('user_id', '=', userId).execute();
}

export async function listUnread(db: Db, userId: UserId): Promise<UnreadRoom[]> {
  // User ids are UUIDs (no LIKE wildcards); the mentions column is the JSON the store wrote itself.
  const mentionedPattern = `%"id":"${userId}"%`;
  const rows = await db
    .selectFrom('read_markers as r')
    .innerJoin('rooms as room', 'room.id', 'r.room_id')
    .select((eb) => {
      // After the marker, by others, not deleted: the unread messages; mentions of the user are some of them.
      const unseen = eb
        .selectFrom('messages as m')
        .select((e2) => e2.fn.countAll().as('n'))
        .whereRef('m.room_id', '=', 'r.room_id')
        .whereRef('m.seq', '>', 'r.last_read_seq')
        .where('m.deleted', '=', 0)
        .where('m.author_id', '<>', userId);
      return [
        'r.room_id',
        'r.last_read_seq',
        'room.name',
        unseen.as('unread'),
        unseen.where('m.mentions', 'like', mentionedPattern).as('mentions'),
      ];
    })
    .where('r.user_id', '=', userId)
    // A room taken down is no longer one of the user's rooms.
    .where('room.closed_at', 'is', null)
    .orderBy('r.room_id')
    .execute();
  return rows.map((r) => ({
    roomId: r.room_id as RoomId,
    name: r.name,
    lastReadSeq: toInt(r.last_read_seq),
    unread: toInt(r.unread ?? 0),
    mentions: toInt(r.mentions ?? 0),
  }));
}

/** Leaving a room: the user's marker goes, and with it the room from their rooms. True if there was one. */
export async function forgetRead(db: Db, userId: UserId, roomId: RoomId): Promise<boolean> {
  const result = await db
    .deleteFrom('read_markers')
    .where('user_id', '=', userId)
    .where('room_id', '=', roomId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Who follows a room (holds a read marker in it): those whose unread count a new message raises. */
export async function listReaders(db: Db, roomId: RoomId, limit: number): Promise<UserId[]> {
  const rows = await db
    .selectFrom('read_markers')
    .select('user_id')
    .where('room_id', '=', roomId)
    .orderBy('user_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.user_id as UserId);
}

/**
 * How far the room has been read: every member's marker while there are at most `maxMarkers` of them,
 * else how many markers stand at each seq from `fromSeq` on (the rest are below it).
 */
export async function readSummary(
  db: Db,
  roomId: RoomId,
  maxMarkers: number,
  fromSeq: number,
): Promise<ReadSummary> {
  const rows = await db
    .selectFrom('read_markers')
    .select(['user_id', 'last_read_seq'])
    .where('room_id', '=', roomId)
    .orderBy('user_id')
    .limit(maxMarkers + 1)
    .execute();
  if (rows.length <= maxMarkers) {
    return {
      members: rows.length,
      markers: rows.map((r) => ({ userId: r.user_id as UserId, seq: toInt(r.last_read_seq) })),
    };
  }
  const [total, groups] = await Promise.all([
    db
      .selectFrom('read_markers')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('room_id', '=', roomId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('read_markers')
      .select((eb) => ['last_read_seq', eb.fn.countAll().as('n')])
      .where('room_id', '=', roomId)
      .where('last_read_seq', '>=', fromSeq)
      .groupBy('last_read_seq')
      .orderBy('last_read_seq', 'desc')
      .execute(),
  ]);
  return {
    members: toInt(total.n),
    readBy: groups.map((g) => ({ seq: toInt(g.last_read_seq), count: toInt(g.n) })),
  };
}

/** How many members hold a read marker in the room. */
export async function countReaders(db: Db, roomId: RoomId): Promise<number> {
  const row = await db
    .selectFrom('read_markers')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('room_id', '=', roomId)
    .executeTakeFirstOrThrow();
  return toInt(row.n);
}
