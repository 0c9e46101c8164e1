// The bodies clients SEND to `/app/rooms.<id>` and `/app/rooms.<id>.<action>` (and POST to the same
// actions over HTTP). Structure only: what a field is and its fixed bounds. Rules that depend on
// configuration or on the room (message length, marks per letter, slow mode, who may act) are the
// room domain's. Field messages are written for people; the adapter picks the error code.
import * as z from 'zod/mini';
import { CLIENT_MSG_ID_PATTERN, MESSAGE_ID_PATTERN } from './values.js';
import type { Wire } from './wire-type.js';

/** A mute or a timed ban lasts at most ten years. */
export const MAX_SANCTION_SECONDS = 10 * 365 * 24 * 3600;
export const MAX_MEMBER_CAP = 100_000;
export const MAX_SLOW_MODE_SECONDS = 3600;
export const MAX_ROOM_PASSWORD_CHARS = 128;

const messageId = (field: string) =>
  z
    .string({ error: `The field "${field}" must be a message id.` })
    .check(z.regex(MESSAGE_ID_PATTERN, `The field "${field}" must be a message id.`));
const userId = z
  .string({ error: 'The field "userId" must be a user id.' })
  .check(
    z.minLength(1, 'The field "userId" must be a user id.'),
    z.maxLength(100, 'The field "userId" must be a user id.'),
  );
const integer = (field: string, min: number, max: number) => {
  const message = `The field "${field}" must be an integer from ${min} to ${max}.`;
  return z.number({ error: message }).check(z.int(message), z.minimum(min, message), z.maximum(max, message));
};
const reason = z.optional(z.nullable(z.string({ error: 'The field "reason" must be a string.' })));

/** `SEND /app/rooms.<id>` with `content-type: application/json` (plain text is the body itself). */
export const PostMessageBodySchema = z.object({
  body: z.string({ error: 'The field "body" must be a string.' }),
  clientMsgId: z.optional(
    z.nullable(
      z
        .string({ error: 'The field "clientMsgId" must be 1–100 printable ASCII characters.' })
        .check(
          z.regex(CLIENT_MSG_ID_PATTERN, 'The field "clientMsgId" must be 1–100 printable ASCII characters.'),
        ),
    ),
  ),
  replyTo: z.optional(z.nullable(messageId('replyTo'))),
});
export type PostMessageBody = Wire<typeof PostMessageBodySchema>;

export const EditBodySchema = z.object({
  messageId: messageId('messageId'),
  body: z.string({ error: 'The field "body" must be a string.' }),
});
export type EditBody = Wire<typeof EditBodySchema>;

export const DeleteBodySchema = z.object({ messageId: messageId('messageId') });
export type DeleteBody = Wire<typeof DeleteBodySchema>;

export const ReactBodySchema = z.object({
  messageId: messageId('messageId'),
  emoji: z.string({ error: 'The field "emoji" must be a string.' }),
  on: z.boolean({ error: 'The field "on" must be true or false.' }),
});
export type ReactBody = Wire<typeof ReactBodySchema>;

export const ReportBodySchema = z.object({
  messageId: messageId('messageId'),
  reason: z.string({ error: 'A reason is required.' }),
});
export type ReportBody = Wire<typeof ReportBodySchema>;

export const ReadBodySchema = z.object({ seq: integer('seq', 0, Number.MAX_SAFE_INTEGER) });
export type ReadBody = Wire<typeof ReadBodySchema>;

const passwordMessage = `The field "password" must be 1–${MAX_ROOM_PASSWORD_CHARS} characters, or null.`;

export const RoomSettingsSchema = z
  .object({
    topic: z.optional(z.nullable(z.string({ error: 'The field "topic" must be a string or null.' }))),
    memberCap: z.optional(z.nullable(integer('memberCap', 1, MAX_MEMBER_CAP))),
    slowModeSeconds: z.optional(integer('slowModeSeconds', 0, MAX_SLOW_MODE_SECONDS)),
    password: z.optional(
      z.nullable(
        z
          .string({ error: passwordMessage })
          .check(z.minLength(1, passwordMessage), z.maxLength(MAX_ROOM_PASSWORD_CHARS, passwordMessage)),
      ),
    ),
  })
  .check(
    z.refine(
      (s) =>
        s.topic !== undefined ||
        s.memberCap !== undefined ||
        s.slowModeSeconds !== undefined ||
        s.password !== undefined,
      'Give at least one of topic, memberCap, slowModeSeconds, password.',
    ),
  );
export type RoomSettings = Wire<typeof RoomSettingsSchema>;

const ACTION_MESSAGE =
  'The field "action" must be mute, unmute, kick, ban, unban, appoint, dismiss, settings, transfer or claim.';

/** `SEND /app/rooms.<id>.moderate`: one staff action, named by `action`. */
export const ModerateBodySchema = z.discriminatedUnion(
  'action',
  [
    z.object({
      action: z.literal('mute'),
      userId,
      seconds: integer('seconds', 1, MAX_SANCTION_SECONDS),
      reason,
    }),
    z.object({ action: z.literal('kick'), userId, reason }),
    z.object({
      action: z.literal('ban'),
      userId,
      /** Absent or null: for good. */
      seconds: z.optional(z.nullable(integer('seconds', 1, MAX_SANCTION_SECONDS))),
      reason,
    }),
    z.object({ action: z.literal('unmute'), userId }),
    z.object({ action: z.literal('unban'), userId }),
    z.object({ action: z.literal('appoint'), userId }),
    z.object({ action: z.literal('dismiss'), userId }),
    z.extend(RoomSettingsSchema, { action: z.literal('settings') }),
    /** The owner hands the room to someone in it now; the owner becomes a moderator. */
    z.object({ action: z.literal('transfer'), userId }),
    /** A moderator takes the room of an owner away for OWNER_ABSENCE_DAYS. */
    z.object({ action: z.literal('claim') }),
  ],
  { error: ACTION_MESSAGE },
);
export type ModerateBody = Wire<typeof ModerateBodySchema>;
export type ModerateAction = ModerateBody['action'];

/** Room actions by destination suffix (`/app/rooms.<id>.<action>`), each with its body. */
export const ROOM_ACTION_BODIES = {
  edit: EditBodySchema,
  delete: DeleteBodySchema,
  react: ReactBodySchema,
  report: ReportBodySchema,
  read: ReadBodySchema,
  moderate: ModerateBodySchema,
} as const;
export type RoomAction = keyof typeof ROOM_ACTION_BODIES;
