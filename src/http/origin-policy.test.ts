import { describe, expect, it } from 'vitest';
import { createOriginPolicy } from './origin-policy.js';

describe('createOriginPolicy', () => {
  const policy = createOriginPolicy(['https://chat.example.com']);

  it('allows no origin, the same origin, localhost and listed origins', () => {
    expect(policy.isAllowed(undefined, 'parley.example.org')).toBe(true);
    expect(policy.isAllowed('https://parley.example.org', 'parley.example.org')).toBe(true);
    expect(policy.isAllowed('http://localhost:5173', 'parley.example.org')).toBe(true);
    expect(policy.isAllowed('http://127.0.0.1:9', 'parley.example.org')).toBe(true);
    expect(policy.isAllowed('https://chat.example.com', 'parley.example.org')).toBe(true);
  });

  it('refuses other sites, look-alikes and non-web schemes', () => {
    expect(policy.isAllowed('https://evil.example', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('https://chat.example.com.evil.example', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('https://parley.example.org.evil', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('null', 'parley.example.org')).toBe(false);
    expect(policy.isAllowed('file://x', 'x')).toBe(false);
  });
});
