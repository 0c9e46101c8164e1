// The network part of the configuration: how proxies are trusted (and the deprecated TRUST_PROXY),
// localhost origins, and the HTTP connection limits, each refused loudly when malformed.
import { describe, expect, it } from 'vitest';
import { problems, problemVariables } from '../test/fixtures/config-fixtures.js';
import { loadConfig } from './config.js';

describe('proxy trust', () => {
  it('trusts no proxy by default', () => {
    expect(loadConfig({}).proxyTrust).toEqual({ kind: 'none' });
    expect(loadConfig({ TRUST_PROXY: 'false' }).proxyTrust).toEqual({ kind: 'none' });
    expect(loadConfig({ TRUST_PROXY_HOPS: '0' }).proxyTrust).toEqual({ kind: 'none' });
  });

  it('reads TRUST_PROXY_HOPS and TRUSTED_PROXIES', () => {
    expect(loadConfig({ TRUST_PROXY_HOPS: '2' }).proxyTrust).toEqual({ kind: 'hops', hops: 2 });
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,fd00::/8' }).proxyTrust).toMatchObject({
      kind: 'proxies',
      proxies: [{ bytes: [10, 0, 0, 0], prefix: 8 }, { bytes: [127, 0, 0, 1], prefix: 32 }, { prefix: 8 }],
    });
  });

  it('reads the deprecated TRUST_PROXY=true as one appending proxy, never as "believe the first entry"', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).proxyTrust).toEqual({ kind: 'hops', hops: 1 });
  });

  it('refuses malformed entries, naming each, and more than one way of trusting proxies', () => {
    const bad = problems({ TRUSTED_PROXIES: '10.0.0.0/8, proxy.local, 10.0.0.0/33' });
    expect(bad).toHaveLength(2);
    expect(bad[0]).toMatch(/^TRUSTED_PROXIES: "proxy.local" is not an address or CIDR/);
    expect(bad[1]).toMatch(/^TRUSTED_PROXIES: "10.0.0.0\/33"/);
    expect(problems({ TRUSTED_PROXIES: '0.0.0.0/0' })[0]).toMatch(
      /^TRUSTED_PROXIES: .*would trust every peer/,
    );
    expect(problems({ TRUSTED_PROXIES: '::/0' })[0]).toMatch(/would trust every peer/);
    expect(problems({ TRUST_PROXY_HOPS: '-1' })[0]).toMatch(/^TRUST_PROXY_HOPS:/);
    expect(problems({ TRUST_PROXY_HOPS: '33' })[0]).toMatch(/^TRUST_PROXY_HOPS:/);
    expect(problems({ TRUST_PROXY: 'yes' })[0]).toMatch(/^TRUST_PROXY:/);
    expect(problems({ TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2' })[0]).toMatch(
      /^TRUSTED_PROXIES: set one way of trusting proxies, not TRUST_PROXY=true and TRUST_PROXY_HOPS/,
    );
    expect(problems({ TRUST_PROXY_HOPS: '1', TRUSTED_PROXIES: '10.0.0.1' })).toHaveLength(1);
  });
});

describe('origins and HTTP connections', () => {
  it('has safe defaults', () => {
    const config = loadConfig({});
    expect(config.allowLocalhostOrigins).toBe('auto');
    expect(config.http).toEqual({
      maxConnectionsPerIp: 64,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      idleTimeoutMs: 60_000,
    });
    expect(Object.isFrozen(config.http)).toBe(true);
  });

  it('reads and checks each variable', () => {
    const config = loadConfig({
      ALLOW_LOCALHOST_ORIGINS: 'true',
      MAX_HTTP_CONNECTIONS_PER_IP: '5',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '2000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '3000',
      HTTP_IDLE_TIMEOUT_MS: '4000',
    });
    expect(config.allowLocalhostOrigins).toBe('always');
    expect(loadConfig({ ALLOW_LOCALHOST_ORIGINS: 'false' }).allowLocalhostOrigins).toBe('never');
    expect(config.http).toEqual({
      maxConnectionsPerIp: 5,
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      keepAliveTimeoutMs: 3000,
      idleTimeoutMs: 4000,
    });
    expect(
      problemVariables(
        problems({
          ALLOW_LOCALHOST_ORIGINS: '1',
          MAX_HTTP_CONNECTIONS_PER_IP: '0',
          HTTP_HEADERS_TIMEOUT_MS: '5',
          HTTP_KEEP_ALIVE_TIMEOUT_MS: 'soon',
          HTTP_IDLE_TIMEOUT_MS: '-1',
        }),
      ),
    ).toEqual([
      'ALLOW_LOCALHOST_ORIGINS',
      'HTTP_HEADERS_TIMEOUT_MS',
      'HTTP_IDLE_TIMEOUT_MS',
      'HTTP_KEEP_ALIVE_TIMEOUT_MS',
      'MAX_HTTP_CONNECTIONS_PER_IP',
    ]);
    expect(problems({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (10000) (got "20000")',
    ]);
  });
});
