// The STOMP API described: every destination this adapter serves (built from the same constants and
// body table chat-routes.ts routes by), the headers it reads, the bodies it takes and every MESSAGE it
// delivers (messages, each room event type, presence, the user queues), as an AsyncAPI 3.0 document.
// Seen from the server: a client's SEND is an operation the server `receive`s, a subscription's
// MESSAGEs are ones it `send`s.
import type * as z from 'zod/mini';
import {
  ERROR_CATALOGUE,
  type ErrorCode,
  HistoryResetSchema,
  MessageSchema,
  OpenReportsCountSchema,
  PostMessageBodySchema,
  PresenceEventSchema,
  ROOM_ACTION_BODIES,
  type RoomAction,
  RoomEventSchema,
  UnreadNoticeSchema,
  WireErrorSchema,
} from '../protocol/index.js';
import { jsonSchemaOf } from '../protocol/json-schema.js';
import {
  ERRORS_DESTINATION,
  MENTIONS_DESTINATION,
  PRESENCE_SUFFIX,
  REPORTS_DESTINATION,
  ROOM_APP_PREFIX,
  ROOM_TOPIC_PREFIX,
  TYPING_SUFFIX,
  UNREAD_DESTINATION,
} from './chat-routes.js';

export interface StompHeaderSpec {
  readonly name: string;
  readonly required: boolean;
  readonly description: string;
}

export interface StompMessageSpec {
  /** Unique in the document: `roomEvent.member.banned`. */
  readonly name: string;
  readonly summary: string;
  /** Headers the frame carries beside `destination`, `subscription`, `message-id`. */
  readonly headers: readonly StompHeaderSpec[];
  /** The JSON body's schema; `text` a plain-text body; `none` a body that is ignored. */
  readonly payload: z.ZodMiniType | 'text' | 'none';
}

export interface StompDestinationSpec {
  readonly frame: 'SEND' | 'SUBSCRIBE';
  /** `<id>` stands for a room id. */
  readonly destination: string;
  readonly summary: string;
  /** Headers of the SEND or SUBSCRIBE frame. */
  readonly headers: readonly StompHeaderSpec[];
  /** SEND: the bodies it takes; SUBSCRIBE: the MESSAGEs it delivers. */
  readonly messages: readonly StompMessageSpec[];
  /** Refusals, on `/user/queue/errors` (with `receipt-id` when the frame asked for a receipt). */
  readonly errors: readonly ErrorCode[];
  /** Served only when this configuration variable enables it (generic destinations). */
  readonly configured?: string;
  /** The AsyncAPI channel id, when the destination does not spell one (`<topic-prefix><name>`). */
  readonly channel?: string;
}

const ROOM = '<id>';
const RECEIPT: StompHeaderSpec = {
  name: 'receipt',
  required: false,
  description: 'Ask for a RECEIPT: it comes once the change is stored.',
};
const JSON_BODY: StompHeaderSpec = {
  name: 'content-type',
  required: false,
  description: '`application/json`.',
};
const ROOM_ID_HEADER: StompHeaderSpec = {
  name: 'room-id',
  required: true,
  description: 'The room it is about.',
};
const SEQ_HEADER: StompHeaderSpec = {
  name: 'seq',
  required: true,
  description: "The entry's seq in the room (dense over messages and room events).",
};

/** Refusals every room SEND can meet before its own rules. */
const ROOM_SEND: readonly ErrorCode[] = [
  'not_joined',
  'room_not_found',
  'room_closed',
  'banned',
  'rate_limited',
  'storage_unavailable',
  'unknown_destination',
];

const ACTION_SUMMARIES: Readonly<Record<RoomAction, string>> = {
  edit: 'Edit your message (within EDIT_WINDOW_SECONDS).',
  delete: 'Delete your message within the window; staff at any time.',
  react: 'Add or remove a reaction.',
  report: 'Report a message to the room staff.',
  read: 'Move your read marker (never lowers).',
  ask: 'A newcomer asks staff to approve them.',
  moderate: 'A staff action: mute, kick, ban, settings, ownership, pins, the notice… (named by `action`).',
};

const ACTION_ERRORS: Readonly<Record<RoomAction, readonly ErrorCode[]>> = {
  edit: [
    'invalid_request',
    'message_not_found',
    'forbidden',
    'edit_window_closed',
    'muted',
    'message_too_long',
    'invalid_message',
    'unsafe_text',
    'word_filtered',
  ],
  delete: ['invalid_request', 'message_not_found', 'forbidden', 'edit_window_closed'],
  react: ['invalid_request', 'message_not_found', 'too_many_reactions'],
  report: ['invalid_request', 'message_not_found', 'unsafe_text'],
  read: ['invalid_request'],
  ask: ['invalid_request', 'forbidden'],
  moderate: [
    'invalid_request',
    'forbidden',
    'not_muted',
    'not_banned',
    'unsafe_text',
    'message_not_found',
    'owner_not_absent',
    'not_present',
    'too_many_pins',
    'invalid_message',
    'message_too_long',
    'word_filtered',
  ],
};

/** The room event union's members, each with its `type`. */
function roomEventMessages(): StompMessageSpec[] {
  return RoomEventSchema._zod.def.options.map((option) => {
    const type = String([...(option.shape.type._zod.values ?? [])][0]);
    return {
      name: `roomEvent.${type}`,
      summary: `Room event \`${type}\`.`,
      headers: [SEQ_HEADER, { name: 'event', required: true, description: `\`${type}\`.` }],
      payload: option,
    };
  });
}

/** Every destination of the chat's STOMP adapter. */
export function stompDestinations(): readonly StompDestinationSpec[] {
  const room = `${ROOM_APP_PREFIX}${ROOM}`;
  const topic = `${ROOM_TOPIC_PREFIX}${ROOM}`;
  const actions = Object.entries(ROOM_ACTION_BODIES) as [RoomAction, z.ZodMiniType][];
  return [
    {
      frame: 'SEND',
      destination: room,
      summary: 'Post a message: stored, given the next seq, broadcast on the room topic.',
      headers: [
        {
          name: 'content-type',
          required: false,
          description: '`application/json` for the JSON body; otherwise the body is the text itself.',
        },
        RECEIPT,
      ],
      messages: [
        { name: 'post', summary: 'A message as JSON.', headers: [], payload: PostMessageBodySchema },
        {
          name: 'postText',
          summary: 'A message as plain text (`text/plain`).',
          headers: [],
          payload: 'text',
        },
      ],
      errors: [
        ...ROOM_SEND,
        'invalid_message',
        'message_too_long',
        'unsafe_text',
        'word_filtered',
        'muted',
        'slow_mode',
        'newcomer_wait',
        'message_not_found',
      ],
    },
    {
      frame: 'SEND',
      destination: `${room}${TYPING_SUFFIX}`,
      summary: "A typing notice to the room's presence topic (extra ones beyond 1 per 2 s are dropped).",
      headers: [],
      messages: [{ name: 'typing', summary: 'Body ignored.', headers: [], payload: 'none' }],
      errors: ['not_joined', 'room_not_found', 'unknown_destination'],
    },
    ...actions.map(
      ([action, body]): StompDestinationSpec => ({
        frame: 'SEND',
        destination: `${room}.${action}`,
        summary: ACTION_SUMMARIES[action],
        headers: [JSON_BODY, RECEIPT],
        messages: [{ name: action, summary: ACTION_SUMMARIES[action], headers: [], payload: body }],
        errors: [
          ...(action === 'moderate' ? ROOM_SEND.filter((c) => c !== 'not_joined') : ROOM_SEND),
          ...ACTION_ERRORS[action],
        ],
      }),
    ),
    {
      frame: 'SUBSCRIBE',
      destination: topic,
      summary: 'Join the room: its messages and room events, live (after replaying since `since-seq`).',
      headers: [
        { name: 'since-seq', required: false, description: 'Replay every entry after this seq first.' },
        { name: 'epoch', required: false, description: 'The room epoch `since-seq` belongs to.' },
        { name: 'room-password', required: false, description: "A password room's password." },
        { name: 'room-grant', required: false, description: 'A room grant from POST /api/rooms/{id}/join.' },
      ],
      messages: [
        {
          name: 'message',
          summary: 'A chat message (no `event` header).',
          headers: [SEQ_HEADER],
          payload: MessageSchema,
        },
        ...roomEventMessages(),
        {
          name: 'historyReset',
          summary: "since-seq/epoch do not describe this room's history: reload it, resume from lastSeq.",
          headers: [
            { name: 'event', required: true, description: '`history.reset`.' },
            { name: 'epoch', required: true, description: 'The current epoch.' },
            { name: 'last-seq', required: true, description: 'The last seq of the room.' },
          ],
          payload: HistoryResetSchema,
        },
      ],
      errors: [
        'room_not_found',
        'room_closed',
        'invalid_request',
        'wrong_password',
        'too_many_attempts',
        'server_busy',
        'banned',
        'kicked',
        'room_full',
        'unknown_destination',
      ],
    },
    {
      frame: 'SUBSCRIBE',
      destination: `${topic}${PRESENCE_SUFFIX}`,
      summary: 'Who joins, leaves and types (not stored, not sequenced).',
      headers: [
        { name: 'room-password', required: false, description: "A password room's password." },
        { name: 'room-grant', required: false, description: 'A room grant.' },
      ],
      messages: [
        {
          name: 'presence',
          summary: 'join, leave, typing, or read (read counts, small rooms).',
          headers: [],
          payload: PresenceEventSchema,
        },
      ],
      errors: ['room_not_found', 'room_closed', 'wrong_password', 'banned', 'unknown_destination'],
    },
    {
      frame: 'SUBSCRIBE',
      destination: ERRORS_DESTINATION,
      summary: "This connection's refusals; the connection stays open.",
      headers: [],
      messages: [
        {
          name: 'error',
          summary: 'A refusal; `room-id` when it is about a room (kicked, banned, room_closed).',
          headers: [
            { name: 'receipt-id', required: false, description: "The refused frame's `receipt`." },
            { name: 'room-id', required: false, description: 'The room it is about.' },
          ],
          payload: WireErrorSchema,
        },
      ],
      errors: [],
    },
    {
      frame: 'SUBSCRIBE',
      destination: MENTIONS_DESTINATION,
      summary: 'Messages that mention you, on every connection.',
      headers: [],
      messages: [
        { name: 'mention', summary: 'The message JSON.', headers: [ROOM_ID_HEADER], payload: MessageSchema },
      ],
      errors: [],
    },
    {
      frame: 'SUBSCRIBE',
      destination: UNREAD_DESTINATION,
      summary: 'A message was stored in a room you follow (have read in): re-read the unread counts.',
      headers: [],
      messages: [
        {
          name: 'unread',
          summary: 'The room and the new message seq.',
          headers: [ROOM_ID_HEADER],
          payload: UnreadNoticeSchema,
        },
      ],
      errors: [],
    },
    ...genericDestinations(),
    {
      frame: 'SUBSCRIBE',
      destination: REPORTS_DESTINATION,
      summary: "Staff: a room's count of open reports, each time it changes.",
      headers: [],
      messages: [
        {
          name: 'reportsCount',
          summary: 'The count.',
          headers: [ROOM_ID_HEADER],
          payload: OpenReportsCountSchema,
        },
      ],
      errors: [],
    },
  ];
}

const GENERIC_MESSAGE: StompMessageSpec = {
  name: 'generic',
  summary: "The SEND's body as it came (any bytes) and its user headers; reserved headers are the server's.",
  headers: [
    { name: 'user-id', required: true, description: 'Who sent it (set by the server, never the client).' },
    { name: 'content-type', required: false, description: "The sender's, passed through." },
    {
      name: 'redelivered',
      required: false,
      description: '`true` on a queue message given again (after a NACK, or its consumer left).',
    },
  ],
  payload: 'text',
};
const GENERIC_SEND_ERRORS: readonly ErrorCode[] = [
  'forbidden_destination',
  'unknown_destination',
  'message_too_long',
  'rate_limited',
  'unportable_header',
];

/** GENERIC_DESTINATIONS: a topic prefix and a queue prefix stand for every configured one of the kind. */
function genericDestinations(): StompDestinationSpec[] {
  const kinds = [
    {
      kind: 'topic',
      channel: 'genericTopic',
      send: 'Publish to every subscriber of this destination, on every node.',
      subscribe: 'Every message sent to this destination from now on.',
      errors: GENERIC_SEND_ERRORS,
    },
    {
      kind: 'queue',
      channel: 'genericQueue',
      send: 'Give to one consumer of this destination (on this node); kept until one takes it.',
      subscribe:
        'Messages one at a time among consumers; `ack: client`/`client-individual` redeliver on NACK.',
      errors: [...GENERIC_SEND_ERRORS, 'queue_full'] as const,
    },
  ] as const;
  return kinds.flatMap(({ kind, channel, send, subscribe, errors }) => [
    {
      frame: 'SEND',
      destination: `<${kind}-prefix><name>`,
      summary: send,
      headers: [RECEIPT, { name: 'content-type', required: false, description: 'Passed through.' }],
      messages: [{ ...GENERIC_MESSAGE, summary: 'Any body, at most GENERIC_MAX_BODY_BYTES.' }],
      errors,
      configured: 'GENERIC_DESTINATIONS',
      channel,
    },
    {
      frame: 'SUBSCRIBE',
      destination: `<${kind}-prefix><name>`,
      summary: subscribe,
      headers: [{ name: 'ack', required: false, description: '`auto`, `client` or `client-individual`.' }],
      messages: [GENERIC_MESSAGE],
      errors: ['forbidden_destination', 'unknown_destination'],
      configured: 'GENERIC_DESTINATIONS',
      channel,
    },
  ]);
}

/** `/app/rooms.<id>.edit` → `appRoomsEdit`. */
function channelId(spec: StompDestinationSpec): string {
  if (spec.channel !== undefined) return spec.channel;
  const words = spec.destination.split(/[/.]+/).filter((w) => w !== '' && w !== ROOM);
  return words.map((w, i) => (i === 0 ? w : (w[0]?.toUpperCase() ?? '') + w.slice(1))).join('');
}

function headersSchema(headers: readonly StompHeaderSpec[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: Object.fromEntries(
      headers.map((h) => [h.name, { type: 'string', description: h.description }]),
    ),
    required: headers.filter((h) => h.required).map((h) => h.name),
  };
}

function payloadOf(payload: StompMessageSpec['payload'], io: 'input' | 'output'): Record<string, unknown> {
  if (payload === 'text') return { type: 'string' };
  if (payload === 'none') return {};
  return jsonSchemaOf(payload, io);
}

/** The AsyncAPI 3.0 document of `stompDestinations`. */
export function buildAsyncApi(options: { readonly version: string }): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const spec of stompDestinations()) {
    const id = channelId(spec);
    const io = spec.frame === 'SEND' ? 'input' : 'output';
    const channelMessages: Record<string, unknown> = {};
    for (const message of spec.messages) {
      const key = `${id}.${message.name}`.replace(/[^A-Za-z0-9_.-]/g, '_');
      messages[key] = {
        name: message.name,
        summary: message.summary,
        contentType: message.payload === 'text' ? 'text/plain' : 'application/json',
        ...(message.headers.length === 0 ? {} : { headers: headersSchema(message.headers) }),
        payload: payloadOf(message.payload, io),
      };
      channelMessages[message.name] = { $ref: `#/components/messages/${key}` };
    }
    const hasRoom = spec.destination.includes(ROOM);
    channels[id] = {
      address: spec.destination.replace(ROOM, '{roomId}'),
      description: spec.summary,
      messages: channelMessages,
      ...(hasRoom ? { parameters: { roomId: { description: 'A room id (no dots).' } } } : {}),
    };
    operations[`${spec.frame === 'SEND' ? 'send' : 'subscribe'}${id[0]?.toUpperCase()}${id.slice(1)}`] = {
      action: spec.frame === 'SEND' ? 'receive' : 'send',
      channel: { $ref: `#/channels/${id}` },
      summary: spec.summary,
      messages: Object.keys(channelMessages).map((name) => ({ $ref: `#/channels/${id}/messages/${name}` })),
      'x-parley-stomp': {
        frame: spec.frame,
        destination: spec.destination,
        headers: headersSchema(spec.headers),
        errors: [...new Set(spec.errors)].map((code) => ({
          code,
          summary: ERROR_CATALOGUE[code].summary,
        })),
      },
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Parley STOMP API',
      version: options.version,
      description:
        'STOMP 1.0–1.2 over WebSocket (/ws) and TCP. CONNECT with `Authorization: Bearer <token>` ' +
        '(or `passcode`). Operations are seen from the server: a client SEND is `receive`, the MESSAGEs of ' +
        'a subscription are `send`. Refusals go to /user/queue/errors; docs/protocol.md is the prose.',
    },
    defaultContentType: 'application/json',
    servers: {
      websocket: {
        host: 'localhost:8080',
        pathname: '/ws',
        protocol: 'ws',
        description: 'STOMP over WebSocket.',
      },
      tcp: { host: 'localhost:61613', protocol: 'stomp', description: 'STOMP over TCP (STOMP_PORT).' },
    },
    channels,
    operations,
    components: { messages },
  };
}
