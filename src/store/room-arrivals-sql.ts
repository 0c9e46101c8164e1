// When members first entered rooms and whether they passed the newcomer gate: the gate counts the
// room's messages by others since a member's arrival, and weighs the identity's age (users.created_at).
import { type Kysely, sql } from 'kysely';
import type { RoomId, UserId } from '../chat/model.js';
import { type Database, toInt } from './schema.js';
import type { NewcomerStanding } from './store.js';

type Db = Kysely<Database>;

export async function recordArrival(db: Db, roomId: RoomId, userId: UserId, at: Date): Promise<void> {
  const ms = at.getTime();
  // One statement: the room's current seq is where the count starts; someone with messages in the room
  // already spoke there before the gate saw them arrive, so they count as passed.
  await sql`
    INSERT INTO room_arrivals (room_id, user_id, first_seq, arrived_at, passed_at)
    SELECT r.id, CAST(${userId} AS text), r.last_seq, CAST(${ms} AS bigint),
      CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE m.room_id = r.id AND m.author_id = ${userId})
        THEN CAST(${ms} AS bigint) ELSE NULL END
    FROM rooms r WHERE r.id = ${roomId}
    ON CONFLICT (room_id, user_id) DO NOTHING`.execute(db);
}

export async function findNewcomerStanding(
  db: Db,
  roomId: RoomId,
  userId: UserId,
  countUpTo: number,
): Promise<NewcomerStanding> {
  const [user, arrival] = await Promise.all([
    db.selectFrom('users').select('created_at').where('id', '=', userId).executeTakeFirst(),
    db
      .selectFrom('room_arrivals')
      .select(['first_seq', 'arrived_at', 'passed_at', 'approval'])
      .where('room_id', '=', roomId)
      .where('user_id', '=', userId)
      .executeTakeFirst(),
  ]);
  const identityCreatedAt = user === undefined ? undefined : new Date(toInt(user.created_at));
  if (arrival === undefined) {
    return { identityCreatedAt, arrivedAt: undefined, messagesSince: 0, passed: false, approval: 'none' };
  }
  const passed = arrival.passed_at !== null;
  let messagesSince = 0;
  if (!passed && countUpTo > 0) {
    // Bounded: at most `countUpTo` rows are read, however busy the room was since.
    const { rows } = await sql<{ n: number | string }>`
      SELECT COUNT(*) AS n FROM (
        SELECT 1 FROM messages
        WHERE room_id = ${roomId} AND seq > ${toInt(arrival.first_seq)} AND author_id <> ${userId}
          AND deleted = 0
        LIMIT ${countUpTo}
      ) counted`.execute(db);
    messagesSince = toInt(rows[0]?.n ?? 0);
  }
  return {
    identityCreatedAt,
    arrivedAt: new Date(toInt(arrival.arrived_at)),
    messagesSince,
    passed,
    approval:
      arrival.approval === 'asked' || arrival.approval === 'approved' || arrival.approval === 'denied'
        ? arrival.approval
        : 'none',
  };
}

export async function markNewcomerPassed(db: Db, roomId: RoomId, userId: UserId, at: Date): Promise<void> {
  await db
    .updateTable('room_arrivals')
    .set({ passed_at: at.getTime() })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .where('passed_at', 'is', null)
    .execute();
}
