// Issue 15, knowing what is going on, in Chromium: slow mode's countdown holds Send back, a muted member
// reads "muted until …" before trying, a settings notice says what changed, the audit log is written in
// words, Reports counts live with Dismiss and Ban author, kicked and banned people leave "Online now",
// "Unmute" is offered only for the muted, and the settings panel's Save is always in reach. English on
// a desktop and Korean on a phone; two or three browser contexts where people interact.
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { connectStompClient, receiptOf } from '../support/stompjs-client.js';
import {
  browserUnavailable,
  createSession,
  openPage,
  PHONE,
  type SeedSession,
  signIn,
  type TestServer,
  withServerAndBrowser,
} from './harness.js';
import {
  createRoomInUi,
  enterRoom,
  enterRoomKorean,
  messageWith,
  say,
  signInKorean,
  WAIT_MS,
} from './pages.js';

const skip = browserUnavailable();

/** The signed-in user of a page, as the app stored it. */
async function selfOf(page: Page): Promise<{ id: string; nickname: string; tag: string }> {
  const stored = await page.evaluate<string | null>(`localStorage.getItem('parley.session')`);
  const user = stored === null ? undefined : (JSON.parse(stored) as { user: unknown }).user;
  if (user === undefined) throw new Error('no session stored');
  return user as { id: string; nickname: string; tag: string };
}

/** Someone in the room over STOMP (joined, so present in "Online now"), for as long as the test needs. */
async function presentOverStomp(server: TestServer, who: SeedSession, roomId: string) {
  const client = await connectStompClient({
    url: `${server.url.replace(/^http/, 'ws')}/ws`,
    token: who.token,
  });
  const joined = receiptOf(client, 'join', WAIT_MS);
  client.subscribe(`/topic/rooms.${roomId}`, () => undefined, { receipt: 'join' });
  await joined;
  let n = 0;
  return {
    client,
    /** Sends a room command (`report`, a message, …) and waits for its RECEIPT. */
    async send(destination: string, body: Record<string, unknown>): Promise<void> {
      const receipt = `r-${++n}`;
      const done = receiptOf(client, receipt, WAIT_MS);
      client.publish({
        destination,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', receipt },
      });
      await done;
    },
  };
}

async function openPanel(page: Page, name: string): Promise<void> {
  const manage = page.getByRole('button', { name: /^(Manage|관리)/ });
  if (await manage.isVisible()) {
    if ((await manage.getAttribute('aria-expanded')) !== 'true') await manage.click();
  }
  await page.getByRole('button', { name, exact: true }).click();
}

/** True when the element's whole box is inside the viewport. */
async function inViewport(page: Page, selector: ReturnType<Page['getByRole']>): Promise<boolean> {
  const box = await selector.boundingBox();
  const viewport = page.viewportSize();
  if (box === null || viewport === null) return false;
  return (
    box.y >= 0 && box.y + box.height <= viewport.height && box.x >= 0 && box.x + box.width <= viewport.width
  );
}

describe.skipIf(skip !== undefined)(
  'staff tools and what members are told, in Chromium',
  { timeout: 150_000 },
  () => {
    let server: TestServer;
    let browser: Browser;

    withServerAndBrowser({}, (started) => {
      ({ server, browser } = started);
    });

    it('slow mode: the notice says what changed, and Send waits out a countdown (English desktop, Korean phone)', async () => {
      const owner = await openPage(browser);
      const member = await openPage(browser, { locale: 'ko-KR', viewport: PHONE });
      try {
        await signIn(owner.page, server.url, 'alice');
        const roomId = await createRoomInUi(owner.page, 'Slow talk');
        await signInKorean(member.page, server.url, '민수');
        await enterRoomKorean(member.page, server.url, roomId, 'Slow talk');

        await openPanel(owner.page, 'Room settings');
        // Save is in view as soon as the panel opens, without scrolling.
        const save = owner.page.getByRole('button', { name: 'Save', exact: true });
        expect(await inViewport(owner.page, save)).toBe(true);
        expect(await inViewport(owner.page, owner.page.getByLabel('New room password'))).toBe(true);
        await owner.page.getByLabel(/^Slow mode/).fill('4');
        await owner.page.getByLabel('Topic').fill('Hiking on Sunday');
        await save.click();

        await owner.page
          .getByRole('log')
          .getByText(/^alice#\d{4} changed the topic to “Hiking on Sunday” and set slow mode to 4 s$/)
          .waitFor({ timeout: WAIT_MS });
        await member.page
          .getByRole('log')
          .getByText(/^alice#\d{4} 님이 방 설정을 바꿨습니다: 주제 “Hiking on Sunday”, 슬로 모드 4초$/)
          .waitFor({ timeout: WAIT_MS });

        // The member sends once; Send is disabled with a countdown until slow mode lets them again.
        const field = member.page.getByLabel('메시지', { exact: true });
        await field.fill('첫 번째');
        await field.press('Enter');
        await messageWith(member.page, '첫 번째').waitFor({ timeout: WAIT_MS });
        const wait = member.page.getByRole('timer');
        await wait.getByText(/^슬로 모드: [1-4]초 후에 다시 보낼 수 있습니다$/).waitFor({ timeout: WAIT_MS });
        await field.fill('두 번째');
        const send = member.page.getByRole('button', { name: '보내기', exact: true });
        expect(await send.isDisabled()).toBe(true);
        await field.press('Enter');
        // Held back: the text stays in the field, nothing is sent or refused.
        expect(await field.inputValue()).toBe('두 번째');
        await wait.waitFor({ state: 'detached', timeout: WAIT_MS });
        expect(await send.isDisabled()).toBe(false);
        await field.press('Enter');
        await messageWith(member.page, '두 번째').waitFor({ timeout: WAIT_MS });
        expect(await member.page.locator('li.pending.status-failed').count()).toBe(0);

        // The owner (staff) is not held by slow mode: no countdown after sending.
        await say(owner.page, 'staff talk');
        await messageWith(owner.page, 'staff talk').waitFor({ timeout: WAIT_MS });
        expect(await owner.page.getByRole('timer').count()).toBe(0);
        expect([...owner.errors, ...member.errors]).toEqual([]);
      } finally {
        await owner.context.close();
        await member.context.close();
      }
    });

    it('a muted member reads "muted until …" before trying; Unmute is offered only for the muted; the kicked leave Online now', async () => {
      const owner = await openPage(browser);
      const muted = await openPage(browser);
      const other = await openPage(browser, { locale: 'ko-KR', viewport: PHONE });
      try {
        await signIn(owner.page, server.url, 'olga');
        const roomId = await createRoomInUi(owner.page, 'Quiet please');
        await signIn(muted.page, server.url, 'max');
        await enterRoom(muted.page, server.url, roomId, 'Quiet please');
        await signInKorean(other.page, server.url, '지우');
        await enterRoomKorean(other.page, server.url, roomId, 'Quiet please');
        const max = await selfOf(muted.page);
        const jiwoo = await selfOf(other.page);
        const menuOf = (user: { nickname: string; tag: string }) =>
          owner.page.getByRole('button', { name: `Member actions for ${user.nickname}#${user.tag}` });
        await menuOf(max).waitFor({ timeout: WAIT_MS });
        await menuOf(jiwoo).waitFor({ timeout: WAIT_MS });

        // Nobody is muted: no Unmute in anyone's menu.
        await menuOf(max).click();
        await owner.page.getByRole('menuitem', { name: 'Mute', exact: true }).waitFor();
        expect(await owner.page.getByRole('menuitem', { name: 'Unmute' }).count()).toBe(0);
        await owner.page.getByRole('menuitem', { name: 'Mute', exact: true }).click();
        await owner.page.getByRole('button', { name: 'Mute', exact: true }).click();

        // The muted member is told, with the time in their locale, and Send is disabled.
        const notice = muted.page.getByRole('status').filter({ hasText: 'You are muted in this room until' });
        await notice.waitFor({ timeout: WAIT_MS });
        expect(await notice.textContent()).toMatch(/until .*\d{1,2}:\d{2}/);
        // Entering again (a reload), the server names the mute on entry: told before trying, again.
        await muted.page.reload();
        await muted.page.getByRole('status').getByText('Connected').waitFor({ timeout: WAIT_MS });
        await notice.waitFor({ timeout: WAIT_MS });
        const field = muted.page.getByLabel('Message', { exact: true });
        await field.fill('can I talk?');
        expect(await muted.page.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);

        // Unmute only for the muted one, also for staff who reload: the server lists the mutes in force
        // (the mute event is history by then, older than the messages a reload resumes after).
        await say(owner.page, 'said after the mute');
        await owner.page.reload();
        await owner.page.getByRole('status').getByText('Connected').waitFor({ timeout: WAIT_MS });
        await menuOf(max).waitFor({ timeout: WAIT_MS });
        await menuOf(jiwoo).click();
        await owner.page.getByRole('menuitem', { name: 'Kick', exact: true }).waitFor();
        expect(await owner.page.getByRole('menuitem', { name: 'Unmute' }).count()).toBe(0);
        await owner.page.keyboard.press('Escape');
        await menuOf(max).click();
        await owner.page.getByRole('menuitem', { name: 'Unmute', exact: true }).click();
        await notice.waitFor({ state: 'detached', timeout: WAIT_MS });
        expect(await muted.page.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(false);

        // Kicked: gone from "Online now" for the owner and for the Korean phone at once.
        await menuOf(max).click();
        await owner.page.getByRole('menuitem', { name: 'Kick', exact: true }).click();
        await owner.page.getByRole('button', { name: 'Kick', exact: true }).click();
        await menuOf(max).waitFor({ state: 'detached', timeout: WAIT_MS });
        await other.page.getByText(/^지금 접속 중/).click();
        const list = other.page.getByRole('complementary');
        await list.getByText('지우').waitFor({ timeout: WAIT_MS });
        await eventually(async () => expect(await list.getByText('max', { exact: true }).count()).toBe(0));
        expect([...owner.errors, ...muted.errors, ...other.errors]).toEqual([]);
      } finally {
        await owner.context.close();
        await muted.context.close();
        await other.context.close();
      }
    });

    it('Reports counts live, with Dismiss and Ban author; the audit log says it all in words', async () => {
      const owner = await openPage(browser);
      try {
        await signIn(owner.page, server.url, 'rita');
        const roomId = await createRoomInUi(owner.page, 'Reported');
        const spammer = await createSession(server, 'spammy');
        const reporter = await createSession(server, 'watcher');
        const bad = await presentOverStomp(server, spammer, roomId);
        const watch = await presentOverStomp(server, reporter, roomId);
        try {
          await bad.send(`/app/rooms.${roomId}`, { body: 'buy cheap stuff' });
          const message = messageWith(owner.page, 'buy cheap stuff');
          await message.waitFor({ timeout: WAIT_MS });
          const id = await message.getAttribute('data-id');
          await openPanel(owner.page, 'Reports');
          const panel = owner.page.getByRole('region', { name: 'Reports' });
          await panel.getByRole('status').getByText('No reports.').waitFor({ timeout: WAIT_MS });
          await watch.send(`/app/rooms.${roomId}.report`, { messageId: id, reason: 'spam' });
          // Live: the count and the row come without reopening the panel.
          await panel.getByRole('status').getByText('1 open report').waitFor({ timeout: WAIT_MS });
          await panel.getByText('spam', { exact: true }).waitFor({ timeout: WAIT_MS });
          await panel.getByRole('button', { name: /^Dismiss/ }).click();
          await panel.getByRole('status').getByText('No reports.').waitFor({ timeout: WAIT_MS });
          expect(await messageWith(owner.page, 'buy cheap stuff').count()).toBe(1);

          await watch.send(`/app/rooms.${roomId}.report`, { messageId: id, reason: 'again' });
          await panel.getByText('again', { exact: true }).waitFor({ timeout: WAIT_MS });
          await panel.getByRole('button', { name: 'Ban author', exact: true }).click();
          await panel.getByRole('button', { name: 'Ban', exact: true }).click();
          await owner.page
            .getByRole('log')
            .getByText(new RegExp(`rita#\\d{4} banned spammy#${spammer.user.tag}`))
            .waitFor({ timeout: WAIT_MS });
          // Banned: gone from "Online now".
          await owner.page
            .getByRole('button', { name: `Member actions for spammy#${spammer.user.tag}` })
            .waitFor({ state: 'detached', timeout: WAIT_MS });

          await openPanel(owner.page, 'Audit log');
          const audit = owner.page.getByRole('region', { name: 'Audit log' });
          await audit.getByText(new RegExp(`^rita#\\d{4} banned spammy#${spammer.user.tag} `)).waitFor({
            timeout: WAIT_MS,
          });
          const text = (await audit.textContent()) ?? '';
          expect(text).not.toMatch(/member\.banned|[{}]/);
        } finally {
          await bad.client.deactivate();
          await watch.client.deactivate();
        }
        expect(owner.errors).toEqual([]);
      } finally {
        await owner.context.close();
      }
    });

    it('on a phone the header stays small: staff buttons behind Manage, the topic on one line; Save in reach', async () => {
      const owner = await openPage(browser, { viewport: PHONE });
      try {
        await signIn(owner.page, server.url, 'pia');
        await createRoomInUi(owner.page, 'Pocket');
        await openPanel(owner.page, 'Room settings');
        await owner.page
          .getByLabel('Topic')
          .fill('A long topic that goes on and on about the walk, the weather and the way home');
        const save = owner.page.getByRole('button', { name: 'Save', exact: true });
        expect(await inViewport(owner.page, save)).toBe(true);
        expect(await inViewport(owner.page, owner.page.getByLabel('New room password'))).toBe(true);
        await save.click();
        await owner.page.getByRole('status').getByText('Settings saved.').waitFor({ timeout: WAIT_MS });
        await owner.page.getByRole('button', { name: 'Close', exact: true }).click();
        await owner.page.getByRole('button', { name: 'Manage' }).click();
        // Closed: the header (title, one-line topic, the Manage toggle) takes well under a fifth of the screen.
        const header = owner.page.locator('.room-header');
        const headerBox = await header.boundingBox();
        expect(headerBox?.height ?? 1000).toBeLessThan(844 / 5);
        expect(await owner.page.getByRole('button', { name: 'Room settings' }).isVisible()).toBe(false);
        const topic = owner.page.getByText(/^A long topic/);
        const oneLine = (await topic.boundingBox())?.height ?? 0;
        await owner.page.getByRole('button', { name: 'Show the whole topic' }).click();
        expect((await topic.boundingBox())?.height ?? 0).toBeGreaterThan(oneLine * 1.5);
        // The member list is folded by default on a phone.
        expect(await owner.page.locator('.members details').getAttribute('open')).toBeNull();
        expect(owner.errors).toEqual([]);
      } finally {
        await owner.context.close();
      }
    });
  },
);
