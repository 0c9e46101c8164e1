// Sanctions in force (mutes, bans) as read by the domain; they are laid and lifted by room events
// (room-log-sql.ts applyEvent, which removes them with deleteSanction), in the event's transaction.
import type { Kysely } from 'kysely';
import type { RoomId, UserId } from '../chat/model.js';
import { type Database, iso, toInt, userOf } from './schema.js';
import type { Ban, MemberSanctions } from './store.js';

type Db = Kysely<Database>;

/** Removes the member's sanction of this kind (in force or run out); a new one replaces it, a lift ends it. */
export async function deleteSanction(
  trx: Db,
  roomId: RoomId,
  userId: UserId,
  kind: 'mute' | 'ban',
): Promise<void> {
  await trx
    .deleteFrom('sanctions')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .execute();
}

export async function findSanctions(
  db: Db,
  roomId: RoomId,
  userId: UserId,
  now: Date,
): Promise<MemberSanctions> {
  const rows = await db
    .selectFrom('sanctions')
    .select(['kind', 'until_at'])
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .execute();
  let result: { mutedUntil?: string; ban?: { until: string | null } } = {};
  for (const row of rows) {
    const until = row.until_at === null ? null : toInt(row.until_at);
    if (until !== null && until <= now.getTime()) continue;
    if (row.kind === 'mute' && until !== null) result = { ...result, mutedUntil: iso(until) };
    if (row.kind === 'ban') result = { ...result, ban: { until: until === null ? null : iso(until) } };
  }
  return result;
}

export async function listBans(db: Db, roomId: RoomId, now: Date): Promise<Ban[]> {
  const rows = await db
    .selectFrom('sanctions')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('kind', '=', 'ban')
    .where((eb) => eb.or([eb('until_at', 'is', null), eb('until_at', '>', now.getTime())]))
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    user: userOf(r.user_id, r.user_nick, r.user_tag),
    until: r.until_at === null ? null : iso(r.until_at),
    reason: r.reason,
    by: userOf(r.by_id, r.by_nick, r.by_tag),
    createdAt: iso(r.created_at),
  }));
}
