// Reports of messages, filed by members and read by staff (with the message in its current state).
import type { Kysely } from 'kysely';
import type { RoomId } from '../chat/model.js';
import { ParleyError } from '../errors.js';
import { storedMessages } from './operators-sql.js';
import { findMessage, userJson } from './room-log-sql.js';
import { type Database, iso, userOf } from './schema.js';
import type { NewReport, Report } from './store.js';

type Db = Kysely<Database>;

export async function addReport(db: Db, report: NewReport): Promise<Report> {
  const message = await findMessage(db, report.roomId, report.messageId);
  if (message === undefined) throw new ParleyError('message_not_found');
  await db
    .insertInto('reports')
    .values({
      id: report.id,
      room_id: report.roomId,
      message_id: report.messageId,
      reporter_id: report.reporter.id,
      reporter_nick: report.reporter.nickname,
      reporter_tag: report.reporter.tag,
      reason: report.reason,
      created_at: report.createdAt.getTime(),
    })
    .execute();
  return {
    id: report.id,
    message,
    reporter: userJson(report.reporter),
    reason: report.reason,
    createdAt: report.createdAt.toISOString(),
  };
}

export async function listReports(db: Db, roomId: RoomId, limit: number): Promise<Report[]> {
  // Open reports only: a dismissed or acted-on report has left the staff's queue (the audit log keeps it).
  const rows = await db
    .selectFrom('reports')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('resolved_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  // Staff review a hidden message: its body comes with the report.
  const messages = await storedMessages(db, [...new Set(rows.map((r) => r.message_id))]);
  return rows.flatMap((r): Report[] => {
    const message = messages.get(r.message_id);
    if (message === undefined) return [];
    return [
      {
        id: r.id,
        message,
        reporter: userOf(r.reporter_id, r.reporter_nick, r.reporter_tag),
        reason: r.reason,
        createdAt: iso(r.created_at),
      },
    ];
  });
}
