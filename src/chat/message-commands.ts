// What members do with messages: post one (the hot path: rules, rate limit, then the append is queued
// in call order), edit their own, delete (their own, or anyone's as acting staff), react. Each command
// asks the Permissions, applies the body rules and appends through the RoomWriter; mention notices and
// fan-out follow from there. Knows nothing of frames, HTTP or SQL.

import type { Clock } from '../clock.js';
import type { RateLimiter, RateRule } from '../cluster/bus.js';
import { ParleyError } from '../errors.js';
import type { Store } from '../store/store.js';
import { type BodyLimits, checkMessageBody, parseEmoji } from './body-rules.js';
import type { PostCommand, RoomCommand } from './commands.js';
import type { MentionNotices } from './mention-notices.js';
import { MessageIdGenerator } from './message-id.js';
import type { Message, MessageId, User } from './model.js';
import { inEditWindow, type Permissions, refuseDelete, refuseEdit } from './permissions.js';
import { takeOrRefuse } from './rate-limit.js';
import type { RoomWriter } from './room-writer.js';
import type { ServerPolicy } from './server-policy.js';

export interface ReactionLimits {
  readonly emojisPerMessage: number;
  readonly perUserPerMessage: number;
  readonly ratePerSecond: number;
  readonly burst: number;
}

export interface MessageLimits extends BodyLimits {
  readonly sendRatePerSecond: number;
  readonly sendBurst: number;
  /** How long authors may edit and delete their own messages. */
  readonly editWindowSeconds: number;
  readonly reactions: ReactionLimits;
}

export interface MessageCommandsDependencies {
  readonly store: Store;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  readonly permissions: Permissions;
  readonly writer: RoomWriter;
  readonly mentions: MentionNotices;
  readonly limits: MessageLimits;
  /** Banned words: the server's list and the room's. */
  readonly serverPolicy: ServerPolicy;
}

type Of<K extends RoomCommand['kind']> = Extract<RoomCommand, { readonly kind: K }>;

export class MessageCommands {
  readonly #deps: MessageCommandsDependencies;
  readonly #messageIds: MessageIdGenerator;
  /** Speaking's budget: messages and edits (an edit goes to every subscriber with the whole message). */
  readonly #sendRule: RateRule;
  readonly #reactRule: RateRule;

  constructor(deps: MessageCommandsDependencies) {
    this.#deps = deps;
    this.#messageIds = new MessageIdGenerator(() => deps.clock.now());
    const { limits } = deps;
    this.#sendRule = { capacity: limits.sendBurst, refillPerSecond: limits.sendRatePerSecond };
    this.#reactRule = { capacity: limits.reactions.burst, refillPerSecond: limits.reactions.ratePerSecond };
  }

  /**
   * A new message in two phases: resolves once it passed every rule and its append is queued (which
   * takes the room's next seq in call order); `stored` then resolves after commit, fan-out and mention
   * notices. Callers that serialise admissions get seqs in their order without waiting for commits.
   */
  async admitPost(author: User, command: PostCommand): Promise<{ readonly stored: Promise<Message> }> {
    const deps = this.#deps;
    const room = await deps.permissions.checkPost(author, command.roomId, command.body, command.address);
    const handles = deps.mentions.handlesIn(command.body);
    const mentioned = handles.length === 0 ? undefined : await deps.mentions.mentionedIn(handles);
    const body = deps.serverPolicy.filterText(checkMessageBody(command.body, deps.limits), room.wordFilter);
    await takeOrRefuse(deps.rateLimiter, `send:${author.id}`, this.#sendRule);
    // Called synchronously here, so the append is queued before this admission resolves.
    const stored = deps.writer.appendMessage({
      id: this.#messageIds.next() as MessageId,
      roomId: room.id,
      author,
      body,
      createdAt: new Date(deps.clock.now()),
      ...(command.clientMsgId === undefined ? {} : { clientMsgId: command.clientMsgId }),
      ...(command.replyTo === undefined ? {} : { replyTo: command.replyTo }),
      ...(mentioned === undefined || mentioned.length === 0 ? {} : { mentions: mentioned }),
    });
    return { stored };
  }

  /** Rewrites the author's own message within the edit window; newly mentioned users are told. */
  async edit(user: User, command: Of<'edit'>): Promise<void> {
    const deps = this.#deps;
    const checked = checkMessageBody(command.body, deps.limits);
    // Editing is speaking: a muted user may not rewrite what the room already read, and each edit
    // spends from the sender's rate budget (else one message edited in a loop floods every subscriber).
    const room = await deps.permissions.checkSpeaking(user, command.roomId);
    const body = deps.serverPolicy.filterText(checked, room.wordFilter);
    await takeOrRefuse(deps.rateLimiter, `send:${user.id}`, this.#sendRule);
    const now = this.#now();
    // The new text names its own mentions: added ones are notified, removed ones no longer highlight.
    const mentioned = await deps.mentions.mentionedIn(deps.mentions.handlesIn(body));
    let before: readonly User[] = [];
    const windowSeconds = deps.limits.editWindowSeconds;
    await deps.writer.appendEvent(
      {
        roomId: room.id,
        actor: user,
        at: now,
        effect: { type: 'message.edited', messageId: command.messageId, body, mentions: mentioned },
        checkMessage: (message) => {
          refuseEdit(message, user.id, now, windowSeconds);
          before = message.mentions ?? [];
        },
      },
      // Asked once the event is stored: `before` is set by then (checkMessage ran in its transaction).
      () => {
        const known = new Set(before.map((u) => u.id));
        return mentioned.filter((u) => !known.has(u.id));
      },
    );
  }

  /** Removes a message: the author's own within the edit window, anyone's for acting staff (audited). */
  async remove(user: User, command: Of<'delete'>): Promise<void> {
    const deps = this.#deps;
    const now = this.#now();
    const { room, rights } = await deps.permissions.deleteRights(user, command.roomId, now);
    const target = await deps.store.findMessage(room.id, command.messageId);
    if (target === undefined || target.deleted === true) throw new ParleyError('message_not_found');
    const windowSeconds = deps.limits.editWindowSeconds;
    const ownInWindow = target.author.id === user.id && inEditWindow(target, now, windowSeconds);
    await deps.writer.appendEvent({
      roomId: room.id,
      actor: user,
      at: now,
      effect: { type: 'message.deleted', messageId: command.messageId },
      checkMessage: (message) => refuseDelete(message, user.id, rights, now, windowSeconds),
      // Authors removing their own words are not moderation; staff removing anything else is.
      ...(rights.staff && !ownInWindow ? { audit: { details: {} } } : {}),
    });
  }

  /** Adds or takes back a reaction (capped per message and per user, rationed per user). */
  async react(user: User, command: Of<'react'>): Promise<void> {
    const deps = this.#deps;
    const emoji = parseEmoji(command.emoji);
    const room = await deps.permissions.checkPresent(user, command.roomId);
    await takeOrRefuse(deps.rateLimiter, `react:${user.id}`, this.#reactRule);
    const { reactions } = deps.limits;
    await deps.writer.appendEvent({
      roomId: room.id,
      actor: user,
      at: this.#now(),
      effect: {
        type: 'reaction.changed',
        messageId: command.messageId,
        emoji,
        added: command.on,
        caps: {
          emojisPerMessage: reactions.emojisPerMessage,
          perUserPerMessage: reactions.perUserPerMessage,
        },
      },
    });
  }

  #now(): Date {
    return new Date(this.#deps.clock.now());
  }
}
