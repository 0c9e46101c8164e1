// The catalogue of error codes, a wire fact: each code's HTTP status, how STOMP reports it and what it
// means. `fatal` codes end a STOMP connection with an ERROR frame; `queue` codes go to the connection's
// `/user/queue/errors` and the connection stays open. docs/errors.md mirrors this table (a test keeps
// them in step). Data only: the server's ParleyError (src/errors.ts) and the web client both read it.

export type StompDisposition = 'fatal' | 'queue';

export interface ErrorSpec {
  readonly status: number;
  readonly stomp: StompDisposition;
  readonly summary: string;
}

export const ERROR_CATALOGUE = {
  // STOMP protocol and limits: the peer is not speaking STOMP as agreed, so the connection ends.
  invalid_frame: { status: 400, stomp: 'fatal', summary: 'The bytes are not a valid STOMP frame.' },
  frame_too_large: { status: 413, stomp: 'fatal', summary: 'A frame is larger than the frame size limit.' },
  too_many_headers: { status: 400, stomp: 'fatal', summary: 'A frame has more headers than allowed.' },
  header_too_long: { status: 400, stomp: 'fatal', summary: 'A header line is longer than allowed.' },
  not_connected: { status: 400, stomp: 'fatal', summary: 'A frame other than CONNECT came before CONNECT.' },
  unsupported_version: {
    status: 400,
    stomp: 'fatal',
    summary: 'No STOMP version in common with the client.',
  },
  protocol_error: {
    status: 400,
    stomp: 'fatal',
    summary: 'A frame breaks the STOMP rules (missing header, unknown id).',
  },
  too_many_subscriptions: {
    status: 429,
    stomp: 'fatal',
    summary: 'The connection has more subscriptions than allowed.',
  },
  too_many_connections: { status: 429, stomp: 'fatal', summary: 'Too many connections from this address.' },
  slow_consumer: {
    status: 503,
    stomp: 'fatal',
    summary: 'The client did not read fast enough; its outbound buffer overflowed.',
  },
  heartbeat_timeout: {
    status: 408,
    stomp: 'fatal',
    summary: 'The peer sent nothing within the heart-beat window.',
  },
  connect_timeout: { status: 408, stomp: 'fatal', summary: 'No CONNECT frame arrived in time.' },
  unauthorized: { status: 401, stomp: 'fatal', summary: 'The token is missing, expired or not valid.' },
  shutting_down: {
    status: 503,
    stomp: 'fatal',
    summary: 'The server is shutting down; reconnect elsewhere.',
  },
  invalid_header: {
    status: 400,
    stomp: 'fatal',
    summary: 'A header value could not be written back in the negotiated STOMP version.',
  },
  frame_timeout: { status: 408, stomp: 'fatal', summary: 'A frame took too long to arrive once it began.' },
  too_many_errors: {
    status: 429,
    stomp: 'fatal',
    summary: 'Too many frames of this connection were refused; it was closed.',
  },
  session_revoked: {
    status: 401,
    stomp: 'fatal',
    summary: "The connection's token was revoked (signed out everywhere); sign in again.",
  },

  // Application problems: the request is refused, the connection stays.
  forbidden_destination: {
    status: 403,
    stomp: 'queue',
    summary: 'That destination does not accept this frame (e.g. SEND to /topic).',
  },
  unknown_destination: { status: 404, stomp: 'queue', summary: 'No such destination.' },
  room_not_found: { status: 404, stomp: 'queue', summary: 'The room does not exist.' },
  invalid_message: { status: 400, stomp: 'queue', summary: 'The message body is empty or malformed.' },
  message_too_long: { status: 400, stomp: 'queue', summary: 'The message is longer than allowed.' },
  rate_limited: { status: 429, stomp: 'queue', summary: 'Too many requests; wait and try again.' },
  storage_unavailable: {
    status: 503,
    stomp: 'queue',
    summary: 'The message could not be stored; it was not delivered.',
  },
  invalid_nickname: { status: 400, stomp: 'queue', summary: 'The nickname breaks the nickname rules.' },
  nickname_reserved: {
    status: 400,
    stomp: 'queue',
    summary: 'The nickname is reserved (admin, moderator, system, …) or looks like one that is.',
  },
  nickname_unavailable: {
    status: 409,
    stomp: 'queue',
    summary: 'Every tag of this nickname is held by a live identity; pick another nickname.',
  },
  unsafe_text: {
    status: 400,
    stomp: 'queue',
    summary: 'The text has a bidi override, an unclosed direction control, or stacked combining marks.',
  },
  invalid_room: { status: 400, stomp: 'queue', summary: 'The room name or topic breaks the room rules.' },
  invalid_request: { status: 400, stomp: 'queue', summary: 'The request is malformed.' },
  not_found: { status: 404, stomp: 'queue', summary: 'No such resource.' },
  internal_error: { status: 500, stomp: 'queue', summary: 'An unexpected error; it has been logged.' },
  forbidden: { status: 403, stomp: 'queue', summary: 'You are not allowed to do that in this room.' },
  muted: { status: 403, stomp: 'queue', summary: 'You are muted in this room.' },
  banned: { status: 403, stomp: 'queue', summary: 'You are banned from this room.' },
  kicked: {
    status: 403,
    stomp: 'queue',
    summary: 'You were removed from this room; you may join it again.',
  },
  slow_mode: { status: 429, stomp: 'queue', summary: 'Slow mode is on in this room; wait and try again.' },
  room_full: { status: 409, stomp: 'queue', summary: 'The room has as many members online as it allows.' },
  wrong_password: { status: 403, stomp: 'queue', summary: 'The room password is missing or wrong.' },
  edit_window_closed: {
    status: 403,
    stomp: 'queue',
    summary: 'The time to edit or delete this message has passed.',
  },
  message_not_found: { status: 404, stomp: 'queue', summary: 'No such message in this room.' },
  too_many_reactions: {
    status: 409,
    stomp: 'queue',
    summary: 'The message has as many reactions as allowed (emojis, or yours on it).',
  },
  not_muted: { status: 409, stomp: 'queue', summary: 'That user is not muted in this room.' },
  not_banned: { status: 409, stomp: 'queue', summary: 'That user is not banned from this room.' },
  not_joined: {
    status: 403,
    stomp: 'queue',
    summary: 'Join the room first: subscribe to it (STOMP) or present its room grant (HTTP).',
  },
  too_many_attempts: {
    status: 429,
    stomp: 'queue',
    summary: 'Too many room password attempts; wait and try again.',
  },
  server_busy: {
    status: 503,
    stomp: 'queue',
    summary: 'The server is busy checking passwords; try again shortly.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Every code, in catalogue order. */
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as readonly ErrorCode[];

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}
