// Telling people they were mentioned: resolves `@nickname#1234` handles to users, and, as an observer
// of the room's append path, publishes a notice for each new message (and each edit that adds
// mentions) on the `mentions` channel; every node hands the notices for its own connections to the
// RoomOutput. Words of a password room reach only those inside it (members online, staff).
import type { Logger } from 'pino';
import * as z from 'zod/mini';
import type { Bus, PresenceRegistry } from '../bus/bus.js';
import { decodeJson } from '../protocol/index.js';
import type { Store } from '../store/store.js';
import { type MentionHandle, resolveMentionHandles } from './mentions.js';
import type { Message, RoomId, User, UserId } from './model.js';
import { type Permissions, roleOf } from './permissions.js';
import { isRoomId } from './room-id.js';
import type { RoomOutput } from './room-output.js';
import type { Appended } from './room-writer.js';

/** The bus channel mentions travel on; every node delivers to its own connections. */
export const MENTIONS_CHANNEL = 'mentions';

const MentionNoticeSchema = z.object({
  userIds: z.array(z.string()),
  roomId: z.string(),
  message: z.record(z.string(), z.unknown()),
});

export interface MentionNoticesDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly presence: PresenceRegistry;
  readonly permissions: Permissions;
  readonly output: RoomOutput;
  readonly logger: Logger;
}

const NOBODY: readonly User[] = Object.freeze([]);

export class MentionNotices {
  readonly #deps: MentionNoticesDependencies;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(deps: MentionNoticesDependencies) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#deps.bus.subscribe(MENTIONS_CHANNEL, (payload) => this.#deliver(payload));
  }

  async close(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.();
  }

  /** The users a body mentions (handles nobody holds are ignored). */
  async mentionedIn(handles: readonly MentionHandle[]): Promise<readonly User[]> {
    return handles.length === 0 ? NOBODY : this.#deps.store.findUsersByHandle(handles);
  }

  /** The handles of a body, for `mentionedIn` (pure; no lookup when there are none). */
  handlesIn(body: string): MentionHandle[] {
    return resolveMentionHandles(body);
  }

  /** Append-path hook: a new message tells everyone it mentions; an edit, those it newly mentions. */
  readonly onAppended = (entry: Appended): Promise<void> | undefined => {
    if (entry.kind === 'message') {
      const { message } = entry;
      if (message.mentions === undefined || message.mentions.length === 0) return undefined;
      return this.#publish(message.author, message.roomId, message, message.mentions);
    }
    const { mentioned } = entry;
    if (mentioned === undefined || mentioned.length === 0) return undefined;
    const { event, roomId } = entry.event;
    if (event.type !== 'message.edited') return undefined;
    return this.#publish(entry.actor, roomId, event.message, mentioned);
  };

  /** Tells `users` (but the author) they were mentioned in `message`, on every node. */
  async #publish(author: User, roomId: RoomId, message: Message, users: readonly User[]): Promise<void> {
    let notify = users.filter((u) => u.id !== author.id).map((u) => u.id);
    if (notify.length === 0) return;
    const room = await this.#deps.permissions.policyRoom(roomId);
    if (room.hasPassword) {
      const present = new Set((await this.#deps.presence.members(roomId)).map((m) => m.id));
      notify = notify.filter((id) => present.has(id) || roleOf(room, id) !== 'member');
      if (notify.length === 0) return;
    }
    await this.#deps.bus
      .publish(MENTIONS_CHANNEL, JSON.stringify({ userIds: notify, roomId, message }))
      .catch((error: unknown) => this.#deps.logger.warn({ err: error }, 'publishing a mention failed'));
  }

  #deliver(payload: string): void {
    const decoded = decodeJson(MentionNoticeSchema, payload);
    if (!decoded.ok || !isRoomId(decoded.value.roomId)) {
      this.#deps.logger.warn('dropped a malformed mention');
      return;
    }
    const { userIds, roomId, message } = decoded.value;
    const json = JSON.stringify(message);
    for (const id of userIds) this.#deps.output.mention(id as UserId, roomId, json);
  }
}
