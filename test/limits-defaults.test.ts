// Every limit has one default, in the configuration schema: a session built from the default
// configuration (as the app builds it, and as the shared test STOMP server does) enforces exactly those
// defaults. Before, the session module carried defaults of its own (32 headers and 256 subscriptions
// against the documented 64 and 64), so code built on them disagreed with the deployed server.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { sessionLimitsOf } from '../src/session-limits.js';
import { RawStompClient } from './support/raw-stomp.js';
import { startStompServer, TEST_SERVER_LIMITS, type TestStompServer } from './support/stomp-server.js';

const defaults = loadConfig({}).limits;

describe('limits come from the configuration schema only', () => {
  let server: TestStompServer | undefined;
  const clients: RawStompClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await server?.close();
    server = undefined;
  });

  const connected = async (): Promise<RawStompClient> => {
    server ??= await startStompServer();
    const client = await RawStompClient.open(server.tcpPort);
    clients.push(client);
    await client.connect(`u${clients.length}`);
    return client;
  };

  it('derives every session limit from the configuration, heart-beats aside in the test server', () => {
    const fromConfig = sessionLimitsOf(defaults);
    expect(fromConfig.maxHeaders).toBe(defaults.maxHeaders);
    expect(fromConfig.maxSubscriptions).toBe(defaults.maxSubscriptions);
    const { heartbeatSendMs: _s, heartbeatReceiveMs: _r, connectTimeoutMs: _c, ...rest } = TEST_SERVER_LIMITS;
    const { heartbeatSendMs: _s2, heartbeatReceiveMs: _r2, connectTimeoutMs: _c2, ...expected } = fromConfig;
    expect(rest).toEqual(expected);
  });

  it('accepts exactly MAX_HEADERS headers in a frame by default, and refuses one more', async () => {
    const ok = await connected();
    // The encoder adds `content-length` to a frame with a body: it counts as one of the headers.
    const headers = (count: number): Record<string, string> => {
      const all: Record<string, string> = { destination: '/app/echo.h', receipt: 'r' };
      for (let i = Object.keys(all).length; i < count - 1; i++) all[`x-${i}`] = 'v';
      return all;
    };
    ok.write('SEND', headers(defaults.maxHeaders), 'fits');
    await ok.waitFor((f) => f.command === 'RECEIPT');
    const refused = await connected();
    refused.write('SEND', headers(defaults.maxHeaders + 1), 'one too many');
    const error = await refused.waitFor((f) => f.command === 'ERROR');
    expect(error.headers.message).toBe('too_many_headers');
  });

  it('accepts exactly MAX_SUBSCRIPTIONS subscriptions by default, and refuses one more', async () => {
    const client = await connected();
    for (let i = 0; i < defaults.maxSubscriptions; i++) {
      client.write('SUBSCRIBE', { id: `s${i}`, destination: `/topic/echo.${i}`, receipt: `r${i}` });
    }
    const last = `r${defaults.maxSubscriptions - 1}`;
    await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === last);
    client.write('SUBSCRIBE', { id: 'one-more', destination: '/topic/echo.more', receipt: 'more' });
    const error = await client.waitFor((f) => f.command === 'ERROR');
    expect(error.headers.message).toBe('too_many_subscriptions');
  });
});
