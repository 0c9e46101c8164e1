import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { sessionLimitsOf } from './session-limits.js';

describe('sessionLimitsOf heart-beats', () => {
  it('offers to send as often as HEARTBEAT_SEND_MIN_MS and wants to hear every HEARTBEAT_MS', () => {
    const limits = sessionLimitsOf(loadConfig({}).limits);
    expect(limits.heartbeatSendMs).toBe(2_000);
    expect(limits.heartbeatReceiveMs).toBe(10_000);
  });

  it('never offers to send more slowly than it wants to hear, and 0 turns both off', () => {
    const slowFloor = sessionLimitsOf(
      loadConfig({ HEARTBEAT_MS: '1000', HEARTBEAT_SEND_MIN_MS: '5000' }).limits,
    );
    expect(slowFloor.heartbeatSendMs).toBe(1_000);
    const off = sessionLimitsOf(loadConfig({ HEARTBEAT_MS: '0' }).limits);
    expect([off.heartbeatSendMs, off.heartbeatReceiveMs]).toEqual([0, 0]);
  });
});
