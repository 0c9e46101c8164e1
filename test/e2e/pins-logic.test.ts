// The web client's pure rules for notices and pins under Node: the room as held after each event (a pin
// added once, taken out by an unpin or its message's deletion, its body following edits and hides; the
// notice set and cleared), and the log and audit log saying each change in English and Korean.
import { describe, expect, it } from 'vitest';
import type { AuditEntry, Message, Pin, Room, RoomEvent } from '../../src/protocol/index.js';
import { auditText, eventText } from '../../web/src/event-text.js';
import { stringsFor } from '../../web/src/i18n.js';
import { isNoticeEvent } from '../../web/src/log-state.js';
import { roomAfter } from '../../web/src/room-after.js';
import { alice, bob } from './wire-fixtures.js';

const en = stringsFor('en');
const ko = stringsFor('ko');
const a = `${alice.nickname}#${alice.tag}`;
const b = `${bob.nickname}#${bob.tag}`;

const room: Room = {
  id: 'r1',
  name: 'Hiking',
  topic: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: alice,
  lastMessageAt: null,
  ownerId: alice.id,
  moderators: [],
  memberCap: null,
  slowModeSeconds: 0,
  hasPassword: false,
  newcomerMinutes: 0,
  newcomerMessages: 0,
  approveNewcomers: false,
  notice: null,
  pins: [],
  online: 2,
  epoch: 'e1',
};

const message: Message = {
  id: 'm1',
  roomId: 'r1',
  seq: 3,
  author: bob,
  body: 'Meet at 9',
  createdAt: '2026-01-01T00:00:00.000Z',
};
const pin: Pin = {
  id: 'm1',
  seq: 3,
  author: bob,
  body: 'Meet at 9',
  pinnedBy: alice,
  pinnedAt: '2026-01-01T00:01:00.000Z',
};
const pinned: RoomEvent = { type: 'message.pinned', pin, by: alice };

describe('the room after notice and pin events', () => {
  it('adds a pin once, and takes it out on unpin or on its message being deleted', () => {
    const withPin = roomAfter(room, pinned);
    expect(withPin.pins).toEqual([pin]);
    expect(roomAfter(withPin, pinned).pins).toEqual([pin]);
    expect(roomAfter(withPin, { type: 'message.unpinned', messageId: 'm1', by: alice }).pins).toEqual([]);
    const deleted = { ...message, body: '', deleted: true as const };
    expect(roomAfter(withPin, { type: 'message.deleted', message: deleted, by: alice }).pins).toEqual([]);
    // Another message's deletion leaves the pins as they were.
    expect(
      roomAfter(withPin, { type: 'message.deleted', message: { ...deleted, id: 'm2' }, by: alice }),
    ).toBe(withPin);
  });

  it("follows a pinned message's edits and hides, as the server keeps its pin", () => {
    const withPin = roomAfter(room, pinned);
    const edited = roomAfter(withPin, {
      type: 'message.edited',
      message: { ...message, body: 'Meet at 10' },
    });
    expect(edited.pins[0]).toEqual({ ...pin, body: 'Meet at 10' });
    const hidden = roomAfter(edited, {
      type: 'message.hidden',
      message: { ...message, body: '', hidden: true },
      by: alice,
    });
    expect(hidden.pins[0]?.body).toBe('');
    expect(roomAfter(hidden, { type: 'message.restored', message, by: alice }).pins[0]?.body).toBe(
      'Meet at 9',
    );
  });

  it('sets and clears the notice', () => {
    const notice = { body: 'Bring water', by: alice, at: '2026-01-01T00:02:00.000Z' };
    const set = roomAfter(room, { type: 'notice.changed', notice, by: alice });
    expect(set.notice).toEqual(notice);
    expect(roomAfter(set, { type: 'notice.changed', notice: null, by: alice }).notice).toBeNull();
  });
});

describe('notice and pin changes in words', () => {
  const events: RoomEvent[] = [
    pinned,
    { type: 'message.unpinned', messageId: 'm1', by: alice },
    { type: 'notice.changed', notice: { body: 'x', by: alice, at: '2026-01-01T00:00:00.000Z' }, by: alice },
    { type: 'notice.changed', notice: null, by: alice },
  ];

  it('shows each as a line of the log, in English and Korean', () => {
    expect(events.every((event) => isNoticeEvent(event, () => undefined))).toBe(true);
    expect(events.map((event) => en.notice(eventText(event, 'en')))).toEqual([
      `${a} pinned a message by ${b}`,
      `${a} unpinned a message`,
      `${a} set the room notice`,
      `${a} removed the room notice`,
    ]);
    expect(events.map((event) => ko.notice(eventText(event, 'ko')))).toEqual([
      `${a} 님이 ${b} 님의 메시지를 고정했습니다`,
      `${a} 님이 메시지 고정을 해제했습니다`,
      `${a} 님이 공지를 등록했습니다`,
      `${a} 님이 공지를 내렸습니다`,
    ]);
  });

  it('writes their audit entries as sentences', () => {
    const entry = (action: AuditEntry['action'], details: Record<string, unknown>): AuditEntry => ({
      id: 9,
      action,
      actor: alice,
      target: bob,
      messageId: 'm1',
      details,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(auditText(en, entry('message.pinned', {}), 'en')).toBe(`${a} pinned a message by ${b}`);
    expect(auditText(en, entry('message.unpinned', {}), 'en')).toBe(`${a} unpinned a message`);
    expect(auditText(en, entry('notice.changed', { notice: 'set' }), 'en')).toBe(`${a} set the room notice`);
    expect(auditText(ko, entry('notice.changed', { notice: 'cleared' }), 'ko')).toBe(
      `${a} 님이 공지를 내렸습니다`,
    );
  });

  it('says too_many_pins in both languages', () => {
    expect(en.error('too_many_pins')).toMatch(/unpin/i);
    expect(ko.error('too_many_pins')).toContain('고정');
  });
});
