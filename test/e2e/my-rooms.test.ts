// Issue 15, knowing what is going on, in Chromium: my rooms above all rooms with unread and mention
// counts that rise without a reload while someone else posts (pushed, not polled), the counts in the
// tab title, an opt-in mention notification when the tab is hidden, the "new since you left" divider,
// an always-available Jump to latest, and leaving a room. English desktop and Korean phone, axe on each.
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { axeViolations } from './axe.js';
import {
  browserUnavailable,
  createRoom,
  createSession,
  openPage,
  PHONE,
  sendMessages,
  signIn,
  type TestServer,
  withServerAndBrowser,
} from './harness.js';
import { enterRoom, messageWith, WAIT_MS } from './pages.js';

const skip = browserUnavailable();

/** The page's identity, as the client stored it. */
async function sessionOf(page: Page): Promise<{ token: string; user: { id: string; tag: string } }> {
  return JSON.parse(String(await page.evaluate("localStorage.getItem('parley.session')")));
}

async function unreadOf(server: TestServer, token: string) {
  const response = await fetch(`${server.url}/api/me/unread`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return ((await response.json()) as { rooms: { roomId: string; lastReadSeq: number; unread: number }[] })
    .rooms;
}

function distanceFromBottom(page: Page): Promise<number> {
  return page.getByRole('log').evaluate((log) => log.scrollHeight - log.scrollTop - log.clientHeight);
}

describe.skipIf(skip !== undefined)('my rooms and live counts in Chromium', { timeout: 150_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  withServerAndBrowser({}, (started) => {
    ({ server, browser } = started);
  });

  it('counts rise live while Bob posts elsewhere, in the list and the tab title; a hidden tab is notified of a mention; the divider and Jump to latest; Leave', async () => {
    const bob = await createSession(server, 'bob');
    const camp = await createRoom(server, bob.token, 'Camp');
    const trail = await createRoom(server, bob.token, 'Trail');
    await sendMessages(
      server,
      bob.token,
      camp.id,
      Array.from({ length: 40 }, (_, i) => `old line ${i + 1}`),
    );
    const alice = await openPage(browser);
    try {
      await alice.context.grantPermissions(['notifications'], { origin: server.url });
      // Notifications recorded; the tab's visibility under the test's control.
      await alice.context.addInitScript(`
        window.__notes = [];
        window.__hidden = false;
        const Real = window.Notification;
        class Recorded extends Real {
          constructor(title, options) { super(title, options); window.__notes.push({ title, body: options && options.body }); }
        }
        Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
        Recorded.requestPermission = () => Real.requestPermission();
        window.Notification = Recorded;
        Object.defineProperty(Document.prototype, 'visibilityState', { get: () => (window.__hidden ? 'hidden' : 'visible') });
      `);
      await signIn(alice.page, server.url, 'alice');
      const me = await sessionOf(alice.page);
      // Alice reads Camp to the end: it becomes one of her rooms.
      await enterRoom(alice.page, server.url, camp.id, 'Camp');
      await messageWith(alice.page, 'old line 40').waitFor({ timeout: WAIT_MS });
      await eventually(async () => expect((await unreadOf(server, me.token))[0]?.lastReadSeq).toBe(40), {
        timeoutMs: WAIT_MS,
      });

      // In another room, Bob's post to Camp reaches the tab title without a reload.
      await enterRoom(alice.page, server.url, trail.id, 'Trail');
      await sendMessages(server, bob.token, camp.id, ['new one']);
      await eventually(async () => expect(await alice.page.title()).toBe('(1) Trail — Parley'), {
        timeoutMs: WAIT_MS,
      });

      // The room list: Camp under My rooms with its count, rising as Bob posts again (no reload).
      await alice.page
        .getByRole('link', { name: /All rooms/ })
        .first()
        .click();
      const mine = alice.page.getByRole('region', { name: 'My rooms' });
      await mine.getByRole('link', { name: 'Camp' }).waitFor({ timeout: WAIT_MS });
      await mine.getByText('1 unread').waitFor({ timeout: WAIT_MS });
      const order = await alice.page.evaluate(
        `document.querySelector('.my-rooms').compareDocumentPosition(document.querySelector('.all-rooms'))`,
      );
      expect(Number(order) & 4).toBe(4);
      expect(await axeViolations(alice.page)).toEqual([]);

      // Opt in (a click asks the browser), then a mention while the tab is hidden notifies.
      await alice.page.getByRole('button', { name: 'Notify me of mentions' }).click();
      await mine.getByText('Mention notifications on').waitFor({ timeout: WAIT_MS });
      await alice.page.evaluate('window.__hidden = true');
      await sendMessages(server, bob.token, camp.id, [`look @alice#${me.user.tag}`]);
      await mine.getByText('2 unread').waitFor({ timeout: WAIT_MS });
      await mine.getByText('1 mention').waitFor({ timeout: WAIT_MS });
      await eventually(async () => expect(await alice.page.title()).toBe('(@1 · 2) Rooms — Parley'), {
        timeoutMs: WAIT_MS,
      });
      const notes = (await alice.page.evaluate('window.__notes')) as { title: string; body: string }[];
      expect(notes).toEqual([
        { title: `bob#${bob.user.tag} mentioned you in Camp`, body: `look @alice#${me.user.tag}` },
      ]);
      // Visible again: another mention shows on the page but is not a notification.
      await alice.page.evaluate('window.__hidden = false');
      await sendMessages(server, bob.token, camp.id, [`again @alice#${me.user.tag}`]);
      await mine.getByText('2 mentions').waitFor({ timeout: WAIT_MS });
      expect(((await alice.page.evaluate('window.__notes')) as unknown[]).length).toBe(1);

      // Back in Camp: the divider sits before the first message since she left; Jump to latest.
      await mine.getByRole('link', { name: 'Camp' }).click();
      await messageWith(alice.page, 'again').waitFor({ timeout: WAIT_MS });
      const divider = alice.page.locator('li.unread-divider');
      await divider.waitFor({ timeout: WAIT_MS });
      expect(await divider.textContent()).toBe('New since you left');
      const next = await divider.evaluate((li) => li.nextElementSibling?.textContent ?? '');
      expect(next).toContain('new one');
      expect(await axeViolations(alice.page)).toEqual([]);
      await alice.page.getByRole('log').evaluate((log) => {
        log.scrollTop = 0;
      });
      const jump = alice.page.getByRole('button', { name: 'Jump to latest' });
      await jump.waitFor({ timeout: WAIT_MS });
      expect(await axeViolations(alice.page)).toEqual([]);
      await jump.click();
      await eventually(async () => expect(await distanceFromBottom(alice.page)).toBeLessThan(48), {
        timeoutMs: WAIT_MS,
      });
      await jump.waitFor({ state: 'detached', timeout: WAIT_MS });

      // Leave: Camp is no longer one of her rooms, also after a reload.
      await alice.page
        .getByRole('link', { name: /All rooms/ })
        .first()
        .click();
      await mine.getByRole('button', { name: 'Leave Camp' }).click();
      await mine.getByRole('link', { name: 'Camp' }).waitFor({ state: 'detached', timeout: WAIT_MS });
      await alice.page.reload();
      await alice.page.getByRole('region', { name: 'My rooms' }).waitFor({ timeout: WAIT_MS });
      expect(await alice.page.getByRole('region', { name: 'My rooms' }).getByRole('link').count()).toBe(0);
      expect((await unreadOf(server, me.token)).map((r) => r.roomId)).not.toContain(camp.id);
      expect(alice.errors).toEqual([]);
    } finally {
      await alice.context.close();
    }
  });

  it('shows my rooms in Korean on a phone, with live counts and no axe violations', async () => {
    const host = await createSession(server, 'host');
    const room = await createRoom(server, host.token, '산행');
    await sendMessages(server, host.token, room.id, ['안녕하세요']);
    const minsu = await openPage(browser, { locale: 'ko-KR', viewport: PHONE });
    try {
      await minsu.page.goto(`${server.url}/rooms/${room.id}`);
      await minsu.page.getByLabel('닉네임', { exact: true }).fill('민수');
      await minsu.page.getByLabel('닉네임', { exact: true }).press('Enter');
      await minsu.page.getByRole('heading', { name: '산행', level: 1 }).waitFor({ timeout: WAIT_MS });
      await messageWith(minsu.page, '안녕하세요').waitFor({ timeout: WAIT_MS });
      const me = await sessionOf(minsu.page);
      await eventually(async () => expect((await unreadOf(server, me.token))[0]?.lastReadSeq).toBe(1), {
        timeoutMs: WAIT_MS,
      });
      await minsu.page
        .getByRole('link', { name: /모든 대화방/ })
        .first()
        .click();
      const mine = minsu.page.getByRole('region', { name: '내 대화방' });
      await mine.getByRole('link', { name: '산행' }).waitFor({ timeout: WAIT_MS });
      await sendMessages(server, host.token, room.id, ['또 만나요']);
      await mine.getByText('안 읽음 1').waitFor({ timeout: WAIT_MS });
      await mine.getByRole('button', { name: '산행 나가기' }).waitFor();
      await mine.getByRole('button', { name: '멘션 알림 받기' }).waitFor();
      expect(await axeViolations(minsu.page)).toEqual([]);
      expect(minsu.errors).toEqual([]);
    } finally {
      await minsu.context.close();
    }
  });
});
