// The staff audit log as read by the owner; entries are written with their room event (room-log-sql.ts).
import type { Kysely } from 'kysely';
import * as z from 'zod/mini';
import type { MessageId, RoomId } from '../chat/model.js';
import { decodeJson } from '../protocol/index.js';
import { type Database, iso, toInt, userOf } from './schema.js';
import type { AuditEntry } from './store.js';

/** What the action's details were written as: a JSON object (anything else reads as none). */
const AuditDetailsSchema = z.record(z.string(), z.unknown());

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
    const decoded = decodeJson(AuditDetailsSchema, r.details);
    const details: Record<string, unknown> = decoded.ok ? { ...decoded.value } : {};
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
