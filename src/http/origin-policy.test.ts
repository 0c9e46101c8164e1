import { describe, expect, it } from 'vitest';
import { createOriginPolicy } from './origin-policy.js';

describe('createOriginPolicy', () => {
  const policy = createOriginPolicy(['https://chat.example.com']);
  const development = createOriginPolicy([], { allowLocalhost: true });

  it('allows no origin, the same origin and listed origins', () => {
    expect(policy.isAllowed(undefined, 'parley.example.org')).toBe(true);
    expect(policy.isAllowed('https://parley.example.org', 'parley.example.org')).toBe(true);
    expect(policy.isAllowed('https://chat.example.com', 'parley.example.org')).toBe(true);
    // A developer's `npm start` serves the client itself: same origin, no switch needed.
    expect(policy.isAllowed('http://localhost:8080', 'localhost:8080')).toBe(true);
  });

  it('refuses localhost pages on other ports unless ALLOW_LOCALHOST_ORIGINS is on', () => {
    for (const origin of [
      'http://localhost:5173',
      'http://127.0.0.1:9',
      'http://[::1]:3000',
      'https://localhost',
    ]) {
      expect(policy.isAllowed(origin, 'parley.example.org'), origin).toBe(false);
      expect(development.isAllowed(origin, 'parley.example.org'), origin).toBe(true);
    }
    // Look-alikes stay foreign even in development.
    expect(development.isAllowed('http://localhost.evil.example', 'parley.example.org')).toBe(false);
    expect(development.isAllowed('http://127.0.0.2:80', 'parley.example.org')).toBe(false);
  });

  it('refuses other sites, look-alikes and non-web schemes', () => {
    expect(policy.isAllowed('https://evil.example', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('https://chat.example.com.evil.example', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('https://parley.example.org.evil', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('null', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('file://x', 'x')).toBe(false);
  });
});
