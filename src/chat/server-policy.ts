// The server-wide policy every node holds a copy of: the operators' settings (reserved names, the
// server's banned words) and server-wide bans (identities and address hashes). Loaded from the store at
// start, reloaded when any node announces a change on the `operator` channel (and on a bus resync).
// Answers the checks — may this identity or address use the server, may this name or text be said.
// Where identities are seen from is AddressBans' record, not this one's. Knows nothing of HTTP or frames.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Bus } from '../cluster/bus.js';
import { ChannelFollower } from '../cluster/channel-follower.js';
import { OPERATOR_CHANNEL } from '../cluster/messages.js';
import { ParleyError } from '../errors.js';
import { decodeJsonValue, type WordFilter, WordFilterSchema } from '../protocol/index.js';
import type { ServerBan, Store } from '../store/store.js';
import type { AddressBans } from './address-bans.js';
import type { UserId } from './model.js';
import { skeletons } from './name-scripts.js';
import { type CompiledFilter, MatcherCache, WordMatcher } from './word-filter.js';

export interface ServerSettings {
  /** Nicknames and room names nobody may take (compared folded: case, width, marks ignored). */
  readonly reservedNames: readonly string[];
  /** The server's banned words, applied in every room and to every name; null: none. */
  readonly wordFilter: WordFilter | null;
}

const EMPTY_SETTINGS: ServerSettings = Object.freeze({ reservedNames: [], wordFilter: null });
const RESERVED_KEY = 'reservedNames';
const WORD_FILTER_KEY = 'wordFilter';

export interface ServerPolicyDependencies {
  readonly store: Store;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Hashes addresses (cached) as the sightings that server-wide address bans copy were hashed. */
  readonly addressBans: Pick<AddressBans, 'hashOf'>;
}

export class ServerPolicy {
  readonly #deps: ServerPolicyDependencies;
  readonly #follower: ChannelFollower<'operator'>;
  readonly #matchers = new MatcherCache();
  readonly #bannedListeners: Array<(userIds: readonly UserId[]) => void> = [];
  #settings: ServerSettings = EMPTY_SETTINGS;
  #serverFilter: CompiledFilter | undefined;
  #reserved = new Set<string>();
  /** subject → until (epoch ms; Infinity: for good), per kind. */
  #bannedUsers = new Map<string, number>();
  #bannedAddresses = new Map<string, number>();
  #loading: Promise<void> = Promise.resolve();

  constructor(deps: ServerPolicyDependencies) {
    this.#deps = deps;
    this.#follower = new ChannelFollower(
      deps.bus,
      OPERATOR_CHANNEL,
      (message) => {
        void this.reload(message.change).then(() => {
          if (message.change === 'bans' && message.userIds.length > 0) this.#emitBanned(message.userIds);
        });
      },
      () => void this.reload('settings').then(() => this.reload('bans')),
    );
  }

  async start(): Promise<void> {
    await Promise.all([this.reload('settings'), this.reload('bans')]);
    await this.#follower.start();
    await this.#loading;
  }

  async close(): Promise<void> {
    await this.#follower.close();
  }

  /** Called (on every node) with identities a server-wide ban was just laid on: end their connections. */
  onBanned(listener: (userIds: readonly UserId[]) => void): void {
    this.#bannedListeners.push(listener);
  }

  get settings(): ServerSettings {
    return this.#settings;
  }

  /** Re-reads one part from the store. A failure keeps the previous copy (logged). */
  reload(part: 'settings' | 'bans'): Promise<void> {
    const run = (part === 'settings' ? this.#loadSettings() : this.#loadBans()).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error, part }, 'reloading the server policy failed');
    });
    this.#loading = this.#loading.then(() => run);
    return run;
  }

  /** Refuses (`server_banned`) an identity, or an address, banned server-wide. */
  refuseBanned(userId: UserId | undefined, address: string | undefined): void {
    const now = this.#deps.clock.now();
    const inForce = (until: number | undefined): boolean => until !== undefined && until > now;
    if (userId !== undefined && inForce(this.#bannedUsers.get(userId)))
      throw new ParleyError('server_banned');
    if (address !== undefined && this.#bannedAddresses.size > 0) {
      const hash = this.#deps.addressBans.hashOf(address);
      if (hash !== undefined && inForce(this.#bannedAddresses.get(hash)))
        throw new ParleyError('server_banned');
    }
  }

  /**
   * A name (nickname, room name) or topic: refused when it is reserved server-wide (names only) or
   * holds a banned word of the server's list or of `roomFilter` — whatever the list's mode: a name is
   * never shown masked.
   */
  checkName(name: string, options: { readonly reserved: boolean; readonly roomFilter?: WordFilter }): void {
    if (options.reserved && skeletons(name).some((s) => this.#reserved.has(s))) {
      throw new ParleyError('nickname_reserved', 'That name is reserved on this server.');
    }
    const filters = [this.#serverFilter, this.#roomFilter(options.roomFilter)];
    if (filters.some((f) => f?.matcher.matches(name) === true)) {
      throw new ParleyError('word_filtered', 'The name contains a word this server or room does not allow.');
    }
  }

  /**
   * A message body through the server's list, then the room's: a `refuse` list that matches refuses the
   * text (`word_filtered`); a `mask` list replaces each match with `***`. Returns the text to store.
   */
  filterText(text: string, roomFilter: WordFilter | undefined): string {
    let out = text;
    for (const filter of [this.#serverFilter, this.#roomFilter(roomFilter)]) {
      if (filter === undefined || filter.matcher.size === 0) continue;
      if (filter.mode === 'refuse') {
        if (filter.matcher.matches(out))
          throw new ParleyError('word_filtered', 'The message contains a word this room does not allow.');
      } else {
        out = filter.matcher.mask(out);
      }
    }
    return out;
  }

  #roomFilter(filter: WordFilter | undefined): CompiledFilter | undefined {
    return filter === undefined || filter.words.length === 0 ? undefined : this.#matchers.get(filter);
  }

  #emitBanned(userIds: readonly UserId[]): void {
    for (const listener of this.#bannedListeners) {
      try {
        listener(userIds);
      } catch (error) {
        this.#deps.logger.warn({ err: error }, 'a server-ban listener failed');
      }
    }
  }

  async #loadSettings(): Promise<void> {
    const stored = await this.#deps.store.listServerSettings();
    this.#settings = parseSettings(stored);
    const filter = this.#settings.wordFilter;
    this.#serverFilter =
      filter === null || filter.words.length === 0
        ? undefined
        : { mode: filter.mode, matcher: new WordMatcher(filter.words) };
    // Compared as the built-in reserved nicknames are: look-alikes, digits and separators do not disguise.
    this.#reserved = new Set(this.#settings.reservedNames.flatMap((n) => skeletons(n)));
  }

  async #loadBans(): Promise<void> {
    const bans = await this.#deps.store.listServerBans(new Date(this.#deps.clock.now()));
    const users = new Map<string, number>();
    const addresses = new Map<string, number>();
    for (const ban of bans) (ban.kind === 'user' ? users : addresses).set(ban.subject, untilMs(ban));
    this.#bannedUsers = users;
    this.#bannedAddresses = addresses;
  }
}

function untilMs(ban: ServerBan): number {
  return ban.until === null ? Number.POSITIVE_INFINITY : ban.until.getTime();
}

const StoredNamesSchema = WordFilterSchema.shape.words;

/** The settings as stored (one JSON value per key); a value that does not read is left out (logged by none). */
export function parseSettings(stored: Readonly<Record<string, string>>): ServerSettings {
  const names =
    stored[RESERVED_KEY] === undefined ? undefined : decodeJsonValue(StoredNamesSchema, stored[RESERVED_KEY]);
  const filter =
    stored[WORD_FILTER_KEY] === undefined
      ? undefined
      : decodeJsonValue(WordFilterSchema, stored[WORD_FILTER_KEY]);
  return {
    reservedNames: names?.ok === true ? names.value : [],
    wordFilter: filter?.ok === true ? filter.value : null,
  };
}

export const SETTING_KEYS = { reservedNames: RESERVED_KEY, wordFilter: WORD_FILTER_KEY } as const;
