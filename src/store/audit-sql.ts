// The staff audit log as read by the owner; entries are written with their room event (room-log-sql.ts).
import type { Kysely } from 'kysely';
import type { MessageId, RoomId } from '../chat/model.js';
import { type Database, iso, toInt, userOf } from './schema.js';
import type { AuditEntry } from './store.js';

type Db = Kysely<Database>;

export async function listAudit(
  db: Db,
  roomId: RoomId,
  range: { readonly beforeId?: number; readonly limit: number },
): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll().where('room_id', '=', roomId);
  if (range.beforeId !== undefined) q = q.where('seq', '<', range.beforeId);
  const rows = await q.orderBy('seq', 'desc').limit(range.limit).execute();
  return rows.map((r) => {
    let details: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(r.details);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        details = parsed as Record<string, unknown>;
    } catch {
      details = {};
    }
    return {
      id: toInt(r.seq),
      action: r.action,
      actor: userOf(r.actor_id, r.actor_nick, r.actor_tag),
      ...(r.target_id === null || r.target_nick === null || r.target_tag === null
        ? {}
        : { target: userOf(r.target_id, r.target_nick, r.target_tag) }),
      ...(r.message_id === null ? {} : { messageId: r.message_id as MessageId }),
      details,
      createdAt: iso(r.created_at),
    };
  });
}
