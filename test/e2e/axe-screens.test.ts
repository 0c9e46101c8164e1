// Issue 15 (and 16's notice banner, Pins list and notice editor): zero axe violations on every screen, in English on a desktop and in Korean on a phone. The
// nickname screen, the room list and a room with replies, mentions and the emoji picker are checked in
// talk.test.ts; this suite covers the rest: a room with staff notices (the phone's Manage menu open),
// each staff panel (settings, reports with a report, the ban form behind "Ban author", bans, audit
// log), the member menu, a muted member's room and slow mode's countdown, the identity panel
// (/identity), the operator page (/admin, signed out and signed in) and a room's search (issue 16). Driven by ids and CSS where the
// accessible names differ by language.
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { connectStompClient, receiptOf } from '../support/stompjs-client.js';
import { axeViolations } from './axe.js';
import {
  browserUnavailable,
  createSession,
  openPage,
  PHONE,
  type TestServer,
  withServerAndBrowser,
} from './harness.js';
import { messageWith, WAIT_MS } from './pages.js';

const skip = browserUnavailable();
const SECRET = 'e2e-operator-secret-axe-0123456789abcdef';

async function signInAnyLanguage(page: Page, url: string, nickname: string): Promise<void> {
  await page.goto(url);
  const field = page.locator('#nickname');
  await field.fill(nickname);
  await field.press('Enter');
  await page.locator('#room-name').waitFor();
}

async function tokenOf(page: Page): Promise<{ token: string; user: { id: string } }> {
  const raw = (await page.evaluate("localStorage.getItem('parley.session')")) as string | null;
  if (raw === null) throw new Error('no session stored');
  return JSON.parse(raw) as { token: string; user: { id: string } };
}

/** A STOMP connection in the room as `token`, sending commands and waiting for their RECEIPTs. */
async function inRoom(server: TestServer, token: string, roomId: string) {
  const client = await connectStompClient({ url: `${server.url.replace(/^http/, 'ws')}/ws`, token });
  const joined = receiptOf(client, 'join', WAIT_MS);
  client.subscribe(`/topic/rooms.${roomId}`, () => undefined, { receipt: 'join' });
  await joined;
  let n = 0;
  return {
    client,
    async send(suffix: string, body: Record<string, unknown>): Promise<void> {
      const receipt = `r-${++n}`;
      const done = receiptOf(client, receipt, WAIT_MS);
      client.publish({
        destination: `/app/rooms.${roomId}${suffix}`,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', receipt },
      });
      await done;
    },
  };
}

async function noViolations(page: Page, screen: string): Promise<void> {
  expect({ screen, violations: await axeViolations(page) }).toEqual({ screen, violations: [] });
}

describe.skipIf(skip !== undefined)(
  'axe over every staff, identity and operator screen',
  { timeout: 180_000 },
  () => {
    let server: TestServer;
    let browser: Browser;

    withServerAndBrowser({ OPERATOR_TOKENS: SECRET }, (started) => {
      ({ server, browser } = started);
    });

    for (const [label, options] of [
      ['English, desktop', { locale: 'en-US' }],
      ['Korean, phone', { locale: 'ko-KR', viewport: PHONE }],
    ] as const) {
      it(`has no violations on the staff panels, the ban form, a muted member's room, /identity and /admin (${label})`, async () => {
        const owner = await openPage(browser, options);
        const member = await openPage(browser, options);
        const others: { client: { deactivate: () => Promise<void> } }[] = [];
        try {
          await signInAnyLanguage(owner.page, server.url, 'owen');
          const field = owner.page.locator('#room-name');
          await field.fill(`Axe staff ${label}`);
          await field.press('Enter');
          await owner.page.locator('#composer-field').waitFor();
          const roomId = decodeURIComponent(new URL(owner.page.url()).pathname.split('/').pop() ?? '');
          const { token: ownerToken } = await tokenOf(owner.page);

          // People and events: a member who is muted and slowed down, a reported message, a ban.
          await signInAnyLanguage(member.page, server.url, 'mia');
          await member.page.goto(`${server.url}/rooms/${roomId}`);
          await member.page.locator('#composer-field').waitFor();
          const { user: mia } = await tokenOf(member.page);
          const spammer = await createSession(server, 'spam');
          const watcher = await createSession(server, 'watch');
          const asOwner = await inRoom(server, ownerToken, roomId);
          const asSpammer = await inRoom(server, spammer.token, roomId);
          const asWatcher = await inRoom(server, watcher.token, roomId);
          others.push(asOwner, asSpammer, asWatcher);
          await asSpammer.send('', { body: 'buy now' });
          await messageWith(owner.page, 'buy now').waitFor({ timeout: WAIT_MS });
          const id = await messageWith(owner.page, 'buy now').getAttribute('data-id');
          await asWatcher.send('.report', { messageId: id, reason: 'spam' });
          await asOwner.send('.moderate', { action: 'settings', slowModeSeconds: 30, topic: 'Be kind' });
          await asOwner.send('.moderate', {
            action: 'ban',
            userId: watcher.user.id,
            seconds: 3600,
            reason: 'test',
          });

          // The member: slow mode's countdown after a message, then the mute notice.
          await member.page.locator('#composer-field').fill('hello');
          await member.page.locator('#composer-field').press('Enter');
          await member.page.locator('.slow-wait').waitFor({ timeout: WAIT_MS });
          await noViolations(member.page, 'slow mode countdown');
          await asOwner.send('.moderate', { action: 'mute', userId: mia.id, seconds: 600, reason: null });
          await member.page.locator('.muted-notice').waitFor({ timeout: WAIT_MS });
          await noViolations(member.page, 'muted member');

          // A pin and the room's notice: the banner opened and the Pins list open (the settings panel
          // below holds the notice's editor).
          await asOwner.send('.moderate', { action: 'pin', messageId: id });
          await asOwner.send('.moderate', { action: 'notice', body: 'Be kind. No spam, no ads.' });
          await member.page.locator('.notice-banner').waitFor({ timeout: WAIT_MS });
          await member.page.locator('.notice-toggle').click();
          await member.page.locator('.pins-toggle').click();
          await member.page.locator('.pins-panel li').first().waitFor({ timeout: WAIT_MS });
          await noViolations(member.page, 'notice banner and pins');

          // The owner's room with its notices; on a phone, with the Manage menu open.
          await owner.page.locator('li.notice.event').first().waitFor({ timeout: WAIT_MS });
          await noViolations(owner.page, 'room with notices');
          const manage = owner.page.locator('.manage-toggle');
          if (await manage.isVisible()) {
            await manage.click();
            await noViolations(owner.page, 'manage menu');
          }
          const tools = owner.page.locator('#room-tools > button');
          const panel = owner.page.locator('#room-panel');
          for (const [index, screen] of ['settings', 'reports', 'bans', 'audit log'].entries()) {
            await tools.nth(index).click();
            await panel.waitFor();
            await panel.locator('li, form').first().waitFor({ timeout: WAIT_MS });
            await noViolations(owner.page, `${screen} panel`);
            if (screen === 'reports') {
              await panel.locator('.report-actions button').last().click();
              await panel.locator('form.sanction').waitFor();
              await noViolations(owner.page, 'ban form');
            }
          }
          await owner.page.locator('.room-panel .panel-head button').click();

          // The member menu of someone online.
          const menus = owner.page.locator('.members .menu-wrap > button');
          if (!(await menus.first().isVisible())) await owner.page.locator('.members summary').click();
          await menus.first().click();
          await owner.page.getByRole('menu').waitFor();
          await noViolations(owner.page, 'member menu');
          await owner.page.keyboard.press('Escape');

          await owner.page.goto(`${server.url}/identity`);
          await owner.page.locator('#new-nickname').waitFor({ timeout: WAIT_MS });
          await noViolations(owner.page, 'identity panel');

          await owner.page.goto(`${server.url}/admin`);
          const secret = owner.page.locator('#operator-secret');
          await secret.waitFor();
          await noViolations(owner.page, 'operator sign-in');
          await secret.fill(SECRET);
          await secret.press('Enter');
          await owner.page.locator('#admin-rooms').waitFor({ timeout: WAIT_MS });
          await owner.page.locator('.admin-rooms > li').first().waitFor({ timeout: WAIT_MS });
          await noViolations(owner.page, 'operator page');
          expect([...owner.errors, ...member.errors]).toEqual([]);
        } finally {
          await Promise.all(others.map((other) => other.client.deactivate()));
          await owner.context.close();
          await member.context.close();
        }
      });
    }

    for (const [label, options] of [
      ['English, desktop', { locale: 'en-US' }],
      ['Korean, phone', { locale: 'ko-KR', viewport: PHONE }],
    ] as const) {
      it(`has no violations on a room's search with results shown (${label})`, async () => {
        const searcher = await openPage(browser, options);
        try {
          await signInAnyLanguage(searcher.page, server.url, 'sid');
          const field = searcher.page.locator('#room-name');
          await field.fill(`Axe search ${label}`);
          await field.press('Enter');
          await searcher.page.locator('#composer-field').waitFor();
          const roomId = decodeURIComponent(new URL(searcher.page.url()).pathname.split('/').pop() ?? '');
          const { token } = await tokenOf(searcher.page);
          const asSearcher = await inRoom(server, token, roomId);
          try {
            for (const body of ['picnic at noon 소풍', 'no picnic today', '소풍 가요']) {
              await asSearcher.send('', { body });
            }
          } finally {
            await asSearcher.client.deactivate();
          }
          await searcher.page.locator('.room-search > button[aria-controls="room-search-panel"]').click();
          await noViolations(searcher.page, 'search, nothing searched yet');
          await searcher.page.locator('#room-search-query').fill('소풍');
          await searcher.page.locator('#room-search-query').press('Enter');
          await searcher.page.locator('.search-results mark').first().waitFor({ timeout: WAIT_MS });
          expect(await searcher.page.locator('.search-results > li').count()).toBe(2);
          await noViolations(searcher.page, 'search results');
          await searcher.page.locator('#room-search-query').fill('nothing like it');
          await searcher.page.locator('#room-search-query').press('Enter');
          await searcher.page.locator('.search-results').waitFor({ state: 'detached', timeout: WAIT_MS });
          await noViolations(searcher.page, 'search without results');
        } finally {
          await searcher.context.close();
        }
      });
    }
  },
);
