// What operators read and write across rooms, shared by both engines: the room list with closed rooms
// and report counts, the report queue and its resolution, server-wide bans, the address hashes an
// identity was seen from, server settings and the operator audit log. Knows nothing of who is an
// operator (the chat's Operators decides) or of HTTP.
import { type Kysely, sql } from 'kysely';
import * as z from 'zod/mini';
import type { Message, MessageId, RoomId, UserId } from '../chat/model.js';
import { decodeJson } from '../protocol/index.js';
import { hydrate } from './room-log-sql.js';
import { type Database, iso, type MessageRow, roomFromRow, toInt, userOf } from './schema.js';
import type {
  OperatorAuditRecord,
  OperatorRoom,
  ReportQueueItem,
  ServerBan,
  ServerBanKind,
} from './store.js';

type Db = Kysely<Database>;

const openReports = (db: Db) =>
  db
    .selectFrom('reports')
    .select(['room_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('resolved_at', 'is', null)
    .groupBy('room_id');

export async function listRoomsForOperators(
  db: Db,
  query: { readonly order: 'activity' | 'reports'; readonly limit: number },
): Promise<OperatorRoom[]> {
  const counted = db
    .selectFrom('rooms')
    .leftJoin(openReports(db).as('open'), 'open.room_id', 'rooms.id')
    .selectAll('rooms')
    .select(sql<number | string>`COALESCE(open.n, 0)`.as('open_reports'));
  const ordered =
    query.order === 'reports'
      ? counted.orderBy(sql`COALESCE(open.n, 0)`, 'desc').orderBy('rooms.active_at', 'desc')
      : counted.orderBy('rooms.active_at', 'desc');
  const rows = await ordered.orderBy('rooms.id', 'desc').limit(query.limit).execute();
  return rows.map(({ open_reports, ...row }) => ({
    room: roomFromRow(row),
    openReports: toInt(open_reports),
  }));
}

/** Messages as stored, with reply quotes and reactions; a hidden one keeps its body (for review). */
async function storedMessages(db: Db, ids: readonly string[]): Promise<Map<string, Message>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
  const bodies = new Map(rows.map((r: MessageRow) => [r.id, r.body]));
  const messages = await hydrate(db, rows);
  return new Map(
    messages.map((m) => [m.id as string, m.hidden === true ? { ...m, body: bodies.get(m.id) ?? m.body } : m]),
  );
}

export { storedMessages };

export async function listReportQueue(db: Db, limit: number): Promise<ReportQueueItem[]> {
  const latest = await db
    .selectFrom('reports')
    .select(['room_id', 'message_id', (eb) => eb.fn.max('created_at').as('last_at')])
    .where('resolved_at', 'is', null)
    .groupBy(['room_id', 'message_id'])
    .orderBy(sql`max(created_at)`, 'desc')
    .limit(limit)
    .execute();
  if (latest.length === 0) return [];
  const messageIds = latest.map((r) => r.message_id);
  const [reports, rooms, messages] = await Promise.all([
    db
      .selectFrom('reports')
      .selectAll()
      .where('resolved_at', 'is', null)
      .where('message_id', 'in', messageIds)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute(),
    db
      .selectFrom('rooms')
      .select(['id', 'name'])
      .where('id', 'in', [...new Set(latest.map((r) => r.room_id))])
      .execute(),
    storedMessages(db, messageIds),
  ]);
  const roomNames = new Map(rooms.map((r) => [r.id, r.name]));
  return latest.flatMap((item): ReportQueueItem[] => {
    const message = messages.get(item.message_id);
    const roomName = roomNames.get(item.room_id);
    if (message === undefined || roomName === undefined) return [];
    return [
      {
        roomId: item.room_id as RoomId,
        roomName,
        message,
        reports: reports
          .filter((r) => r.message_id === item.message_id && r.room_id === item.room_id)
          .map((r) => ({
            id: r.id,
            reporter: userOf(r.reporter_id, r.reporter_nick, r.reporter_tag),
            reason: r.reason,
            createdAt: iso(r.created_at),
          })),
      },
    ];
  });
}

export async function countOpenReports(db: Db, roomId: RoomId): Promise<number> {
  const row = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('room_id', '=', roomId)
    .where('resolved_at', 'is', null)
    .executeTakeFirstOrThrow();
  return toInt(row.n);
}

export async function countOpenReporters(db: Db, roomId: RoomId, messageId: MessageId): Promise<number> {
  const row = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.count<number | string>('reporter_id').distinct().as('n'))
    .where('room_id', '=', roomId)
    .where('message_id', '=', messageId)
    .where('resolved_at', 'is', null)
    .executeTakeFirstOrThrow();
  return toInt(row.n);
}

export async function resolveReports(
  db: Db,
  resolution: {
    readonly roomId: RoomId;
    readonly messageId: MessageId;
    readonly how: 'dismissed' | 'deleted';
    readonly by: string;
    readonly at: Date;
  },
): Promise<number> {
  const result = await db
    .updateTable('reports')
    .set({ resolved_at: resolution.at.getTime(), resolved_by: resolution.by, resolution: resolution.how })
    .where('room_id', '=', resolution.roomId)
    .where('message_id', '=', resolution.messageId)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function addServerBans(db: Db, bans: readonly ServerBan[]): Promise<void> {
  if (bans.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const ban of bans) {
      await trx
        .deleteFrom('server_bans')
        .where('kind', '=', ban.kind)
        .where('subject', '=', ban.subject)
        .execute();
      await trx
        .insertInto('server_bans')
        .values({
          kind: ban.kind,
          subject: ban.subject,
          user_id: ban.user.id,
          user_nick: ban.user.nickname,
          user_tag: ban.user.tag,
          until_at: ban.until === null ? null : ban.until.getTime(),
          reason: ban.reason,
          by_operator: ban.byOperator,
          created_at: ban.createdAt.getTime(),
        })
        .execute();
    }
  });
}

export async function liftServerBans(db: Db, userId: UserId): Promise<number> {
  const result = await db.deleteFrom('server_bans').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function listServerBans(db: Db, now: Date): Promise<ServerBan[]> {
  const rows = await db
    .selectFrom('server_bans')
    .selectAll()
    .where((eb) => eb.or([eb('until_at', 'is', null), eb('until_at', '>', now.getTime())]))
    .orderBy('created_at', 'desc')
    .orderBy('kind', 'desc')
    .orderBy('subject')
    .execute();
  return rows.map((r) => ({
    kind: r.kind as ServerBanKind,
    subject: r.subject,
    user: userOf(r.user_id, r.user_nick, r.user_tag),
    until: r.until_at === null ? null : new Date(toInt(r.until_at)),
    reason: r.reason,
    byOperator: r.by_operator,
    createdAt: new Date(toInt(r.created_at)),
  }));
}

export async function listServerSettings(db: Db): Promise<Record<string, string>> {
  const rows = await db.selectFrom('server_settings').select(['key', 'value']).execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export async function saveServerSetting(db: Db, key: string, json: string, at: Date): Promise<void> {
  await db
    .insertInto('server_settings')
    .values({ key, value: json, updated_at: at.getTime() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: at.getTime() }))
    .execute();
}

export async function addOperatorAudit(db: Db, record: OperatorAuditRecord): Promise<void> {
  await db
    .insertInto('operator_audit')
    .values({
      id: record.id,
      operator_id: record.operatorId,
      action: record.action,
      room_id: record.roomId ?? null,
      message_id: record.messageId ?? null,
      target_id: record.targetId ?? null,
      details: JSON.stringify(record.details),
      created_at: record.createdAt.getTime(),
    })
    .execute();
}

const DetailsSchema = z.record(z.string(), z.unknown());

export async function listOperatorAudit(db: Db, limit: number): Promise<OperatorAuditRecord[]> {
  const rows = await db
    .selectFrom('operator_audit')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => {
    const decoded = decodeJson(DetailsSchema, r.details);
    return {
      id: r.id,
      operatorId: r.operator_id,
      action: r.action,
      ...(r.room_id === null ? {} : { roomId: r.room_id }),
      ...(r.message_id === null ? {} : { messageId: r.message_id }),
      ...(r.target_id === null ? {} : { targetId: r.target_id }),
      details: decoded.ok ? { ...decoded.value } : {},
      createdAt: new Date(toInt(r.created_at)),
    };
  });
}
