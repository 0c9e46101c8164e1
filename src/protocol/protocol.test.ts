import { describe, expect, it } from 'vitest';
import {
  decodeJson,
  decodeValue,
  MessageSchema,
  ModerateBodySchema,
  PostMessageBodySchema,
  ROOM_EVENT_TYPES,
  RoomEventSchema,
} from './index.js';

const alice = { id: 'u1', nickname: 'alice', tag: '0412' };
const message = {
  id: 'm1',
  roomId: 'r1',
  seq: 3,
  author: alice,
  body: 'hi',
  createdAt: '2026-12-02T00:00:00.000Z',
};

describe('protocol schemas', () => {
  it('reads a message and drops what the contract does not name', () => {
    const decoded = decodeValue(MessageSchema, { ...message, extra: 1 });
    expect(decoded).toEqual({ ok: true, value: message });
  });

  it('refuses a message whose seq is not a positive integer', () => {
    const decoded = decodeValue(MessageSchema, { ...message, seq: 0 });
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.path).toEqual(['seq']);
  });

  it('knows every room event type by its schema', () => {
    for (const type of ROOM_EVENT_TYPES) {
      const decoded = decodeValue(RoomEventSchema, { type });
      // Every type is known: the failure is a missing field, never an unknown discriminator.
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) expect(decoded.path.length).toBeGreaterThan(0);
    }
    const unknown = decodeValue(RoomEventSchema, { type: 'room.exploded' });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.path).toEqual(['type']);
  });

  it('names the field and its rule in a refusal', () => {
    const decoded = decodeJson(ModerateBodySchema, '{"action":"mute","userId":"u2","seconds":0}');
    expect(decoded).toEqual({
      ok: false,
      message: `The field "seconds" must be an integer from 1 to ${10 * 365 * 24 * 3600}.`,
      path: ['seconds'],
    });
    expect(decodeJson(ModerateBodySchema, '{"action":"smite","userId":"u2"}')).toMatchObject({
      ok: false,
      message:
        'The field "action" must be mute, unmute, kick, ban, unban, appoint, dismiss, approve, deny, settings, dismissReports, transfer, claim, pin, unpin or notice.',
    });
    expect(decodeJson(ModerateBodySchema, '{"action":"settings"}')).toMatchObject({
      ok: false,
      message:
        'Give at least one of topic, memberCap, slowModeSeconds, newcomerMinutes, newcomerMessages, approveNewcomers, password, wordFilter, reportHideThreshold.',
    });
  });

  it('tells text that is not a JSON object apart from a wrong field', () => {
    expect(decodeJson(PostMessageBodySchema, '{"body":')).toMatchObject({
      message: 'The body is not valid JSON.',
    });
    expect(decodeJson(PostMessageBodySchema, '[1]')).toMatchObject({
      message: 'The body must be a JSON object.',
    });
    expect(decodeJson(PostMessageBodySchema, '{"body":"x","replyTo":"no spaces"}')).toMatchObject({
      path: ['replyTo'],
      message: 'The field "replyTo" must be a message id.',
    });
  });
});
