// The permission rules are pure: a room's roles and settings and a user's sanctions in, allowed (no
// throw) or refused with a code out.
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/refusal.js';
import type { MemberSanctions } from '../store/store.js';
import type { Message, StoredRoom, User, UserId } from './model.js';
import {
  deleteRights,
  joinNeeds,
  newcomerRefusal,
  newcomerWait,
  ownerAwayFrom,
  readLevel,
  refuseClaim,
  refuseDelete,
  refuseEdit,
  refuseFull,
  refuseKicked,
  refuseOwnerAsModerator,
  refuseSanctioned,
  refuseSanctionTarget,
  refuseSelfLift,
  refuseTransfer,
  refuseUnlessActingStaff,
  refuseUnlessOwner,
  roleOf,
  slowModeSeconds,
} from './permissions.js';

const user = (id: string): User => ({ id: id as UserId, nickname: id, tag: '0001' });
const owner = 'o' as UserId;
const moderator = 'm' as UserId;
const member = 'x' as UserId;
const room = {
  ownerId: owner,
  moderators: [user('m')],
  hasPassword: false,
  memberCap: null,
  slowModeSeconds: 0,
} satisfies Partial<StoredRoom>;
const none: MemberSanctions = {};
const muted: MemberSanctions = { mutedUntil: '2030-01-01T00:00:00.000Z' };
const banned: MemberSanctions = { ban: { until: null } };
const now = new Date('2026-12-02T10:00:00.000Z');
const message = (authorId: string, agoSeconds: number): Message =>
  ({
    id: 'm1',
    roomId: 'r1',
    seq: 1,
    author: user(authorId),
    body: 'hi',
    createdAt: new Date(now.getTime() - agoSeconds * 1000).toISOString(),
  }) as Message;

describe('roles', () => {
  it('tells owner, moderator and member apart', () => {
    expect([owner, moderator, member].map((id) => roleOf(room, id))).toEqual([
      'owner',
      'moderator',
      'member',
    ]);
  });
});

describe('speaking', () => {
  it('is refused to the banned before the muted, and allowed otherwise', () => {
    expect(codeOf(() => refuseSanctioned(none))).toBeUndefined();
    expect(codeOf(() => refuseSanctioned(muted))).toBe('muted');
    expect(codeOf(() => refuseSanctioned({ ...muted, ...banned }))).toBe('banned');
  });

  it('waits out slow mode for members with something to say, never for staff', () => {
    const slow = { ...room, slowModeSeconds: 30 };
    expect(slowModeSeconds(slow, member, 'hello')).toBe(30);
    expect(slowModeSeconds(slow, member, '   ')).toBe(0);
    expect(slowModeSeconds(slow, moderator, 'hello')).toBe(0);
    expect(slowModeSeconds(slow, owner, 'hello')).toBe(0);
    expect(slowModeSeconds(room, member, 'hello')).toBe(0);
  });
});

describe('staff actions', () => {
  it('belong to the owner and moderators who are not sanctioned', () => {
    const act = (id: UserId, sanctions: MemberSanctions) => () =>
      refuseUnlessActingStaff(roleOf(room, id), sanctions, 'no');
    expect(codeOf(act(owner, none))).toBeUndefined();
    expect(codeOf(act(moderator, none))).toBeUndefined();
    expect(codeOf(act(member, none))).toBe('forbidden');
    expect(codeOf(act(moderator, muted))).toBe('muted');
    expect(codeOf(act(moderator, banned))).toBe('banned');
  });

  it('never reach the owner; reach moderators only from the owner', () => {
    expect(codeOf(() => refuseSanctionTarget(room, 'moderator', owner))).toBe('forbidden');
    expect(codeOf(() => refuseSanctionTarget(room, 'moderator', moderator))).toBe('forbidden');
    expect(codeOf(() => refuseSanctionTarget(room, 'owner', moderator))).toBeUndefined();
    expect(codeOf(() => refuseSanctionTarget(room, 'moderator', member))).toBeUndefined();
    expect(codeOf(() => refuseSelfLift(moderator, moderator))).toBe('forbidden');
    expect(codeOf(() => refuseSelfLift(owner, moderator))).toBeUndefined();
  });

  it('leave appointing and the audit log to the owner, who is no moderator', () => {
    expect(codeOf(() => refuseUnlessOwner('owner', 'no'))).toBeUndefined();
    expect(codeOf(() => refuseUnlessOwner('moderator', 'no'))).toBe('forbidden');
    expect(codeOf(() => refuseOwnerAsModerator(room, owner))).toBe('invalid_request');
    expect(codeOf(() => refuseOwnerAsModerator(room, member))).toBeUndefined();
  });
});

describe('edits and deletions', () => {
  it('let authors edit their own messages within the window', () => {
    expect(codeOf(() => refuseEdit(message('x', 10), member, now, 60))).toBeUndefined();
    expect(codeOf(() => refuseEdit(message('x', 61), member, now, 60))).toBe('edit_window_closed');
    expect(codeOf(() => refuseEdit(message('y', 10), member, now, 60))).toBe('forbidden');
  });

  it('let acting staff delete anything, muted staff only their own, the banned nothing', () => {
    const others = message('y', 10_000);
    expect(
      codeOf(() => refuseDelete(others, moderator, deleteRights('moderator', none), now, 60)),
    ).toBeUndefined();
    expect(codeOf(() => refuseDelete(others, moderator, deleteRights('moderator', muted), now, 60))).toBe(
      'muted',
    );
    expect(
      codeOf(() => refuseDelete(message('m', 10), moderator, deleteRights('moderator', muted), now, 60)),
    ).toBe(undefined);
    expect(codeOf(() => refuseDelete(others, member, deleteRights('member', none), now, 60))).toBe(
      'forbidden',
    );
    expect(codeOf(() => deleteRights('member', banned))).toBe('banned');
  });
});

describe('joining', () => {
  const locked = { ...room, hasPassword: true, memberCap: 2 };

  it('asks members of a password room for it and holds them to the cap; staff to neither', () => {
    expect(joinNeeds(locked, member, { presenceOnly: false, joined: false })).toEqual({
      password: true,
      memberCap: 2,
    });
    expect(joinNeeds(locked, moderator, { presenceOnly: false, joined: false })).toEqual({
      password: false,
      memberCap: undefined,
    });
    expect(joinNeeds(room, member, { presenceOnly: false, joined: false })).toEqual({
      password: false,
      memberCap: undefined,
    });
  });

  it('lets a connection in the room see its presence without a second proof, and never caps presence', () => {
    expect(joinNeeds(locked, member, { presenceOnly: true, joined: true })).toEqual({
      password: false,
      memberCap: undefined,
    });
    expect(joinNeeds(locked, member, { presenceOnly: true, joined: false })).toEqual({
      password: true,
      memberCap: undefined,
    });
  });

  it('refuses the place after the last unless the user is already in', () => {
    const two = [user('a'), user('b')];
    expect(codeOf(() => refuseFull(2, two, 'c' as UserId))).toBe('room_full');
    expect(codeOf(() => refuseFull(2, two, 'a' as UserId))).toBeUndefined();
    expect(codeOf(() => refuseFull(3, two, 'c' as UserId))).toBeUndefined();
  });
});

describe('reading over HTTP', () => {
  const locked = { ...room, hasPassword: true };
  it('shows open rooms fully, password rooms to grant holders and staff, and nothing to the banned', () => {
    expect(readLevel(room, [], undefined)).toBe('full');
    expect(readLevel(locked, [], undefined)).toBe('outline');
    expect(readLevel(locked, [{ id: member, sanctions: none }], undefined)).toBe('outline');
    expect(readLevel(locked, [{ id: member, sanctions: none }], member)).toBe('full');
    expect(readLevel(locked, [{ id: moderator, sanctions: none }], undefined)).toBe('full');
    expect(codeOf(() => readLevel(room, [{ id: member, sanctions: banned }], undefined))).toBe('banned');
  });
});

describe('kick cool-downs and the newcomer gate', () => {
  const T = Date.UTC(2026, 0, 1);
  it("refuses a rejoin during a kick's cool-down with the seconds left, and not after", () => {
    const sanctions: MemberSanctions = { kickedUntil: new Date(T + 90_500).toISOString() };
    expect(codeOf(() => refuseKicked(sanctions, T))).toBe('kicked');
    try {
      refuseKicked(sanctions, T);
    } catch (error) {
      expect(error).toMatchObject({ retryAfterSeconds: 91 });
    }
    expect(() => refuseKicked({}, T)).not.toThrow();
  });

  it('weighs identity age and messages seen since arrival; passing once is for good', () => {
    const room = { newcomerMinutes: 10, newcomerMessages: 3 };
    const standing = {
      identityCreatedAt: new Date(T),
      arrivedAt: new Date(T),
      messagesSince: 1,
      passed: false,
      approval: 'none' as const,
    };
    expect(newcomerWait(room, standing, T + 60_000)).toEqual({ seconds: 540, messages: 2 });
    expect(newcomerWait(room, { ...standing, messagesSince: 3 }, T + 60_000)).toEqual({
      seconds: 540,
      messages: 0,
    });
    expect(newcomerWait(room, standing, T + 600_000)).toEqual({ seconds: 0, messages: 2 });
    expect(newcomerWait(room, { ...standing, messagesSince: 5 }, T + 600_000)).toBeUndefined();
    expect(newcomerWait(room, { ...standing, passed: true }, T)).toBeUndefined();
    expect(newcomerWait({ newcomerMinutes: 0, newcomerMessages: 0 }, standing, T)).toBeUndefined();
    // An identity never recorded counts as born now.
    expect(newcomerWait(room, { ...standing, identityCreatedAt: undefined, messagesSince: 3 }, T)).toEqual({
      seconds: 600,
      messages: 0,
    });
    const refusal = newcomerRefusal({ seconds: 540, messages: 2 });
    expect(refusal.toWire()).toMatchObject({
      code: 'newcomer_wait',
      retryAfterSeconds: 540,
      messagesLeft: 2,
    });
  });
});

describe('ownership', () => {
  const present = { id: member, present: true, sanctions: none };
  it('is handed over by the owner alone, to someone else in the room now and under no sanction', () => {
    expect(codeOf(() => refuseTransfer('owner', owner, present))).toBeUndefined();
    expect(codeOf(() => refuseTransfer('moderator', moderator, present))).toBe('forbidden');
    expect(codeOf(() => refuseTransfer('member', member, present))).toBe('forbidden');
    expect(codeOf(() => refuseTransfer('owner', owner, { ...present, id: owner }))).toBe('invalid_request');
    expect(codeOf(() => refuseTransfer('owner', owner, { ...present, present: false }))).toBe('not_present');
    expect(codeOf(() => refuseTransfer('owner', owner, { ...present, sanctions: muted }))).toBe('forbidden');
    expect(codeOf(() => refuseTransfer('owner', owner, { ...present, sanctions: banned }))).toBe('forbidden');
  });

  it('is claimed by a moderator once the owner is out of the room and was last seen absenceDays ago', () => {
    const days = 30;
    const seenAt = new Date(now.getTime() - days * 86_400_000);
    expect(ownerAwayFrom(seenAt, days)).toEqual(now);
    const away = { present: false, seenAt };
    expect(codeOf(() => refuseClaim('moderator', away, now, days))).toBeUndefined();
    const oneMsEarlier = new Date(now.getTime() - 1);
    expect(codeOf(() => refuseClaim('moderator', away, oneMsEarlier, days))).toBe('owner_not_absent');
    expect(codeOf(() => refuseClaim('moderator', { ...away, present: true }, now, days))).toBe(
      'owner_not_absent',
    );
    expect(codeOf(() => refuseClaim('member', away, now, days))).toBe('forbidden');
    expect(codeOf(() => refuseClaim('owner', away, now, days))).toBe('invalid_request');
    // A shorter absence setting lets the same moderator claim sooner.
    expect(codeOf(() => refuseClaim('moderator', away, oneMsEarlier, days - 1))).toBeUndefined();
  });
});
