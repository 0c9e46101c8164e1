// A ChatService on in-process ports (bus, presence, rate limits) over the given store, with limits
// high enough not to matter and silent logs: for tests of the service itself, without sockets.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { ChatService } from '../../src/chat/chat-service.js';
import { TokenService } from '../../src/chat/tokens.js';
import { systemClock } from '../../src/clock.js';
import type { Bus, Cache, PresenceRegistry } from '../../src/cluster/bus.js';
import { MemoryBus } from '../../src/cluster/memory-bus.js';
import { MemoryPresence } from '../../src/cluster/memory-presence.js';
import { MemoryRateLimiter } from '../../src/cluster/memory-rate-limiter.js';
import { loadConfig } from '../../src/config.js';
import type { Store } from '../../src/store/store.js';

const CONFIG = loadConfig({});
const LIMITS = {
  ...CONFIG.limits,
  sendRatePerSecond: 1_000_000,
  sendBurst: 1_000_000,
  sessionsPerIpPerMinute: 1_000_000,
  roomsPerUserPerHour: 1_000_000,
};

export function makeChatService(
  store: Store,
  ports: { readonly bus?: Bus; readonly presence?: PresenceRegistry; readonly cache?: Cache } = {},
): ChatService {
  return new ChatService({
    store,
    bus: ports.bus ?? new MemoryBus(),
    presence: ports.presence ?? new MemoryPresence({ clock: systemClock, ttlMs: CONFIG.presenceTtlMs }),
    rateLimiter: new MemoryRateLimiter({ clock: systemClock }),
    tokens: new TokenService({ secret: randomBytes(32), clock: systemClock, ttlSeconds: 3600 }),
    clock: systemClock,
    limits: LIMITS,
    cacheTtls: CONFIG.caches,
    logger: pino({ level: 'silent' }),
    sink: { message: () => undefined, presence: () => undefined },
    ...(ports.cache === undefined ? {} : { cache: ports.cache }),
  });
}
