// A RoomDomain on in-process ports (bus, presence, rate limits) over the given store, with limits high
// enough not to matter, silent logs and an output that drops everything: for tests of the domain
// itself, without sockets. Started (policy cache live, as in a node); close it when done.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { AddressBans } from '../../src/chat/address-bans.js';
import { PasswordHasher } from '../../src/chat/password-hasher.js';
import { RoomAccess } from '../../src/chat/room-access.js';
import { RoomDomain, type RoomLimits } from '../../src/chat/room-domain.js';
import { systemClock } from '../../src/clock.js';
import type { Bus, Cache, PresenceRegistry } from '../../src/cluster/bus.js';
import { MemoryBus } from '../../src/cluster/memory-bus.js';
import { MemoryPresence } from '../../src/cluster/memory-presence.js';
import { MemoryRateLimiter } from '../../src/cluster/memory-rate-limiter.js';
import { loadConfig } from '../../src/config.js';
import { AddressHasher } from '../../src/net/address-hash.js';
import type { Store } from '../../src/store/store.js';

const CONFIG = loadConfig({});
const MANY = 1_000_000;
const LIMITS: RoomLimits = {
  ...CONFIG.limits,
  messageMaxChars: 4000,
  maxCombiningMarks: 3,
  sendRatePerSecond: MANY,
  sendBurst: MANY,
  roomsPerUserPerHour: MANY,
  roomJoinsPerUserPerMinute: MANY,
  editWindowSeconds: 900,
  maxReactionEmojisPerMessage: 20,
  maxReactionsPerUserPerMessage: 3,
  reactionRatePerSecond: MANY,
  reactionBurst: MANY,
};

export async function makeRoomDomain(
  store: Store,
  ports: { readonly bus?: Bus; readonly presence?: PresenceRegistry; readonly cache?: Cache } = {},
): Promise<RoomDomain> {
  const rateLimiter = new MemoryRateLimiter({ clock: systemClock });
  const hasher = new PasswordHasher({ concurrency: 1, maxQueued: 10 });
  const logger = pino({ level: 'silent' });
  const addressBans = new AddressBans({
    store,
    hasher: new AddressHasher(randomBytes(32)),
    clock: systemClock,
    logger,
    retentionMs: 30 * 24 * 3_600_000,
    refreshMs: 0,
    banWindowMs: 48 * 3_600_000,
    maxHashesPerBan: 8,
  });
  const domain = new RoomDomain({
    addressBans,
    store,
    bus: ports.bus ?? new MemoryBus(),
    presence: ports.presence ?? new MemoryPresence({ clock: systemClock, ttlMs: CONFIG.presenceTtlMs }),
    rateLimiter,
    cache: ports.cache,
    clock: systemClock,
    logger,
    limits: LIMITS,
    cacheTtls: CONFIG.caches,
    access: new RoomAccess({
      secret: randomBytes(32),
      clock: systemClock,
      rateLimiter,
      hasher,
      grantTtlSeconds: 3600,
      limits: {
        freeAttemptsPerUser: MANY,
        freeAttemptsPerIp: MANY,
        freeAttemptsPerRoom: MANY,
        backoffBaseMs: 1,
        backoffMaxMs: 1,
        resetAfterMs: 1,
      },
    }),
    hasher,
    output: { message: () => undefined, presence: () => undefined, mention: () => undefined },
  });
  await domain.start();
  return domain;
}
