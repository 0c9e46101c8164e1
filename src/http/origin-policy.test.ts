import { describe, expect, it } from 'vitest';
import { createOriginPolicy } from './origin-policy.js';

describe('createOriginPolicy', () => {
  const policy = createOriginPolicy(['https://chat.example.com']);
  const always = createOriginPolicy([], { localhost: 'always' });
  const never = createOriginPolicy([], { localhost: 'never' });
  const LOCAL_PAGES = [
    'http://localhost:5173',
    'http://127.0.0.1:9',
    'http://[::1]:3000',
    'https://localhost',
  ];

  it('allows no origin, the same origin and listed origins', () => {
    expect(policy.isAllowed(undefined, 'parley.example.org')).toBe(true);
    expect(policy.isAllowed('https://parley.example.org', 'parley.example.org')).toBe(true);
    expect(policy.isAllowed('https://chat.example.com', 'parley.example.org')).toBe(true);
    // A developer's `npm start` serves the client itself: same origin, whatever the setting.
    expect(never.isAllowed('http://localhost:8080', 'localhost:8080')).toBe(true);
  });

  it('auto (the default): localhost pages only while the server itself is reached as localhost', () => {
    for (const origin of LOCAL_PAGES) {
      expect(policy.isAllowed(origin, 'parley.example.org'), origin).toBe(false);
      expect(policy.isAllowed(origin, 'parley.example.org:443'), origin).toBe(false);
      expect(policy.isAllowed(origin, undefined), origin).toBe(false);
      for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', 'LOCALHOST', '127.0.0.1']) {
        expect(policy.isAllowed(origin, host), `${origin} on ${host}`).toBe(true);
      }
    }
    // A Host that only looks local, or is malformed, is not.
    for (const host of ['localhost.evil.example', '127.0.0.2:8080', '[::1', 'local host']) {
      expect(policy.isAllowed('http://localhost:5173', host), host).toBe(false);
    }
  });

  it('always / never: localhost pages regardless of the Host', () => {
    for (const origin of LOCAL_PAGES) {
      expect(always.isAllowed(origin, 'parley.example.org'), origin).toBe(true);
      expect(never.isAllowed(origin, 'localhost:8080'), origin).toBe(false);
    }
    // Look-alikes stay foreign in every mode.
    for (const p of [always, policy]) {
      expect(p.isAllowed('http://localhost.evil.example', 'localhost:8080')).toBe(false);
      expect(p.isAllowed('http://127.0.0.2:80', 'localhost:8080')).toBe(false);
    }
  });

  it('refuses other sites, look-alikes and non-web schemes', () => {
    expect(policy.isAllowed('https://evil.example', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('https://chat.example.com.evil.example', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('https://parley.example.org.evil', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('null', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('file://x', 'x')).toBe(false);
  });
});
