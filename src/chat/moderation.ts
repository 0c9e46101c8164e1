// The rules of rooms that stay pleasant: who may post, join, edit, delete, react, report and moderate,
// enforced for every frame whatever the client sends. Turns allowed actions into room events (stored
// with the room's next seq, then fanned out on the bus) and resolves mentions. Knows nothing of STOMP
// frames, HTTP or SQL: routes hand it identities and raw bodies, the store keeps the state.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Bus, RateLimiter, RateRule } from '../cluster/bus.js';
import { MENTIONS_CHANNEL, POLICY_CHANNEL } from '../cluster/messages.js';
import { ParleyError } from '../errors.js';
import type {
  AuditEntry,
  Ban,
  MemberSanctions,
  NewRoomEvent,
  Report,
  RoomEventEffect,
  Store,
  UnreadRoom,
} from '../store/store.js';
import { type ChatService, parseRoomId, readMessageInput } from './chat-service.js';
import { resolveMentionHandles } from './mentions.js';
import type {
  Message,
  MessageId,
  RoomEvent,
  RoomEventType,
  RoomId,
  StoredRoom,
  User,
  UserId,
} from './model.js';
import { parseRoomTopic } from './nickname.js';
import type { PasswordHasher } from './password-hasher.js';
import { takeOrRefuse } from './rate-limit.js';
import type { IssuedGrant, RoomAccess } from './room-access.js';
import { type EncodedMessage, encodeEntry } from './room-feed.js';
import { type RoomPolicy, RoomPolicyCache } from './room-policy-cache.js';
import { checkBodyText } from './text-safety.js';

export interface ModerationDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly chat: ChatService;
  /** How long authors may edit and delete their own messages. */
  readonly editWindowSeconds: number;
  readonly messageMaxChars: number;
  /**
   * The chat's per-user SEND bucket (same key and rule as ChatService): an edit is sent to every
   * subscriber with the whole message, so edits spend from the budget of speaking.
   */
  readonly sendRule: RateRule;
  /** Caps on one message's reactions and the per-user reaction rate. */
  readonly reactions: ReactionLimits;
  /** Most combining marks on one character of an edited body (MAX_COMBINING_MARKS). */
  /** MAX_COMBINING_MARKS for bodies and reasons. */
  readonly maxCombiningMarks: number;
  /** ROOM_POLICY_CACHE_TTL_MS: how long a node keeps a room's policy without an invalidation. */
  readonly policyCacheTtlMs: number;
  /** Delivers a mention (message JSON) to this node's connections of the user. */
  readonly deliverMention: (userId: UserId, roomId: RoomId, json: string) => void;
  /** Room passwords: guess limits, bounded hashing and room grants. */
  readonly access: RoomAccess;
  readonly hasher: PasswordHasher;
}

/** Who reads a room over HTTP: a bearer identity and/or a room grant, both optional. */
export interface RoomViewer {
  readonly user?: User | undefined;
  readonly grant?: string | undefined;
}

export interface ReactionLimits {
  readonly emojisPerMessage: number;
  readonly perUserPerMessage: number;
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** Events that change who may do what in a room (settings, roles, sanctions). */
const POLICY_EVENTS: ReadonlySet<RoomEventType> = new Set<RoomEventType>([
  'room.updated',
  'member.muted',
  'member.unmuted',
  'member.kicked',
  'member.banned',
  'member.unbanned',
  'moderator.added',
  'moderator.removed',
]);

const REPORT_RULE: RateRule = { capacity: 10, refillPerSecond: 1 / 60 };
const MODERATE_RULE: RateRule = { capacity: 60, refillPerSecond: 2 };
const ENTRY_PAGE = 200;
const MAX_REASON_CHARS = 500;
const MAX_SANCTION_SECONDS = 10 * 365 * 24 * 3600;
const MAX_MEMBER_CAP = 100_000;
const MAX_SLOW_MODE_SECONDS = 3600;
const FORBIDDEN_CONTROL = /(?![\t\n\r])\p{Cc}/u;
const MESSAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
// One grapheme cluster built of emoji and symbols (with their joiners, selectors and modifiers).
const EMOJI_PARTS =
  /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\p{So}|\p{Sm}|\p{Sk}|\u200d|\ufe0f|\u20e3)+$/u;
const EMOJI_CORE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{So}|\p{Sm}|\p{Sk}|\u20e3/u;

export type Role = 'owner' | 'moderator' | 'member';

export function roleOf(room: Pick<StoredRoom, 'ownerId' | 'moderators'>, userId: UserId): Role {
  if (room.ownerId === userId) return 'owner';
  return room.moderators.some((m) => m.id === userId) ? 'moderator' : 'member';
}

export function parseEmoji(value: unknown): string {
  if (typeof value !== 'string')
    throw new ParleyError('invalid_request', 'The field "emoji" must be a string.');
  const emoji = value.normalize('NFC');
  const clusters = [...graphemes.segment(emoji)].length;
  if (
    emoji.length < 1 ||
    emoji.length > 16 ||
    clusters !== 1 ||
    !EMOJI_PARTS.test(emoji) ||
    !EMOJI_CORE.test(emoji)
  ) {
    throw new ParleyError(
      'invalid_request',
      'The emoji must be one emoji or symbol (at most 16 characters).',
    );
  }
  return emoji;
}

function parseBody(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ParleyError('invalid_request', 'The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParleyError('invalid_request', 'The body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

function messageIdField(value: unknown, field = 'messageId'): MessageId {
  if (typeof value !== 'string' || !MESSAGE_ID.test(value)) {
    throw new ParleyError('invalid_request', `The field "${field}" must be a message id.`);
  }
  return value as MessageId;
}

function userIdField(value: unknown): UserId {
  if (typeof value !== 'string' || value.length < 1 || value.length > 100) {
    throw new ParleyError('invalid_request', 'The field "userId" must be a user id.');
  }
  return value as UserId;
}

function integerField(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ParleyError(
      'invalid_request',
      `The field "${field}" must be an integer from ${min} to ${max}.`,
    );
  }
  return value;
}

function reasonField(value: unknown, required: boolean, maxMarks: number): string | null {
  if (value === undefined || value === null) {
    if (required) throw new ParleyError('invalid_request', 'A reason is required.');
    return null;
  }
  if (typeof value !== 'string')
    throw new ParleyError('invalid_request', 'The field "reason" must be a string.');
  const reason = value.trim();
  if (reason.length === 0 && required) throw new ParleyError('invalid_request', 'A reason is required.');
  if ([...reason].length > MAX_REASON_CHARS || FORBIDDEN_CONTROL.test(reason)) {
    throw new ParleyError(
      'invalid_request',
      `A reason is at most ${MAX_REASON_CHARS} characters, without control characters.`,
    );
  }
  // Reasons are shown to the sanctioned member, in Reports and in the audit log: the same rules as bodies.
  checkBodyText(reason, maxMarks);
  return reason.length === 0 ? null : reason;
}

function refuseSanctioned(sanctions: MemberSanctions): void {
  if (sanctions.ban !== undefined) throw new ParleyError('banned');
  if (sanctions.mutedUntil !== undefined) {
    throw new ParleyError('muted', `You are muted in this room until ${sanctions.mutedUntil}.`);
  }
}

export class RoomModeration {
  readonly #deps: ModerationDependencies;
  /** MAX_COMBINING_MARKS for bodies and reasons. */
  get #maxMarks(): number {
    return this.#deps.maxCombiningMarks;
  }
  readonly #policy: RoomPolicyCache;
  /** The policy cache is used only while invalidations from other nodes are being received. */
  #policyLive = false;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(deps: ModerationDependencies) {
    this.#deps = deps;
    this.#policy = new RoomPolicyCache({
      store: deps.store,
      clock: deps.clock,
      ttlMs: deps.policyCacheTtlMs,
    });
    // Invalidations published while the bus was away are lost: forget everything.
    deps.bus.onResync(() => this.#policy.clear());
  }

  /** Listens for mentions and policy invalidations published by any node. */
  async start(): Promise<void> {
    const { bus } = this.#deps;
    // Every node delivers a mention to its own connections of the mentioned users.
    const unsubscribeMentions = await bus.subscribe(MENTIONS_CHANNEL, (mention) => {
      for (const userId of mention.userIds)
        this.#deps.deliverMention(userId, mention.roomId, mention.message);
    });
    let unsubscribePolicy: () => Promise<void>;
    try {
      // Another node changed a room's settings, roles or sanctions: drop this node's copy.
      unsubscribePolicy = await bus.subscribe(POLICY_CHANNEL, (policy) =>
        this.#policy.invalidate(policy.roomId),
      );
    } catch (error) {
      await unsubscribeMentions().catch(() => undefined);
      throw error;
    }
    this.#unsubscribe = async () => {
      await Promise.all([unsubscribeMentions(), unsubscribePolicy()]);
    };
    this.#policy.clear();
    this.#policyLive = true;
  }

  async close(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    this.#policyLive = false;
    this.#policy.clear();
    await unsubscribe?.();
  }

  rememberUser(user: User): Promise<void> {
    return this.#deps.store.rememberUser(user, new Date(this.#deps.clock.now()));
  }

  // Joining and posting ------------------------------------------------------------------------------

  /**
   * May the user subscribe to the room? Bans apply to every room destination; the password to the
   * messages and the presence (a room grant of the user, or the password itself, or for the presence a
   * live subscription of this connection to the messages); the member cap to the messages only. Staff
   * are exempt from the password and the cap.
   */
  async checkJoin(
    user: User,
    rawRoomId: string,
    options: {
      password?: string | undefined;
      grant?: string | undefined;
      /** Where the connection comes from: password guesses are limited per address too. */
      address: string;
      /** This connection already holds a live subscription to the room's messages. */
      joined: boolean;
      presenceOnly: boolean;
    },
  ): Promise<{ readonly maxUsers?: number }> {
    const room = await this.#policyRoom(rawRoomId);
    await this.#refuseBanned(room.id, user);
    if (roleOf(room, user.id) !== 'member') return {};
    if (room.hasPassword && !(options.presenceOnly && options.joined)) {
      await this.#passPassword(user, room.id, options.password, options.grant, options.address);
    }
    if (options.presenceOnly || room.memberCap === null) return {};
    // Refused early, before any replay; the join itself enforces the cap atomically (two users taking
    // the last place at once both pass this check), so it gets the cap too.
    const members = await this.#deps.chat.members(room.id);
    if (!members.some((m) => m.id === user.id) && members.length >= room.memberCap) {
      throw new ParleyError('room_full', `The room allows ${room.memberCap} members online at once.`);
    }
    return { maxUsers: room.memberCap };
  }

  /**
   * `POST /api/rooms/:id/join`: the room grant HTTP reads (and SUBSCRIBE) accept instead of the
   * password. Refused to the banned; staff and open rooms need no password; guesses are limited.
   */
  async grantFor(
    user: User,
    rawRoomId: string,
    password: string | undefined,
    address: string,
  ): Promise<IssuedGrant> {
    const room = await this.#policyRoom(rawRoomId);
    await this.#refuseBanned(room.id, user);
    const hash = room.hasPassword ? await this.#deps.store.findPasswordHash(room.id) : null;
    if (typeof hash === 'string' && roleOf(room, user.id) === 'member') {
      await this.#deps.access.checkPassword(user, address, room.id, password, hash);
    }
    // Staff enter without the password by role: their grant lasts only while they are staff.
    const byRole = typeof hash === 'string' && roleOf(room, user.id) !== 'member';
    return this.#deps.access.issueGrant(user.id, room.id, typeof hash === 'string' ? hash : null, byRole);
  }

  /**
   * What an HTTP reader may see of a room: `full` (history, members, topic…) or `outline` (a password
   * room to someone without its grant: name and settings only). The banned read nothing, whichever
   * identity (bearer or grant) names them; anonymous readers of an open room read it as before.
   */
  async readAccess(rawRoomId: string, viewer: RoomViewer): Promise<'full' | 'outline'> {
    const room = await this.#policyRoom(rawRoomId);
    const hash =
      viewer.grant !== undefined && room.hasPassword
        ? await this.#deps.store.findPasswordHash(room.id)
        : null;
    const holder =
      viewer.grant === undefined
        ? undefined
        : await this.#deps.access.grantHolder(
            viewer.grant,
            room.id,
            typeof hash === 'string' ? hash : null,
            (id) => roleOf(room, id) !== 'member',
          );
    const ids = new Set<UserId>();
    if (viewer.user !== undefined) ids.add(viewer.user.id);
    if (holder !== undefined) ids.add(holder);
    const sanctions = await Promise.all([...ids].map((id) => this.#sanctions(room.id, id)));
    if (sanctions.some((s) => s.ban !== undefined)) throw new ParleyError('banned');
    if (!room.hasPassword || holder !== undefined) return 'full';
    return [...ids].some((id) => roleOf(room, id) !== 'member') ? 'full' : 'outline';
  }

  /** A chat message: sanctions and slow mode, then the chat stores and fans it out. */
  async post(
    author: User,
    rawRoomId: string,
    body: Buffer,
    contentType: string | undefined,
  ): Promise<Message> {
    const { stored } = await this.admitPost(author, rawRoomId, body, contentType);
    return stored;
  }

  /**
   * `post` in two phases (see ChatService.admitMessage): resolves once the message passed every rule and
   * its append is queued; `stored` resolves after commit, fan-out and mention notices.
   */
  async admitPost(
    author: User,
    rawRoomId: string,
    body: Buffer,
    contentType: string | undefined,
  ): Promise<{ readonly stored: Promise<Message> }> {
    const { input, fields } = readMessageInput(body, contentType);
    const rawReplyTo = fields?.replyTo;
    const replyTo =
      rawReplyTo === undefined || rawReplyTo === null ? undefined : messageIdField(rawReplyTo, 'replyTo');
    const roomId = parseRoomId(rawRoomId);
    const [room, sanctions] = await Promise.all([
      this.#policyRoom(roomId),
      this.#sanctions(roomId, author.id),
    ]);
    refuseSanctioned(sanctions);
    if (input.body.trim().length > 0 && room.slowModeSeconds > 0 && roleOf(room, author.id) === 'member') {
      const decision = await this.#deps.rateLimiter.take(
        `slow:${room.id}:${author.id}:${room.slowModeSeconds}`,
        {
          capacity: 1,
          refillPerSecond: 1 / room.slowModeSeconds,
        },
      );
      if (!decision.allowed) {
        const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
        throw new ParleyError('slow_mode', `Slow mode: wait ${seconds} s before your next message.`, {
          retryAfterSeconds: seconds,
        });
      }
    }
    const handles = resolveMentionHandles(input.body);
    const mentioned = handles.length === 0 ? [] : await this.#deps.store.findUsersByHandle(handles);
    const { stored } = await this.#deps.chat.admitMessage(author, room.id, {
      ...input,
      ...(replyTo === undefined ? {} : { replyTo }),
      ...(mentioned.length === 0 ? {} : { mentions: mentioned }),
    });
    return { stored: this.#notifyMentions(author, room.id, stored) };
  }

  /**
   * Typing notices from a member the room has muted or banned are dropped, quietly, as extra notices
   * are: "is typing…" from someone who may not post, or who was shown the door, is noise the room
   * asked not to have.
   */
  async typing(user: User, rawRoomId: string): Promise<void> {
    const roomId = parseRoomId(rawRoomId);
    const sanctions = await this.#sanctions(roomId, user.id);
    if (sanctions.ban !== undefined || sanctions.mutedUntil !== undefined) return;
    await this.#deps.chat.typing(user, roomId);
  }

  async #notifyMentions(author: User, roomId: RoomId, stored: Promise<Message>): Promise<Message> {
    const message = await stored;
    await this.#publishMentions(author, roomId, message, message.mentions ?? []);
    return message;
  }

  /** Tells `users` (but the author) they were mentioned in `message`, on every node. */
  async #publishMentions(
    author: User,
    roomId: RoomId,
    message: Message,
    users: readonly User[],
  ): Promise<void> {
    let notify = users.filter((u) => u.id !== author.id).map((u) => u.id);
    if (notify.length === 0) return;
    const room = await this.#policyRoom(roomId);
    if (room.hasPassword) {
      // A password room's words reach only those inside it: members online now, and staff.
      const present = new Set((await this.#deps.chat.members(roomId)).map((m) => m.id));
      notify = notify.filter((id) => present.has(id) || roleOf(room, id) !== 'member');
      if (notify.length === 0) return;
    }
    await this.#deps.bus
      .publish({ kind: 'mention', roomId, userIds: notify, message: JSON.stringify(message) })
      .catch((error: unknown) => this.#deps.logger.warn({ err: error }, 'publishing a mention failed'));
  }

  /** Stored messages and events after `afterSeq`, page by page, for resuming subscribers. */
  async *entriesAfter(roomId: RoomId, afterSeq: number): AsyncGenerator<EncodedMessage> {
    let cursor = afterSeq;
    for (;;) {
      const page = await this.#deps.store.listEntries(roomId, { afterSeq: cursor, limit: ENTRY_PAGE });
      for (const entry of page) yield encodeEntry(entry);
      const last = page.at(-1);
      if (last === undefined || page.length < ENTRY_PAGE) return;
      cursor = last.kind === 'message' ? last.message.seq : last.event.seq;
    }
  }

  // Message features ---------------------------------------------------------------------------------

  async edit(user: User, rawRoomId: string, raw: Buffer): Promise<void> {
    const fields = parseBody(raw);
    const messageId = messageIdField(fields.messageId);
    const body = this.#messageBody(fields.body);
    const room = await this.#policyRoom(rawRoomId);
    // Editing is speaking: a muted user may not rewrite what the room already read, and each edit
    // spends from the sender's rate budget (else one message edited in a loop floods every subscriber).
    refuseSanctioned(await this.#sanctions(room.id, user.id));
    await this.#take(`send:${user.id}`, this.#deps.sendRule);
    const now = this.#now();
    // The new text names its own mentions: added ones are notified, removed ones no longer highlight.
    const handles = resolveMentionHandles(body);
    const mentioned = handles.length === 0 ? [] : await this.#deps.store.findUsersByHandle(handles);
    let before: readonly User[] = [];
    const stored = await this.#append({
      roomId: room.id,
      actor: user,
      at: now,
      effect: { type: 'message.edited', messageId, body, mentions: mentioned },
      checkMessage: (message) => {
        if (message.author.id !== user.id)
          throw new ParleyError('forbidden', 'Only the author may edit a message.');
        this.#refuseClosedWindow(message, now);
        before = message.mentions ?? [];
      },
    });
    const known = new Set(before.map((u) => u.id));
    const added = mentioned.filter((u) => !known.has(u.id));
    if (stored !== undefined && added.length > 0) {
      const { message } = JSON.parse(stored.json) as { message: Message };
      await this.#publishMentions(user, room.id, message, added);
    }
  }

  async remove(user: User, rawRoomId: string, raw: Buffer): Promise<void> {
    const messageId = messageIdField(parseBody(raw).messageId);
    const room = await this.#policyRoom(rawRoomId);
    const now = this.#now();
    const role = roleOf(room, user.id);
    // Staff powers are checked against the store (see #refuseSanctionedStaff), members' against the cache.
    const sanctions =
      role === 'member'
        ? await this.#sanctions(room.id, user.id)
        : await this.#deps.store.findSanctions(room.id, user.id, now);
    if (sanctions.ban !== undefined) throw new ParleyError('banned');
    // A muted moderator may still remove their own words, like any muted member, but not others'.
    const mutedStaff = role !== 'member' && sanctions.mutedUntil !== undefined;
    const staff = role !== 'member' && !mutedStaff;
    const target = await this.#deps.store.findMessage(room.id, messageId);
    if (target === undefined || target.deleted === true) throw new ParleyError('message_not_found');
    const ownInWindow = target.author.id === user.id && this.#inWindow(target, now);
    await this.#append({
      roomId: room.id,
      actor: user,
      at: now,
      effect: { type: 'message.deleted', messageId },
      checkMessage: (message) => {
        if (staff) return;
        if (message.author.id !== user.id) {
          if (mutedStaff) refuseSanctioned(sanctions);
          throw new ParleyError('forbidden', 'Only the author or staff may delete a message.');
        }
        this.#refuseClosedWindow(message, now);
      },
      // Authors removing their own words are not moderation; staff removing anything else is.
      ...(staff && !ownInWindow ? { audit: { details: {} } } : {}),
    });
  }

  async react(user: User, rawRoomId: string, raw: Buffer): Promise<void> {
    const fields = parseBody(raw);
    const messageId = messageIdField(fields.messageId);
    const emoji = parseEmoji(fields.emoji);
    if (typeof fields.on !== 'boolean')
      throw new ParleyError('invalid_request', 'The field "on" must be true or false.');
    const room = await this.#policyRoom(rawRoomId);
    await this.#refuseBanned(room.id, user);
    const limits = this.#deps.reactions;
    await this.#take(`react:${user.id}`, { capacity: limits.burst, refillPerSecond: limits.ratePerSecond });
    await this.#append({
      roomId: room.id,
      actor: user,
      at: this.#now(),
      effect: {
        type: 'reaction.changed',
        messageId,
        emoji,
        added: fields.on,
        caps: { emojisPerMessage: limits.emojisPerMessage, perUserPerMessage: limits.perUserPerMessage },
      },
    });
  }

  async report(user: User, rawRoomId: string, raw: Buffer): Promise<Report> {
    const fields = parseBody(raw);
    const messageId = messageIdField(fields.messageId);
    const reason = reasonField(fields.reason, true, this.#maxMarks) ?? '';
    const room = await this.#policyRoom(rawRoomId);
    await this.#take(`report:${user.id}`, REPORT_RULE);
    return this.#deps.store.addReport({
      id: randomUUID(),
      roomId: room.id,
      messageId,
      reporter: user,
      reason,
      createdAt: this.#now(),
    });
  }

  /** Raises the user's read marker (clamped to the room's last seq); returns the stored value. */
  async markRead(user: User, rawRoomId: string, raw: Buffer): Promise<number> {
    const seq = integerField(parseBody(raw).seq, 'seq', 0, Number.MAX_SAFE_INTEGER);
    // From the store, not the policy cache: the clamp needs the room's current lastSeq.
    const room = await this.#room(rawRoomId);
    return this.#deps.store.markRead(user.id, room.id, Math.min(seq, room.lastSeq));
  }

  // Moderation ---------------------------------------------------------------------------------------

  async moderate(actor: User, rawRoomId: string, raw: Buffer): Promise<void> {
    const fields = parseBody(raw);
    // From the store: who may moderate is decided on the current roles, never a cached copy.
    const room = await this.#room(rawRoomId);
    const role = roleOf(room, actor.id);
    if (role === 'member') throw new ParleyError('forbidden', 'Only the owner and moderators may moderate.');
    const now = this.#now();
    await this.#refuseSanctionedStaff(room, actor, now);
    await this.#take(`moderate:${actor.id}`, MODERATE_RULE);
    const { action } = fields;
    let effect: RoomEventEffect;
    let details: Record<string, unknown>;
    switch (action) {
      case 'mute': {
        const target = await this.#sanctionTarget(room, role, fields.userId);
        const seconds = integerField(fields.seconds, 'seconds', 1, MAX_SANCTION_SECONDS);
        const reason = reasonField(fields.reason, false, this.#maxMarks);
        const until = new Date(now.getTime() + seconds * 1000);
        effect = { type: 'member.muted', user: target, until, reason };
        details = { seconds, until: until.toISOString(), reason };
        break;
      }
      case 'kick': {
        const target = await this.#sanctionTarget(room, role, fields.userId);
        const reason = reasonField(fields.reason, false, this.#maxMarks);
        effect = { type: 'member.kicked', user: target, reason };
        details = { reason };
        break;
      }
      case 'ban': {
        const target = await this.#sanctionTarget(room, role, fields.userId);
        const seconds =
          fields.seconds === undefined || fields.seconds === null
            ? null
            : integerField(fields.seconds, 'seconds', 1, MAX_SANCTION_SECONDS);
        const reason = reasonField(fields.reason, false, this.#maxMarks);
        const until = seconds === null ? null : new Date(now.getTime() + seconds * 1000);
        effect = { type: 'member.banned', user: target, until, reason };
        details = { seconds, until: until?.toISOString() ?? null, reason };
        break;
      }
      case 'unmute':
      case 'unban': {
        if (fields.userId === actor.id)
          throw new ParleyError('forbidden', 'Nobody lifts their own sanction.');
        // Lifting is sanctioning in reverse: a moderator may not undo the owner's word on a moderator.
        // The store refuses `not_muted`/`not_banned` in the event's transaction, against the current rows.
        const target = await this.#sanctionTarget(room, role, fields.userId);
        effect = { type: action === 'unmute' ? 'member.unmuted' : 'member.unbanned', user: target };
        details = {};
        break;
      }
      case 'appoint':
      case 'dismiss': {
        if (role !== 'owner')
          throw new ParleyError('forbidden', 'Only the owner appoints and dismisses moderators.');
        const target = await this.#user(fields.userId);
        if (target.id === room.ownerId)
          throw new ParleyError('invalid_request', 'The owner is not a moderator.');
        effect = { type: action === 'appoint' ? 'moderator.added' : 'moderator.removed', user: target };
        details = {};
        break;
      }
      case 'settings': {
        const settings = await this.#settings(fields);
        const online = (await this.#deps.chat.members(room.id)).length;
        effect = { type: 'room.updated', ...settings.effect, online };
        details = settings.details;
        break;
      }
      default:
        throw new ParleyError(
          'invalid_request',
          'The field "action" must be mute, unmute, kick, ban, unban, appoint, dismiss or settings.',
        );
    }
    await this.#append({ roomId: room.id, actor, at: now, effect, audit: { details } });
  }

  // Staff reads (HTTP) -------------------------------------------------------------------------------

  async audit(
    user: User,
    rawRoomId: string,
    range: { beforeId?: number; limit: number },
  ): Promise<AuditEntry[]> {
    const room = await this.#room(rawRoomId);
    if (roleOf(room, user.id) !== 'owner')
      throw new ParleyError('forbidden', 'Only the owner reads the audit log.');
    return this.#deps.store.listAudit(room.id, range);
  }

  async reports(user: User, rawRoomId: string, limit: number): Promise<Report[]> {
    const room = await this.#staffRoom(user, rawRoomId);
    return this.#deps.store.listReports(room.id, limit);
  }

  async bans(user: User, rawRoomId: string): Promise<Ban[]> {
    const room = await this.#staffRoom(user, rawRoomId);
    return this.#deps.store.listBans(room.id, this.#now());
  }

  unread(user: User): Promise<UnreadRoom[]> {
    return this.#deps.store.listUnread(user.id);
  }

  // ---------------------------------------------------------------------------------------------------

  async #append(event: NewRoomEvent): Promise<RoomEvent | undefined> {
    const stored = await this.#deps.store.appendEvent(event);
    if (stored === undefined) return undefined;
    if (POLICY_EVENTS.has(stored.type)) await this.#policyChanged(stored.roomId);
    // Stored is what matters: feeds that miss the publication fill the gap from the store.
    await this.#deps.chat.roomEventStored(stored);
    return stored;
  }

  async #settings(fields: Record<string, unknown>): Promise<{
    effect: Omit<Extract<RoomEventEffect, { type: 'room.updated' }>, 'type' | 'online'>;
    details: Record<string, unknown>;
  }> {
    let effect: Omit<Extract<RoomEventEffect, { type: 'room.updated' }>, 'type' | 'online'> = {};
    const details: Record<string, unknown> = {};
    if ('topic' in fields) {
      const topic = parseRoomTopic(fields.topic);
      effect = { ...effect, topic };
      details.topic = topic;
    }
    if ('memberCap' in fields) {
      const cap =
        fields.memberCap === null ? null : integerField(fields.memberCap, 'memberCap', 1, MAX_MEMBER_CAP);
      effect = { ...effect, memberCap: cap };
      details.memberCap = cap;
    }
    if ('slowModeSeconds' in fields) {
      const seconds = integerField(fields.slowModeSeconds, 'slowModeSeconds', 0, MAX_SLOW_MODE_SECONDS);
      effect = { ...effect, slowModeSeconds: seconds };
      details.slowModeSeconds = seconds;
    }
    if ('password' in fields) {
      const password = fields.password;
      if (password === null) {
        effect = { ...effect, passwordHash: null };
        details.password = 'cleared';
      } else if (typeof password === 'string' && password.length >= 1 && password.length <= 128) {
        effect = { ...effect, passwordHash: await this.#deps.hasher.hash(password) };
        details.password = 'set';
      } else {
        throw new ParleyError('invalid_request', 'The field "password" must be 1–128 characters, or null.');
      }
    }
    if (Object.keys(details).length === 0) {
      throw new ParleyError(
        'invalid_request',
        'Give at least one of topic, memberCap, slowModeSeconds, password.',
      );
    }
    return { effect, details };
  }

  /** A user staff may sanction: not the owner; for moderators, not another moderator. */
  async #sanctionTarget(room: StoredRoom, role: Role, rawUserId: unknown): Promise<User> {
    const target = await this.#user(rawUserId);
    const targetRole = roleOf(room, target.id);
    if (targetRole === 'owner') throw new ParleyError('forbidden', 'Nobody can sanction the owner.');
    if (targetRole === 'moderator' && role !== 'owner') {
      throw new ParleyError('forbidden', 'Moderators cannot sanction moderators.');
    }
    return target;
  }

  async #user(rawUserId: unknown): Promise<User> {
    const user = await this.#deps.store.findUser(userIdField(rawUserId));
    if (user === undefined) throw new ParleyError('invalid_request', 'No such user.');
    return user;
  }

  /**
   * Before the caller acknowledges: this node forgets the room's policy at once, the others when the
   * invalidation reaches them (a lost one is covered by the resync clear and the cache's TTL).
   */
  async #policyChanged(roomId: RoomId): Promise<void> {
    this.#policy.invalidate(roomId);
    await this.#deps.bus.publish({ kind: 'policy', roomId }).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error, roomId }, 'publishing a policy invalidation failed');
    });
  }

  /** The room's settings and roles for a permission check (cached; no lastSeq). */
  async #policyRoom(rawRoomId: string): Promise<RoomPolicy> {
    const id = parseRoomId(rawRoomId);
    const room = await (this.#policyLive ? this.#policy.room(id) : this.#deps.store.findRoom(id));
    if (room === undefined) throw new ParleyError('room_not_found');
    return room;
  }

  /** The user's sanctions in force now (cached, expiry evaluated now). */
  #sanctions(roomId: RoomId, userId: UserId): Promise<MemberSanctions> {
    return this.#policyLive
      ? this.#policy.sanctions(roomId, userId)
      : this.#deps.store.findSanctions(roomId, userId, this.#now());
  }

  async #room(rawRoomId: string): Promise<StoredRoom> {
    const room = await this.#deps.store.findRoom(parseRoomId(rawRoomId));
    if (room === undefined) throw new ParleyError('room_not_found');
    return room;
  }

  async #staffRoom(user: User, rawRoomId: string): Promise<StoredRoom> {
    const room = await this.#room(rawRoomId);
    if (roleOf(room, user.id) === 'member')
      throw new ParleyError('forbidden', 'Only the owner and moderators may see this.');
    await this.#refuseSanctionedStaff(room, user, this.#now());
    return room;
  }

  /**
   * Staff powers are suspended while their holder is muted or banned in the room (the owner can never be
   * sanctioned, so this concerns moderators). Read from the store, not the cache: a sanction just laid
   * on a moderator must stop the very next action on any node.
   */
  async #refuseSanctionedStaff(room: StoredRoom, actor: User, now: Date): Promise<void> {
    if (roleOf(room, actor.id) !== 'moderator') return;
    refuseSanctioned(await this.#deps.store.findSanctions(room.id, actor.id, now));
  }

  /** Refuses with `banned` when the user is banned from the room (to say why they are not in it). */
  async refuseBannedFrom(user: User, rawRoomId: string): Promise<void> {
    await this.#refuseBanned(parseRoomId(rawRoomId), user);
  }

  /** A room grant of this user, or else the password (each guess limited); wrong_password otherwise. */
  async #passPassword(
    user: User,
    roomId: RoomId,
    password: string | undefined,
    grant: string | undefined,
    address: string,
  ): Promise<void> {
    const hash = await this.#deps.store.findPasswordHash(roomId);
    if (typeof hash !== 'string') return;
    if (grant !== undefined && (await this.#deps.access.grantHolder(grant, roomId, hash)) === user.id) return;
    await this.#deps.access.checkPassword(user, address, roomId, password, hash);
  }

  async #refuseBanned(roomId: RoomId, user: User): Promise<void> {
    const sanctions = await this.#sanctions(roomId, user.id);
    if (sanctions.ban !== undefined) throw new ParleyError('banned');
  }

  #inWindow(message: Message, now: Date): boolean {
    return now.getTime() - Date.parse(message.createdAt) <= this.#deps.editWindowSeconds * 1000;
  }

  #refuseClosedWindow(message: Message, now: Date): void {
    if (!this.#inWindow(message, now)) throw new ParleyError('edit_window_closed');
  }

  #messageBody(value: unknown): string {
    if (typeof value !== 'string')
      throw new ParleyError('invalid_message', 'The field "body" must be a string.');
    const body = value.trim();
    if (body.length === 0) throw new ParleyError('invalid_message', 'The message is empty.');
    if (FORBIDDEN_CONTROL.test(body))
      throw new ParleyError('invalid_message', 'The message contains control characters.');
    // An edit must not smuggle in what a new message may not carry.
    checkBodyText(body, this.#maxMarks);
    if ([...body].length > this.#deps.messageMaxChars) {
      throw new ParleyError(
        'message_too_long',
        `A message is at most ${this.#deps.messageMaxChars} characters.`,
      );
    }
    if (body.includes('\u0000'))
      throw new ParleyError('invalid_message', 'The message contains a NUL character.');
    return body;
  }

  #take(key: string, rule: RateRule): Promise<void> {
    return takeOrRefuse(this.#deps.rateLimiter, key, rule);
  }

  #now(): Date {
    return new Date(this.#deps.clock.now());
  }
}
