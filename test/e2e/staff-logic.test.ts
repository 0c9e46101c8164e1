// The web client's pure rules for issue 15's staff items under Node: what a settings change changed
// (from the states before and after, and from an audit entry's details), the notice that says it in
// English and Korean, and audit entries written as sentences rather than event names and JSON.
import { describe, expect, it } from 'vitest';
import type { AuditEntry, RoomState } from '../../src/protocol/index.js';
import { auditText, eventText } from '../../web/src/event-text.js';
import { stringsFor } from '../../web/src/i18n.js';
import { changesFromDetails, roomChanges } from '../../web/src/room-changes.js';
import { alice, bob } from './wire-fixtures.js';

const en = stringsFor('en');
const ko = stringsFor('ko');

const state: RoomState = {
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
};

describe('what a settings change changed', () => {
  it('lists each field that differs, in a fixed order, and nothing without the state before', () => {
    const after = { ...state, topic: 'Sunday walk', slowModeSeconds: 10, hasPassword: true, memberCap: 20 };
    expect(roomChanges(state, after)).toEqual([
      { kind: 'topic', topic: 'Sunday walk' },
      { kind: 'memberCap', cap: 20 },
      { kind: 'slowMode', seconds: 10 },
      { kind: 'password', set: true },
    ]);
    expect(roomChanges(state, state)).toEqual([]);
    expect(roomChanges(undefined, after)).toEqual([]);
    expect(roomChanges(after, { ...after, topic: null, slowModeSeconds: 0 })).toEqual([
      { kind: 'topic', topic: null },
      { kind: 'slowMode', seconds: 0 },
    ]);
  });

  it('says it in English and in Korean (Korean only)', () => {
    const event = { type: 'room.updated' as const, room: { ...state, slowModeSeconds: 10 }, by: alice };
    const name = `${alice.nickname}#${alice.tag}`;
    expect(en.notice(eventText(event, 'en', state))).toBe(`${name} set slow mode to 10 s`);
    expect(ko.notice(eventText(event, 'ko', state))).toBe(
      `${name} 님이 방 설정을 바꿨습니다: 슬로 모드 10초`,
    );
    const two = {
      ...event,
      room: { ...state, topic: 'Up the hill', slowModeSeconds: 0, approveNewcomers: true },
    };
    expect(en.notice(eventText(two, 'en', { ...state, slowModeSeconds: 5 }))).toBe(
      `${name} changed the topic to “Up the hill”, turned slow mode off and started approving newcomers`,
    );
    // Without the state before, it is only known that settings changed.
    expect(en.notice(eventText(event, 'en'))).toBe(`${name} changed the room settings`);
    // Korean only: no English word beside the names.
    expect(ko.notice(eventText(event, 'ko', state)).replace(name, '')).not.toMatch(/[A-Za-z]{2,}/u);
  });

  it('reads an audit entry’s details, never the word list itself', () => {
    expect(
      changesFromDetails({
        topic: '',
        memberCap: null,
        password: 'cleared',
        wordFilter: { mode: 'mask', words: 3 },
        reportHideThreshold: 4,
        unknown: 'skipped',
      }),
    ).toEqual([
      { kind: 'topic', topic: null },
      { kind: 'memberCap', cap: null },
      { kind: 'password', set: false },
      { kind: 'wordFilter', words: 3 },
      { kind: 'reportHideThreshold', threshold: 4 },
    ]);
  });
});

describe('the audit log in words', () => {
  const entry = (
    action: AuditEntry['action'],
    details: Record<string, unknown>,
    target = true,
  ): AuditEntry => ({
    id: 7,
    action,
    actor: alice,
    ...(target ? { target: bob } : {}),
    details,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  const a = `${alice.nickname}#${alice.tag}`;
  const b = `${bob.nickname}#${bob.tag}`;

  it('writes each kind of entry as a sentence, in the reader’s language, with no event names or JSON', () => {
    expect(auditText(en, entry('room.updated', { slowModeSeconds: 10 }, false), 'en')).toBe(
      `${a} set slow mode to 10 s`,
    );
    expect(
      auditText(
        en,
        entry('member.banned', { seconds: null, until: null, reason: 'spam', scope: 'address' }),
        'en',
      ),
    ).toBe(`${a} banned ${b} for good (spam)`);
    expect(auditText(en, entry('moderator.added', {}), 'en')).toBe(`${a} made ${b} a moderator`);
    expect(auditText(en, entry('message.hidden', { reporters: 3, threshold: 3 }, false), 'en')).toBe(
      'A message was hidden after 3 reports',
    );
    const muted = auditText(
      ko,
      entry('member.muted', { seconds: 300, until: '2026-01-01T00:05:00.000Z', reason: null }),
      'ko',
    );
    expect(muted).toMatch(new RegExp(`^${a} 님이 ${b} 님을 .+까지 채팅 금지했습니다$`));
    expect(muted).not.toContain('2026-01-01T');
    for (const action of ['member.kicked', 'member.unmuted', 'owner.changed', 'room.closed'] as const) {
      const text = auditText(en, entry(action, { until: null, reason: null, claimed: false }), 'en');
      expect(text).not.toMatch(/[{}]|member\.|owner\.|room\./);
    }
  });
});
