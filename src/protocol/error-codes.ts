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

/** A code that ends the STOMP connection with an ERROR frame. */
function fatal<S extends number>(status: S, summary: string) {
  return { status, stomp: 'fatal', summary } as const;
}

/** A code reported on `/user/queue/errors`; the connection stays open. */
function queue<S extends number>(status: S, summary: string) {
  return { status, stomp: 'queue', summary } as const;
}

export const ERROR_CATALOGUE = {
  // STOMP protocol and limits: the peer is not speaking STOMP as agreed, so the connection ends.
  invalid_frame: fatal(400, 'The bytes are not a valid STOMP frame.'),
  frame_too_large: fatal(413, 'A frame is larger than the frame size limit.'),
  too_many_headers: fatal(400, 'A frame has more headers than allowed.'),
  header_too_long: fatal(400, 'A header line is longer than allowed.'),
  not_connected: fatal(400, 'A frame other than CONNECT came before CONNECT.'),
  unsupported_version: fatal(400, 'No STOMP version in common with the client.'),
  protocol_error: fatal(400, 'A frame breaks the STOMP rules (missing header, unknown id).'),
  too_many_subscriptions: fatal(429, 'The connection has more subscriptions than allowed.'),
  too_many_connections: fatal(429, 'Too many connections from this address.'),
  slow_consumer: fatal(503, 'The client did not read fast enough; its outbound buffer overflowed.'),
  heartbeat_timeout: fatal(408, 'The peer sent nothing within the heart-beat window.'),
  connect_timeout: fatal(408, 'No CONNECT frame arrived in time.'),
  unauthorized: fatal(401, 'The token is missing, expired or not valid.'),
  shutting_down: fatal(503, 'The server is shutting down; reconnect elsewhere.'),
  invalid_header: fatal(400, 'A header value could not be written back in the negotiated STOMP version.'),
  frame_timeout: fatal(408, 'A frame took too long to arrive once it began.'),
  too_many_errors: fatal(429, 'Too many frames of this connection were refused; it was closed.'),
  session_revoked: fatal(401, "The connection's token was revoked (signed out everywhere); sign in again."),
  identity_renamed: fatal(
    409,
    'The identity was renamed (on this or another device); reconnect to speak with the new name.',
  ),
  server_banned: fatal(403, 'An operator banned this identity or its address from the whole server.'),

  // Application problems: the request is refused, the connection stays.
  forbidden_destination: queue(403, 'That destination does not accept this frame (e.g. SEND to /topic).'),
  unknown_destination: queue(404, 'No such destination.'),
  room_not_found: queue(404, 'The room does not exist.'),
  invalid_message: queue(400, 'The message body is empty or malformed.'),
  message_too_long: queue(400, 'The message is longer than allowed.'),
  rate_limited: queue(429, 'Too many requests; wait and try again.'),
  storage_unavailable: queue(503, 'The message could not be stored; it was not delivered.'),
  invalid_nickname: queue(400, 'The nickname breaks the nickname rules.'),
  nickname_reserved: queue(
    400,
    'The nickname is reserved (admin, moderator, system, …) or looks like one that is.',
  ),
  nickname_unavailable: queue(
    409,
    'Every tag of this nickname is held by a live identity; pick another nickname.',
  ),
  unsafe_text: queue(
    400,
    'The text has a bidi override, an unclosed direction control, or stacked combining marks.',
  ),
  invalid_room: queue(400, 'The room name or topic breaks the room rules.'),
  invalid_request: queue(400, 'The request is malformed.'),
  not_found: queue(404, 'No such resource.'),
  internal_error: queue(500, 'An unexpected error; it has been logged.'),
  forbidden: queue(403, 'You are not allowed to do that in this room.'),
  muted: queue(403, 'You are muted in this room.'),
  banned: queue(403, 'You are banned from this room.'),
  kicked: queue(403, 'You were removed from this room; you may join it again once the cool-down ends.'),
  newcomer_wait: queue(
    403,
    'New here: you may read this room but not post yet (identity too young or too few messages seen).',
  ),
  slow_mode: queue(429, 'Slow mode is on in this room; wait and try again.'),
  room_full: queue(409, 'The room has as many members online as it allows.'),
  wrong_password: queue(403, 'The room password is missing or wrong.'),
  edit_window_closed: queue(403, 'The time to edit or delete this message has passed.'),
  message_not_found: queue(404, 'No such message in this room.'),
  too_many_reactions: queue(409, 'The message has as many reactions as allowed (emojis, or yours on it).'),
  too_many_pins: queue(409, 'The room has as many pinned messages as allowed (MAX_PINS_PER_ROOM).'),
  not_muted: queue(409, 'That user is not muted in this room.'),
  not_banned: queue(409, 'That user is not banned from this room.'),
  not_joined: queue(403, 'Join the room first: subscribe to it (STOMP) or present its room grant (HTTP).'),
  too_many_attempts: queue(429, 'Too many room password attempts; wait and try again.'),
  server_busy: queue(503, 'The server is busy checking passwords; try again shortly.'),
  invalid_code: queue(403, 'The recovery or device link code is wrong, used up, expired or lapsed.'),
  room_closed: queue(410, 'An operator took the room down: nobody can join, read or post in it.'),
  word_filtered: queue(400, 'The text contains a word the room or the server does not allow.'),
  not_operator: queue(401, 'The operator secret is missing or wrong (operator API, /api/admin/).'),
  owner_not_absent: queue(409, "The room's owner was seen too recently for a moderator to claim the room."),
  not_present: queue(409, 'Ownership goes only to someone in the room now; that user is not.'),
  query_too_short: queue(400, 'The search query is too short to search every room at once.'),
  queue_full: queue(503, 'The generic queue (or all queues of the node) holds as many messages as allowed.'),
  unportable_header: queue(
    400,
    'A header of a SEND to a generic destination holds a character not every STOMP version can carry (CR, LF; a colon in a name).',
  ),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Every code, in catalogue order. */
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as readonly ErrorCode[];

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}
