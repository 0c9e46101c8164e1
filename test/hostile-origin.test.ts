// Cross-site attacks on a real server: WebSocket hijacking (the Origin check on the upgrade, with
// ALLOWED_ORIGINS; localhost pages only with ALLOW_LOCALHOST_ORIGINS), CORS on the API (preflight and
// simple requests), security headers on every answer and a strict Content-Security-Policy on the web
// client's pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from './e2e/harness.js';
import { startTestParley, type TestParley } from './support/parley.js';
import { RawWebSocket } from './support/raw-ws.js';

const ALLOWED = 'https://chat.example.com';
let parley: TestParley;
let development: TestParley;

beforeAll(async () => {
  // The CSP is sent with the built client's pages; build it if the tree has none (as the e2e tests do).
  await ensureWebBuilt();
  parley = await startTestParley({ env: { ALLOWED_ORIGINS: `${ALLOWED}, https://other.example.org` } });
  development = await startTestParley({ env: { ALLOW_LOCALHOST_ORIGINS: 'true' } });
}, 120_000);

afterAll(async () => {
  await parley?.dispose();
  await development?.dispose();
});

const upgrade = (origin: string | undefined) =>
  RawWebSocket.open(parley.app.port, origin === undefined ? {} : { origin });

describe('the Origin check on the WebSocket upgrade', () => {
  it.each([
    ['a foreign site', 'https://evil.example'],
    ['a look-alike of an allowed origin', 'https://chat.example.com.evil.example'],
    ['an allowed host over another scheme', 'http://chat.example.com'],
    ['an allowed host on another port', 'https://chat.example.com:8443'],
    ['a sandboxed or file page (null)', 'null'],
    ['a non-web scheme', 'chrome-extension://abcdef'],
    ['garbage', '::::'],
    ['a localhost page (ALLOW_LOCALHOST_ORIGINS is off by default)', 'http://localhost:5555'],
    ['a 127.0.0.1 page', 'http://127.0.0.1:5555'],
    ['an [::1] page', 'http://[::1]:5555'],
  ])('refuses %s with 403 before the handshake', async (_name, origin) => {
    await expect(upgrade(origin)).rejects.toThrow('HTTP 403');
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

  it('off (the default): localhost pages get neither the WebSocket nor CORS', async () => {
    for (const origin of LOCAL) {
      await expect(upgrade(origin), origin).rejects.toThrow('HTTP 403');
      const preflight = await fetch(`${parley.url}/api/rooms`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin'), origin).toBeNull();
      const simple = await fetch(`${parley.url}/api/rooms`, { headers: { origin } });
      expect(simple.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('on: localhost pages on any port get both; foreign sites still get neither', async () => {
    for (const origin of LOCAL) {
      const ws = await RawWebSocket.open(development.app.port, { origin });
      ws.destroy();
      const simple = await fetch(`${development.url}/api/rooms`, { headers: { origin } });
      expect(simple.headers.get('access-control-allow-origin'), origin).toBe(origin);
    }
    await expect(RawWebSocket.open(development.app.port, { origin: 'https://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
    await expect(
      RawWebSocket.open(development.app.port, { origin: 'http://localhost.evil.example:5555' }),
    ).rejects.toThrow('HTTP 403');
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
