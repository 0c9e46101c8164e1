import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROOM_EVENT_TYPES, type RoomId, type UserId } from '../chat/model.js';
import {
  type ClusterMessage,
  channelNameOf,
  decodeClusterMessage,
  encodeClusterMessage,
} from './messages.js';

const roomId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((s) => s as RoomId);
const userId = fc.string({ minLength: 1, maxLength: 200 }).map((s) => s as UserId);
const epochMs = fc.integer({ min: 0, max: 4_102_444_800_000 });
/** An object's JSON text, as room entries and mentioned messages carry it. */
const objectJson = fc.dictionary(fc.string(), fc.jsonValue()).map((value) => JSON.stringify(value));
const user = fc.record({ id: userId, nickname: fc.string(), tag: fc.string() });

const message: fc.Arbitrary<ClusterMessage> = fc.oneof(
  fc
    .record({
      roomId,
      seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      storedAtMs: epochMs,
      event: fc.option(fc.constantFrom(...ROOM_EVENT_TYPES), { nil: undefined }),
      entry: objectJson,
    })
    .map(
      ({ roomId, seq, storedAtMs, event, entry }): ClusterMessage => ({
        kind: 'room.entry',
        roomId,
        seq,
        storedAtMs,
        ...(event === undefined ? {} : { event }),
        entry,
      }),
    ),
  fc
    .record({ roomId, type: fc.constantFrom('join', 'leave', 'typing' as const), user })
    .map(({ roomId, type, user }): ClusterMessage => ({ kind: 'presence', roomId, event: { type, user } })),
  fc
    .record({ roomId, userIds: fc.array(userId, { maxLength: 20 }), message: objectJson })
    .map((fields): ClusterMessage => ({ kind: 'mention', ...fields })),
  roomId.map((id): ClusterMessage => ({ kind: 'policy', roomId: id })),
  fc
    .record({
      destination: fc.string({ maxLength: 100 }).map((s) => `/topic/${s}`),
      headers: fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 50 })),
      body: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('base64')),
    })
    .map((fields): ClusterMessage => ({ kind: 'generic.topic', ...fields })),
  fc
    .record({ userId, validAfterMs: epochMs })
    .map((fields): ClusterMessage => ({ kind: 'revocation', ...fields })),
  fc
    .record({
      userId,
      nickname: fc.string({ minLength: 1, maxLength: 32 }),
      tag: fc.stringMatching(/^\d{4}$/),
    })
    .map((fields): ClusterMessage => ({ kind: 'identity', ...fields })),
);

describe('cluster message codec', () => {
  it('decodes exactly what it encoded, on the same channel, with the same JSON text', () => {
    fc.assert(
      fc.property(message, (sent) => {
        const text = encodeClusterMessage(sent);
        const decoded = decodeClusterMessage(text);
        expect(decoded).toEqual({ ok: true, message: sent });
        if (!decoded.ok) return;
        expect(channelNameOf(decoded.message)).toBe(channelNameOf(sent));
        // Receivers re-encode presence events and hand entries on verbatim: the bytes must not change.
        expect(encodeClusterMessage(decoded.message)).toBe(text);
      }),
    );
  });

  it('never throws on arbitrary text, and drops what is not a message', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const decoded = decodeClusterMessage(text);
        if (decoded.ok) expect(encodeClusterMessage(decoded.message)).toBeTypeOf('string');
        else expect(decoded.reason.length).toBeGreaterThan(0);
      }),
    );
  });

  it.each([
    ['not JSON', 'room.entry'],
    ['null', 'null'],
    ['an array', '[]'],
    ['an unknown kind', '{"kind":"room.deleted","roomId":"r"}'],
    ['a room id outside the alphabet', '{"kind":"policy","roomId":"a b"}'],
    ['a room id too long', JSON.stringify({ kind: 'policy', roomId: 'r'.repeat(65) })],
    ['a seq below 1', '{"kind":"room.entry","roomId":"r","seq":0,"storedAtMs":0,"entry":"{}"}'],
    ['a fractional seq', '{"kind":"room.entry","roomId":"r","seq":1.5,"storedAtMs":0,"entry":"{}"}'],
    [
      'an unknown event type',
      '{"kind":"room.entry","roomId":"r","seq":1,"storedAtMs":0,"event":"x","entry":"{}"}',
    ],
    ['an entry that is no object', '{"kind":"room.entry","roomId":"r","seq":1,"storedAtMs":0,"entry":"[1]"}'],
    [
      'a presence user without a tag',
      '{"kind":"presence","roomId":"r","event":{"type":"join","user":{"id":"u","nickname":"n"}}}',
    ],
    ['an empty user id', '{"kind":"revocation","userId":"","validAfterMs":1}'],
    ['a revocation time as text', '{"kind":"revocation","userId":"u","validAfterMs":"1"}'],
    ['a renamed identity without a nickname', '{"kind":"identity","userId":"u","nickname":"","tag":"0001"}'],
    [
      'a renamed identity with a tag that is no tag',
      '{"kind":"identity","userId":"u","nickname":"n","tag":"12"}',
    ],
    [
      'mentioned user ids that are no strings',
      '{"kind":"mention","roomId":"r","userIds":[1],"message":"{}"}',
    ],
  ])('drops %s', (_what, text) => {
    expect(decodeClusterMessage(text).ok).toBe(false);
  });

  it('keeps a message a newer node sent with a field this one does not know, without the field', () => {
    const decoded = decodeClusterMessage('{"kind":"policy","roomId":"r","reason":"settings"}');
    expect(decoded).toEqual({ ok: true, message: { kind: 'policy', roomId: 'r' } });
  });

  it('names one channel per room for entries and presence, one each for the rest', () => {
    const r = 'r1' as RoomId;
    expect(channelNameOf({ kind: 'room.entry', roomId: r, seq: 1, storedAtMs: 0, entry: '{}' })).toBe(
      'room.r1',
    );
    expect(
      channelNameOf({
        kind: 'presence',
        roomId: r,
        event: { type: 'typing', user: { id: 'u' as UserId, nickname: 'n', tag: '0001' } },
      }),
    ).toBe('presence.r1');
    expect(channelNameOf({ kind: 'policy', roomId: r })).toBe('policy');
    expect(channelNameOf({ kind: 'mention', roomId: r, userIds: [], message: '{}' })).toBe('mentions');
    expect(channelNameOf({ kind: 'revocation', userId: 'u' as UserId, validAfterMs: 0 })).toBe('revocations');
    expect(channelNameOf({ kind: 'identity', userId: 'u' as UserId, nickname: 'n', tag: '0001' })).toBe(
      'identities',
    );
  });
});
