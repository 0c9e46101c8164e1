// Everything one node tells the others, as one discriminated union with one encoder and one decoder,
// and the bus channel each kind travels on (named here and nowhere else). A peer node is trusted less
// than memory: decoding checks every field and answers a reason instead of a message when anything is
// off, so a bad payload is dropped where it arrives and never reaches a listener. Knows the shapes of
// the messages, not what a node does with them.
import { z } from 'zod';
import {
  isRoomId,
  type PresenceEvent,
  ROOM_EVENT_TYPES,
  type RoomEventType,
  type RoomId,
  type UserId,
} from '../chat/model.js';
import { assertNever } from '../errors.js';

/**
 * A stored room entry (message or room event). `entry` is the JSON text the storing node encoded once,
 * which every node hands verbatim to its subscribers as the STOMP MESSAGE body: no node re-encodes it.
 */
export interface RoomEntryMessage {
  readonly kind: 'room.entry';
  readonly roomId: RoomId;
  readonly seq: number;
  /** When the storing node saw the commit (epoch ms): delivery latency is measured from it. */
  readonly storedAtMs: number;
  /** Set on room events (`message.edited`, `member.banned`, …); absent on chat messages. */
  readonly event?: RoomEventType;
  /** Room events only: when the event was stored (epoch ms); a message's JSON carries its own time. */
  readonly createdAtMs?: number;
  readonly entry: string;
}

/** Someone joined, left or is typing in a room. */
export interface PresenceMessage {
  readonly kind: 'presence';
  readonly roomId: RoomId;
  readonly event: PresenceEvent;
}

/** `userIds` were mentioned in a message of the room; `message` is its JSON text, delivered verbatim. */
export interface MentionMessage {
  readonly kind: 'mention';
  readonly roomId: RoomId;
  readonly userIds: readonly UserId[];
  readonly message: string;
}

/** The room's settings, roles or sanctions changed: forget what is cached of them. */
export interface PolicyMessage {
  readonly kind: 'policy';
  readonly roomId: RoomId;
}

/** Every token of the user issued before `validAfterMs` was revoked (signed out everywhere). */
export interface RevocationMessage {
  readonly kind: 'revocation';
  readonly userId: UserId;
  readonly validAfterMs: number;
}

/** The user was renamed: their tokens now speak with this nickname and tag (forget cached names). */
export interface IdentityMessage {
  readonly kind: 'identity';
  readonly userId: UserId;
  readonly nickname: string;
  readonly tag: string;
}

/**
 * An operator changed what every node holds of the server's policy: its settings (reserved names,
 * word filter: reload them) or its bans (reload them; end the connections of `userIds`).
 */
export interface OperatorMessage {
  readonly kind: 'operator';
  readonly change: 'settings' | 'bans';
  readonly userIds: readonly UserId[];
}

/** The room's open reports changed: tell its staff (`userIds`) on their connections, on every node. */
export interface ReportsMessage {
  readonly kind: 'reports';
  readonly roomId: RoomId;
  readonly open: number;
  readonly userIds: readonly UserId[];
}

/** A message was stored in a room: its followers' (read-marker holders') unread counts went up. */
export interface UnreadMessage {
  readonly kind: 'unread';
  readonly roomId: RoomId;
  readonly seq: number;
  readonly userIds: readonly UserId[];
}

/**
 * A SEND to a generic topic, for every node's subscribers of `destination`. `headers` are the ones the
 * sending node let through and set (user headers, `user-id`); `body` is base64 (bodies may be binary).
 */
export interface GenericTopicMessage {
  readonly kind: 'generic.topic';
  readonly destination: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type ClusterMessage =
  | GenericTopicMessage
  | RoomEntryMessage
  | PresenceMessage
  | MentionMessage
  | PolicyMessage
  | RevocationMessage
  | IdentityMessage
  | OperatorMessage
  | ReportsMessage
  | UnreadMessage;

export type ClusterMessageKind = ClusterMessage['kind'];
export type ClusterMessageOf<K extends ClusterMessageKind> = Extract<ClusterMessage, { readonly kind: K }>;

/** A bus channel and the one kind of message it carries: what a subscriber asks for. */
export interface ClusterChannel<K extends ClusterMessageKind = ClusterMessageKind> {
  /** The channel's name on the bus (before any deployment prefix). */
  readonly name: string;
  readonly kind: K;
}

/** Per room, so a node hears only the rooms it has subscribers in. */
export function roomEntriesChannel(roomId: RoomId): ClusterChannel<'room.entry'> {
  return { name: `room.${roomId}`, kind: 'room.entry' };
}

export function roomPresenceChannel(roomId: RoomId): ClusterChannel<'presence'> {
  return { name: `presence.${roomId}`, kind: 'presence' };
}

// Every node needs these whatever rooms it serves: one channel each for the whole deployment.
export const MENTIONS_CHANNEL: ClusterChannel<'mention'> = Object.freeze({
  name: 'mentions',
  kind: 'mention',
});
export const POLICY_CHANNEL: ClusterChannel<'policy'> = Object.freeze({ name: 'policy', kind: 'policy' });
export const REVOCATIONS_CHANNEL: ClusterChannel<'revocation'> = Object.freeze({
  name: 'revocations',
  kind: 'revocation',
});

export const IDENTITIES_CHANNEL: ClusterChannel<'identity'> = Object.freeze({
  name: 'identities',
  kind: 'identity',
});
export const OPERATOR_CHANNEL: ClusterChannel<'operator'> = Object.freeze({
  name: 'operator',
  kind: 'operator',
});
export const REPORTS_CHANNEL: ClusterChannel<'reports'> = Object.freeze({ name: 'reports', kind: 'reports' });
export const UNREAD_CHANNEL: ClusterChannel<'unread'> = Object.freeze({ name: 'unread', kind: 'unread' });

/** Per destination, so a node hears only the generic topics it has subscribers of. */
export function genericTopicChannel(destination: string): ClusterChannel<'generic.topic'> {
  return { name: `generic.${destination}`, kind: 'generic.topic' };
}

/** The name of the channel `message` is published on. */
export function channelNameOf(message: ClusterMessage): string {
  switch (message.kind) {
    case 'generic.topic':
      return genericTopicChannel(message.destination).name;
    case 'room.entry':
      return roomEntriesChannel(message.roomId).name;
    case 'presence':
      return roomPresenceChannel(message.roomId).name;
    case 'mention':
      return MENTIONS_CHANNEL.name;
    case 'policy':
      return POLICY_CHANNEL.name;
    case 'revocation':
      return REVOCATIONS_CHANNEL.name;
    case 'identity':
      return IDENTITIES_CHANNEL.name;
    case 'operator':
      return OPERATOR_CHANNEL.name;
    case 'reports':
      return REPORTS_CHANNEL.name;
    case 'unread':
      return UNREAD_CHANNEL.name;
    default:
      return assertNever(message);
  }
}

/** Narrows a message to a channel's kind (a listener of one kind is never handed another). */
export function isOfKind<K extends ClusterMessageKind>(
  message: ClusterMessage,
  kind: K,
): message is ClusterMessageOf<K> {
  return message.kind === kind;
}

/** The text a message crosses the bus as. */
export function encodeClusterMessage(message: ClusterMessage): string {
  return JSON.stringify(message);
}

export type DecodedClusterMessage =
  | { readonly ok: true; readonly message: ClusterMessage }
  | { readonly ok: false; readonly reason: string };

// Bounds that hold for every honest peer, so a hostile or broken one cannot make a node allocate much.
const MAX_USER_ID_CHARS = 200;
const MAX_MENTIONED_USERS = 1_000;
/** The most followers one unread notice may name (config UNREAD_PUSH_MAX_FOLLOWERS is held below it). */
export const MAX_UNREAD_PUSH_USERS = 10_000;
/** Nicknames are at most 32 characters; UTF-16 units and some slack, for any honest peer. */
const MAX_NICKNAME_CHARS = 200;

const roomId = z.string().refine(isRoomId, 'not a room id');
const userId = z.string().min(1).max(MAX_USER_ID_CHARS);
const epochMs = z.number().int().nonnegative();
// Field order in the schemas is the order a re-encoded value has (presence events are re-encoded).
// Unknown fields are dropped, not refused: during a rolling upgrade a newer node may send more.
const user = z.object({ id: userId, nickname: z.string(), tag: z.string() });

/** Bounds above any configured frame limit (MAX_FRAME_BYTES ≤ 16 MiB, MAX_HEADERS ≤ 1024). */
const MAX_GENERIC_DESTINATION_CHARS = 64 * 1024;
const MAX_GENERIC_HEADERS = 1024;
const MAX_GENERIC_BODY_BASE64_CHARS = Math.ceil((16 * 1024 * 1024) / 3) * 4;

const schema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('generic.topic'),
    destination: z.string().startsWith('/').max(MAX_GENERIC_DESTINATION_CHARS),
    headers: z
      .record(z.string().max(MAX_GENERIC_DESTINATION_CHARS), z.string().max(MAX_GENERIC_DESTINATION_CHARS))
      .refine((headers) => Object.keys(headers).length <= MAX_GENERIC_HEADERS, 'too many headers'),
    body: z.base64().max(MAX_GENERIC_BODY_BASE64_CHARS),
  }),
  z.object({
    kind: z.literal('room.entry'),
    roomId,
    seq: z.number().int().positive(),
    storedAtMs: epochMs,
    event: z.enum(ROOM_EVENT_TYPES).optional(),
    createdAtMs: epochMs.optional(),
    entry: z.string().startsWith('{'),
  }),
  z.object({
    kind: z.literal('presence'),
    roomId,
    event: z.union([
      z.object({ type: z.enum(['join', 'leave', 'typing']), user }),
      z.object({ type: z.literal('read'), reader: z.string().max(64), seq: z.number().int().nonnegative() }),
    ]),
  }),
  z.object({
    kind: z.literal('mention'),
    roomId,
    userIds: z.array(userId).max(MAX_MENTIONED_USERS),
    message: z.string().startsWith('{'),
  }),
  z.object({ kind: z.literal('policy'), roomId }),
  z.object({ kind: z.literal('revocation'), userId, validAfterMs: epochMs }),
  z.object({
    kind: z.literal('identity'),
    userId,
    nickname: z.string().min(1).max(MAX_NICKNAME_CHARS),
    tag: z.string().regex(/^\d{4}$/),
  }),
  z.object({
    kind: z.literal('operator'),
    change: z.enum(['settings', 'bans']),
    userIds: z.array(userId).max(MAX_MENTIONED_USERS),
  }),
  z.object({
    kind: z.literal('reports'),
    roomId,
    open: z.number().int().nonnegative(),
    userIds: z.array(userId).max(MAX_MENTIONED_USERS),
  }),
  z.object({
    kind: z.literal('unread'),
    roomId,
    seq: z.number().int().positive(),
    userIds: z.array(userId).max(MAX_UNREAD_PUSH_USERS),
  }),
]);

/** A message from the bus, or why it is not one. Never throws. */
export function decodeClusterMessage(payload: string): DecodedClusterMessage {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  // The schema checked what the brands stand for (room id alphabet, non-empty user ids).
  return { ok: true, message: parsed.data as ClusterMessage };
}
