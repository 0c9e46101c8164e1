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
    // One interval both ways: the server offers to send and wants to hear at the same rate.
    heartbeatSendMs: limits.heartbeatMs,
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
