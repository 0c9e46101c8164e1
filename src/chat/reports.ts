// Members flag messages for staff: one report per call, with a reason that follows the body rules,
// rationed per user. Staff read them through Moderation. Knows nothing of frames, HTTP or SQL.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { RateLimiter, RateRule } from '../cluster/bus.js';
import type { Report, Store } from '../store/store.js';
import { checkReason } from './body-rules.js';
import type { RoomCommand } from './commands.js';
import type { User } from './model.js';
import type { Permissions } from './permissions.js';
import { takeOrRefuse } from './rate-limit.js';

const REPORT_RULE: RateRule = { capacity: 10, refillPerSecond: 1 / 60 };

export interface ReportsDependencies {
  readonly store: Store;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  readonly permissions: Permissions;
  readonly maxCombiningMarks: number;
}

export class Reports {
  readonly #deps: ReportsDependencies;

  constructor(deps: ReportsDependencies) {
    this.#deps = deps;
  }

  async report(user: User, command: Extract<RoomCommand, { readonly kind: 'report' }>): Promise<Report> {
    const deps = this.#deps;
    const reason = checkReason(command.reason, true, deps.maxCombiningMarks) ?? '';
    const room = await deps.permissions.policyRoom(command.roomId);
    await takeOrRefuse(deps.rateLimiter, `report:${user.id}`, REPORT_RULE);
    return deps.store.addReport({
      id: randomUUID(),
      roomId: room.id,
      messageId: command.messageId,
      reporter: user,
      reason,
      createdAt: new Date(deps.clock.now()),
    });
  }
}
