// Cross-site attacks on a real server: WebSocket hijacking (the Origin check on the upgrade, with
// ALLOWED_ORIGINS; localhost pages per ALLOW_LOCALHOST_ORIGINS), CORS on the API (preflight and
// simple requests), security headers on every answer and a strict Content-Security-Policy on the web
// client's pages.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from './e2e/harness.js';
import { startTestParley, type TestParley } from './support/parley.js';
import { RawWebSocket } from './support/raw-ws.js';

const ALLOWED = 'https://chat.example.com';
let parley: TestParley;
let development: TestParley;
let closed: TestParley;

beforeAll(async () => {
  // The CSP is sent with the built client's pages; build it if the tree has none (as the e2e tests do).
  await ensureWebBuilt();
  parley = await startTestParley({ env: { ALLOWED_ORIGINS: `${ALLOWED}, https://other.example.org` } });
  development = await startTestParley({ env: { ALLOW_LOCALHOST_ORIGINS: 'true' } });
  closed = await startTestParley({ env: { ALLOW_LOCALHOST_ORIGINS: 'false' } });
}, 120_000);

afterAll(async () => {
  await parley?.dispose();
  await development?.dispose();
  await closed?.dispose();
});

const upgrade = (origin: string | undefined, host?: string) =>
  RawWebSocket.open(parley.app.port, {
    ...(origin === undefined ? {} : { origin }),
    ...(host ? { host } : {}),
  });

describe('the Origin check on the WebSocket upgrade', () => {
  it.each([
    ['a foreign site', 'https://evil.example'],
    ['a look-alike of an allowed origin', 'https://chat.example.com.evil.example'],
    ['an allowed host over another scheme', 'http://chat.example.com'],
    ['an allowed host on another port', 'https://chat.example.com:8443'],
    ['a sandboxed or file page (null)', 'null'],
    ['a non-web scheme', 'chrome-extension://abcdef'],
    ['garbage', '::::'],
    ['a localhost page (by default only for a server reached as localhost)', 'http://localhost:5555'],
    ['a 127.0.0.1 page', 'http://127.0.0.1:5555'],
    ['an [::1] page', 'http://[::1]:5555'],
  ])('refuses %s with 403 before the handshake', async (_name, origin) => {
    // Reached by its public name, as a visitor's browser reaches a production server.
    await expect(upgrade(origin, 'chat.parley.example')).rejects.toThrow('HTTP 403');
  });

  it.each([
    ['an ALLOWED_ORIGINS entry', ALLOWED],
    ['the second ALLOWED_ORIGINS entry', 'https://other.example.org'],
    ['the same origin as the page', 'SAME'],
    ['a non-browser client (no Origin)', undefined],
  ])('accepts %s', async (_name, origin) => {
    const ws = await upgrade(origin === 'SAME' ? parley.url : origin);
    ws.destroy();
  });
});

describe('ALLOW_LOCALHOST_ORIGINS', () => {
  const LOCAL = ['http://localhost:5555', 'http://127.0.0.1:5555', 'http://[::1]:5555'];
  /** The name a production server is reached by: what a visitor's browser sends as Host. */
  const PUBLIC_HOST = 'chat.parley.example';

  /** Access-Control-Allow-Origin of a simple GET with this Origin and Host (fetch cannot set Host). */
  const corsGrant = (app: TestParley, origin: string, host?: string) =>
    new Promise<string | undefined>((resolve, reject) => {
      const request = http.get(
        {
          host: '127.0.0.1',
          port: app.app.port,
          path: '/api/rooms',
          headers: { origin, ...(host ? { host } : {}) },
        },
        (response) => {
          response.resume();
          const grant = response.headers['access-control-allow-origin'];
          resolve(Array.isArray(grant) ? grant[0] : grant);
        },
      );
      request.on('error', reject);
    });

  it('auto (the default), reached by a public name: localhost pages get neither the WebSocket nor CORS', async () => {
    for (const origin of LOCAL) {
      await expect(upgrade(origin, PUBLIC_HOST), origin).rejects.toThrow('HTTP 403');
      expect(await corsGrant(parley, origin, PUBLIC_HOST), origin).toBeUndefined();
    }
    // The page's own origin still works behind that name.
    const ws = await upgrade(`https://${PUBLIC_HOST}`, PUBLIC_HOST);
    ws.destroy();
  });

  it('auto, reached as localhost (a developer running it): localhost pages on any port get both', async () => {
    for (const origin of LOCAL) {
      const ws = await upgrade(origin);
      ws.destroy();
      expect(await corsGrant(parley, origin), origin).toBe(origin);
    }
    await expect(upgrade('http://localhost.evil.example:5555')).rejects.toThrow('HTTP 403');
  });

  it('true: localhost pages get both whatever the Host; foreign sites still get neither', async () => {
    for (const origin of LOCAL) {
      const ws = await RawWebSocket.open(development.app.port, { origin, host: PUBLIC_HOST });
      ws.destroy();
      expect(await corsGrant(development, origin, PUBLIC_HOST), origin).toBe(origin);
    }
    await expect(RawWebSocket.open(development.app.port, { origin: 'https://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
    await expect(
      RawWebSocket.open(development.app.port, { origin: 'http://localhost.evil.example:5555' }),
    ).rejects.toThrow('HTTP 403');
  });

  it('false: localhost pages are refused even when the server is reached as localhost', async () => {
    for (const origin of LOCAL) {
      await expect(RawWebSocket.open(closed.app.port, { origin }), origin).rejects.toThrow('HTTP 403');
      expect(await corsGrant(closed, origin), origin).toBeUndefined();
    }
  });
});

describe('CORS on the HTTP API', () => {
  it('answers a preflight from an allowed origin, and grants nothing to a foreign one', async () => {
    const allowed = await fetch(`${parley.url}/api/rooms`, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(allowed.headers.get('vary')).toContain('Origin');
    // No cookies are used, so credentials are never allowed.
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();

    const foreign = await fetch(`${parley.url}/api/rooms`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('access-control-allow-methods')).toBeNull();

    const simple = await fetch(`${parley.url}/api/rooms`, { headers: { origin: 'https://evil.example' } });
    expect(simple.status).toBe(200);
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never reflects a wildcard', async () => {
    const response = await fetch(`${parley.url}/api/rooms`, { headers: { origin: ALLOWED } });
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-origin')).not.toBe('*');
  });
});

describe('security headers and Content-Security-Policy', () => {
  it('sends the security headers on API, health and error answers', async () => {
    for (const path of ['/api/rooms', '/healthz', '/api/nothing', '/metrics']) {
      const response = await fetch(`${parley.url}${path}`);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
    }
  });

  it('serves the web client with a strict CSP: no inline script, no eval, no framing, no foreign hosts', async () => {
    for (const path of ['/', '/rooms/some-room']) {
      const response = await fetch(`${parley.url}${path}`, { headers: { accept: 'text/html' } });
      expect(response.status, path).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      const directives = new Map(
        csp.split(';').map((d) => {
          const [name = '', ...values] = d.trim().split(/\s+/);
          return [name, values] as const;
        }),
      );
      expect(directives.get('default-src')).toEqual(["'self'"]);
      expect(directives.get('script-src')).toEqual(["'self'"]);
      expect(directives.get('object-src')).toEqual(["'none'"]);
      expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
      expect(directives.get('base-uri')).toEqual(["'none'"]);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
      // The page itself obeys it: no inline scripts.
      const html = await response.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
  });
});
