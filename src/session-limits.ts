// Wiring, not protocol: how the configured limits (src/config.ts, where every default lives) become the
// limits each STOMP session enforces. The session itself knows no configuration and has no defaults.
import type { Limits } from './config.js';
import type { SessionLimits } from './stomp/session.js';

/** The limits of every STOMP session, from the configuration (the only place their defaults live). */
export function sessionLimitsOf(limits: Limits): SessionLimits {
  return {
    maxFrameBytes: limits.maxFrameBytes,
    maxHeaders: limits.maxHeaders,
    maxHeaderLineBytes: limits.maxHeaderLineBytes,
    maxSubscriptions: limits.maxSubscriptions,
    maxOutboundBytes: limits.maxOutboundBytes,
    // The server wants to hear every HEARTBEAT_MS, and offers to send as often as HEARTBEAT_SEND_MIN_MS
    // (never more slowly than it wants to hear): the negotiated rate is still the slower of the two
    // sides' wishes, so a client asking every 10 s gets 10 s; 0 turns heart-beats off both ways.
    heartbeatSendMs: limits.heartbeatMs === 0 ? 0 : Math.min(limits.heartbeatSendMinMs, limits.heartbeatMs),
    heartbeatReceiveMs: limits.heartbeatMs,
    heartbeatGraceFactor: limits.heartbeatGraceFactor,
    connectTimeoutMs: limits.connectTimeoutMs,
    maxTransactionFrames: limits.maxTransactionFrames,
    maxOpenTransactions: limits.maxOpenTransactions,
    maxPendingAcks: limits.maxPendingAcks,
    maxQueuedFrames: limits.maxQueuedFrames,
    maxInflightSends: limits.maxInflightSends,
    frameTimeoutMs: limits.frameTimeoutMs,
    refusalBurst: limits.refusalBurst,
    refusalRatePerSecond: limits.refusalRatePerSecond,
  };
}
