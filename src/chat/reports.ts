// Members flag messages for staff: one report per call, with a reason that follows the body rules,
// rationed per user. Reports have teeth: once enough distinct members have an open report of a message
// (the room's threshold, else the server's), it is hidden pending review; dismissing its reports (staff
// of the room, or an operator) closes them and shows it again. Staff hear the room's count of open
// reports live on every node (the `reports` channel). Knows nothing of frames, HTTP or SQL.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Bus, RateLimiter, RateRule } from '../cluster/bus.js';
import { REPORTS_CHANNEL } from '../cluster/messages.js';
import type { Report, Store } from '../store/store.js';
import { checkReason } from './body-rules.js';
import type { RoomCommand } from './commands.js';
import type { MessageId, RoomId, StoredRoom, User, UserId } from './model.js';
import type { Permissions } from './permissions.js';
import { takeOrRefuse } from './rate-limit.js';
import type { RoomOutput } from './room-output.js';
import type { RoomWriter } from './room-writer.js';

const REPORT_RULE: RateRule = { capacity: 10, refillPerSecond: 1 / 60 };

/** Who hides a message when its reports reach the threshold: the server itself, not a member. */
export const SYSTEM_ACTOR: User = Object.freeze({
  id: 'system' as UserId,
  nickname: 'Parley',
  tag: '0000',
});

export interface ReportsDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly permissions: Permissions;
  readonly writer: RoomWriter;
  readonly output: RoomOutput;
  readonly maxCombiningMarks: number;
  /** REPORT_HIDE_THRESHOLD: distinct reporters that hide a message when the room sets none; 0: never. */
  readonly hideThreshold: number;
}

export class Reports {
  readonly #deps: ReportsDependencies;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(deps: ReportsDependencies) {
    this.#deps = deps;
  }

  /** Delivers the counts any node publishes to this node's staff connections. */
  async start(): Promise<void> {
    this.#unsubscribe = await this.#deps.bus.subscribe(REPORTS_CHANNEL, (message) => {
      const json = JSON.stringify({ roomId: message.roomId, open: message.open });
      for (const userId of message.userIds) this.#deps.output.reports?.(userId, message.roomId, json);
    });
  }

  async close(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.();
  }

  async report(user: User, command: Extract<RoomCommand, { readonly kind: 'report' }>): Promise<Report> {
    const deps = this.#deps;
    const reason = checkReason(command.reason, true, deps.maxCombiningMarks) ?? '';
    const room = await deps.permissions.policyRoom(command.roomId);
    await takeOrRefuse(deps.rateLimiter, `report:${user.id}`, REPORT_RULE);
    const report = await deps.store.addReport({
      id: randomUUID(),
      roomId: room.id,
      messageId: command.messageId,
      reporter: user,
      reason,
      createdAt: new Date(deps.clock.now()),
    });
    const threshold = room.reportHideThreshold ?? deps.hideThreshold;
    if (threshold > 0 && report.message.hidden !== true && report.message.deleted !== true) {
      const reporters = await deps.store.countOpenReporters(room.id, command.messageId);
      if (reporters >= threshold) {
        await deps.writer
          .appendEvent({
            roomId: room.id,
            actor: SYSTEM_ACTOR,
            at: new Date(deps.clock.now()),
            effect: { type: 'message.hidden', messageId: command.messageId },
            audit: { details: { reporters, threshold } },
          })
          .catch((error: unknown) => {
            // Deleted meanwhile: nothing left to hide. Anything else is the store's, logged.
            deps.logger.warn({ err: error, roomId: room.id }, 'hiding a reported message failed');
          });
      }
    }
    await this.publishCount(room);
    return report;
  }

  /**
   * Closes every open report of the message (`dismissed`, or `deleted` when the message was removed),
   * recording who and when on the reports; a hidden message is shown again (`message.restored`, in the
   * room's audit log). Resolves with how many reports were open.
   */
  async resolve(
    room: StoredRoom,
    messageId: MessageId,
    actor: User,
    how: 'dismissed' | 'deleted',
  ): Promise<number> {
    const deps = this.#deps;
    const at = new Date(deps.clock.now());
    const count = await deps.store.resolveReports({ roomId: room.id, messageId, how, by: actor.id, at });
    if (how === 'dismissed') {
      const message = await deps.store.findMessage(room.id, messageId);
      if (message?.hidden === true) {
        await deps.writer.appendEvent({
          roomId: room.id,
          actor,
          at,
          effect: { type: 'message.restored', messageId },
          audit: { details: { reportsDismissed: count } },
        });
      }
    }
    if (count > 0) await this.publishCount(room);
    return count;
  }

  /** Tells the room's staff, on every node, how many reports are open now. */
  async publishCount(room: Pick<StoredRoom, 'id' | 'ownerId' | 'moderators'>): Promise<void> {
    const deps = this.#deps;
    try {
      const open = await deps.store.countOpenReports(room.id as RoomId);
      const userIds = [room.ownerId, ...room.moderators.map((m) => m.id)];
      await deps.bus.publish({ kind: 'reports', roomId: room.id, open, userIds });
    } catch (error) {
      deps.logger.warn({ err: error, roomId: room.id }, 'publishing the open reports count failed');
    }
  }
}
