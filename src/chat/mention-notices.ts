// Telling people they were mentioned: resolves `@nickname#1234` handles to users, and, as an observer
// of the room's append path, publishes a notice for each new message (and each edit that adds
// mentions) on the `mentions` channel; every node hands the notices for its own connections to the
// RoomOutput. Words of a password room reach only those inside it (members online, staff).
import type { Logger } from 'pino';
import type { Bus, PresenceRegistry } from '../cluster/bus.js';
import { MENTIONS_CHANNEL, type MentionMessage } from '../cluster/messages.js';
import type { Store } from '../store/store.js';
import { type MentionHandle, resolveMentionHandles } from './mentions.js';
import type { Message, RoomId, User } from './model.js';
import { type Permissions, roleOf } from './permissions.js';
import type { RoomOutput } from './room-output.js';
import type { Appended } from './room-writer.js';

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
    this.#unsubscribe = await this.#deps.bus.subscribe(MENTIONS_CHANNEL, (message) => this.#deliver(message));
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
      .publish({ kind: 'mention', roomId, userIds: notify, message: JSON.stringify(message) })
      .catch((error: unknown) => this.#deps.logger.warn({ err: error }, 'publishing a mention failed'));
  }

  /** The bus checked the notice's shape; the message JSON is delivered as the storing node wrote it. */
  #deliver(notice: MentionMessage): void {
    for (const id of notice.userIds) this.#deps.output.mention(id, notice.roomId, notice.message);
  }
}
