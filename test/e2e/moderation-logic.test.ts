// The web client's pure rules for issue 8 under Node: room events applied to the log (edits, deletes,
// reactions, notices, replays), reply quotes, mention splitting, role rules, command bodies, the new
// wire reads and the Korean labels that must not collide with the contract's "Message".
import { describe, expect, it } from 'vitest';
import {
  type Message,
  MessageSchema,
  type Room,
  RoomEventSchema,
  RoomSchema,
  type User,
} from '../../src/protocol/index.js';
import { sanctionBody, settingsChanges } from '../../web/src/commands.js';
import { read, WireShapeError } from '../../web/src/decode.js';
import { stringsFor } from '../../web/src/i18n.js';
import {
  addMessages,
  applyEvent,
  emptyLog,
  highestSeq,
  logEntries,
  quoteOf,
} from '../../web/src/log-state.js';
import { splitMentions } from '../../web/src/mentions.js';
import { canSanction, roleIn, withinEditWindow } from '../../web/src/permissions.js';
import { roomAfter } from '../../web/src/room-after.js';
import { alice, bob, message } from './wire-fixtures.js';

const carol = { id: 'u-carol', nickname: 'carol smith', tag: '0001' };

const room: Room = {
  id: 'r1',
  name: 'Room',
  topic: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: alice,
  online: 1,
  lastMessageAt: null,
  ownerId: alice.id,
  moderators: [bob],
  memberCap: null,
  slowModeSeconds: 0,
  hasPassword: false,
  newcomerMinutes: 0,
  newcomerMessages: 0,
  approveNewcomers: false,
  notice: null,
  pins: [],
  epoch: 'e1',
};

describe('room events in the log', () => {
  it('applies an edit in place, refreshes replies quoting it, and moves the resume point', () => {
    let state = addMessages(emptyLog, [
      message(1),
      message(2, { replyTo: quoteOf(message(1)), author: alice }),
    ]);
    const edited = message(1, { body: 'fixed', editedAt: '2026-01-01T00:01:00.000Z' });
    state = applyEvent(state, 3, { type: 'message.edited', message: edited }, 0);
    expect(state.messages[0]).toEqual(edited);
    expect(state.messages[1]?.replyTo?.body).toBe('fixed');
    expect(highestSeq(state)).toBe(3);
    // Edits are not notices: the log still has only the two messages.
    expect(logEntries(state).map((e) => e.key)).toEqual(['m:1', 'm:2']);
  });

  it('shows a staff delete as a notice at its seq, but not an author deleting their own', () => {
    let state = addMessages(emptyLog, [message(1), message(2), message(5)]);
    const gone = (seq: number): Message => message(seq, { body: '', deleted: true });
    state = applyEvent(state, 3, { type: 'message.deleted', message: gone(1), by: bob }, 0);
    state = applyEvent(state, 4, { type: 'message.deleted', message: gone(2), by: alice }, 0);
    expect(state.messages.map((m) => m.deleted === true)).toEqual([true, true, false]);
    expect(logEntries(state).map((e) => e.key)).toEqual(['m:1', 'm:2', 'n:e:4', 'm:5']);
  });

  it('applies reaction changes: count from the event, the user added or removed, the emoji gone at 0', () => {
    let state = addMessages(emptyLog, [message(1)]);
    const change = (seq: number, emoji: string, added: boolean, count: number, by: User) => {
      state = applyEvent(
        state,
        seq,
        { type: 'reaction.changed', messageId: 'm-1', emoji, added, count, by },
        0,
      );
    };
    change(2, '👍', true, 1, alice);
    change(3, '🎉', true, 1, bob);
    change(4, '👍', true, 2, bob);
    expect(state.messages[0]?.reactions).toEqual([
      { emoji: '👍', count: 2, users: [alice, bob] },
      { emoji: '🎉', count: 1, users: [bob] },
    ]);
    // A history page showed 10 of 40 reactors: the count follows the server, the list what is known.
    change(5, '👍', false, 39, alice);
    change(6, '🎉', false, 0, bob);
    expect(state.messages[0]?.reactions).toEqual([{ emoji: '👍', count: 39, users: [bob] }]);
    change(7, '👍', false, 0, bob);
    expect(state.messages[0]).not.toHaveProperty('reactions');
  });

  it('reads a reaction change; one without its count (the list stored before 2026-12-02) is refused', () => {
    const change = {
      type: 'reaction.changed',
      messageId: 'm',
      emoji: '👍',
      added: true,
      count: 3,
      by: alice,
    };
    expect(read(RoomEventSchema, change, 'event')).toEqual(change);
    // The server upgrades old stored rows when it reads them; the contract has only the count.
    const { count: _count, ...old } = change;
    const reactions = [{ emoji: '👍', count: 2, users: [alice, bob] }];
    expect(() => read(RoomEventSchema, { ...old, reactions }, 'event')).toThrow(/event\.count/);
  });

  it('ignores a replayed event and events for messages not loaded', () => {
    let state = addMessages(emptyLog, [message(1)]);
    state = applyEvent(
      state,
      2,
      { type: 'member.muted', user: bob, until: '2026-01-01T01:00:00Z', reason: null, by: alice },
      0,
    );
    const again = applyEvent(
      state,
      2,
      { type: 'member.muted', user: bob, until: '2026-01-01T01:00:00Z', reason: null, by: alice },
      0,
    );
    expect(again).toBe(state);
    const unknown = applyEvent(state, 3, { type: 'message.edited', message: message(99) }, 0);
    expect(unknown.messages).toBe(state.messages);
    expect(highestSeq(unknown)).toBe(3);
  });

  it('quotes the first 200 characters (code points) and nothing of a deleted message', () => {
    expect(Array.from(quoteOf(message(1, { body: '😀'.repeat(300) })).body)).toHaveLength(200);
    expect(quoteOf(message(1, { deleted: true, body: '' })).body).toBe('');
  });
});

describe('mentions', () => {
  it('marks only resolved handles, including nicknames with spaces, and leaves the rest as text', () => {
    expect(splitMentions('hi @carol smith#0001 and @nobody#0000!', [carol])).toEqual([
      { kind: 'text', text: 'hi ' },
      { kind: 'mention', text: '@carol smith#0001', user: carol },
      { kind: 'text', text: ' and @nobody#0000!' },
    ]);
  });

  it('does not match a handle followed by more digits, and returns text when nobody is mentioned', () => {
    expect(splitMentions('@bob#77310', [bob])).toEqual([{ kind: 'text', text: '@bob#77310' }]);
    expect(splitMentions('plain', [])).toEqual([{ kind: 'text', text: 'plain' }]);
  });

  it('matches nicknames case-insensitively, as the server resolves them, keeping the typed text', () => {
    expect(splitMentions('@BOB#7731 hi', [bob])).toEqual([
      { kind: 'mention', text: '@BOB#7731', user: bob },
      { kind: 'text', text: ' hi' },
    ]);
  });
});

describe('roles and windows', () => {
  it('knows owner, moderators and members from the room JSON', () => {
    expect(roleIn(room, alice.id)).toBe('owner');
    expect(roleIn(room, bob.id)).toBe('moderator');
    expect(roleIn(room, carol.id)).toBe('member');
    expect(roleIn(undefined, alice.id)).toBe('member');
  });

  it('lets staff sanction members, owners sanction moderators, nobody sanction the owner', () => {
    expect(canSanction('owner', 'moderator')).toBe(true);
    expect(canSanction('moderator', 'member')).toBe(true);
    expect(canSanction('moderator', 'moderator')).toBe(false);
    expect(canSanction('moderator', 'owner')).toBe(false);
    expect(canSanction('member', 'member')).toBe(false);
  });

  it('offers edits only inside the server’s edit window', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const created = Date.parse(at);
    expect(withinEditWindow(at, created + 900_000 - 1, 900)).toBe(true);
    expect(withinEditWindow(at, created + 900_000, 900)).toBe(false);
    expect(withinEditWindow(at, created + 59_999, 60)).toBe(true);
    expect(withinEditWindow(at, created + 60_000, 60)).toBe(false);
    expect(withinEditWindow(at, created, 0)).toBe(false);
    expect(withinEditWindow('not a date', created, 900)).toBe(false);
  });
});

describe('command bodies', () => {
  it("builds sanctions: a kick's cool-down, no seconds for a ban for good, the ban's scope, no blank reason", () => {
    expect(sanctionBody('mute', 'u1', 300, '  spam ')).toEqual({
      action: 'mute',
      userId: 'u1',
      seconds: 300,
      reason: 'spam',
    });
    expect(sanctionBody('kick', 'u1', 600, '')).toEqual({ action: 'kick', userId: 'u1', seconds: 600 });
    expect(sanctionBody('kick', 'u1', 0, '')).toEqual({ action: 'kick', userId: 'u1', seconds: 0 });
    expect(sanctionBody('ban', 'u1', undefined, '')).toEqual({ action: 'ban', userId: 'u1' });
    expect(sanctionBody('ban', 'u1', 3600, '', 'address')).toEqual({
      action: 'ban',
      userId: 'u1',
      seconds: 3600,
      scope: 'address',
    });
    // A scope means nothing to a mute.
    expect(sanctionBody('mute', 'u1', 60, '', 'address')).toEqual({
      action: 'mute',
      userId: 'u1',
      seconds: 60,
    });
  });

  it('sends the newcomer gate only when it changed', () => {
    const form = { topic: '', memberCap: '', slowModeSeconds: '0', password: '', removePassword: false };
    expect(settingsChanges(room, { ...form, newcomerMinutes: '0', newcomerMessages: '' })).toBeUndefined();
    expect(settingsChanges(room, { ...form, newcomerMinutes: '10', newcomerMessages: '3' })).toEqual({
      action: 'settings',
      newcomerMinutes: 10,
      newcomerMessages: 3,
    });
  });

  it('sends only the settings that changed, and null to clear', () => {
    const form = { topic: '', memberCap: '', slowModeSeconds: '0', password: '', removePassword: false };
    expect(settingsChanges(room, form)).toBeUndefined();
    expect(settingsChanges(room, { ...form, topic: ' News ', slowModeSeconds: '30' })).toEqual({
      action: 'settings',
      topic: 'News',
      slowModeSeconds: 30,
    });
    expect(
      settingsChanges({ ...room, memberCap: 5, hasPassword: true }, { ...form, removePassword: true }),
    ).toEqual({
      action: 'settings',
      memberCap: null,
      password: null,
    });
  });
});

describe('issue 8 wire reads', () => {
  it('reads message additions and leaves absent ones absent', () => {
    const raw = {
      ...message(4),
      replyTo: { id: 'm-1', seq: 1, author: alice, body: 'q' },
      editedAt: '2026-01-01T00:02:00.000Z',
      reactions: [{ emoji: '🎉', count: 1, users: [alice] }],
      mentions: [alice],
    };
    expect(read(MessageSchema, raw, 'message')).toEqual(raw);
    expect(Object.keys(read(MessageSchema, message(4), 'message'))).not.toContain('reactions');
    expect(read(MessageSchema, { ...message(4), body: '', deleted: true }, 'message').deleted).toBe(true);
  });

  it('reads a room whole and refuses one without its owner fields (the server always sends them)', () => {
    expect(read(RoomSchema, room, 'room')).toEqual(room);
    const { ownerId: _o, ...old } = room;
    expect(() => read(RoomSchema, old, 'room')).toThrow(/room\.ownerId/);
  });

  it('applies room.updated from a room without an online count, keeping the count it holds', () => {
    const { online: _online, ...state } = { ...room, topic: 'news', slowModeSeconds: 30 };
    const event = read(RoomEventSchema, { type: 'room.updated', room: state, by: alice }, 'event');
    expect(roomAfter(room, event)).toEqual({ ...room, topic: 'news', slowModeSeconds: 30, online: 1 });
    // A room that still carries `online` (rows stored before the change) is read without it.
    const legacy = read(
      RoomEventSchema,
      { type: 'room.updated', room: { ...state, online: 9 }, by: alice },
      'e',
    );
    expect(roomAfter(room, legacy).online).toBe(1);
    expect(roomAfter(room, { type: 'moderator.added', user: carol, by: alice }).moderators).toEqual([
      bob,
      carol,
    ]);
  });

  it('applies owner.changed as the server does: new owner out of the moderators, previous one in, last', () => {
    const staffed: Room = { ...room, moderators: [bob, carol] };
    const handed = read(
      RoomEventSchema,
      { type: 'owner.changed', owner: bob, previous: alice, claimed: false, by: alice },
      'e',
    );
    const after = roomAfter(staffed, handed);
    expect(after).toEqual({ ...staffed, ownerId: bob.id, moderators: [carol, alice] });
    expect(roleIn(after, bob.id)).toBe('owner');
    expect(roleIn(after, alice.id)).toBe('moderator');
    // Applied twice (a replay), it ends where the server is.
    expect(roomAfter(after, handed)).toEqual(after);
  });

  it('tells the room who owns it now, and how, in both languages', () => {
    const names = { owner: 'bob#0002', previous: 'alice#0001' };
    for (const locale of ['en', 'ko'] as const) {
      const t = stringsFor(locale);
      const handed = t.notice({ type: 'owner.changed', ...names, claimed: false });
      const claimed = t.notice({ type: 'owner.changed', ...names, claimed: true });
      for (const text of [handed, claimed]) {
        expect(text).toContain('bob#0002');
        expect(text).toContain('alice#0001');
      }
      expect(handed).not.toBe(claimed);
    }
    expect(stringsFor('en').notice({ type: 'owner.changed', ...names, claimed: false })).toBe(
      'alice#0001 made bob#0002 the owner of the room, and is now a moderator',
    );
  });

  it('reads every event type and refuses unknown ones', () => {
    expect(
      read(
        RoomEventSchema,
        { type: 'member.banned', user: bob, until: null, scope: 'address', reason: 'spam', by: alice },
        'e',
      ),
    ).toEqual({
      type: 'member.banned',
      user: bob,
      until: null,
      scope: 'address',
      reason: 'spam',
      by: alice,
    });
    expect(read(RoomEventSchema, { type: 'moderator.added', user: bob, by: alice }, 'e')).toEqual({
      type: 'moderator.added',
      user: bob,
      by: alice,
    });
    expect(() => read(RoomEventSchema, { type: 'member.hugged', user: bob, by: alice }, 'e')).toThrow(
      WireShapeError,
    );
    expect(() => read(RoomEventSchema, { type: 'reaction.changed', messageId: 'm', by: alice }, 'e')).toThrow(
      WireShapeError,
    );
  });
});

describe('labels', () => {
  it('keeps every other Korean and English label free of "Message" so the composer stays unique', () => {
    for (const locale of ['en', 'ko'] as const) {
      const t = stringsFor(locale);
      for (const label of [
        t.editLabel,
        t.reasonLabel,
        t.roomPasswordLabel,
        t.topicLabel,
        t.searchQueryLabel,
      ]) {
        expect(label).not.toMatch(/message/i);
      }
    }
    expect(stringsFor('ko').messageActions).not.toMatch(/message/i);
    expect(stringsFor('en').messageActions).toBe('Message actions');
  });

  it('shows the Korean field labels in Korean only, each unique among the labels', () => {
    const ko = stringsFor('ko');
    const fields = [ko.nicknameLabel, ko.roomNameLabel, ko.messageLabel];
    expect(fields).toEqual(['닉네임', '방 이름', '메시지']);
    for (const label of fields) expect(label).not.toMatch(/[A-Za-z()]/);
    for (const other of [
      ko.editLabel,
      ko.reasonLabel,
      ko.roomPasswordLabel,
      ko.topicLabel,
      ko.searchQueryLabel,
    ]) {
      expect(other).not.toMatch(/메시지/);
      expect(fields).not.toContain(other);
    }
  });
});
