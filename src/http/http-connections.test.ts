import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serverTimeouts } from './http-connections.js';

describe('serverTimeouts', () => {
  it('builds a server for every valid pair, even headers timeouts above Node default request timeout', () => {
    for (const [headersTimeoutMs, requestTimeoutMs] of [
      [100, 100],
      [10_000, 30_000],
      [600_000, 3_600_000],
    ] as const) {
      const timeouts = serverTimeouts({
        maxConnectionsPerIp: 1,
        headersTimeoutMs,
        requestTimeoutMs,
        keepAliveTimeoutMs: 5000,
        idleTimeoutMs: 60_000,
      });
      const server = createServer(timeouts.http);
      expect(server.headersTimeout).toBe(headersTimeoutMs);
      expect(timeouts.requestTimeout).toBe(requestTimeoutMs);
      // Deadlines are checked often enough to be kept within a quarter of the header timeout (≤ 1 s).
      expect(timeouts.http.connectionsCheckingInterval).toBeLessThanOrEqual(
        Math.max(25, headersTimeoutMs / 4),
      );
      server.close();
    }
  });
});
