// One room: history over HTTP, then live messages and presence over STOMP, resumed with since-seq on
// every reconnect; own messages go pending → sent → confirmed (or failed with Retry, same clientMsgId).
// Owns scroll behaviour (stay at bottom, keep position when older pages load), room events (edits,
// deletes, reactions, moderation) applied in seq order, the entry gate (password, full, banned, kicked)
// and the read marker. The log rules live in log-state.ts; the connection mechanics in connection.ts.
import { type ComponentChildren, Fragment } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  type Message,
  MessageSchema,
  OpenReportsCountSchema,
  PresenceEventSchema,
  type Room,
  RoomEventSchema,
  type Session,
  type User,
} from '../../src/protocol/index.js';
import { ActionsMenu, type MenuItem } from './actions-menu.js';
import { ApiError, api, type RoomAuth } from './api.js';
import type { Sanction } from './commands.js';
import { Composer } from './composer.js';
import { type ChatConnection, SendError } from './connection.js';
import { frameBody } from './decode.js';
import { eventText, untilText } from './event-text.js';
import { useFocusOnMount } from './focus.js';
import type { Strings } from './i18n.js';
import { useI18n } from './i18n-context.js';
import { newClientMsgId, newLocalId } from './ids.js';
import { InlineConfirm } from './inline-confirm.js';
import {
  addMessages,
  addNotice,
  addPending,
  applyEvent,
  discardPending,
  emptyLog,
  findPending,
  highestSeq,
  type LogEntry,
  type LogState,
  logEntries,
  lowestSeq,
  type Notice,
  quoteOf,
  resetHistory,
  setPendingStatus,
} from './log-state.js';
import { type Act, MessageItem, type RoomCommand } from './message-item.js';
import { MessageText } from './message-text.js';
import { SanctionForm } from './moderation-forms.js';
import { NoticeBanner, NoticeForm } from './notice-banner.js';
import { canSanction, roleIn } from './permissions.js';
import { PinsPanel } from './pins-panel.js';
import { applyRead, fromSummary, type ReadCounts, readCountOf, withHeard } from './read-counts.js';
import { roomAfter } from './room-after.js';
import { forgetGrant, loadGrant, saveGrant } from './room-grants.js';
import {
  AuditPanel,
  BansPanel,
  type PanelName,
  ReportsPanel,
  SettingsPanel,
  WordFilterForm,
} from './room-panels.js';
import { isPlainClick, navigate, routePath } from './router.js';
import { RoomSearch } from './search-panel.js';
import { SharePanel } from './share-panel.js';
import { createThrottle } from './throttle.js';

const PAGE_SIZE = 50;
const RECEIPT_TIMEOUT_MS = 10_000;
const TYPING_SEND_INTERVAL_MS = 3_000;
/** A typing notice is shown this long unless the person sends or types again. */
const TYPING_SHOW_MS = 5_000;
const BOTTOM_SLACK_PX = 48;
/** Authors of this many latest messages are offered as mentions beside the people online. */
const RECENT_AUTHORS_FROM = 200;
/** Jumping to a quoted original loads older history this many messages at a time, at most this often. */
const JUMP_PAGE_SIZE = 200;
const JUMP_MAX_PAGES = 10;
const OLDER_TRIGGER_PX = 120;
/** Read markers are batched: one SEND per this long while new messages arrive at the bottom. */
const READ_MARK_DELAY_MS = 800;
/** How long a read mark waits for its receipt, and how many times a refused one is tried again. */
const READ_RECEIPT_MS = 10_000;
const READ_MARK_RETRIES = 5;
/**
 * After a reconnect (a server restart drops everyone at once), the people this client saw here before
 * come back without news: their join is silent. Whoever is still away this long after is said to have left.
 */
const RETURN_GRACE_MS = 30_000;
/** How often a large room's read counts (not sent live) are read again. */
const READ_COUNTS_REFRESH_MS = 60_000;
/** How often a moderator's client asks again whether the owner is away long enough to be claimed. */
const OWNERSHIP_RECHECK_MS = 5 * 60_000;

/** Why this person is not (or no longer) in the room's live feed. */
type Gate =
  | { readonly kind: 'open' }
  | { readonly kind: 'password'; readonly wrong: boolean; readonly error?: string }
  | {
      readonly kind: 'refused';
      readonly code: string;
      readonly message: string;
      /** Kicked: when the cool-down ends (epoch ms); before it, no way back is offered. */
      readonly untilMs?: number;
    };

/** Why this person may read but not post yet (the room's newcomer gate), as the server said. */
interface NewcomerWait {
  /** Epoch ms the identity is old enough; undefined: age is not what holds them back. */
  readonly untilMs: number | undefined;
  readonly messagesLeft: number | undefined;
  /** Rooms that approve newcomers: where this person's request stands. */
  readonly approval?: 'needed' | 'asked' | 'denied' | undefined;
}

interface Typist {
  readonly user: User;
  readonly untilMs: number;
}

export interface RoomViewProps {
  readonly roomId: string;
  readonly session: Session;
  readonly connection: ChatConnection;
}

function displayName(user: User): string {
  return `${user.nickname}#${user.tag}`;
}

export function RoomView({ roomId, session, connection }: RoomViewProps) {
  const { t, locale } = useI18n();
  const selfId = session.user.id;
  const [room, setRoom] = useState<Room | 'missing' | 'closed' | undefined>(undefined);
  const [history, setHistory] = useState<'loading' | 'ready' | 'error'>('loading');
  const [attempt, setAttempt] = useState(0);
  const [log, setLog] = useState<LogState>(emptyLog);
  const [members, setMembers] = useState<readonly User[]>([]);
  // How far the room is read (read counts beside messages): see read-counts.ts.
  const [readCounts, setReadCounts] = useState<ReadCounts | undefined>(undefined);
  const [typists, setTypists] = useState<ReadonlyMap<string, Typist>>(new Map());
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [unseen, setUnseen] = useState(false);
  /** Scrolled away from the latest: "Jump to latest" is offered. */
  const [scrolledUp, setScrolledUp] = useState(false);
  /** Where this person's read marker stood when they came in: "new since you left" goes after it. */
  const [leftAtSeq, setLeftAtSeq] = useState<number | undefined>(undefined);
  const [nowMs, setNowMs] = useState(Date.now);
  const [gate, setGate] = useState<Gate>({ kind: 'open' });
  const [newcomer, setNewcomer] = useState<NewcomerWait | undefined>(undefined);
  // When this person's latest kick lets them back (from the member.kicked event they saw last).
  const kickedUntilRef = useRef<number | undefined>(undefined);
  const [joinKey, setJoinKey] = useState(0);
  const [replyTo, setReplyTo] = useState<Message | undefined>(undefined);
  const [panel, setPanel] = useState<PanelName | undefined>(undefined);
  const [memberForm, setMemberForm] = useState<{ user: User; sanction: Sanction } | undefined>(undefined);
  const [roomError, setRoomError] = useState<string | undefined>(undefined);
  const [transferTo, setTransferTo] = useState<User | undefined>(undefined);
  const [ownerAway, setOwnerAway] = useState(false);
  // Phones: the staff buttons sit behind one "Manage" toggle and the topic shows one line until expanded.
  const [manageOpen, setManageOpen] = useState(false);
  const [topicOpen, setTopicOpen] = useState(false);
  // Slow mode: when this person may send again (their last send, or what the server said on a refusal).
  const [slowUntilMs, setSlowUntilMs] = useState<number | undefined>(undefined);
  // This person's own mute, from the member.muted / member.unmuted events the room sends.
  const [mutedUntilMs, setMutedUntilMs] = useState<number | undefined>(undefined);
  // Who staff saw muted (user id → until, epoch ms), so "Unmute" is offered only for them.
  const [mutedMembers, setMutedMembers] = useState<ReadonlyMap<string, number>>(new Map());
  // The room as the last event left it, read by the event handler to say what a settings change changed.
  const roomRef = useRef<Room | undefined>(undefined);
  // Who was online when the connection dropped, until they are back (or the grace ends): see RETURN_GRACE_MS.
  const membersRef = useRef<readonly User[]>([]);
  membersRef.current = members;
  const returningRef = useRef<Map<string, User>>(new Map());
  // Refs, so STOMP header callbacks and reads always use the current grant and refreshed token.
  const grantRef = useRef<string | undefined>(loadGrant(selfId, roomId));
  // The history epoch the shown seqs belong to: resumes name it, so the server can say when it changed.
  const epochRef = useRef<string | undefined>(undefined);
  const tokenRef = useRef(session.token);
  tokenRef.current = session.token;
  const auth = useCallback((): RoomAuth => ({ token: tokenRef.current, grant: grantRef.current }), []);
  // -1: nothing sent yet, so an empty room (seq 0) is marked too: reading a room makes it one of my rooms.
  const readSentRef = useRef(-1);
  const readRetriesRef = useRef(0);
  const composerRef = useRef<HTMLDivElement>(null);

  // The ref is the source of truth so STOMP callbacks and SUBSCRIBE headers never read a stale render.
  const logRef = useRef<LogState>(emptyLog);
  const update = useCallback((change: (state: LogState) => LogState): void => {
    const next = change(logRef.current);
    if (next === logRef.current) return;
    logRef.current = next;
    setLog(next);
  }, []);

  const listRef = useRef<HTMLDivElement>(null);
  const atBottomRef = useRef(true);
  const prependAnchorRef = useRef<{ height: number; top: number } | undefined>(undefined);
  const lastKeyRef = useRef<string | undefined>(undefined);
  const lastPendingKeyRef = useRef<string | undefined>(undefined);
  const loadingOlderRef = useRef(false);
  const typingGate = useMemo(() => createThrottle(TYPING_SEND_INTERVAL_MS), []);
  const wideLayout = useMemo(() => window.matchMedia('(min-width: 50rem)').matches, []);

  // The marker as it stood on entry, read once: what this visit reads moves it, the divider stays.
  useEffect(() => {
    let current = true;
    api.listUnread(session.token).then(
      (rooms) => {
        const marker = rooms.find((r) => r.roomId === roomId);
        if (current && marker !== undefined && marker.unread > 0) setLeftAtSeq(marker.lastReadSeq);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [roomId]);

  const [openReports, setOpenReports] = useState<number | undefined>(undefined);
  const amStaff = typeof room === 'object' && roleIn(room, selfId) !== 'member';
  // Staff are offered Unmute for the members muted now: those seen muted live, and (after a reload or
  // on becoming staff) those the server lists. A mute heard meanwhile is kept over the list (an unmute
  // heard in the same instant as the read may leave a stale Unmute, which the server answers not_muted).
  useEffect(() => {
    if (!amStaff) return;
    let current = true;
    api.listMutes(session.token, roomId).then(
      (mutes) => {
        if (!current) return;
        setMutedMembers((heard) => {
          const merged = new Map(mutes.map((mute) => [mute.user.id, Date.parse(mute.until)] as const));
          for (const [id, untilMs] of heard) merged.set(id, untilMs);
          return merged;
        });
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [amStaff, roomId, session.token]);
  // Staff see the room's open reports live: the first count over HTTP, then every change pushed.
  useEffect(() => {
    if (!amStaff) return;
    let current = true;
    api.countOpenReports(session.token, roomId).then(
      (open) => current && setOpenReports(open),
      () => undefined,
    );
    const off = connection.subscribe('/user/queue/reports', (body) => {
      const count = frameBody(OpenReportsCountSchema, body);
      if (count !== undefined && count.roomId === roomId) setOpenReports(count.open);
    });
    return () => {
      current = false;
      off();
    };
  }, [amStaff, roomId, connection, session.token]);

  const roomName = typeof room === 'object' ? room.name : '';
  useEffect(() => {
    document.title = roomName === '' ? t.appName : `${roomName} — ${t.appName}`;
  }, [roomName, t]);

  // History first, so the live subscription can resume from the highest seq shown.
  useEffect(() => {
    let cancelled = false;
    setHistory('loading');
    const load = async (): Promise<void> => {
      try {
        const page = api.listMessages(roomId, { limit: PAGE_SIZE }, auth()).then(
          (messages) => ({ messages }),
          (error: unknown) => ({ error }),
        );
        const found = await api.getRoom(roomId, auth());
        const read = await page;
        if (cancelled) return;
        epochRef.current = found.epoch;
        roomRef.current = found;
        setRoom(found);
        // The server names this person's own mute on entry: said before they try to post.
        setMutedUntilMs(found.mutedUntil === undefined ? undefined : Date.parse(found.mutedUntil));
        if ('error' in read) {
          const { error } = read;
          // A password room without its grant, or a ban: the gate says so; nothing to show behind it.
          if (!(error instanceof ApiError) || (error.code !== 'not_joined' && error.code !== 'banned')) {
            throw error;
          }
          if (error.code === 'banned') setGate({ kind: 'refused', code: 'banned', message: error.message });
          else {
            grantRef.current = undefined;
            forgetGrant(selfId, roomId);
            setGate({ kind: 'password', wrong: false });
          }
          setHistory('ready');
          return;
        }
        const { messages } = read;
        update((state) => addMessages(state, messages));
        setHasOlder(messages.length >= PAGE_SIZE);
        setNowMs(Date.now());
        setHistory('ready');
      } catch (error) {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 404) setRoom('missing');
        else if (error instanceof ApiError && error.code === 'room_closed') setRoom('closed');
        else setHistory('error');
      }
    };
    void load();
    return () => {
      cancelled = true;
    };
  }, [roomId, update, attempt, auth, selfId]);

  const dispatch = useCallback(
    (clientMsgId: string): void => {
      const pending = findPending(logRef.current, clientMsgId);
      if (pending === undefined) return;
      if (!connection.connected) {
        update((state) => setPendingStatus(state, clientMsgId, 'queued'));
        return;
      }
      update((state) => setPendingStatus(state, clientMsgId, 'sending'));
      connection
        .sendWithReceipt(
          `/app/rooms.${roomId}`,
          JSON.stringify(
            pending.replyTo === undefined
              ? { body: pending.body, clientMsgId }
              : { body: pending.body, clientMsgId, replyTo: pending.replyTo.id },
          ),
          RECEIPT_TIMEOUT_MS,
        )
        .then(
          () => {
            update((state) => setPendingStatus(state, clientMsgId, 'sent'));
            setNewcomer(undefined);
          },
          (error: unknown) => {
            const code = error instanceof SendError ? error.code : 'internal_error';
            if (error instanceof SendError && code === 'newcomer_wait') {
              const { retryAfterSeconds, messagesLeft, approval } = error.details;
              setNewcomer({
                untilMs: retryAfterSeconds === undefined ? undefined : Date.now() + retryAfterSeconds * 1000,
                messagesLeft,
                approval,
              });
            } else if (code !== 'disconnected') {
              setNewcomer(undefined);
            }
            if (error instanceof SendError && code === 'slow_mode') {
              const { retryAfterSeconds } = error.details;
              if (retryAfterSeconds !== undefined) setSlowUntilMs(Date.now() + retryAfterSeconds * 1000);
            }
            // A dropped connection is not the message's fault: it goes again on reconnect.
            update((state) =>
              code === 'disconnected'
                ? setPendingStatus(state, clientMsgId, 'queued')
                : setPendingStatus(state, clientMsgId, 'failed', code),
            );
          },
        );
    },
    [connection, roomId, update],
  );

  // Live messages and presence, re-subscribed by the connection on every reconnect.
  useEffect(() => {
    if (history !== 'ready' || gate.kind !== 'open') return;
    const topic = `/topic/rooms.${roomId}`;
    const offMessages = connection.subscribe(
      topic,
      (body, headers) => {
        const eventType = headers.event;
        if (eventType === 'history.reset') {
          // What we hold is another history: forget it and load the room again over HTTP; the
          // subscription then resumes from there in the new epoch.
          epochRef.current = headers.epoch;
          update(resetHistory);
          setAttempt((n) => n + 1);
          return;
        }
        if (eventType !== undefined) {
          const seq = Number(headers.seq);
          const event = frameBody(RoomEventSchema, body);
          if (event === undefined || !Number.isInteger(seq) || seq < 1) return;
          // The notice of a settings change compares with the room as it was before this event.
          const before = roomRef.current;
          if (before !== undefined) roomRef.current = roomAfter(before, event);
          update((state) =>
            applyEvent(state, seq, event, Date.now(), event.type === 'room.updated' ? before : undefined),
          );
          if (event.type === 'member.kicked' && event.user.id === selfId) {
            kickedUntilRef.current = event.until === null ? undefined : Date.parse(event.until);
          }
          if (event.type === 'member.muted') {
            const untilMs = Date.parse(event.until);
            if (event.user.id === selfId) setMutedUntilMs(untilMs);
            setMutedMembers((current) => new Map(current).set(event.user.id, untilMs));
          }
          if (event.type === 'member.unmuted') {
            if (event.user.id === selfId) setMutedUntilMs(undefined);
            setMutedMembers((current) => withoutKey(current, event.user.id));
          }
          // Kicked and banned people are out of the room at once: no presence "leave" follows.
          if (event.type === 'member.kicked' || event.type === 'member.banned') {
            const gone = event.user.id;
            if (gone !== selfId) setMembers((current) => current.filter((m) => m.id !== gone));
            setTypists((current) => withoutTypist(current, gone));
          }
          if (event.type === 'member.approved' && event.user.id === selfId) setNewcomer(undefined);
          if (event.type === 'member.denied' && event.user.id === selfId) {
            setNewcomer({ untilMs: undefined, messagesLeft: undefined, approval: 'denied' });
          }
          setRoom((current) => (typeof current === 'object' ? roomAfter(current, event) : current));
          return;
        }
        const message = frameBody(MessageSchema, body);
        if (message === undefined || message.roomId !== roomId) return;
        update((state) => addMessages(state, [message]));
        setTypists((current) => withoutTypist(current, message.author.id));
      },
      {
        headers: () => {
          const headers: Record<string, string> = { 'since-seq': String(highestSeq(logRef.current)) };
          if (epochRef.current !== undefined) headers.epoch = epochRef.current;
          if (grantRef.current !== undefined) headers['room-grant'] = grantRef.current;
          return headers;
        },
        onRefused: ({ code, message, details }) => {
          if (code === 'wrong_password') {
            // The grant ended (its time, or a new password): ask again.
            grantRef.current = undefined;
            forgetGrant(selfId, roomId);
            setGate({ kind: 'password', wrong: false });
          } else if (code === 'kicked' && details.retryAfterSeconds !== undefined) {
            setGate({
              kind: 'refused',
              code,
              message,
              untilMs: Date.now() + details.retryAfterSeconds * 1000,
            });
          } else {
            setGate({ kind: 'refused', code, message });
          }
        },
      },
    );
    const offErrors = connection.on('queueError', ({ error: { code, message }, headers }) => {
      // An operator took the room down: every subscription of it ended; the room says so.
      if (headers['room-id'] === roomId && code === 'room_closed') {
        setRoom('closed');
        return;
      }
      // Kicks and bans end this person's subscriptions server-side; the room says so and offers a way back.
      if (headers['room-id'] !== roomId || (code !== 'kicked' && code !== 'banned')) return;
      const untilMs = code === 'kicked' ? kickedUntilRef.current : undefined;
      setGate(
        untilMs === undefined
          ? { kind: 'refused', code, message }
          : { kind: 'refused', code, message, untilMs },
      );
    });
    const presenceHeaders = (): Record<string, string> =>
      grantRef.current === undefined ? {} : { 'room-grant': grantRef.current };
    // Comings and goings heard while the member list is being read: the list may predate them, so
    // they are applied over it when it comes (a join, or a leave, is never lost between the two).
    let heardDuringRead: { joined: boolean; user: User }[] | undefined;
    const readMembers = (): void => {
      const heard: { joined: boolean; user: User }[] = [];
      heardDuringRead = heard;
      api.readSummary(roomId, auth()).then(
        (summary) => setReadCounts((heard) => withHeard(fromSummary(summary), heard)),
        () => undefined,
      );
      api.listMembers(roomId, auth()).then(
        (fresh) => {
          if (heardDuringRead !== heard) return; // a newer read (after a reconnect) answers instead
          heardDuringRead = undefined;
          let current: readonly User[] = fresh;
          for (const { joined, user } of heard) {
            current = current.filter((m) => m.id !== user.id);
            if (joined) current = [...current, user];
          }
          for (const member of current) returningRef.current.delete(member.id);
          setMembers(current);
        },
        () => {
          if (heardDuringRead === heard) heardDuringRead = undefined;
        },
      );
    };
    const offPresence = connection.subscribe(
      `${topic}.presence`,
      (body) => {
        const event = frameBody(PresenceEventSchema, body);
        if (event === undefined) return;
        if (event.type === 'read') {
          setReadCounts((current) => applyRead(current, event.reader, event.seq));
          return;
        }
        const { user } = event;
        if (event.type !== 'typing') heardDuringRead?.push({ joined: event.type === 'join', user });
        switch (event.type) {
          case 'join':
            setMembers((current) => (current.some((m) => m.id === user.id) ? current : [...current, user]));
            // Back after the connection (or the server) dropped: never gone as far as this client saw.
            if (returningRef.current.delete(user.id)) break;
            if (user.id !== selfId) {
              update((state) =>
                addNotice(state, { id: newLocalId('join'), kind: 'join', user, atMs: Date.now() }),
              );
            }
            break;
          case 'leave':
            returningRef.current.delete(user.id);
            setMembers((current) => current.filter((m) => m.id !== user.id));
            setTypists((current) => withoutTypist(current, user.id));
            if (user.id !== selfId) {
              update((state) =>
                addNotice(state, { id: newLocalId('leave'), kind: 'leave', user, atMs: Date.now() }),
              );
            }
            break;
          case 'typing':
            if (user.id === selfId) break;
            setTypists((current) =>
              new Map(current).set(user.id, { user, untilMs: Date.now() + TYPING_SHOW_MS }),
            );
            break;
          default: {
            const unreachable: never = event;
            return unreachable;
          }
        }
      },
      {
        headers: presenceHeaders,
        // Presence is live from here: a member list read now misses nobody (see heardDuringRead).
        onLive: readMembers,
      },
    );
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const afterConnect = (): void => {
      // Presence events missed while away are not replayed, so the member list is read again once the
      // presence subscription is live (readMembers). Those online before the drop who are not back yet
      // are expected: their join is no news (a restart drops everyone at once, and no "left" ever
      // reached this client). Still away after the grace: they left.
      const returning = new Map(
        membersRef.current.filter((m) => m.id !== selfId).map((m) => [m.id, m] as const),
      );
      returningRef.current = returning;
      clearTimeout(graceTimer);
      graceTimer = setTimeout(() => {
        const away = [...returning.values()];
        returning.clear();
        for (const user of away) {
          if (membersRef.current.some((m) => m.id === user.id)) continue;
          update((state) =>
            addNotice(state, { id: newLocalId('leave'), kind: 'leave', user, atMs: Date.now() }),
          );
        }
      }, RETURN_GRACE_MS);
      for (const pending of logRef.current.pending) {
        if (pending.status === 'queued') dispatch(pending.clientMsgId);
      }
    };
    const offConnected = connection.on('connected', afterConnect);
    if (connection.connected) afterConnect();
    return () => {
      clearTimeout(graceTimer);
      offMessages();
      offPresence();
      offErrors();
      offConnected();
    };
    // joinKey: "Rejoin" and a password attempt subscribe afresh.
  }, [history, roomId, connection, update, dispatch, selfId, gate.kind, joinKey, auth]);

  // Large rooms send no read live: their counts are read again now and then, from the oldest message
  // shown on.
  const countsLive = readCounts?.live;
  useEffect(() => {
    if (countsLive !== false) return;
    const timer = setInterval(() => {
      const oldest = logRef.current.messages[0]?.seq ?? 0;
      api.readSummary(roomId, auth(), oldest).then(
        (summary) => setReadCounts(fromSummary(summary)),
        () => undefined,
      );
    }, READ_COUNTS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [countsLive, roomId, auth]);

  // Typing notices expire on their own; one timer for the soonest.
  useEffect(() => {
    if (typists.size === 0) return;
    const soonest = Math.min(...[...typists.values()].map((typist) => typist.untilMs));
    const timer = setTimeout(
      () => {
        const now = Date.now();
        setTypists((current) => new Map([...current].filter(([, typist]) => typist.untilMs > now)));
      },
      Math.max(0, soonest - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [typists]);

  const entries = useMemo(() => logEntries(log), [log]);
  // Who can be mentioned: online now first, then the authors of the latest messages, newest first.
  const people = useMemo(() => {
    const recent = log.messages
      .slice(-RECENT_AUTHORS_FROM)
      .reverse()
      .map((message) => message.author);
    return [...members, ...recent];
  }, [members, log.messages]);

  useLayoutEffect(() => {
    const element = listRef.current;
    if (element === null) return;
    // Own unsent messages stay last in the log, so "what arrived" is read from the newest shown entry
    // and the newest own pending one separately: a failed message left at the end must not hide the
    // messages arriving above it (it once stopped auto-scroll for good).
    const shown = entries.findLast((entry) => entry.kind !== 'pending');
    const pending = entries.findLast((entry) => entry.kind === 'pending');
    const anchor = prependAnchorRef.current;
    const arrived = shown !== undefined && shown.key !== lastKeyRef.current;
    const sentNow = pending !== undefined && pending.key !== lastPendingKeyRef.current;
    if (anchor !== undefined) {
      // Older messages went in above: keep what the reader was looking at in place.
      prependAnchorRef.current = undefined;
      element.scrollTop = element.scrollHeight - anchor.height + anchor.top;
    } else if (arrived || sentNow) {
      const own = sentNow || (shown?.kind === 'message' && shown.message.author.id === selfId);
      if (atBottomRef.current || own) {
        element.scrollTop = element.scrollHeight;
        atBottomRef.current = true;
      } else {
        setUnseen(true);
      }
    }
    lastKeyRef.current = shown?.key;
    lastPendingKeyRef.current = pending?.key;
  }, [entries, selfId]);

  const loadOlder = useCallback(async (): Promise<void> => {
    const lowest = lowestSeq(logRef.current);
    if (lowest === undefined || loadingOlderRef.current) return;
    loadingOlderRef.current = true;
    setLoadingOlder(true);
    try {
      const older = await api.listMessages(roomId, { before: lowest, limit: PAGE_SIZE }, auth());
      const element = listRef.current;
      if (element !== null)
        prependAnchorRef.current = { height: element.scrollHeight, top: element.scrollTop };
      update((state) => addMessages(state, older));
      setHasOlder(older.length >= PAGE_SIZE);
    } catch {
      // Leave hasOlder as it is: scrolling up again (or the button) retries.
    } finally {
      loadingOlderRef.current = false;
      setLoadingOlder(false);
    }
  }, [roomId, update, auth]);

  // A reply's quote leads to its original: loaded page by page if it is older than what is shown.
  const jumpTo = useCallback(
    async (seq: number): Promise<void> => {
      setRoomError(undefined);
      for (let page = 0; page <= JUMP_MAX_PAGES; page++) {
        const shown = listRef.current?.querySelector<HTMLElement>(`li.msg[data-seq="${seq}"]`);
        if (shown !== null && shown !== undefined) {
          shown.scrollIntoView({ block: 'center' });
          shown.tabIndex = -1;
          shown.focus({ preventScroll: true });
          shown.classList.remove('flash');
          void shown.offsetWidth; // restart the highlight when the same original is visited again
          shown.classList.add('flash');
          atBottomRef.current = false;
          return;
        }
        const lowest = lowestSeq(logRef.current);
        if (lowest === undefined || lowest <= seq || page === JUMP_MAX_PAGES) break;
        try {
          const older = await api.listMessages(roomId, { before: lowest, limit: JUMP_PAGE_SIZE }, auth());
          const element = listRef.current;
          if (element !== null)
            prependAnchorRef.current = { height: element.scrollHeight, top: element.scrollTop };
          update((state) => addMessages(state, older));
          setHasOlder(older.length >= JUMP_PAGE_SIZE);
          if (older.length === 0) break;
          // Let the page render before looking for the original in it.
          await new Promise<void>((resolve) => setTimeout(resolve, 0));
          await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
        } catch {
          setRoomError(t.error('network'));
          return;
        }
      }
      setRoomError(t.quotedGone);
    },
    [roomId, update, auth, t],
  );

  const onScroll = (): void => {
    const element = listRef.current;
    if (element === null) return;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < BOTTOM_SLACK_PX;
    atBottomRef.current = atBottom;
    setScrolledUp(!atBottom);
    if (atBottom) {
      setUnseen(false);
      markRead();
    }
    if (element.scrollTop < OLDER_TRIGGER_PX && hasOlder) void loadOlder();
  };

  const jumpToBottom = (): void => {
    const element = listRef.current;
    if (element !== null) element.scrollTop = element.scrollHeight;
    atBottomRef.current = true;
    setUnseen(false);
    setScrolledUp(false);
  };

  const send = (body: string): void => {
    const clientMsgId = newClientMsgId();
    const quote = replyTo === undefined ? undefined : quoteOf(replyTo);
    update((state) =>
      addPending(
        state,
        quote === undefined
          ? { clientMsgId, body, createdAtMs: Date.now(), status: 'queued' }
          : { clientMsgId, body, createdAtMs: Date.now(), status: 'queued', replyTo: quote },
      ),
    );
    setReplyTo(undefined);
    atBottomRef.current = true;
    // Slow mode holds members (not staff) to one message per slowModeSeconds: count from this send.
    const shown = roomRef.current;
    if (shown !== undefined && shown.slowModeSeconds > 0 && roleIn(shown, selfId) === 'member') {
      setSlowUntilMs(Date.now() + shown.slowModeSeconds * 1000);
    }
    dispatch(clientMsgId);
  };

  const discard = useCallback(
    (clientMsgId: string): void => update((state) => discardPending(state, clientMsgId)),
    [update],
  );

  const act: Act = useCallback(
    (command: RoomCommand, body: Record<string, unknown>) =>
      connection.sendWithReceipt(`/app/rooms.${roomId}.${command}`, JSON.stringify(body), RECEIPT_TIMEOUT_MS),
    [connection, roomId],
  );

  const startReply = (message: Message): void => {
    setReplyTo(message);
    composerRef.current?.querySelector('textarea')?.focus();
  };

  // The read marker follows what this person has seen: the room open and scrolled to the bottom.
  // Sent with a receipt: a mark the server refused (the room's SUBSCRIBE, sent just before, may not be
  // live yet: not_joined) or lost with the socket is tried again shortly, a few times at most.
  const markRead = useCallback((): void => {
    const seq = highestSeq(logRef.current);
    if (seq <= readSentRef.current || !atBottomRef.current || gate.kind !== 'open') return;
    const previous = readSentRef.current;
    readSentRef.current = seq;
    connection.sendWithReceipt(`/app/rooms.${roomId}.read`, JSON.stringify({ seq }), READ_RECEIPT_MS).then(
      () => {
        readRetriesRef.current = 0;
      },
      () => {
        if (readSentRef.current !== seq) return;
        readSentRef.current = previous;
        if (readRetriesRef.current >= READ_MARK_RETRIES) return;
        readRetriesRef.current += 1;
        setTimeout(() => markReadRef.current(), READ_MARK_DELAY_MS);
      },
    );
  }, [connection, roomId, gate.kind]);

  useEffect(() => {
    if (history !== 'ready') return;
    const timer = setTimeout(markRead, READ_MARK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [log, history, markRead]);

  // Leaving the room settles the marker at once: what was on screen has been read, even if the delayed
  // mark above had not fired yet.
  const markReadRef = useRef(markRead);
  markReadRef.current = markRead;
  useEffect(() => () => markReadRef.current(), []);
  // A mark that found the socket down (a reload opens the room before it connects) goes once it is up;
  // the latest markRead, so a gate opened meanwhile counts.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = connection.on('connected', () => {
      timer = setTimeout(() => markReadRef.current(), READ_MARK_DELAY_MS);
    });
    return () => {
      off();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [connection]);

  // A moderator is offered the room of an owner away OWNER_ABSENCE_DAYS (the server decides; this only
  // shows the choice): asked when the room opens, when its owner, staff or members change, and every
  // few minutes while it stays open.
  const ownerIdNow = typeof room === 'object' ? room.ownerId : undefined;
  const moderating = typeof room === 'object' && roleIn(room, selfId) === 'moderator';
  useEffect(() => {
    if (!moderating) {
      setOwnerAway(false);
      return;
    }
    let live = true;
    const check = (): void => {
      api.getOwnership(tokenRef.current, roomId).then(
        (ownership) => {
          if (live) setOwnerAway(ownership.absent);
        },
        () => {
          if (live) setOwnerAway(false);
        },
      );
    };
    check();
    const timer = setInterval(check, OWNERSHIP_RECHECK_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [moderating, ownerIdNow, roomId, members]);

  const typing = (): void => {
    if (connection.connected && typingGate(Date.now()))
      connection.sendNow(`/app/rooms.${roomId}.typing`, '{}');
  };

  if (room === 'missing' || room === 'closed') {
    return (
      <main id="main" class="room-view missing">
        <p role="alert">{room === 'closed' ? t.roomClosed : t.roomNotFound}</p>
        <BackLink />
      </main>
    );
  }

  const current = typeof room === 'object' ? room : undefined;
  const myRole = roleIn(current, selfId);
  const staff = myRole !== 'member';
  const reportsLabel =
    openReports === undefined || openReports === 0 ? undefined : t.openReportsBadge(openReports);
  const shownMembers = members.some((m) => m.id === selfId) ? members : [session.user, ...members];
  const typingNames = [...typists.values()].map((typist) => displayName(typist.user));
  const panels: { name: PanelName; label: string }[] = [];
  if (staff) {
    panels.push({ name: 'settings', label: t.roomSettings });
    panels.push({ name: 'reports', label: t.reports });
    panels.push({ name: 'bans', label: t.bans });
  }
  if (myRole === 'owner') panels.push({ name: 'audit', label: t.auditLog });
  const openPanel = panels.find((p) => p.name === panel);

  const memberItems = (member: User): MenuItem[] => {
    const items: MenuItem[] = [];
    const role = roleIn(current, member.id);
    if (member.id === selfId) return items;
    if (canSanction(myRole, role)) {
      for (const sanction of ['mute', 'kick', 'ban'] as const) {
        const label = sanction === 'mute' ? t.actionMute : sanction === 'kick' ? t.actionKick : t.actionBan;
        items.push({ key: sanction, label, onSelect: () => setMemberForm({ user: member, sanction }) });
      }
      const mutedUntil = mutedMembers.get(member.id);
      if (mutedUntil !== undefined && mutedUntil > Date.now()) {
        items.push({
          key: 'unmute',
          label: t.actionUnmute,
          onSelect: () => void runRoomAction({ action: 'unmute', userId: member.id }),
        });
      }
      if (current?.approveNewcomers === true && role === 'member') {
        items.push(
          {
            key: 'approve',
            label: t.actionApprove,
            onSelect: () => void runRoomAction({ action: 'approve', userId: member.id }),
          },
          {
            key: 'deny',
            label: t.actionDeny,
            onSelect: () => void runRoomAction({ action: 'deny', userId: member.id }),
          },
        );
      }
    }
    if (myRole === 'owner') {
      items.push({ key: 'transfer', label: t.actionMakeOwner, onSelect: () => setTransferTo(member) });
      items.push(
        role === 'moderator'
          ? {
              key: 'dismiss',
              label: t.actionDismiss,
              onSelect: () => void runRoomAction({ action: 'dismiss', userId: member.id }),
            }
          : {
              key: 'appoint',
              label: t.actionAppoint,
              onSelect: () => void runRoomAction({ action: 'appoint', userId: member.id }),
            },
      );
    }
    return items;
  };

  async function runRoomAction(body: Record<string, unknown>): Promise<void> {
    setRoomError(undefined);
    try {
      await act('moderate', body);
      setMemberForm(undefined);
      setTransferTo(undefined);
    } catch (caught) {
      setRoomError(t.error(caught instanceof SendError ? caught.code : 'internal_error'));
    }
  }

  // The first message from someone else past the marker this person had when they came in.
  const firstNewKey =
    leftAtSeq === undefined
      ? undefined
      : entries.find(
          (entry) =>
            entry.kind === 'message' &&
            entry.message.seq > leftAtSeq &&
            entry.message.author.id !== session.user.id,
        )?.key;

  return (
    <main id="main" class="room-view">
      <div class="room-header">
        <BackLink />
        <h1>{current === undefined ? t.loading : current.name}</h1>
        {current !== undefined && current.topic !== null && current.topic !== '' ? (
          <div class={topicOpen ? 'topic-wrap open' : 'topic-wrap'}>
            <p class="topic" id="room-topic-text">
              {current.topic}
            </p>
            <button
              type="button"
              class="secondary topic-toggle"
              aria-label={t.showWholeTopic}
              aria-expanded={topicOpen ? 'true' : 'false'}
              aria-controls="room-topic-text"
              onClick={() => setTopicOpen((open) => !open)}
            >
              <span aria-hidden="true">{topicOpen ? '▴' : '▾'}</span>
            </button>
          </div>
        ) : null}
        {current === undefined ? null : (
          <p class="room-flags">
            {current.hasPassword ? <span class="flag">🔒 {t.passwordProtected}</span> : null}
            {current.slowModeSeconds > 0 ? (
              <span class="flag">{t.slowModeOn(current.slowModeSeconds)}</span>
            ) : null}
            {current.memberCap === null ? null : (
              <span class="flag">{t.memberCapShown(current.memberCap)}</span>
            )}
            {current.approveNewcomers ? <span class="flag">{t.approvalRule}</span> : null}
            {current.newcomerMinutes > 0 || current.newcomerMessages > 0 ? (
              <span class="flag">{t.newcomerRules(current.newcomerMinutes, current.newcomerMessages)}</span>
            ) : null}
          </p>
        )}
        {current === undefined ? null : (
          <PinsPanel pins={current.pins} staff={staff} act={act} onJump={jumpTo} />
        )}
        {current === undefined ? null : <SharePanel roomId={roomId} roomName={current.name} />}
        {current === undefined ? null : (
          <RoomSearch roomId={roomId} auth={auth} locale={locale} onJump={(seq) => void jumpTo(seq)} />
        )}
        {myRole === 'moderator' && ownerAway ? (
          <p class="owner-away">
            {t.ownerAway}{' '}
            <button type="button" onClick={() => void runRoomAction({ action: 'claim' })}>
              {t.claimOwnership}
            </button>
          </p>
        ) : null}
        {panels.length === 0 ? null : (
          <button
            type="button"
            class="secondary manage-toggle"
            aria-expanded={manageOpen ? 'true' : 'false'}
            aria-controls="room-tools"
            onClick={() => setManageOpen((open) => !open)}
          >
            {t.manage}
            {reportsLabel === undefined ? null : <span class="dot"> ({openReports})</span>}
          </button>
        )}
        {panels.length === 0 ? null : (
          <div id="room-tools" class={manageOpen ? 'room-tools open' : 'room-tools'}>
            {panels.map((p) => (
              <button
                key={p.name}
                type="button"
                class="secondary"
                aria-expanded={panel === p.name ? 'true' : 'false'}
                aria-controls="room-panel"
                onClick={() => setPanel((open) => (open === p.name ? undefined : p.name))}
              >
                {p.label}
              </button>
            ))}
            {staff ? (
              // Live: the server pushes the count to staff whenever a report is filed or closed.
              <span class="badge open-reports" role="status">
                {reportsLabel ?? ''}
              </span>
            ) : null}
          </div>
        )}
      </div>
      {current === undefined || current.notice === null ? null : <NoticeBanner notice={current.notice} />}
      {openPanel === undefined || current === undefined ? null : (
        <section id="room-panel" class="room-panel" aria-label={openPanel.label}>
          <div class="panel-head">
            <h2>{openPanel.label}</h2>
            <button type="button" class="secondary" onClick={() => setPanel(undefined)}>
              {t.closePanel}
            </button>
          </div>
          {openPanel.name === 'settings' ? (
            <>
              <SettingsPanel room={current} act={act} />
              <NoticeForm notice={current.notice} act={act} />
              <WordFilterForm token={session.token} roomId={roomId} act={act} />
            </>
          ) : openPanel.name === 'reports' ? (
            <ReportsPanel
              token={session.token}
              roomId={roomId}
              locale={locale}
              act={act}
              open={openReports}
            />
          ) : openPanel.name === 'bans' ? (
            <BansPanel token={session.token} roomId={roomId} locale={locale} act={act} />
          ) : (
            <AuditPanel token={session.token} roomId={roomId} locale={locale} />
          )}
        </section>
      )}
      <div class="room-body">
        <section class="conversation">
          <div
            class="log"
            role="log"
            aria-label={t.logLabel}
            aria-busy={history === 'loading' || loadingOlder ? 'true' : 'false'}
            // A scrollable region must be reachable by keyboard so arrow keys and Page Up can scroll it.
            // biome-ignore lint/a11y/noNoninteractiveTabindex: scrollable log needs keyboard focus
            tabIndex={0}
            ref={listRef}
            onScroll={onScroll}
          >
            {history === 'error' ? (
              <p class="error">
                {t.error('network')}{' '}
                <button type="button" onClick={() => setAttempt((n) => n + 1)}>
                  {t.retry}
                </button>
              </p>
            ) : hasOlder ? (
              <button type="button" class="older" disabled={loadingOlder} onClick={() => void loadOlder()}>
                {loadingOlder ? t.loadingOlder : t.loadOlder}
              </button>
            ) : history === 'ready' ? (
              // Behind a password or a ban the log is not the room's: saying it begins here would be wrong.
              gate.kind === 'open' ? (
                <p class="beginning">{t.beginning}</p>
              ) : null
            ) : (
              <p class="muted">{t.loading}</p>
            )}
            <ol class="entries">
              {entries.map((entry) =>
                entry.kind === 'message' ? (
                  <Fragment key={entry.key}>
                    {entry.key === firstNewKey ? <li class="unread-divider">{t.newSinceYouLeft}</li> : null}
                    <MessageItem
                      key={entry.key}
                      message={entry.message}
                      self={session.user}
                      locale={locale}
                      nowMs={nowMs}
                      viewerRole={myRole}
                      authorRole={roleIn(current, entry.message.author.id)}
                      act={act}
                      onReply={startReply}
                      onJump={jumpTo}
                      pinned={current?.pins.some((p) => p.id === entry.message.id) === true}
                      readCount={readCountOf(readCounts, entry.message.seq)}
                    />
                  </Fragment>
                ) : (
                  <Entry
                    key={entry.key}
                    entry={entry}
                    self={session.user}
                    onRetry={dispatch}
                    onDiscard={discard}
                  />
                ),
              )}
            </ol>
          </div>
          {unseen ? (
            <button type="button" class="new-messages" onClick={jumpToBottom}>
              {t.newMessages}
            </button>
          ) : scrolledUp ? (
            <button type="button" class="new-messages jump-latest" onClick={jumpToBottom}>
              {t.jumpToLatest}
            </button>
          ) : null}
          <p class="typing">{typingNames.length === 0 ? '' : t.typing(typingNames)}</p>
          {roomError === undefined ? null : (
            <p class="error room-error" role="alert">
              {roomError}
            </p>
          )}
          {gate.kind === 'open' ? (
            <div ref={composerRef} class="composer-wrap">
              {replyTo === undefined ? null : (
                <div class="reply-bar">
                  <span>
                    {t.replyingTo(displayName(replyTo.author))}:{' '}
                    <span class="quote-text">{quoteOf(replyTo).body}</span>
                  </span>
                  <button type="button" class="secondary" onClick={() => setReplyTo(undefined)}>
                    {t.cancelReply}
                  </button>
                </div>
              )}
              {newcomer === undefined ? null : (
                <NewcomerNotice
                  wait={newcomer}
                  onPassed={() => setNewcomer(undefined)}
                  onAsk={() =>
                    act('ask', {}).then(
                      () => setNewcomer({ untilMs: undefined, messagesLeft: undefined, approval: 'asked' }),
                      (error: unknown) =>
                        setRoomError(t.error(error instanceof SendError ? error.code : 'internal_error')),
                    )
                  }
                />
              )}
              <SendWait
                mutedUntilMs={mutedUntilMs}
                slowUntilMs={slowUntilMs}
                render={(blocked) => (
                  <Composer
                    key={roomId}
                    roomId={roomId}
                    selfId={selfId}
                    people={people}
                    onSend={send}
                    onTyping={typing}
                    autoFocus={true}
                    blocked={blocked}
                  />
                )}
              />
            </div>
          ) : (
            <GatePanel
              gate={gate}
              onPassword={(password) => {
                // The password buys a grant over HTTP; history and the live feed then use the grant.
                api.joinRoom(tokenRef.current, roomId, password).then(
                  ({ grant }) => {
                    grantRef.current = grant;
                    saveGrant(selfId, roomId, grant);
                    // History reloads with the grant before the live feed subscribes: opening the gate
                    // over the gated (empty) history would subscribe, drop it for the reload and subscribe
                    // again, announcing this person as joined, left and joined.
                    setHistory('loading');
                    setGate({ kind: 'open' });
                    setAttempt((n) => n + 1);
                  },
                  (error: unknown) => {
                    const code = error instanceof ApiError ? error.code : 'network';
                    setGate(
                      code === 'wrong_password'
                        ? { kind: 'password', wrong: true }
                        : { kind: 'password', wrong: false, error: code },
                    );
                  },
                );
              }}
              onRejoin={() => {
                setGate({ kind: 'open' });
                setJoinKey((n) => n + 1);
              }}
            />
          )}
        </section>
        <aside class="members" aria-labelledby="members-title">
          <details open={wideLayout}>
            <summary id="members-title">{t.members(shownMembers.length)}</summary>
            <ul>
              {shownMembers.map((member) => {
                const role = roleIn(current, member.id);
                return (
                  <li key={member.id} class={member.id === selfId ? 'me' : undefined}>
                    <span class="nick">{member.nickname}</span>
                    <span class="tag">#{member.tag}</span>
                    {member.id === selfId ? <span class="you"> ({t.you})</span> : null}
                    {role === 'member' ? null : (
                      <span class="role">{role === 'owner' ? t.owner : t.moderator}</span>
                    )}
                    <ActionsMenu label={t.memberActions(displayName(member))} items={memberItems(member)} />
                    {transferTo !== undefined && transferTo.id === member.id ? (
                      <InlineConfirm
                        question={t.confirmMakeOwner(displayName(member))}
                        action={t.makeOwner}
                        onConfirm={() => void runRoomAction({ action: 'transfer', userId: member.id })}
                        onCancel={() => setTransferTo(undefined)}
                      />
                    ) : null}
                    {memberForm !== undefined && memberForm.user.id === member.id ? (
                      <SanctionForm
                        sanction={memberForm.sanction}
                        userId={member.id}
                        who={displayName(member)}
                        addressInfo={() => api.addressIdentities(tokenRef.current, roomId, member.id)}
                        onSubmit={runRoomAction}
                        onCancel={() => setMemberForm(undefined)}
                      />
                    ) : null}
                  </li>
                );
              })}
            </ul>
          </details>
        </aside>
      </div>
    </main>
  );
}

function GatePanel({
  gate,
  onPassword,
  onRejoin,
}: {
  gate: Exclude<Gate, { kind: 'open' }>;
  onPassword: (password: string) => void;
  onRejoin: () => void;
}) {
  const { t, locale } = useI18n();
  const [password, setPassword] = useState('');
  const field = useFocusOnMount<HTMLInputElement>();
  const nowMs = useNow(gate.kind === 'refused' ? gate.untilMs : undefined);
  if (gate.kind === 'password') {
    return (
      <form
        class="gate"
        onSubmit={(event) => {
          event.preventDefault();
          if (password !== '') onPassword(password);
        }}
      >
        <p role="alert">
          {gate.error !== undefined
            ? t.error(gate.error)
            : gate.wrong
              ? t.error('wrong_password')
              : t.passwordNeeded}
        </p>
        <label for="room-password">{t.roomPasswordLabel}</label>
        <input
          id="room-password"
          ref={field}
          type="password"
          autoComplete="off"
          maxLength={128}
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        <button type="submit" disabled={password === ''}>
          {t.enterRoom}
        </button>
      </form>
    );
  }
  // Kicked people may come back once the cool-down ends, and a full room may have space later; a ban
  // is final until lifted.
  const coolingDown = gate.code === 'kicked' && gate.untilMs !== undefined && nowMs < gate.untilMs;
  const retry =
    gate.code === 'kicked'
      ? coolingDown
        ? undefined
        : t.rejoin
      : gate.code === 'banned'
        ? undefined
        : t.tryAgain;
  return (
    <div class="gate">
      <p role="alert">
        {coolingDown && gate.untilMs !== undefined
          ? t.kickedUntil(untilText(new Date(gate.untilMs).toISOString(), locale))
          : t.error(gate.code)}
      </p>
      {retry === undefined ? null : (
        <button type="button" onClick={onRejoin}>
          {retry}
        </button>
      )}
    </div>
  );
}

function withoutKey<V>(current: ReadonlyMap<string, V>, key: string): ReadonlyMap<string, V> {
  if (!current.has(key)) return current;
  const next = new Map(current);
  next.delete(key);
  return next;
}

/** Now, re-read every second until `untilMs` has passed (a countdown's clock). */
function useCountdown(untilMs: number | undefined): number {
  const [nowMs, setNowMs] = useState(Date.now);
  useEffect(() => {
    if (untilMs === undefined) return;
    setNowMs(Date.now());
    const timer = setInterval(() => {
      const now = Date.now();
      setNowMs(now);
      if (now >= untilMs) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [untilMs]);
  return nowMs;
}

/**
 * Why Send waits, said before the person tries: their own mute (until when, in their locale) or slow
 * mode's countdown. `render` gets whether sending is held back now.
 */
function SendWait({
  mutedUntilMs,
  slowUntilMs,
  render,
}: {
  mutedUntilMs: number | undefined;
  slowUntilMs: number | undefined;
  render: (blocked: boolean) => ComponentChildren;
}) {
  const { t, locale } = useI18n();
  const muteClock = useCountdown(mutedUntilMs);
  const slowClock = useCountdown(slowUntilMs);
  const muted = mutedUntilMs !== undefined && mutedUntilMs > muteClock;
  const slowLeft =
    slowUntilMs === undefined || slowUntilMs <= slowClock ? 0 : Math.ceil((slowUntilMs - slowClock) / 1000);
  return (
    <>
      {muted ? (
        <p class="info muted-notice" role="status">
          {t.youAreMuted(untilText(new Date(mutedUntilMs).toISOString(), locale))}
        </p>
      ) : slowLeft > 0 ? (
        <p class="info slow-wait" role="timer" aria-live="off">
          {t.slowModeWait(slowLeft)}
        </p>
      ) : null}
      {render(muted || slowLeft > 0)}
    </>
  );
}

function withoutTypist(current: ReadonlyMap<string, Typist>, userId: string): ReadonlyMap<string, Typist> {
  if (!current.has(userId)) return current;
  const next = new Map(current);
  next.delete(userId);
  return next;
}

function BackLink() {
  const { t } = useI18n();
  return (
    <a
      class="back"
      href={routePath({ name: 'rooms' })}
      onClick={(event) => {
        if (!isPlainClick(event)) return;
        event.preventDefault();
        navigate({ name: 'rooms' });
      }}
    >
      ← {t.allRooms}
    </a>
  );
}

interface EntryProps {
  readonly entry: Exclude<LogEntry, { kind: 'message' }>;
  readonly self: User;
  readonly onRetry: (clientMsgId: string) => void;
  readonly onDiscard: (clientMsgId: string) => void;
}

function noticeText(t: Strings, locale: string, notice: Notice): string {
  if (notice.kind === 'event') return t.notice(eventText(notice.event, locale, notice.before));
  return notice.kind === 'join' ? t.joined(displayName(notice.user)) : t.left(displayName(notice.user));
}

function Entry({ entry, self, onRetry, onDiscard }: EntryProps) {
  const { t, locale } = useI18n();
  switch (entry.kind) {
    case 'pending': {
      const { pending } = entry;
      const status = {
        queued: t.pendingQueued,
        sending: t.pendingSending,
        sent: t.pendingSent,
        failed:
          pending.errorCode === undefined || pending.errorCode === 'timeout'
            ? t.pendingFailed
            : `${t.pendingFailed}: ${t.error(pending.errorCode)}`,
      }[pending.status];
      return (
        <li class={`msg own pending status-${pending.status}`} data-status={pending.status}>
          <div class="meta">
            <span class="author">
              {self.nickname}
              <span class="tag">#{self.tag}</span>
            </span>
            <span class="you">({t.you})</span>
            <span class="state">{status}</span>
            {pending.status === 'failed' ? (
              <>
                <button type="button" class="retry" onClick={() => onRetry(pending.clientMsgId)}>
                  {t.retry}
                </button>
                <button type="button" class="retry secondary" onClick={() => onDiscard(pending.clientMsgId)}>
                  {t.discard}
                </button>
              </>
            ) : null}
          </div>
          {pending.replyTo === undefined ? null : (
            <blockquote class="quote">
              <span class="author">{displayName(pending.replyTo.author)}</span> {pending.replyTo.body}
            </blockquote>
          )}
          <p class="body">
            <MessageText text={pending.body} />
          </p>
        </li>
      );
    }
    case 'notice': {
      const { notice } = entry;
      return (
        <li
          class={notice.kind === 'event' ? `notice event ${notice.event.type.replace('.', '-')}` : 'notice'}
        >
          {noticeText(t, locale, notice)}
        </li>
      );
    }
    default: {
      const unreachable: never = entry;
      return unreachable;
    }
  }
}

/** Now, re-read when `untilMs` passes (so a cool-down's end shows without a reload). */
function useNow(untilMs: number | undefined): number {
  const [nowMs, setNowMs] = useState(Date.now);
  useEffect(() => {
    if (untilMs === undefined) return;
    const wait = untilMs - Date.now();
    if (wait <= 0) {
      setNowMs(Date.now());
      return;
    }
    const timer = setTimeout(() => setNowMs(Date.now()), Math.min(wait + 50, 2_147_000_000));
    return () => clearTimeout(timer);
  }, [untilMs]);
  return nowMs;
}

/** Why the composer's messages are refused for now (the newcomer gate), and when that ends. */
function NewcomerNotice({
  wait,
  onPassed,
  onAsk,
}: {
  wait: NewcomerWait;
  onPassed: () => void;
  onAsk: () => void;
}) {
  const { t } = useI18n();
  const nowMs = useNow(wait.untilMs);
  const [asking, setAsking] = useState(false);
  const minutes =
    wait.untilMs === undefined || wait.untilMs <= nowMs
      ? undefined
      : Math.ceil((wait.untilMs - nowMs) / 60_000);
  useEffect(() => {
    if (minutes === undefined && wait.messagesLeft === undefined && wait.approval === undefined) onPassed();
  }, [minutes, wait.messagesLeft, wait.approval, onPassed]);
  if (wait.approval !== undefined) {
    const text =
      wait.approval === 'needed'
        ? t.approvalNeeded
        : wait.approval === 'asked'
          ? t.approvalAsked
          : t.approvalDenied;
    return (
      <div class="info newcomer" role="status">
        <p>{text}</p>
        {wait.approval === 'needed' ? (
          <button
            type="button"
            disabled={asking}
            onClick={() => {
              setAsking(true);
              onAsk();
            }}
          >
            {t.askToPost}
          </button>
        ) : null}
      </div>
    );
  }
  if (minutes === undefined && wait.messagesLeft === undefined) return null;
  return (
    <p class="info newcomer" role="status">
      {t.newcomerWait(minutes, wait.messagesLeft)}
    </p>
  );
}
