// The room log's SQL, shared by both engines: a room event's effect applied and its seq taken in one
// transaction, entries (messages and events) read back in seq order, and message hydration (reply
// quotes, reactions). Message appends: append-plan.ts decides, each engine reads and writes for it.
// Callers own the transaction and its serialisation with message appends; knows nothing of who may act.
import { type Kysely, sql } from 'kysely';
import {
  entrySeq,
  type Message,
  type MessageId,
  type Notice,
  type Pin,
  REACTION_USERS_SHOWN,
  type Reaction,
  type ReplyQuote,
  type RoomEntry,
  type RoomEvent,
  type RoomId,
  type StoredRoomEvent,
  type User,
  type UserId,
} from '../chat/model.js';
import { assertNever, ParleyError } from '../errors.js';
import { forgetReadMarker } from './read-markers-sql.js';
import { decodeRoomEvent, encodeRoomEvent } from './room-event-codec.js';
import type { NewRoomEvent } from './room-log.js';
import { deleteSanction } from './sanctions-sql.js';
import {
  type Database,
  iso,
  type MessageRow,
  messageFromRow,
  parsePins,
  parseUsers,
  quoteOf,
  type RoomEventRow,
  roomFromRow,
  toInt,
  userOf,
  usersJson,
} from './schema.js';

type Db = Kysely<Database>;

export const userJson = (u: User): User => ({ id: u.id, nickname: u.nickname, tag: u.tag });

/** Reply quotes and reactions for a page of rows, in one query each. */
export async function hydrate(db: Db, rows: readonly MessageRow[]): Promise<Message[]> {
  if (rows.length === 0) return [];
  const replyIds = [...new Set(rows.flatMap((r) => (r.reply_to_id === null ? [] : [r.reply_to_id])))];
  const liveIds = rows.filter((r) => toInt(r.deleted) === 0).map((r) => r.id);
  const [quoted, reactionRows] = await Promise.all([
    replyIds.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('messages')
          .select(['id', 'seq', 'author_id', 'author_nick', 'author_tag', 'body', 'deleted', 'hidden'])
          .where('id', 'in', replyIds)
          .execute(),
    liveIds.length === 0 ? Promise.resolve([]) : shownReactions(db, liveIds),
  ]);
  const quotes = new Map<string, ReplyQuote>(quoted.map((q) => [q.id, quoteOf(q)]));
  const reactions = new Map<string, Map<string, { count: number; users: User[] }>>();
  for (const r of reactionRows) {
    let byEmoji = reactions.get(r.message_id);
    if (byEmoji === undefined) {
      byEmoji = new Map();
      reactions.set(r.message_id, byEmoji);
    }
    let entry = byEmoji.get(r.emoji);
    if (entry === undefined) {
      entry = { count: toInt(r.total), users: [] };
      byEmoji.set(r.emoji, entry);
    }
    entry.users.push(userOf(r.user_id, r.user_nick, r.user_tag));
  }
  return rows.map((row) => {
    const byEmoji = reactions.get(row.id);
    const list: Reaction[] =
      byEmoji === undefined ? [] : [...byEmoji].map(([emoji, { count, users }]) => ({ emoji, count, users }));
    return messageFromRow(row, {
      replyTo: row.reply_to_id === null ? undefined : quotes.get(row.reply_to_id),
      reactions: list,
    });
  });
}

interface ShownReactionRow {
  readonly message_id: string;
  readonly emoji: string;
  readonly user_id: string;
  readonly user_nick: string;
  readonly user_tag: string;
  readonly total: number | string;
}

/**
 * The first REACTION_USERS_SHOWN reactors of each (message, emoji), in the order they reacted, with the
 * emoji's total: the rows sent back stay bounded however many reacted. Ordered so each message's
 * emojis come in the order they were first used.
 */
async function shownReactions(db: Db, messageIds: readonly string[]): Promise<ShownReactionRow[]> {
  const { rows } = await sql<ShownReactionRow>`
    SELECT message_id, emoji, user_id, user_nick, user_tag, total FROM (
      SELECT message_id, emoji, user_id, user_nick, user_tag, seq, created_at,
        ROW_NUMBER() OVER (PARTITION BY message_id, emoji ORDER BY seq, created_at, user_id) AS shown,
        COUNT(*) OVER (PARTITION BY message_id, emoji) AS total
      FROM reactions
      WHERE message_id IN (${sql.join(messageIds)})
    ) ranked
    WHERE shown <= ${REACTION_USERS_SHOWN}
    ORDER BY seq, created_at, user_id`.execute(db);
  return rows;
}

async function countReactions(
  trx: Db,
  messageId: MessageId,
  where: { readonly emoji?: string; readonly userId?: UserId },
): Promise<number> {
  let q = trx
    .selectFrom('reactions')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('message_id', '=', messageId);
  if (where.emoji !== undefined) q = q.where('emoji', '=', where.emoji);
  if (where.userId !== undefined) q = q.where('user_id', '=', where.userId);
  return toInt((await q.executeTakeFirstOrThrow()).n);
}

/** Refuses an addition past the caps; the caller holds the room's lock, so racing additions queue. */
async function checkReactionCaps(
  trx: Db,
  effect: Extract<NewRoomEvent['effect'], { type: 'reaction.changed' }>,
  actor: UserId,
): Promise<void> {
  const { caps } = effect;
  if (caps === undefined) return;
  if ((await countReactions(trx, effect.messageId, { userId: actor })) >= caps.perUserPerMessage) {
    throw new ParleyError(
      'too_many_reactions',
      `You have ${caps.perUserPerMessage} reactions on this message already; remove one first.`,
    );
  }
  const emojiUsed = await trx
    .selectFrom('reactions')
    .select('user_id')
    .where('message_id', '=', effect.messageId)
    .where('emoji', '=', effect.emoji)
    .limit(1)
    .executeTakeFirst();
  if (emojiUsed !== undefined) return;
  const { n } = await trx
    .selectFrom('reactions')
    .select((eb) => eb.fn.count<number | string>('emoji').distinct().as('n'))
    .where('message_id', '=', effect.messageId)
    .executeTakeFirstOrThrow();
  if (toInt(n) >= caps.emojisPerMessage) {
    throw new ParleyError(
      'too_many_reactions',
      `A message carries at most ${caps.emojisPerMessage} different emojis; react with one already there.`,
    );
  }
}

async function messageRow(db: Db, roomId: RoomId, id: MessageId): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', id)
    .where('room_id', '=', roomId)
    .executeTakeFirst();
}

export async function findMessage(db: Db, roomId: RoomId, id: MessageId): Promise<Message | undefined> {
  const row = await messageRow(db, roomId, id);
  if (row === undefined) return undefined;
  const [message] = await hydrate(db, [row]);
  return message;
}

/** Applies the effect, takes the room's next seq and stores the event (and audit entry). In a transaction. */
export async function applyEvent(trx: Db, e: NewRoomEvent): Promise<StoredRoomEvent | undefined> {
  const { effect } = e;
  const at = e.at.getTime();
  // The room's row first, for every event: the lock message appends take, taken before any other row,
  // so the checks below (reaction caps, sanctions in force) see no racing change, and the lock order
  // stays room → rows (two events on one message cannot deadlock). Takes no seq yet.
  const locked = await trx
    .updateTable('rooms')
    .set({ last_seq: sql<number>`last_seq` })
    .where('id', '=', e.roomId)
    .executeTakeFirst();
  if (locked.numUpdatedRows === 0n) throw new ParleyError('room_not_found');
  let target: MessageRow | undefined;
  if ('messageId' in effect) {
    target = await messageRow(trx, e.roomId, effect.messageId);
    if (target === undefined || toInt(target.deleted) !== 0) throw new ParleyError('message_not_found');
    e.checkMessage?.(messageFromRow(target));
  }

  // Effects on other rows come first: a reaction that changes nothing takes no seq.
  let pinned: Pin | undefined;
  let notice: Notice | null = null;
  switch (effect.type) {
    case 'message.edited':
      await trx
        .updateTable('messages')
        .set({
          body: effect.body,
          edited_at: at,
          mentions:
            effect.mentions === undefined || effect.mentions.length === 0 ? null : usersJson(effect.mentions),
        })
        .where('id', '=', effect.messageId)
        .execute();
      break;
    case 'message.deleted':
      await trx
        .updateTable('messages')
        .set({ body: '', deleted: 1, hidden: 0, mentions: null })
        .where('id', '=', effect.messageId)
        .execute();
      await trx.deleteFrom('reactions').where('message_id', '=', effect.messageId).execute();
      break;
    case 'message.hidden':
    case 'message.restored': {
      const hidden = effect.type === 'message.hidden' ? 1 : 0;
      // Hiding what is hidden (or restoring what is shown) changes nothing and takes no seq.
      if (target !== undefined && toInt(target.hidden) === hidden) return undefined;
      await trx.updateTable('messages').set({ hidden }).where('id', '=', effect.messageId).execute();
      break;
    }
    case 'message.pinned': {
      const pins = await roomPins(trx, e.roomId);
      // Pinning what is pinned changes nothing and takes no seq.
      if (target === undefined || pins.some((p) => p.id === effect.messageId)) return undefined;
      if (pins.length >= effect.maxPins) {
        throw new ParleyError(
          'too_many_pins',
          `A room has at most ${effect.maxPins} pinned messages; unpin one first.`,
        );
      }
      pinned = { ...quoteOf(target), pinnedBy: userJson(e.actor), pinnedAt: iso(at) };
      await writePins(trx, e.roomId, [...pins, pinned]);
      break;
    }
    case 'message.unpinned': {
      const pins = await roomPins(trx, e.roomId);
      if (!pins.some((p) => p.id === effect.messageId)) {
        throw new ParleyError('invalid_request', 'The message is not pinned.');
      }
      await writePins(
        trx,
        e.roomId,
        pins.filter((p) => p.id !== effect.messageId),
      );
      break;
    }
    case 'notice.changed': {
      if (effect.body === null) {
        const row = await trx
          .selectFrom('rooms')
          .select('notice')
          .where('id', '=', e.roomId)
          .executeTakeFirst();
        // Clearing what is not there would only add noise to the room and the audit log.
        if (row === undefined || row.notice === null)
          throw new ParleyError('invalid_request', 'The room has no notice.');
        notice = null;
      } else {
        notice = { body: effect.body, by: userJson(e.actor), at: iso(at) };
      }
      await trx
        .updateTable('rooms')
        .set({ notice: notice === null ? null : JSON.stringify(notice) })
        .where('id', '=', e.roomId)
        .execute();
      break;
    }
    case 'reaction.changed': {
      if (effect.added) {
        const already = await trx
          .selectFrom('reactions')
          .select('user_id')
          .where('message_id', '=', effect.messageId)
          .where('emoji', '=', effect.emoji)
          .where('user_id', '=', e.actor.id)
          .executeTakeFirst();
        // Adding what is there changes nothing, whatever the caps say.
        if (already !== undefined) return undefined;
        await checkReactionCaps(trx, effect, e.actor.id);
      }
      const changed = effect.added
        ? (
            await trx
              .insertInto('reactions')
              .values({
                message_id: effect.messageId,
                emoji: effect.emoji,
                user_id: e.actor.id,
                user_nick: e.actor.nickname,
                user_tag: e.actor.tag,
                created_at: at,
              })
              .onConflict((oc) => oc.doNothing())
              .executeTakeFirst()
          ).numInsertedOrUpdatedRows
        : (
            await trx
              .deleteFrom('reactions')
              .where('message_id', '=', effect.messageId)
              .where('emoji', '=', effect.emoji)
              .where('user_id', '=', e.actor.id)
              .executeTakeFirst()
          ).numDeletedRows;
      if (changed === undefined || changed === 0n) return undefined;
      break;
    }
    case 'member.muted':
    case 'member.banned': {
      const kind = effect.type === 'member.muted' ? 'mute' : 'ban';
      await deleteSanction(trx, e.roomId, effect.user.id, kind);
      await trx
        .insertInto('sanctions')
        .values({
          room_id: e.roomId,
          user_id: effect.user.id,
          kind,
          user_nick: effect.user.nickname,
          user_tag: effect.user.tag,
          until_at: effect.until === null ? null : effect.until.getTime(),
          reason: effect.reason,
          by_id: e.actor.id,
          by_nick: e.actor.nickname,
          by_tag: e.actor.tag,
          created_at: at,
          address_scope: effect.type === 'member.banned' && effect.addressHashes !== undefined ? 1 : 0,
        })
        .execute();
      if (effect.type === 'member.banned') {
        // A new ban replaces the addresses of the one before (the hashes are those of its own time).
        await deleteBanAddresses(trx, e.roomId, effect.user.id);
        const hashes = [...new Set(effect.addressHashes ?? [])];
        if (hashes.length > 0) {
          await trx
            .insertInto('ban_addresses')
            .values(
              hashes.map((hash) => ({ room_id: e.roomId, user_id: effect.user.id, address_hash: hash })),
            )
            .execute();
        }
        // Out of the room: its unread count must not keep telling them how much was said (a password
        // room too, after its password changed).
        await forgetReadMarker(trx, e.roomId, effect.user.id);
      }
      break;
    }
    case 'member.unmuted':
    case 'member.unbanned': {
      const kind = effect.type === 'member.unmuted' ? 'mute' : 'ban';
      // Lifting what is not in force (never laid, lifted already, run out) would only add noise to the
      // room and the audit log: refused, against the rows as this transaction sees them.
      const inForce = await trx
        .selectFrom('sanctions')
        .select('user_id')
        .where('room_id', '=', e.roomId)
        .where('user_id', '=', effect.user.id)
        .where('kind', '=', kind)
        .where((eb) => eb.or([eb('until_at', 'is', null), eb('until_at', '>', at)]))
        .executeTakeFirst();
      if (inForce === undefined) throw new ParleyError(kind === 'mute' ? 'not_muted' : 'not_banned');
      await deleteSanction(trx, e.roomId, effect.user.id, kind);
      if (kind === 'ban') await deleteBanAddresses(trx, e.roomId, effect.user.id);
      break;
    }
    case 'member.kicked':
      await forgetReadMarker(trx, e.roomId, effect.user.id);
      // The cool-down: a `kick` sanction until it ends (a kick without one clears an earlier cool-down).
      await trx
        .deleteFrom('sanctions')
        .where('room_id', '=', e.roomId)
        .where('user_id', '=', effect.user.id)
        .where('kind', '=', 'kick')
        .execute();
      if (effect.until !== null) {
        await trx
          .insertInto('sanctions')
          .values({
            room_id: e.roomId,
            user_id: effect.user.id,
            kind: 'kick',
            user_nick: effect.user.nickname,
            user_tag: effect.user.tag,
            until_at: effect.until.getTime(),
            reason: effect.reason,
            by_id: e.actor.id,
            by_nick: e.actor.nickname,
            by_tag: e.actor.tag,
            created_at: at,
          })
          .execute();
      }
      break;
    case 'member.asked': {
      const arrival = await trx
        .selectFrom('room_arrivals')
        .select(['passed_at', 'approval'])
        .where('room_id', '=', e.roomId)
        .where('user_id', '=', effect.user.id)
        .executeTakeFirst();
      if (arrival === undefined) throw new ParleyError('invalid_request', 'Enter the room first.');
      if (arrival.passed_at !== null) throw new ParleyError('invalid_request', 'You may post here already.');
      if (arrival.approval === 'denied')
        throw new ParleyError('forbidden', 'Staff declined to let you post here.');
      // Asked already: nothing changes, no event.
      if (arrival.approval === 'asked') return undefined;
      await setApproval(trx, e.roomId, effect.user.id, 'asked', null);
      break;
    }
    case 'member.approved':
    case 'member.denied': {
      // Staff may decide before the newcomer ever entered: the arrival starts now.
      const head = await trx
        .selectFrom('rooms')
        .select('last_seq')
        .where('id', '=', e.roomId)
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('room_arrivals')
        .values({
          room_id: e.roomId,
          user_id: effect.user.id,
          first_seq: toInt(head.last_seq),
          arrived_at: at,
          passed_at: null,
          approval: null,
        })
        .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
        .execute();
      if (effect.type === 'member.denied') {
        const passed = await trx
          .selectFrom('room_arrivals')
          .select('passed_at')
          .where('room_id', '=', e.roomId)
          .where('user_id', '=', effect.user.id)
          .executeTakeFirst();
        if (passed !== undefined && passed.passed_at !== null) {
          throw new ParleyError('invalid_request', 'They may post already: mute or kick them instead.');
        }
      }
      await setApproval(
        trx,
        e.roomId,
        effect.user.id,
        effect.type === 'member.approved' ? 'approved' : 'denied',
        effect.type === 'member.approved' ? at : null,
      );
      break;
    }
    case 'room.closed':
    case 'room.reopened': {
      const row = await trx
        .selectFrom('rooms')
        .select('closed_at')
        .where('id', '=', e.roomId)
        .executeTakeFirst();
      const closed = row !== undefined && row.closed_at !== null;
      if (closed === (effect.type === 'room.closed')) {
        throw new ParleyError(
          'invalid_request',
          closed ? 'The room is closed already.' : 'The room is not closed.',
        );
      }
      break;
    }
    case 'owner.changed':
      await changeOwner(trx, e.roomId, effect, at);
      break;
    case 'room.updated':
      // A gate set now must not silence who already spoke here: they have passed it.
      if (
        effect.newcomerMinutes !== undefined ||
        effect.newcomerMessages !== undefined ||
        effect.approveNewcomers === true
      ) {
        await passSpeakers(trx, e.roomId, at);
      }
      break;
    case 'moderator.added':
    case 'moderator.removed':
      break;
    default:
      assertNever(effect);
  }

  // A pinned message's quote follows the message (edited, hidden, restored); deleted, it leaves the pins.
  if (
    effect.type === 'message.edited' ||
    effect.type === 'message.deleted' ||
    effect.type === 'message.hidden' ||
    effect.type === 'message.restored'
  ) {
    await refreshPin(trx, e.roomId, effect.messageId);
  }

  // The same row lock (PostgreSQL) or write lock (SQLite) that message appends take for their seqs.
  const room = await trx
    .updateTable('rooms')
    .set(() => ({
      last_seq: sql<number>`last_seq + 1`,
      ...(effect.type === 'room.updated'
        ? {
            ...(effect.topic === undefined ? {} : { topic: effect.topic }),
            ...(effect.memberCap === undefined ? {} : { member_cap: effect.memberCap }),
            ...(effect.slowModeSeconds === undefined ? {} : { slow_mode_seconds: effect.slowModeSeconds }),
            ...(effect.newcomerMinutes === undefined ? {} : { newcomer_minutes: effect.newcomerMinutes }),
            ...(effect.newcomerMessages === undefined ? {} : { newcomer_messages: effect.newcomerMessages }),
            ...(effect.approveNewcomers === undefined
              ? {}
              : { approve_newcomers: effect.approveNewcomers ? 1 : 0 }),
            ...(effect.passwordHash === undefined ? {} : { password_hash: effect.passwordHash }),
            ...(effect.wordFilter === undefined
              ? {}
              : { word_filter: effect.wordFilter === null ? null : JSON.stringify(effect.wordFilter) }),
            ...(effect.reportHideThreshold === undefined
              ? {}
              : { report_hide_threshold: effect.reportHideThreshold }),
          }
        : {}),
      ...(effect.type === 'room.closed' ? { closed_at: at } : {}),
      ...(effect.type === 'room.reopened' ? { closed_at: null } : {}),
    }))
    .where('id', '=', e.roomId)
    .returningAll()
    .executeTakeFirst();
  if (room === undefined) throw new ParleyError('room_not_found');
  const seq = toInt(room.last_seq);
  if (effect.type === 'reaction.changed' && effect.added) {
    await trx
      .updateTable('reactions')
      .set({ seq })
      .where('message_id', '=', effect.messageId)
      .where('emoji', '=', effect.emoji)
      .where('user_id', '=', e.actor.id)
      .execute();
  }

  const by = userJson(e.actor);
  let event: RoomEvent;
  switch (effect.type) {
    case 'message.edited':
    case 'message.deleted':
    case 'message.hidden':
    case 'message.restored': {
      const message = await findMessage(trx, e.roomId, effect.messageId);
      if (message === undefined) throw new ParleyError('message_not_found');
      event =
        effect.type === 'message.edited'
          ? { type: effect.type, message }
          : { type: effect.type, message, by };
      break;
    }
    case 'room.closed':
      event = { type: effect.type, reason: effect.reason, by };
      break;
    case 'room.reopened':
      event = { type: effect.type, by };
      break;
    case 'reaction.changed':
      // What changed and the emoji's new total, never the message's whole reaction list: an event's
      // size must not grow with the number of reactions (every subscriber receives every event).
      // Keys in the schema's order, as a stored event reads back: live and replayed JSON are alike.
      event = {
        type: effect.type,
        messageId: effect.messageId,
        by,
        emoji: effect.emoji,
        added: effect.added,
        count: await countReactions(trx, effect.messageId, { emoji: effect.emoji }),
      };
      break;
    case 'room.updated': {
      // The stored state only: who is online is presence, which the log does not record; the epoch
      // names the log itself.
      const {
        lastSeq: _lastSeq,
        epoch: _epoch,
        closedAt: _closedAt,
        wordFilter: _wordFilter,
        reportHideThreshold: _threshold,
        ...state
      } = roomFromRow(room);
      event = { type: effect.type, room: state, by };
      break;
    }
    case 'member.muted':
      event = {
        type: effect.type,
        user: userJson(effect.user),
        until: effect.until.toISOString(),
        reason: effect.reason,
        by,
      };
      break;
    case 'member.banned':
      event = {
        type: effect.type,
        user: userJson(effect.user),
        until: effect.until === null ? null : effect.until.toISOString(),
        scope: effect.addressHashes === undefined ? 'identity' : 'address',
        reason: effect.reason,
        by,
      };
      break;
    case 'member.kicked':
      event = {
        type: effect.type,
        user: userJson(effect.user),
        until: effect.until === null ? null : effect.until.toISOString(),
        reason: effect.reason,
        by,
      };
      break;
    case 'member.unmuted':
    case 'member.unbanned':
    case 'member.approved':
    case 'member.denied':
      event = { type: effect.type, user: userJson(effect.user), by };
      break;
    case 'member.asked':
      event = { type: effect.type, user: userJson(effect.user) };
      break;
    case 'moderator.added':
    case 'moderator.removed': {
      const current = parseUsers(room.moderators).filter((u) => u.id !== effect.user.id);
      const next = effect.type === 'moderator.added' ? [...current, effect.user] : current;
      await trx
        .updateTable('rooms')
        .set({ moderators: usersJson(next) })
        .where('id', '=', e.roomId)
        .execute();
      event = { type: effect.type, user: userJson(effect.user), by };
      break;
    }
    case 'owner.changed':
      event = {
        type: effect.type,
        owner: userJson(effect.user),
        previous: userJson(effect.previous),
        claimed: effect.absentBefore !== undefined,
        by,
      };
      break;
    case 'message.pinned':
      if (pinned === undefined) throw new ParleyError('message_not_found');
      event = { type: effect.type, pin: pinned, by };
      break;
    case 'message.unpinned':
      event = { type: effect.type, messageId: effect.messageId, by };
      break;
    case 'notice.changed':
      event = { type: effect.type, notice, by };
      break;
    default:
      assertNever(effect);
  }

  await trx
    .insertInto('room_events')
    .values({ room_id: e.roomId, seq, type: effect.type, body: encodeRoomEvent(event), created_at: at })
    .execute();
  if (e.audit !== undefined) {
    const subject: User | undefined =
      'user' in effect
        ? effect.user
        : target === undefined
          ? undefined
          : userOf(target.author_id, target.author_nick, target.author_tag);
    await trx
      .insertInto('audit_log')
      .values({
        room_id: e.roomId,
        seq,
        action: effect.type,
        actor_id: e.actor.id,
        actor_nick: e.actor.nickname,
        actor_tag: e.actor.tag,
        target_id: subject?.id ?? null,
        target_nick: subject?.nickname ?? null,
        target_tag: subject?.tag ?? null,
        message_id: 'messageId' in effect ? effect.messageId : null,
        details: JSON.stringify(e.audit.details),
        created_at: at,
      })
      .execute();
  }
  return { roomId: e.roomId, seq, createdAt: e.at.toISOString(), event };
}

async function roomPins(trx: Db, roomId: RoomId): Promise<Pin[]> {
  const row = await trx.selectFrom('rooms').select('pins').where('id', '=', roomId).executeTakeFirst();
  return row === undefined ? [] : parsePins(row.pins);
}

async function writePins(trx: Db, roomId: RoomId, pins: readonly Pin[]): Promise<void> {
  await trx
    .updateTable('rooms')
    .set({ pins: JSON.stringify(pins) })
    .where('id', '=', roomId)
    .execute();
}

/** The pin of a message just changed, if it is pinned: its quote as the message is now, or gone once deleted. */
async function refreshPin(trx: Db, roomId: RoomId, messageId: MessageId): Promise<void> {
  const pins = await roomPins(trx, roomId);
  const index = pins.findIndex((p) => p.id === messageId);
  const pin = pins[index];
  if (pin === undefined) return;
  const row = await messageRow(trx, roomId, messageId);
  const next =
    row === undefined || toInt(row.deleted) !== 0
      ? pins.filter((p) => p.id !== messageId)
      : pins.map((p) =>
          p.id === messageId ? { ...quoteOf(row), pinnedBy: pin.pinnedBy, pinnedAt: pin.pinnedAt } : p,
        );
  await writePins(trx, roomId, next);
}

async function setApproval(
  trx: Db,
  roomId: RoomId,
  userId: UserId,
  approval: 'asked' | 'approved' | 'denied',
  passedAt: number | null,
): Promise<void> {
  await trx
    .updateTable('room_arrivals')
    .set(passedAt === null ? { approval } : { approval, passed_at: passedAt })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .execute();
}

async function passSpeakers(trx: Db, roomId: RoomId, at: number): Promise<void> {
  await sql`
    UPDATE room_arrivals SET passed_at = ${at}
    WHERE room_id = ${roomId} AND passed_at IS NULL
      AND EXISTS (SELECT 1 FROM messages m WHERE m.room_id = ${roomId} AND m.author_id = room_arrivals.user_id)`.execute(
    trx,
  );
}

async function deleteBanAddresses(trx: Db, roomId: RoomId, userId: UserId): Promise<void> {
  await trx.deleteFrom('ban_addresses').where('room_id', '=', roomId).where('user_id', '=', userId).execute();
}

/**
 * Hands the room to `effect.user`: checked against the row as this transaction sees it (the room lock
 * is held), so of two claims at once the second finds a new owner and is refused. The previous owner
 * becomes a moderator (last in appointment order); the new one leaves the moderators and counts as seen.
 */
async function changeOwner(
  trx: Db,
  roomId: RoomId,
  effect: Extract<NewRoomEvent['effect'], { type: 'owner.changed' }>,
  at: number,
): Promise<void> {
  const row = await trx
    .selectFrom('rooms')
    .select(['owner_id', 'owner_seen_at', 'moderators'])
    .where('id', '=', roomId)
    .executeTakeFirstOrThrow();
  if (row.owner_id !== effect.previous.id) {
    throw new ParleyError('forbidden', 'The room has another owner now.');
  }
  if (effect.absentBefore !== undefined && toInt(row.owner_seen_at) > effect.absentBefore.getTime()) {
    throw new ParleyError('owner_not_absent');
  }
  const others = parseUsers(row.moderators).filter(
    (u) => u.id !== effect.user.id && u.id !== effect.previous.id,
  );
  await trx
    .updateTable('rooms')
    .set({
      owner_id: effect.user.id,
      owner_seen_at: at,
      moderators: usersJson([...others, userJson(effect.previous)]),
    })
    .where('id', '=', roomId)
    .execute();
}

type SeqRange = { readonly afterSeq: number; readonly limit: number };

/** The rows of one seq-taking table (messages or room events) with seq > afterSeq, ascending, at most `limit`. */
function rowsAfterSeq(db: Db, table: 'messages', roomId: RoomId, range: SeqRange): Promise<MessageRow[]>;
function rowsAfterSeq(db: Db, table: 'room_events', roomId: RoomId, range: SeqRange): Promise<RoomEventRow[]>;
function rowsAfterSeq(
  db: Db,
  table: 'messages' | 'room_events',
  roomId: RoomId,
  range: SeqRange,
): Promise<(MessageRow | RoomEventRow)[]> {
  return db
    .selectFrom(table)
    .selectAll()
    .where('room_id', '=', roomId)
    .where('seq', '>', range.afterSeq)
    .orderBy('seq')
    .limit(range.limit)
    .execute();
}

export async function listEntries(db: Db, roomId: RoomId, range: SeqRange): Promise<RoomEntry[]> {
  const [messageRows, eventRows] = await Promise.all([
    rowsAfterSeq(db, 'messages', roomId, range),
    rowsAfterSeq(db, 'room_events', roomId, range),
  ]);
  const messages = await hydrate(db, messageRows);
  const entries: RoomEntry[] = [
    ...messages.map((message): RoomEntry => ({ kind: 'message', message })),
    ...eventRows.map(
      (row): RoomEntry => ({
        kind: 'event',
        event: {
          roomId,
          seq: toInt(row.seq),
          createdAt: iso(row.created_at),
          event: decodeRoomEvent(row.body, { roomId, seq: toInt(row.seq) }),
        },
      }),
    ),
  ];
  return entries.sort((a, b) => entrySeq(a) - entrySeq(b)).slice(0, range.limit);
}
