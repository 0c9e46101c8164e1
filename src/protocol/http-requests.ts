// What clients send to the JSON API: request bodies and query strings, one schema each. Structure
// only (types, fixed bounds, defaults); names, topics and nicknames are judged by the room domain's
// rules, so they pass through here as given. Field messages are written for people.
import * as z from 'zod/mini';
import type { Wire } from './wire-type.js';

const BODY_MESSAGE = 'The body must be a JSON object.';
const integer = (name: string, min: number, max: number) => {
  const message = `The parameter "${name}" must be an integer from ${min} to ${max}.`;
  return z.coerce
    .number({ error: message })
    .check(z.int(message), z.minimum(min, message), z.maximum(max, message));
};
const text = (name: string, maxChars: number) => {
  const message = `The parameter "${name}" must be at most ${maxChars} characters.`;
  return z.string({ error: message }).check(z.maxLength(maxChars, message));
};

/** `POST /api/sessions`: the nickname is checked by the nickname rules (invalid_nickname). */
export const CreateSessionBodySchema = z.object({ nickname: z.unknown() }, { error: BODY_MESSAGE });
export type CreateSessionBody = Wire<typeof CreateSessionBodySchema>;

/** `POST /api/sessions/rename`: the new nickname, checked by the nickname rules (invalid_nickname). */
export const RenameBodySchema = z.object({ nickname: z.unknown() }, { error: BODY_MESSAGE });
export type RenameBody = Wire<typeof RenameBodySchema>;

/** `POST /api/sessions/recover` and `/api/sessions/link`: a code as typed (case, spaces, hyphens ignored). */
export const CodeBodySchema = z.object({ code: text('code', 200) }, { error: BODY_MESSAGE });
export type CodeBody = Wire<typeof CodeBodySchema>;

/** `POST /api/rooms`: name and topic are checked by the room rules (invalid_room). */
export const CreateRoomBodySchema = z.object(
  { name: z.unknown(), topic: z.optional(z.unknown()) },
  { error: BODY_MESSAGE },
);
export type CreateRoomBody = Wire<typeof CreateRoomBodySchema>;

/** `POST /api/rooms/:id/join`: the password of a password room (none for an open one, or for staff). */
export const JoinRoomBodySchema = z.object(
  {
    password: z.optional(
      z
        .string({ error: 'The field "password" must be a string.' })
        .check(z.maxLength(1024, 'The field "password" must be at most 1024 characters.')),
    ),
  },
  { error: BODY_MESSAGE },
);
export type JoinRoomBody = Wire<typeof JoinRoomBodySchema>;

const seq = (name: string) => integer(name, 0, Number.MAX_SAFE_INTEGER);

/** How many messages a history page may hold, and holds when the client does not say (configured). */
export interface HistoryPageBounds {
  readonly historyPageMax: number;
  readonly historyPageDefault: number;
}

/** `GET /api/rooms/:id/messages?before|after&limit`: the latest page, or one before or after a seq. */
export function historyQuerySchema(pages: HistoryPageBounds) {
  return z
    .object({
      before: z.optional(seq('before')),
      after: z.optional(seq('after')),
      limit: z._default(integer('limit', 1, pages.historyPageMax), pages.historyPageDefault),
    })
    .check(
      z.refine((q) => q.before === undefined || q.after === undefined, 'Use before or after, not both.'),
    );
}
export type HistoryQuery = Wire<ReturnType<typeof historyQuerySchema>>;

/** `GET /api/rooms/:id/reads?from`: counts per seq from this seq on (large rooms); nothing else. */
export const ReadsQuerySchema = z.strictObject({ from: z._default(seq('from'), 0) });
export type ReadsQuery = Wire<typeof ReadsQuerySchema>;

/** `GET /api/rooms?q&limit&cursor`. */
export const RoomsQuerySchema = z.object({
  q: z.optional(text('q', 200)),
  limit: z._default(integer('limit', 1, 100), 20),
  cursor: z.optional(text('cursor', 500)),
});
export type RoomsQuery = Wire<typeof RoomsQuerySchema>;

/** Search limits (configured): the longest query and the largest page. */
export interface SearchBounds {
  readonly searchQueryMaxChars: number;
  readonly searchPageMax: number;
}

/** The page size of a search that gives no `limit`. */
export const SEARCH_PAGE_DEFAULT = 20;

/**
 * `GET /api/rooms/:id/search?q&before&limit` and `GET /api/search?q&before&limit`: `q` is counted in code
 * points and taken literally (never a pattern); `before` is a previous page's `nextCursor`.
 */
export function searchQuerySchema(bounds: SearchBounds) {
  const tooLong = `The parameter "q" must be 1 to ${bounds.searchQueryMaxChars} characters.`;
  return z.object({
    q: z.string({ error: tooLong }).check(
      z.refine((q) => q.trim() !== '' && Array.from(q).length <= bounds.searchQueryMaxChars, tooLong),
      z.refine((q) => !q.includes('\u0000'), 'The parameter "q" must not contain NUL.'),
    ),
    before: z.optional(text('before', 500)),
    limit: z._default(
      integer('limit', 1, bounds.searchPageMax),
      Math.min(SEARCH_PAGE_DEFAULT, bounds.searchPageMax),
    ),
  });
}
export type SearchQuery = Wire<ReturnType<typeof searchQuerySchema>>;

/** `GET /api/rooms/:id/audit?before&limit` (owner only). */
export const AuditQuerySchema = z.object({
  before: z.optional(integer('before', 1, Number.MAX_SAFE_INTEGER)),
  limit: z._default(integer('limit', 1, 200), 50),
});
export type AuditQuery = Wire<typeof AuditQuerySchema>;

/** `GET /api/rooms/:id/reports?limit` (staff only). */
export const ReportsQuerySchema = z.object({ limit: z._default(integer('limit', 1, 200), 100) });
export type ReportsQuery = Wire<typeof ReportsQuerySchema>;
