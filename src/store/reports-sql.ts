// Reports of messages, filed by members and read by staff (with the message in its current state).
import type { Kysely } from 'kysely';
import type { RoomId } from '../chat/model.js';
import { ParleyError } from '../errors.js';
import { findMessage, hydrate, userJson } from './room-log-sql.js';
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
  const rows = await db
    .selectFrom('reports')
    .selectAll()
    .where('room_id', '=', roomId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  const ids = [...new Set(rows.map((r) => r.message_id))];
  const messageRows =
    ids.length === 0 ? [] : await db.selectFrom('messages').selectAll().where('id', 'in', ids).execute();
  const messages = new Map((await hydrate(db, messageRows)).map((m) => [m.id as string, m]));
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
