// Reading SEND bodies into commands: whatever arrives, the answer is a command or a coded refusal
// (invalid_message for message bodies, invalid_request otherwise), never a TypeError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RoomId } from '../chat/model.js';
import { ParleyError } from '../errors.js';
import {
  decodeValue,
  PostMessageBodySchema,
  ROOM_ACTION_BODIES,
  type RoomAction,
} from '../protocol/index.js';
import { readActionCommand, readPostCommand } from './command-readers.js';

const roomId = 'room1' as RoomId;
const ACTIONS = Object.keys(ROOM_ACTION_BODIES) as RoomAction[];

/** The refusal's code, or 'accepted'; anything but a ParleyError fails the test. */
function outcome(read: () => unknown): string {
  try {
    read();
    return 'accepted';
  } catch (error) {
    if (!(error instanceof ParleyError)) throw error;
    return error.code;
  }
}

/** JSON values, with the fields the bodies name mixed in so that some of them pass. */
const fieldNames = fc.constantFrom(
  'body',
  'clientMsgId',
  'replyTo',
  'messageId',
  'emoji',
  'on',
  'reason',
  'seq',
  'action',
  'userId',
  'seconds',
  'topic',
  'memberCap',
  'slowModeSeconds',
  'password',
);
const bodies = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fieldNames, fc.oneof(fc.jsonValue(), fc.constantFrom('mute', 'ban', 'settings', 'm1', '👍'))),
);

describe('command readers', () => {
  it('refuse every body a room action schema refuses, with invalid_request or invalid_message', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ACTIONS), bodies, (action, value) => {
        const text = JSON.stringify(value);
        const result = outcome(() => readActionCommand(action, roomId, text));
        const accepted =
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          decodeValue(ROOM_ACTION_BODIES[action], value).ok;
        if (accepted) expect(result).toBe('accepted');
        else expect(['invalid_request', 'invalid_message']).toContain(result);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuse every JSON message body the schema refuses with invalid_message or invalid_request', () => {
    fc.assert(
      fc.property(bodies, (value) => {
        const result = outcome(() => readPostCommand(roomId, JSON.stringify(value), 'application/json'));
        const accepted =
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          decodeValue(PostMessageBodySchema, value).ok;
        if (accepted) expect(result).toBe('accepted');
        else expect(['invalid_message', 'invalid_request']).toContain(result);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throw anything but a refusal on arbitrary text', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ACTIONS), fc.string(), fc.option(fc.string()), (action, text, type) => {
        expect(['accepted', 'invalid_request', 'invalid_message']).toContain(
          outcome(() => readActionCommand(action, roomId, text)),
        );
        expect(['accepted', 'invalid_request', 'invalid_message']).toContain(
          outcome(() => readPostCommand(roomId, text, type ?? undefined)),
        );
      }),
    );
  });

  it('keep the codes clients were always given', () => {
    const post = (text: string) => outcome(() => readPostCommand(roomId, text, 'application/json'));
    expect(post('{"body":')).toBe('invalid_message');
    expect(post('[1]')).toBe('invalid_message');
    expect(post('{"body":1}')).toBe('invalid_message');
    expect(post('{"body":"x","clientMsgId":"has space"}')).toBe('invalid_message');
    expect(post('{"body":"x","replyTo":"no spaces"}')).toBe('invalid_request');
    const act = (action: RoomAction, text: string) => outcome(() => readActionCommand(action, roomId, text));
    expect(act('edit', '{"messageId":"m1","body":5}')).toBe('invalid_message');
    expect(act('edit', '{"messageId":"m 1","body":"x"}')).toBe('invalid_request');
    expect(act('edit', 'nope')).toBe('invalid_request');
    expect(act('moderate', '{"action":"smite","userId":"u"}')).toBe('invalid_request');
  });

  it('read plain text as the message itself and JSON into typed commands', () => {
    expect(readPostCommand(roomId, 'hello', 'text/plain')).toEqual({ kind: 'post', roomId, body: 'hello' });
    expect(readPostCommand(roomId, '{"body":"hi","clientMsgId":"c1","replyTo":null}', undefined)).toEqual({
      kind: 'post',
      roomId,
      body: 'hi',
      clientMsgId: 'c1',
    });
    expect(readActionCommand('moderate', roomId, '{"action":"ban","userId":"u2"}')).toEqual({
      kind: 'moderate',
      roomId,
      action: { action: 'ban', userId: 'u2' },
    });
  });
});
