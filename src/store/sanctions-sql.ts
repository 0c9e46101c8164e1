// Sanctions in force (mutes, bans, kicks' cool-downs) and the address hashes address bans cover, as
// read by the domain; they are laid and lifted by room events (room-log-sql.ts applyEvent, which removes
// them with deleteSanction), in the event's transaction.
import type { Kysely } from 'kysely';
import type { RoomId, UserId } from '../chat/model.js';
import type { AddressHash } from '../net/address-hash.js';
import { type Database, iso, toInt, userOf } from './schema.js';
import type { Ban, BannedAddress, MemberSanctions, Mute } from './store.js';

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
  let result: { mutedUntil?: string; ban?: { until: string | null }; kickedUntil?: string } = {};
  for (const row of rows) {
    const until = row.until_at === null ? null : toInt(row.until_at);
    if (until !== null && until <= now.getTime()) continue;
    if (row.kind === 'mute' && until !== null) result = { ...result, mutedUntil: iso(until) };
    if (row.kind === 'kick' && until !== null) result = { ...result, kickedUntil: iso(until) };
    if (row.kind === 'ban') result = { ...result, ban: { until: until === null ? null : iso(until) } };
  }
  return result;
}

export async function listBans(db: Db, roomId: RoomId, now: Date): Promise<Ban[]> {
  const [rows, hashes] = await Promise.all([
    db
      .selectFrom('sanctions')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('kind', '=', 'ban')
      .where((eb) => eb.or([eb('until_at', 'is', null), eb('until_at', '>', now.getTime())]))
      .orderBy('created_at', 'desc')
      .execute(),
    db
      .selectFrom('ban_addresses')
      .select(['user_id', 'address_hash'])
      .where('room_id', '=', roomId)
      .orderBy('address_hash')
      .execute(),
  ]);
  const byUser = new Map<string, AddressHash[]>();
  for (const row of hashes) {
    const list = byUser.get(row.user_id) ?? [];
    list.push(row.address_hash as AddressHash);
    byUser.set(row.user_id, list);
  }
  return rows.map((r) => {
    const address = toInt(r.address_scope) !== 0;
    return {
      user: userOf(r.user_id, r.user_nick, r.user_tag),
      until: r.until_at === null ? null : iso(r.until_at),
      reason: r.reason,
      by: userOf(r.by_id, r.by_nick, r.by_tag),
      createdAt: iso(r.created_at),
      scope: address ? 'address' : 'identity',
      addressHashes: address ? (byUser.get(r.user_id) ?? []) : [],
    };
  });
}

export async function listMutes(db: Db, roomId: RoomId, now: Date): Promise<Mute[]> {
  const rows = await db
    .selectFrom('sanctions')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('kind', '=', 'mute')
    .where('until_at', '>', now.getTime())
    .orderBy('until_at')
    .orderBy('user_id')
    .execute();
  return rows.flatMap((r) =>
    r.until_at === null
      ? []
      : [
          {
            user: userOf(r.user_id, r.user_nick, r.user_tag),
            until: iso(r.until_at),
            reason: r.reason,
            by: userOf(r.by_id, r.by_nick, r.by_tag),
            createdAt: iso(r.created_at),
          },
        ],
  );
}

export async function listBannedAddresses(db: Db, roomId: RoomId, now: Date): Promise<BannedAddress[]> {
  const rows = await db
    .selectFrom('ban_addresses')
    .innerJoin('sanctions', (join) =>
      join
        .onRef('sanctions.room_id', '=', 'ban_addresses.room_id')
        .onRef('sanctions.user_id', '=', 'ban_addresses.user_id')
        .on('sanctions.kind', '=', 'ban')
        .on('sanctions.address_scope', '=', 1),
    )
    .select(['ban_addresses.address_hash', 'sanctions.until_at'])
    .where('ban_addresses.room_id', '=', roomId)
    .where((eb) =>
      eb.or([eb('sanctions.until_at', 'is', null), eb('sanctions.until_at', '>', now.getTime())]),
    )
    .orderBy('ban_addresses.address_hash')
    .execute();
  return rows.map((r) => ({
    hash: r.address_hash as AddressHash,
    until: r.until_at === null ? null : iso(r.until_at),
  }));
}
