import { describe, expect, it } from 'vitest';
import type { MessageId, RoomId, User, UserId } from '../chat/model.js';
import {
  type AppendInputs,
  type AppendPlan,
  dedupeKey,
  duplicateProbes,
  planAppends,
  type RoomHead,
  replyIds,
  roomIdsInLockOrder,
  rowDedupeKey,
} from './append-plan.js';
import type { NewMessage } from './room-log.js';
import type { MessageRow } from './schema.js';

const T0 = Date.UTC(2025, 0, 1);
const alice: User = { id: 'u-alice' as UserId, nickname: 'alice', tag: '0001' };
const bob: User = { id: 'u-bob' as UserId, nickname: 'bob', tag: '0002' };
const roomA = 'room-a' as RoomId;
const roomB = 'room-b' as RoomId;

let next = 0;
function msg(roomId: RoomId, body: string, extra: Partial<NewMessage> = {}): NewMessage {
  next += 1;
  return {
    id: `m${next}` as MessageId,
    roomId,
    author: alice,
    body,
    createdAt: new Date(T0 + next * 1000),
    ...extra,
  };
}

function storedRow(m: NewMessage, seq: number, extra: Partial<MessageRow> = {}): MessageRow {
  return {
    id: m.id,
    room_id: m.roomId,
    seq,
    author_id: m.author.id,
    author_nick: m.author.nickname,
    author_tag: m.author.tag,
    body: m.body,
    created_at: m.createdAt.getTime(),
    client_msg_id: m.clientMsgId ?? null,
    edited_at: null,
    deleted: 0,
    hidden: 0,
    reply_to_id: m.replyTo ?? null,
    mentions: null,
    ...extra,
  };
}

function inputs(parts: Partial<AppendInputs> = {}): AppendInputs {
  return {
    heads: parts.heads ?? new Map<string, RoomHead>([[roomA, { lastSeq: 0, lastMessageAt: null }]]),
    stored: parts.stored ?? new Map(),
    quoted: parts.quoted ?? new Map(),
  };
}

/** Each outcome as seq (accepted), `dup:<seq>` (duplicate) or the error code. */
function summary(plan: AppendPlan): (number | string)[] {
  return plan.outcomes.map((o) =>
    o.ok ? (o.value.duplicate ? `dup:${o.value.message.seq}` : o.value.message.seq) : o.error.code,
  );
}

describe('planAppends', () => {
  it('numbers each room densely from its locked head, in batch order, and moves the heads', () => {
    const batch = [msg(roomA, 'a1'), msg(roomB, 'b1'), msg(roomA, 'a2'), msg(roomB, 'b2')];
    const plan = planAppends(
      batch,
      inputs({
        heads: new Map([
          [roomA, { lastSeq: 7, lastMessageAt: T0 }],
          [roomB, { lastSeq: 0, lastMessageAt: null }],
        ]),
      }),
    );
    expect(summary(plan)).toEqual([8, 1, 9, 2]);
    expect(plan.rows.map((r) => [r.room_id, r.seq, r.body])).toEqual([
      [roomA, 8, 'a1'],
      [roomB, 1, 'b1'],
      [roomA, 9, 'a2'],
      [roomB, 2, 'b2'],
    ]);
    expect(plan.heads).toEqual([
      { roomId: roomA, lastSeq: 9, lastMessageAt: batch[2]?.createdAt.getTime() },
      { roomId: roomB, lastSeq: 2, lastMessageAt: batch[3]?.createdAt.getTime() },
    ]);
  });

  it('keeps the latest message time when a later item carries an earlier clock', () => {
    const late = msg(roomA, 'late');
    const early = { ...msg(roomA, 'early'), createdAt: new Date(T0) };
    const plan = planAppends([late, early], inputs());
    expect(plan.heads).toEqual([{ roomId: roomA, lastSeq: 2, lastMessageAt: late.createdAt.getTime() }]);
  });

  it('fails items of a missing room alone, taking no seq and writing nothing for them', () => {
    const plan = planAppends([msg(roomB, 'lost'), msg(roomA, 'kept')], inputs());
    expect(summary(plan)).toEqual(['room_not_found', 1]);
    expect(plan.rows.map((r) => r.body)).toEqual(['kept']);
    expect(plan.heads.map((h) => h.roomId)).toEqual([roomA]);
  });

  it('writes nothing and moves no head when every item fails', () => {
    const plan = planAppends([msg(roomB, 'lost')], inputs());
    expect(plan).toMatchObject({ rows: [], heads: [] });
  });

  it('answers an in-batch repeat of a clientMsgId with the first message, duplicate:true', () => {
    const first = msg(roomA, 'once', { clientMsgId: 'k1' });
    const again = msg(roomA, 'once again', { clientMsgId: 'k1' });
    const otherAuthor = msg(roomA, 'same key, other author', { clientMsgId: 'k1', author: bob });
    const plan = planAppends([first, again, otherAuthor], inputs());
    expect(summary(plan)).toEqual([1, 'dup:1', 2]);
    const [o1, o2] = plan.outcomes;
    expect(o2?.ok && o1?.ok && o2.value.message).toBe(o1?.ok && o1.value.message);
    expect(plan.rows.map((r) => r.body)).toEqual(['once', 'same key, other author']);
  });

  it('answers a stored clientMsgId with the stored message, duplicate:true, taking no seq', () => {
    const original = msg(roomA, 'original', { clientMsgId: 'k1' });
    const retry = msg(roomA, 'retry', { clientMsgId: 'k1' });
    const key = dedupeKey(original) ?? '';
    const plan = planAppends(
      [retry, retry, msg(roomA, 'new')],
      inputs({
        heads: new Map([[roomA, { lastSeq: 3, lastMessageAt: T0 }]]),
        stored: new Map([[key, storedRow(original, 3)]]),
      }),
    );
    expect(summary(plan)).toEqual(['dup:3', 'dup:3', 4]);
    const [o1] = plan.outcomes;
    expect(o1?.ok && o1.value.message).toMatchObject({
      id: original.id,
      body: 'original',
      clientMsgId: 'k1',
    });
    expect(plan.rows.map((r) => r.body)).toEqual(['new']);
  });

  it('quotes a stored message of the same room and refuses one of another room or none', () => {
    const target = msg(roomA, 'quoted '.repeat(40));
    const elsewhere = msg(roomB, 'elsewhere');
    const plan = planAppends(
      [
        msg(roomA, 'reply', { replyTo: target.id }),
        msg(roomA, 'cross-room', { replyTo: elsewhere.id }),
        msg(roomA, 'to nothing', { replyTo: 'm-missing' as MessageId }),
        msg(roomA, 'after'),
      ],
      inputs({
        heads: new Map([[roomA, { lastSeq: 1, lastMessageAt: T0 }]]),
        quoted: new Map([
          [target.id, storedRow(target, 1)],
          [elsewhere.id, storedRow(elsewhere, 1)],
        ]),
      }),
    );
    expect(summary(plan)).toEqual([2, 'message_not_found', 'message_not_found', 3]);
    const [reply] = plan.outcomes;
    expect(reply?.ok && reply.value.message.replyTo).toEqual({
      id: target.id,
      seq: 1,
      author: alice,
      body: Array.from(target.body).slice(0, 200).join(''),
    });
    expect(plan.rows[0]?.reply_to_id).toBe(target.id);
  });

  it('quotes a deleted message with an empty body', () => {
    const target = msg(roomA, 'gone');
    const plan = planAppends(
      [msg(roomA, 'reply', { replyTo: target.id })],
      inputs({ quoted: new Map([[target.id, storedRow(target, 1, { deleted: 1, body: '' })]]) }),
    );
    const [reply] = plan.outcomes;
    expect(reply?.ok && reply.value.message.replyTo?.body).toBe('');
  });

  it('quotes a message accepted earlier in the same batch, not one that failed', () => {
    const first = msg(roomA, 'first');
    const failed = msg(roomB, 'no room');
    const plan = planAppends(
      [first, failed, msg(roomA, 'reply', { replyTo: first.id }), msg(roomA, 'x', { replyTo: failed.id })],
      inputs(),
    );
    expect(summary(plan)).toEqual([1, 'room_not_found', 2, 'message_not_found']);
    const reply = plan.outcomes[2];
    expect(reply?.ok && reply.value.message.replyTo).toEqual({
      id: first.id,
      seq: 1,
      author: alice,
      body: 'first',
    });
  });

  it('returns the message as a read gives it back: mentions parsed from the column, no empty fields', () => {
    const mentioned: User = { id: 'u-carol' as UserId, nickname: 'carol', tag: '0003' };
    const plain = msg(roomA, 'plain', { mentions: [] });
    const withMention = msg(roomA, 'hi @carol', { mentions: [mentioned], clientMsgId: 'k' });
    const plan = planAppends([plain, withMention], inputs());
    const [o1, o2] = plan.outcomes;
    expect(o1?.ok && o1.value.message).toEqual({
      id: plain.id,
      roomId: roomA,
      seq: 1,
      author: alice,
      body: 'plain',
      createdAt: plain.createdAt.toISOString(),
    });
    expect(o2?.ok && o2.value.message).toMatchObject({ clientMsgId: 'k', mentions: [mentioned] });
    expect(plan.rows.map((r) => r.mentions)).toEqual([null, JSON.stringify([mentioned])]);
  });
});

describe('the reads a plan needs', () => {
  it('locks each room once, in id order', () => {
    expect(roomIdsInLockOrder([msg(roomB, '1'), msg(roomA, '2'), msg(roomB, '3')])).toEqual([roomA, roomB]);
  });

  it('probes each key once, only for keyed items of existing rooms', () => {
    const heads = new Map<string, RoomHead>([[roomA, { lastSeq: 0, lastMessageAt: null }]]);
    const probes = duplicateProbes(
      [
        msg(roomA, '1', { clientMsgId: 'k' }),
        msg(roomA, '2', { clientMsgId: 'k' }),
        msg(roomA, '3'),
        msg(roomB, '4', { clientMsgId: 'k' }),
        msg(roomA, '5', { clientMsgId: 'k', author: bob }),
      ],
      heads,
    );
    expect(probes.map((p) => [p.roomId, p.authorId, p.clientMsgId])).toEqual([
      [roomA, alice.id, 'k'],
      [roomA, bob.id, 'k'],
    ]);
  });

  it('keys a stored row as the item that would repeat it', () => {
    const m = msg(roomA, 'x', { clientMsgId: 'k' });
    expect(rowDedupeKey(storedRow(m, 1))).toBe(dedupeKey(m));
    expect(rowDedupeKey(storedRow(msg(roomA, 'y'), 2))).toBeUndefined();
  });

  it('asks for each replied-to id once', () => {
    const t = 'm-t' as MessageId;
    expect(
      replyIds([msg(roomA, '1', { replyTo: t }), msg(roomB, '2', { replyTo: t }), msg(roomA, '3')]),
    ).toEqual([t]);
  });
});
