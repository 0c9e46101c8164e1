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
/** A kick's cool-down lasts at most a week (longer is a ban). */
export const MAX_KICK_SECONDS = 7 * 24 * 3600;
/** The newcomer gate's bounds: a week of identity age, a thousand messages of the room. */
export const MAX_NEWCOMER_MINUTES = 7 * 24 * 60;
export const MAX_NEWCOMER_MESSAGES = 1000;
/** What a ban covers: the identity alone, or also the network addresses it was recently used from. */
export const BAN_SCOPES = ['identity', 'address'] as const;
/** Hard caps of a word list on the wire; the configured ones (WORD_FILTER_MAX_*) are at most these. */
export const MAX_FILTER_WORDS = 10_000;
export const MAX_FILTER_WORD_CHARS = 200;
/** Distinct reporters that hide a message pending review; 0: never hide. */
export const MAX_REPORT_HIDE_THRESHOLD = 1000;

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

const wordsMessage = `The field "words" must be a list of at most ${MAX_FILTER_WORDS} strings of 1–${MAX_FILTER_WORD_CHARS} characters.`;

/** A banned-word list and what a match does: refuse the text (`word_filtered`) or mask the word (***). */
export const WordFilterSchema = z.object({
  mode: z.enum(['refuse', 'mask'], { error: 'The field "mode" must be refuse or mask.' }),
  words: z
    .array(
      z
        .string({ error: wordsMessage })
        .check(z.minLength(1, wordsMessage), z.maxLength(MAX_FILTER_WORD_CHARS, wordsMessage)),
      { error: wordsMessage },
    )
    .check(z.maxLength(MAX_FILTER_WORDS, wordsMessage)),
});
export type WordFilter = Wire<typeof WordFilterSchema>;

const passwordMessage = `The field "password" must be 1–${MAX_ROOM_PASSWORD_CHARS} characters, or null.`;

export const RoomSettingsSchema = z
  .object({
    topic: z.optional(z.nullable(z.string({ error: 'The field "topic" must be a string or null.' }))),
    memberCap: z.optional(z.nullable(integer('memberCap', 1, MAX_MEMBER_CAP))),
    slowModeSeconds: z.optional(integer('slowModeSeconds', 0, MAX_SLOW_MODE_SECONDS)),
    newcomerMinutes: z.optional(integer('newcomerMinutes', 0, MAX_NEWCOMER_MINUTES)),
    newcomerMessages: z.optional(integer('newcomerMessages', 0, MAX_NEWCOMER_MESSAGES)),
    approveNewcomers: z.optional(z.boolean({ error: 'The field "approveNewcomers" must be true or false.' })),
    password: z.optional(
      z.nullable(
        z
          .string({ error: passwordMessage })
          .check(z.minLength(1, passwordMessage), z.maxLength(MAX_ROOM_PASSWORD_CHARS, passwordMessage)),
      ),
    ),
    /** The room's own banned words (null: none); the server-wide list applies as well. */
    wordFilter: z.optional(z.nullable(WordFilterSchema)),
    /** Distinct reporters that hide a message pending review; 0: never; null: the server default. */
    reportHideThreshold: z.optional(z.nullable(integer('reportHideThreshold', 0, MAX_REPORT_HIDE_THRESHOLD))),
  })
  .check(
    z.refine(
      (s) =>
        s.topic !== undefined ||
        s.memberCap !== undefined ||
        s.slowModeSeconds !== undefined ||
        s.newcomerMinutes !== undefined ||
        s.newcomerMessages !== undefined ||
        s.approveNewcomers !== undefined ||
        s.password !== undefined ||
        s.wordFilter !== undefined ||
        s.reportHideThreshold !== undefined,
      'Give at least one of topic, memberCap, slowModeSeconds, newcomerMinutes, newcomerMessages, approveNewcomers, password, wordFilter, reportHideThreshold.',
    ),
  );
export type RoomSettings = Wire<typeof RoomSettingsSchema>;

const ACTION_MESSAGE =
  'The field "action" must be mute, unmute, kick, ban, unban, appoint, dismiss, approve, deny, settings, dismissReports, transfer, claim, pin, unpin or notice.';

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
    z.object({
      action: z.literal('kick'),
      userId,
      /** The cool-down before they may join again; absent: the server's default; 0: none. */
      seconds: z.optional(z.nullable(integer('seconds', 0, MAX_KICK_SECONDS))),
      reason,
    }),
    z.object({
      action: z.literal('ban'),
      userId,
      /** Absent or null: for good. */
      seconds: z.optional(z.nullable(integer('seconds', 1, MAX_SANCTION_SECONDS))),
      /** Absent: `identity`. `address` also bans the networks the user was recently seen from. */
      scope: z.optional(z.enum(BAN_SCOPES, { error: 'The field "scope" must be "identity" or "address".' })),
      reason,
    }),
    z.object({ action: z.literal('unmute'), userId }),
    z.object({ action: z.literal('unban'), userId }),
    z.object({ action: z.literal('appoint'), userId }),
    z.object({ action: z.literal('dismiss'), userId }),
    /** Rooms that approve newcomers: let this newcomer post (they pass the gate), or decline them. */
    z.object({ action: z.literal('approve'), userId }),
    z.object({ action: z.literal('deny'), userId }),
    z.extend(RoomSettingsSchema, { action: z.literal('settings') }),
    /** Closes every open report of the message (recorded in the audit log); a hidden message is shown again. */
    z.object({ action: z.literal('dismissReports'), messageId: messageId('messageId') }),
    /** The owner hands the room to someone in it now; the owner becomes a moderator. */
    z.object({ action: z.literal('transfer'), userId }),
    /** A moderator takes the room of an owner away for OWNER_ABSENCE_DAYS. */
    z.object({ action: z.literal('claim') }),
    /** Pins a message of the room (at most MAX_PINS_PER_ROOM), or takes it out of the pins. */
    z.object({ action: z.literal('pin'), messageId: messageId('messageId') }),
    z.object({ action: z.literal('unpin'), messageId: messageId('messageId') }),
    /** Sets the room's notice (the message rules apply, at most NOTICE_MAX_CHARS), or clears it (null). */
    z.object({
      action: z.literal('notice'),
      body: z.nullable(z.string({ error: 'The field "body" must be a string or null.' })),
    }),
  ],
  { error: ACTION_MESSAGE },
);
export type ModerateBody = Wire<typeof ModerateBodySchema>;
export type ModerateAction = ModerateBody['action'];

/** `SEND /app/rooms.<id>.ask`: a newcomer asks staff to approve them (rooms that approve newcomers). */
export const AskBodySchema = z.object({});
export type AskBody = Wire<typeof AskBodySchema>;

/** Room actions by destination suffix (`/app/rooms.<id>.<action>`), each with its body. */
export const ROOM_ACTION_BODIES = {
  edit: EditBodySchema,
  delete: DeleteBodySchema,
  react: ReactBodySchema,
  report: ReportBodySchema,
  read: ReadBodySchema,
  ask: AskBodySchema,
  moderate: ModerateBodySchema,
} as const;
export type RoomAction = keyof typeof ROOM_ACTION_BODIES;
