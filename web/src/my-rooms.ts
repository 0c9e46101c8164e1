// "My rooms": the rooms this identity follows (it has read in them and not left) with their unread and
// mention counts, kept live from the server's pushes (/user/queue/unread for each new message,
// /user/queue/mentions) rather than a poll; the tab title's counts; the opt-in mention notification.
// Knows the unread endpoint and the connection's subscribe, nothing of how a screen shows them.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message, UnreadRoom } from '../../src/protocol/index.js';
import { api } from './api.js';
import type { ChatConnection } from './connection.js';

/** Pushes come in bursts (a busy room): one re-read per burst. */
const REREAD_DEBOUNCE_MS = 250;

export interface MyRooms {
  /** Undefined until the first answer. */
  readonly rooms: readonly UnreadRoom[] | undefined;
  /** Re-reads the counts (after reading a room, say). */
  readonly refresh: () => void;
  readonly leave: (roomId: string) => Promise<void>;
}

export function useMyRooms(token: string | undefined, connection: ChatConnection | undefined): MyRooms {
  const [rooms, setRooms] = useState<readonly UnreadRoom[] | undefined>(undefined);
  const refreshRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    if (token === undefined) {
      setRooms(undefined);
      return;
    }
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let generation = 0;
    const read = (): void => {
      const asked = ++generation;
      api.listUnread(token).then(
        (found) => {
          // An older answer never overwrites a newer one.
          if (live && asked === generation) setRooms(found);
        },
        () => undefined,
      );
    };
    const soon = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(read, REREAD_DEBOUNCE_MS);
    };
    refreshRef.current = soon;
    read();
    const stops =
      connection === undefined
        ? []
        : [
            connection.subscribe('/user/queue/unread', soon),
            connection.subscribe('/user/queue/mentions', soon),
            // Pushes missed while the socket was down: read again once it is back.
            connection.on('connected', soon),
          ];
    return () => {
      live = false;
      if (timer !== undefined) clearTimeout(timer);
      for (const stop of stops) stop();
    };
  }, [token, connection]);

  return {
    rooms,
    refresh: () => refreshRef.current(),
    leave: async (roomId) => {
      if (token === undefined) return;
      await api.leaveRoom(token, roomId);
      setRooms((current) => current?.filter((room) => room.roomId !== roomId));
      refreshRef.current();
    },
  };
}

/** What the tab title counts: unread and mentions across my rooms, the one being read aside. */
export function titleCounts(
  rooms: readonly UnreadRoom[] | undefined,
  openRoomId: string | undefined,
): { unread: number; mentions: number } {
  let unread = 0;
  let mentions = 0;
  for (const room of rooms ?? []) {
    if (room.roomId === openRoomId) continue;
    unread += room.unread;
    mentions += room.mentions;
  }
  return { unread, mentions };
}

/** The counts as they go in front of a title: "(3) ", "(@1 · 3) ", or nothing. */
export function countsPrefix(counts: { unread: number; mentions: number }): string {
  if (counts.unread === 0 && counts.mentions === 0) return '';
  const mentions = counts.mentions > 0 ? `@${counts.mentions} · ` : '';
  return `(${mentions}${counts.unread}) `;
}

/** What the title counts last wrote: the title as written and the screen's title under it. */
export interface Retitled {
  readonly written: string;
  readonly bare: string;
}

/**
 * The title to show for `current` (what the tab shows now): the screen's own title with the counts in
 * front. Only a title this wrote itself (`last.written`) is taken apart, so a room named "(1) band"
 * keeps its name.
 */
export function retitle(
  current: string,
  last: Retitled | undefined,
  counts: { unread: number; mentions: number },
): Retitled {
  const bare = last !== undefined && current === last.written ? last.bare : current;
  return { written: `${countsPrefix(counts)}${bare}`, bare };
}

/**
 * Keeps the counts in front of the tab title, whatever each screen sets it to (screens set
 * `document.title` themselves; a change is noticed and prefixed again).
 */
export function useTitleCounts(counts: { unread: number; mentions: number }): void {
  const { unread, mentions } = counts;
  const last = useRef<Retitled | undefined>(undefined);
  useEffect(() => {
    const apply = (next: { unread: number; mentions: number }): void => {
      const titled = retitle(document.title, last.current, next);
      last.current = titled;
      if (titled.written !== document.title) document.title = titled.written;
    };
    apply({ unread, mentions });
    const head = document.querySelector('head');
    if (head === null) return;
    const observer = new MutationObserver(() => apply({ unread, mentions }));
    observer.observe(head, { subtree: true, childList: true, characterData: true });
    return () => {
      observer.disconnect();
      apply({ unread: 0, mentions: 0 });
    };
  }, [unread, mentions]);
}

const NOTIFY_KEY = 'parley.notifyMentions';

/** Whether this browser shows mention notifications: the person turned them on and the browser allows. */
export function mentionNotificationsOn(): boolean {
  return (
    typeof Notification === 'function' &&
    Notification.permission === 'granted' &&
    localStorage.getItem(NOTIFY_KEY) === 'on'
  );
}

/** Asks the browser (only ever from a click) and remembers the choice; the resulting permission. */
export async function enableMentionNotifications(): Promise<NotificationPermission | 'unsupported'> {
  if (typeof Notification !== 'function') return 'unsupported';
  const permission =
    Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
  if (permission === 'granted') localStorage.setItem(NOTIFY_KEY, 'on');
  return permission;
}

/** A system notification for a mention, when they are on and the page is hidden; clicking opens the room. */
export function notifyMention(message: Message, title: string, open: () => void): void {
  if (!mentionNotificationsOn() || document.visibilityState !== 'hidden') return;
  const notification = new Notification(title, { body: message.body.slice(0, 200), tag: message.id });
  notification.onclick = () => {
    window.focus();
    open();
    notification.close();
  };
}
