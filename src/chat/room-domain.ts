// The room domain, assembled: rooms and their reads, membership and presence, the one Permissions,
// the command handlers (messages, moderation and ownership, reports, read markers) and the one
// append-and-publish path they share. Adapters (STOMP routes, HTTP) hand it typed commands and read
// its parts; it hands what this node must deliver to the RoomOutput it was built with. Knows no
// transport.

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Bus, Cache, PresenceRegistry, RateLimiter } from '../cluster/bus.js';
import type { CacheTtls, Limits, OperatorConfig } from '../config.js';
import { assertNever } from '../errors.js';
import type { Store } from '../store/store.js';
import type { AddressBans } from './address-bans.js';
import type { PostCommand, RoomCommand } from './commands.js';
import { Membership } from './membership.js';
import { MentionNotices } from './mention-notices.js';
import { MessageCommands } from './message-commands.js';
import { MessageSearch } from './message-search.js';
import type { Message, RoomId, User } from './model.js';
import { Moderation } from './moderation.js';
import { Operators } from './operators.js';
import { Ownership } from './ownership.js';
import type { PasswordHasher } from './password-hasher.js';
import { Permissions } from './permissions.js';
import { ReadMarkers } from './read-markers.js';
import { ReaderKeys } from './reader-keys.js';
import { Reports } from './reports.js';
import type { RoomAccess } from './room-access.js';
import { RoomCache } from './room-cache.js';
import { RoomFeeds } from './room-feeds.js';
import type { RoomOutput } from './room-output.js';
import { type AppendObserver, RoomWriter } from './room-writer.js';
import { Rooms } from './rooms.js';
import { ServerPolicy } from './server-policy.js';
import { UnreadNotices } from './unread-notices.js';

export type RoomLimits = Pick<
  Limits,
  | 'messageMaxChars'
  | 'maxCombiningMarks'
  | 'sendRatePerSecond'
  | 'sendBurst'
  | 'roomsPerUserPerHour'
  | 'roomJoinsPerUserPerMinute'
  | 'unreadPushMaxFollowers'
  | 'editWindowSeconds'
  | 'ownerAbsenceDays'
  | 'maxReactionEmojisPerMessage'
  | 'maxReactionsPerUserPerMessage'
  | 'reactionRatePerSecond'
  | 'reactionBurst'
  | 'typingRatePerSecond'
  | 'typingBurst'
  | 'historyPageMax'
  | 'historyPageDefault'
  | 'readCountsMaxMembers'
  | 'roomRecentMessages'
  | 'kickCooldownSeconds'
  | 'maxPinsPerRoom'
  | 'noticeMaxChars'
  | 'searchRatePerMinute'
  | 'searchShortQueryScanMax'
>;

export interface RoomDomainDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly presence: PresenceRegistry;
  readonly rateLimiter: RateLimiter;
  /**
   * Shared by the nodes of a deployment: room metadata, room heads and latest history pages are read
   * from here before the store. Without it every read goes to the store.
   */
  readonly cache?: Cache | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: RoomLimits;
  /** How long the shared cache and this node's policy cache keep what they hold. */
  readonly cacheTtls: CacheTtls;
  /** Room passwords: guess limits and room grants. */
  readonly access: RoomAccess;
  readonly hasher: PasswordHasher;
  /** Where users are seen from (keyed hashes): address bans and their counts. */
  readonly addressBans: AddressBans;
  /** Where this node's rooms deliver (the STOMP broker's topics and user queues). */
  readonly output: RoomOutput;
  /** Operators, word-filter sizes, report threshold; absent: no operators and the documented defaults. */
  readonly operators?: OperatorConfig | undefined;
  /** Keys for read counts (from the token secret, the same on every node); absent: a key of this process. */
  readonly readerKeys?: ReaderKeys | undefined;
}

/** The documented defaults (docs/configuration.md), with no operator configured. */
export const DEFAULT_OPERATOR_CONFIG: OperatorConfig = Object.freeze({
  tokenHashes: [],
  authFailuresPerIpPerMinute: 10,
  wordFilterMaxWords: 500,
  wordFilterMaxWordChars: 64,
  reservedNamesMax: 500,
  reportHideThreshold: 3,
});

export class RoomDomain {
  readonly rooms: Rooms;
  readonly membership: Membership;
  readonly permissions: Permissions;
  readonly moderation: Moderation;
  readonly ownership: Ownership;
  readonly readMarkers: ReadMarkers;
  /** Message search in one room or across a user's rooms. */
  readonly search: MessageSearch;
  /** Server-wide settings and bans, as this node holds them. */
  readonly serverPolicy: ServerPolicy;
  readonly operators: Operators;
  readonly #messages: MessageCommands;
  readonly #reports: Reports;
  readonly #writer: RoomWriter;
  readonly #feeds: RoomFeeds;
  readonly #mentions: MentionNotices;
  readonly #unread: UnreadNotices;

  constructor(deps: RoomDomainDependencies) {
    const { store, bus, presence, rateLimiter, clock, logger, limits } = deps;
    const operatorConfig = deps.operators ?? DEFAULT_OPERATOR_CONFIG;
    this.serverPolicy = new ServerPolicy({ store, bus, clock, logger, addressBans: deps.addressBans });
    const roomCache =
      deps.cache === undefined
        ? undefined
        : new RoomCache({
            cache: deps.cache,
            store,
            pageSize: limits.historyPageMax,
            existsTtlMs: deps.cacheTtls.roomExistsTtlMs,
            headTtlMs: deps.cacheTtls.roomHeadTtlMs,
            versionedTtlMs: deps.cacheTtls.roomPageTtlMs,
          });
    this.#feeds = new RoomFeeds({
      store,
      bus,
      sink: deps.output,
      logger,
      recentLimit: limits.roomRecentMessages,
    });
    this.rooms = new Rooms({
      store,
      presence,
      rateLimiter,
      feeds: this.#feeds,
      roomCache,
      clock,
      logger,
      serverPolicy: this.serverPolicy,
      roomsPerUserPerHour: limits.roomsPerUserPerHour,
      maxCombiningMarks: limits.maxCombiningMarks,
      historyPages: { max: limits.historyPageMax, default: limits.historyPageDefault },
    });
    this.membership = new Membership({
      bus,
      presence,
      rateLimiter,
      rooms: this.rooms,
      seen: (roomId, user) => this.ownership.noteSeen(roomId, user),
      joinsPerMinute: limits.roomJoinsPerUserPerMinute,
      typingRule: { capacity: limits.typingBurst, refillPerSecond: limits.typingRatePerSecond },
    });
    this.permissions = new Permissions({
      store,
      bus,
      rateLimiter,
      presence,
      access: deps.access,
      addressBans: deps.addressBans,
      clock,
      logger,
      policyCacheTtlMs: deps.cacheTtls.roomPolicyTtlMs,
    });
    this.#writer = new RoomWriter({ store, bus, feeds: this.#feeds, roomCache, clock, logger });
    this.#mentions = new MentionNotices({
      store,
      bus,
      presence,
      permissions: this.permissions,
      output: deps.output,
      logger,
    });
    // Policy first: a node that delivers a policy event has already dropped its copy of the policy.
    this.#writer.onAppended(this.permissions.onAppended);
    this.#writer.onAppended(this.#mentions.onAppended);
    this.#unread = new UnreadNotices({
      store,
      bus,
      output: deps.output,
      logger,
      maxFollowers: limits.unreadPushMaxFollowers,
    });
    this.#writer.onAppended(this.#unread.onAppended);
    this.#messages = new MessageCommands({
      store,
      rateLimiter,
      clock,
      permissions: this.permissions,
      writer: this.#writer,
      mentions: this.#mentions,
      serverPolicy: this.serverPolicy,
      limits: {
        messageMaxChars: limits.messageMaxChars,
        maxCombiningMarks: limits.maxCombiningMarks,
        sendRatePerSecond: limits.sendRatePerSecond,
        sendBurst: limits.sendBurst,
        editWindowSeconds: limits.editWindowSeconds,
        reactions: {
          emojisPerMessage: limits.maxReactionEmojisPerMessage,
          perUserPerMessage: limits.maxReactionsPerUserPerMessage,
          ratePerSecond: limits.reactionRatePerSecond,
          burst: limits.reactionBurst,
        },
      },
    });
    this.#reports = new Reports({
      store,
      bus,
      rateLimiter,
      clock,
      logger,
      permissions: this.permissions,
      writer: this.#writer,
      output: deps.output,
      maxCombiningMarks: limits.maxCombiningMarks,
      hideThreshold: operatorConfig.reportHideThreshold,
    });
    const wordFilterLimits = {
      maxWords: operatorConfig.wordFilterMaxWords,
      maxWordChars: operatorConfig.wordFilterMaxWordChars,
    };
    this.ownership = new Ownership({
      store,
      presence,
      permissions: this.permissions,
      clock,
      logger,
      ownerAbsenceDays: limits.ownerAbsenceDays,
    });
    this.moderation = new Moderation({
      store,
      rateLimiter,
      clock,
      permissions: this.permissions,
      writer: this.#writer,
      hasher: deps.hasher,
      addressBans: deps.addressBans,
      ownership: this.ownership,
      maxCombiningMarks: limits.maxCombiningMarks,
      kickCooldownSeconds: limits.kickCooldownSeconds,
      maxPinsPerRoom: limits.maxPinsPerRoom,
      noticeMaxChars: limits.noticeMaxChars,
      reports: this.#reports,
      serverPolicy: this.serverPolicy,
      wordFilterLimits,
    });
    this.operators = new Operators({
      store,
      bus,
      rateLimiter,
      clock,
      logger,
      config: operatorConfig,
      policy: this.serverPolicy,
      addressBans: deps.addressBans,
      writer: this.#writer,
      reports: this.#reports,
      maxCombiningMarks: limits.maxCombiningMarks,
    });
    this.readMarkers = new ReadMarkers({
      store,
      permissions: this.permissions,
      bus: deps.bus,
      readerKeys: deps.readerKeys ?? new ReaderKeys(randomBytes(32)),
      readCountsMaxMembers: limits.readCountsMaxMembers,
    });
    this.search = new MessageSearch({
      store,
      rateLimiter,
      searchesPerMinute: limits.searchRatePerMinute,
      shortQueryScanMax: limits.searchShortQueryScanMax,
    });
  }

  /** Listens for what other nodes publish to the domain (policy invalidations, mention notices). */
  async start(): Promise<void> {
    await this.permissions.start();
    try {
      await this.#mentions.start();
      await this.serverPolicy.start();
      await this.#reports.start();
      await this.#unread.start();
    } catch (error) {
      await this.close().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([
      this.permissions.close(),
      this.#mentions.close(),
      this.serverPolicy.close(),
      this.#reports.close(),
      this.#unread.close(),
      this.#feeds.closeAll(),
    ]);
  }

  /** Observes every append (after commit, before fan-out); see AppendObserver. */
  onAppended(observer: AppendObserver): void {
    this.#writer.onAppended(observer);
  }

  /** A new message in two phases (see MessageCommands.admitPost). */
  admitPost(user: User, command: PostCommand): Promise<{ readonly stored: Promise<Message> }> {
    return this.#messages.admitPost(user, command);
  }

  /** Any room command, done when it is durably stored (or refused with a ParleyError). */
  async execute(user: User, command: RoomCommand): Promise<void> {
    switch (command.kind) {
      case 'post': {
        const { stored } = await this.#messages.admitPost(user, command);
        await stored;
        return;
      }
      case 'typing':
        if (await this.permissions.mayShowTyping(user, command.roomId))
          await this.membership.typing(user, command.roomId);
        return;
      case 'edit':
        return this.#messages.edit(user, command);
      case 'delete':
        return this.#messages.remove(user, command);
      case 'react':
        return this.#messages.react(user, command);
      case 'report':
        await this.#reports.report(user, command);
        return;
      case 'read':
        await this.readMarkers.markRead(user, command);
        return;
      case 'moderate':
        return this.moderation.moderate(user, command.roomId, command.action);
      case 'ask':
        return this.moderation.askToPost(user, command.roomId);
      default:
        return assertNever(command);
    }
  }

  /** Starts (or shares) this node's live feed of an existing room, delivering to the RoomOutput. */
  async openFeed(roomId: string): Promise<RoomId> {
    const id = await this.rooms.requireRoom(roomId);
    await this.#feeds.open(id);
    return id;
  }

  closeFeed(roomId: RoomId): void {
    this.#feeds.close(roomId);
  }
}
