// The operator API (`/api/admin/…`, `Authorization: Bearer <operator secret>`): its request bodies,
// queries and answers. Structure and fixed bounds only; configured sizes (word lists, reserved names)
// are checked by the server's Operators.
import * as z from 'zod/mini';
import { MAX_SANCTION_SECONDS, WordFilterSchema } from './send-bodies.js';
import { MESSAGE_ID_PATTERN, MessageSchema, ROOM_ID_PATTERN, RoomStateSchema, UserSchema } from './values.js';
import type { Wire } from './wire-type.js';

const isoTime = z.string();
const count = z.number().check(z.int(), z.minimum(0));
const integer = (field: string, min: number, max: number) => {
  const message = `The field "${field}" must be an integer from ${min} to ${max}.`;
  return z.number({ error: message }).check(z.int(message), z.minimum(min, message), z.maximum(max, message));
};
/** Query values arrive as text. */
const queryInteger = (name: string, min: number, max: number) => {
  const message = `The parameter "${name}" must be an integer from ${min} to ${max}.`;
  return z.coerce
    .number({ error: message })
    .check(z.int(message), z.minimum(min, message), z.maximum(max, message));
};
const reason = z.optional(z.nullable(z.string({ error: 'The field "reason" must be a string.' })));

/** `POST /api/admin/session`: the secret is right; who the operator is. */
export const OperatorSessionSchema = z.object({
  operator: z.object({ id: z.string(), actor: UserSchema }),
});
export type OperatorSession = Wire<typeof OperatorSessionSchema>;

/** `GET /api/admin/rooms?order=activity|reports&limit=`. */
export const AdminRoomsQuerySchema = z.object({
  order: z._default(
    z.enum(['activity', 'reports'], { error: 'The field "order" must be activity or reports.' }),
    'activity',
  ),
  limit: z._default(queryInteger('limit', 1, 200), 50),
});

/** A room as the operator list shows it: its stored identity and activity, closure and open reports. */
export const AdminRoomSchema = z.extend(
  z.pick(RoomStateSchema, {
    id: true,
    name: true,
    topic: true,
    createdAt: true,
    createdBy: true,
    lastMessageAt: true,
  }),
  {
    /** When an operator took it down; null: open. */
    closedAt: z.nullable(isoTime),
    openReports: count,
  },
);
export type AdminRoom = Wire<typeof AdminRoomSchema>;
export const AdminRoomsSchema = z.object({ rooms: z.array(AdminRoomSchema) });
export type AdminRooms = Wire<typeof AdminRoomsSchema>;

/** `POST /api/admin/rooms/:id/close`. */
export const CloseRoomBodySchema = z.object({ reason });

/** `GET /api/admin/reports?limit=`: messages with open reports, most recently reported first. */
export const AdminReportsQuerySchema = z.object({ limit: z._default(queryInteger('limit', 1, 200), 50) });

export const ReportQueueItemSchema = z.object({
  roomId: z.string(),
  roomName: z.string(),
  /** As stored: a message hidden pending review has its body here, and `hidden: true`. */
  message: MessageSchema,
  reports: z.array(
    z.object({ id: z.string(), reporter: UserSchema, reason: z.string(), createdAt: isoTime }),
  ),
});
export type ReportQueueItem = Wire<typeof ReportQueueItemSchema>;
export const ReportQueueSchema = z.object({ items: z.array(ReportQueueItemSchema) });
export type ReportQueue = Wire<typeof ReportQueueSchema>;

const roomIdField = z
  .string({ error: 'The field "roomId" must be a room id.' })
  .check(z.regex(ROOM_ID_PATTERN, 'The field "roomId" must be a room id.'));
const messageIdField = z
  .string({ error: 'The field "messageId" must be a message id.' })
  .check(z.regex(MESSAGE_ID_PATTERN, 'The field "messageId" must be a message id.'));
const userIdField = z
  .string({ error: 'The field "userId" must be a user id.' })
  .check(
    z.minLength(1, 'The field "userId" must be a user id.'),
    z.maxLength(100, 'The field "userId" must be a user id.'),
  );

/** `POST /api/admin/reports/dismiss` and `POST /api/admin/messages/delete`: one message of one room. */
export const MessageRefBodySchema = z.object({ roomId: roomIdField, messageId: messageIdField });

/** `POST /api/admin/bans`. */
export const ServerBanBodySchema = z.object({
  userId: userIdField,
  /** Also the addresses the identity was seen from; default true. */
  addresses: z.optional(z.boolean({ error: 'The field "addresses" must be true or false.' })),
  /** Absent or null: for good. */
  seconds: z.optional(z.nullable(integer('seconds', 1, MAX_SANCTION_SECONDS))),
  reason,
});

/** `POST /api/admin/bans/lift`. */
export const LiftServerBanBodySchema = z.object({ userId: userIdField });

export const ServerBanSchema = z.object({
  kind: z.enum(['user', 'address']),
  /** The identity it was laid on (an address ban names the identity whose address it is). */
  user: UserSchema,
  /** Null: for good. */
  until: z.nullable(isoTime),
  reason: z.nullable(z.string()),
  byOperator: z.string(),
  createdAt: isoTime,
});
export type ServerBanWire = Wire<typeof ServerBanSchema>;
/** Addresses are never shown, not even hashed: only how many an identity's ban covers. */
export const ServerBansSchema = z.object({ bans: z.array(ServerBanSchema) });
export type ServerBans = Wire<typeof ServerBansSchema>;

export const ServerSettingsSchema = z.object({
  reservedNames: z.array(z.string()),
  wordFilter: z.nullable(WordFilterSchema),
});
export type ServerSettingsWire = Wire<typeof ServerSettingsSchema>;

/** `POST /api/admin/settings`: the settings given are replaced. */
export const ServerSettingsBodySchema = z
  .object({
    reservedNames: z.optional(
      z
        .array(z.string({ error: 'The field "reservedNames" must be a list of strings.' }))
        .check(z.maxLength(10_000, 'The field "reservedNames" holds at most 10000 names.')),
    ),
    wordFilter: z.optional(z.nullable(WordFilterSchema)),
  })
  .check(
    z.refine(
      (s) => s.reservedNames !== undefined || s.wordFilter !== undefined,
      'Give reservedNames or wordFilter.',
    ),
  );

/** `GET /api/admin/audit?limit=`: operator actions, newest first. */
export const OperatorAuditQuerySchema = z.object({ limit: z._default(queryInteger('limit', 1, 500), 100) });
export const OperatorAuditEntrySchema = z.object({
  id: z.string(),
  operatorId: z.string(),
  action: z.string(),
  roomId: z.optional(z.string()),
  messageId: z.optional(z.string()),
  targetId: z.optional(z.string()),
  details: z.record(z.string(), z.unknown()),
  createdAt: isoTime,
});
export const OperatorAuditSchema = z.object({ entries: z.array(OperatorAuditEntrySchema) });
export type OperatorAudit = Wire<typeof OperatorAuditSchema>;

/** `GET /api/rooms/:id/word-filter` (staff): the room's own list and report threshold (null: the server's). */
export const RoomWordFilterSchema = z.object({
  wordFilter: z.nullable(WordFilterSchema),
  reportHideThreshold: z.nullable(count),
});

/** `/user/queue/reports` (staff): a room's count of open reports, each time it changes. */
export const OpenReportsCountSchema = z.object({ roomId: z.string(), open: count });
export type OpenReportsCount = Wire<typeof OpenReportsCountSchema>;

/** `POST /api/admin/messages/delete`. */
export const MessageDeletedSchema = z.object({ deleted: z.literal(true) });
/** `POST /api/admin/reports/dismiss`: how many open reports were closed. */
export const ReportsDismissedSchema = z.object({ dismissed: count });
/** `POST /api/admin/bans/lift`: how many server bans were lifted. */
export const BansLiftedSchema = z.object({ lifted: count });
