import { describe, expect, it } from 'vitest';
import type { RoomId, UserId } from './model.js';
import { ReaderKeys } from './reader-keys.js';

const room = (id: string) => id as RoomId;
const user = (id: string) => id as UserId;

describe('ReaderKeys', () => {
  it('gives a member one key per room, unrelated keys across rooms and secrets', () => {
    const keys = new ReaderKeys(new Uint8Array(32).fill(1));
    const a = keys.of(room('r1'), user('u1'));
    expect(a).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(keys.of(room('r1'), user('u1'))).toBe(a);
    expect(keys.of(room('r2'), user('u1'))).not.toBe(a);
    expect(keys.of(room('r1'), user('u2'))).not.toBe(a);
    expect(new ReaderKeys(new Uint8Array(32).fill(2)).of(room('r1'), user('u1'))).not.toBe(a);
    expect(a).not.toContain('u1');
  });
});
