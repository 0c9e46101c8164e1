// /metrics kept private: METRICS_TOKEN asks every scrape for `Authorization: Bearer <token>` (401
// otherwise, on either listener); METRICS_PORT moves /metrics to a listener of its own and off the
// public port; the token is never logged nor echoed by a configuration error.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { metricsAuthorized } from '../src/http/metrics-endpoint.js';
import { startTestParley, type TestParley } from './support/parley.js';

const TOKEN = 'scrape-me-0123456789-abcdefghij';
const running: TestParley[] = [];
afterEach(async () => {
  for (const parley of running.splice(0)) await parley.dispose();
});

function logSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { lines, stream };
}

async function start(env: Record<string, string>, ephemeralMetricsPort = false) {
  const sink = logSink();
  const parley = await startTestParley({
    env: { LOG_LEVEL: 'trace', ...env },
    overrides: {
      logger: createLogger({ logLevel: 'trace' }, 'metrics-node', sink.stream),
      ephemeralMetricsPort,
    },
  });
  running.push(parley);
  return { parley, logs: sink.lines };
}

function scrape(url: string, token?: string): Promise<Response> {
  return fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
}

describe('METRICS_TOKEN', () => {
  it('answers 401 without the token, 401 with a wrong one, metrics with it; the token is never logged', async () => {
    const { parley, logs } = await start({ METRICS_TOKEN: TOKEN });
    expect(parley.app.metricsUrl).toBe(`${parley.url}/metrics`);

    const bare = await scrape(parley.app.metricsUrl);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await bare.text()).not.toContain('parley_');

    expect((await scrape(parley.app.metricsUrl, `${TOKEN}x`)).status).toBe(401);
    expect((await fetch(parley.app.metricsUrl, { headers: { authorization: TOKEN } })).status).toBe(401);

    const allowed = await scrape(parley.app.metricsUrl, TOKEN);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('parley_stomp_connections ');

    // The rest of the API is not behind the token.
    expect((await fetch(`${parley.url}/healthz`)).status).toBe(200);
    await parley.dispose();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('')).not.toContain(TOKEN);
  });

  it('is compared whole, case of the scheme aside', () => {
    const hash = loadConfig({ METRICS_TOKEN: TOKEN }).metrics.tokenSha256;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(metricsAuthorized(`Bearer ${TOKEN}`, hash)).toBe(true);
    expect(metricsAuthorized(`bearer ${TOKEN}`, hash)).toBe(true);
    expect(metricsAuthorized(`Bearer ${TOKEN.slice(0, -1)}`, hash)).toBe(false);
    expect(metricsAuthorized(`Basic ${TOKEN}`, hash)).toBe(false);
    expect(metricsAuthorized(undefined, hash)).toBe(false);
    expect(metricsAuthorized(undefined, undefined)).toBe(true);
  });

  it('a bad token is refused at start-up without echoing it', () => {
    let problems: readonly string[] = [];
    try {
      loadConfig({ METRICS_TOKEN: 'short-secret' });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^METRICS_TOKEN: must be at least 16 characters$/)]);
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics on its own listener and no longer on the public port', async () => {
    const { parley } = await start({}, true);
    expect(parley.app.metricsUrl).not.toBe(`${parley.url}/metrics`);
    expect(parley.app.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    const own = await scrape(parley.app.metricsUrl);
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await own.text()).toContain('parley_stomp_connections ');

    expect((await fetch(`${parley.url}/metrics`)).status).toBe(404);
    expect((await fetch(parley.app.metricsUrl.replace(/\/metrics$/, '/api/rooms'))).status).toBe(404);
  });

  it('with METRICS_TOKEN too, its own listener asks for the token', async () => {
    const { parley } = await start({ METRICS_TOKEN: TOKEN }, true);
    expect((await scrape(parley.app.metricsUrl)).status).toBe(401);
    expect((await scrape(parley.app.metricsUrl, TOKEN)).status).toBe(200);
  });

  it('is read from the environment, and must not collide with the other ports', () => {
    expect(loadConfig({ METRICS_PORT: '9464' }).metrics).toEqual({
      tokenSha256: undefined,
      port: 9464,
      host: '127.0.0.1',
    });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics.host).toBe('0.0.0.0');
    expect(loadConfig({}).metrics).toEqual({ tokenSha256: undefined, port: undefined, host: '127.0.0.1' });
    expect(() => loadConfig({ METRICS_PORT: '8080' })).toThrow(/METRICS_PORT: must differ from PORT/);
    expect(() => loadConfig({ METRICS_HOST: '0.0.0.0' })).toThrow(/METRICS_HOST: .*set METRICS_PORT/);
  });
});
