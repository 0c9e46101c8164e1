// Notices and pins in Chromium, two people: the owner pins a message from its actions menu and sets the
// room's notice in Room settings; the other person sees the pin (the header's Pins list, which leads to
// the message) and the notice banner live, and both again after a reload; the log says each change in
// words. The owner unpins from the list and removes the notice; both go for the other person too.
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  browserUnavailable,
  openPage,
  PHONE,
  signIn,
  type TestServer,
  withServerAndBrowser,
} from './harness.js';
import { createRoomInUi, enterRoom, messageWith, say, WAIT_MS } from './pages.js';

const skip = browserUnavailable();

describe.skipIf(skip !== undefined)('notices and pins in Chromium', { timeout: 150_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  withServerAndBrowser({}, (started) => {
    ({ server, browser } = started);
  });

  it('the owner pins and sets a notice; the other sees both live and after a reload, then both go', async () => {
    const owner = await openPage(browser);
    const member = await openPage(browser, { viewport: PHONE });
    try {
      await signIn(owner.page, server.url, 'olga');
      const roomId = await createRoomInUi(owner.page, 'Pinned talk');
      await signIn(member.page, server.url, 'max');
      await enterRoom(member.page, server.url, roomId, 'Pinned talk');
      await say(owner.page, 'Meet at the north gate at 9');
      await messageWith(owner.page, 'Meet at the north gate at 9').waitFor({ timeout: WAIT_MS });
      for (let i = 1; i <= 3; i++) await say(owner.page, `chatter ${i}`);
      await messageWith(member.page, 'chatter 3').waitFor({ timeout: WAIT_MS });

      // A member has no Pin in the actions menu; the owner does.
      await messageWith(member.page, 'Meet at the north gate')
        .getByRole('button', { name: 'Message actions' })
        .click();
      await member.page.getByRole('menuitem', { name: 'Reply' }).waitFor();
      expect(await member.page.getByRole('menuitem', { name: 'Pin', exact: true }).count()).toBe(0);
      await member.page.keyboard.press('Escape');
      await messageWith(owner.page, 'Meet at the north gate')
        .getByRole('button', { name: 'Message actions' })
        .click();
      await owner.page.getByRole('menuitem', { name: 'Pin', exact: true }).click();

      // Live for the other person: the log says it, the header offers the pin, which leads to the message.
      await member.page
        .getByRole('log')
        .getByText(/^olga#\d{4} pinned a message by olga#\d{4}$/)
        .waitFor({ timeout: WAIT_MS });
      const pins = member.page.getByRole('button', { name: '📌 1 pinned' });
      await pins.waitFor({ timeout: WAIT_MS });
      await pins.click();
      const list = member.page.getByRole('region', { name: 'Pinned messages' });
      await list.getByText('Meet at the north gate at 9').waitFor();
      // Staff only: no Unpin for a member.
      expect(await list.getByRole('button', { name: 'Unpin' }).count()).toBe(0);
      await list.getByText('Meet at the north gate at 9').click();
      await member.page.locator('li.msg.flash').filter({ hasText: 'Meet at the north gate at 9' }).waitFor();

      // The notice, set in Room settings.
      await owner.page.getByRole('button', { name: 'Room settings', exact: true }).click();
      await owner.page.getByLabel(/^Room notice/).fill('Bring water. Rain cancels the hike.');
      await owner.page.getByRole('button', { name: 'Set notice' }).click();
      await owner.page.getByText('Notice saved.').waitFor({ timeout: WAIT_MS });
      const banner = member.page.getByRole('region', { name: 'Notice' });
      await banner.getByText('Bring water. Rain cancels the hike.').waitFor({ timeout: WAIT_MS });
      await member.page
        .getByRole('log')
        .getByText(/^olga#\d{4} set the room notice$/)
        .waitFor({ timeout: WAIT_MS });
      // Folded on a phone, opened on request.
      const toggle = banner.getByRole('button', { name: 'Show the whole notice' });
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      const folded = await banner.boundingBox();
      expect(folded?.height ?? 1000).toBeLessThan(80);
      await toggle.click();
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');

      // After a reload, both come with the room.
      await member.page.reload();
      await member.page.getByRole('status').getByText('Connected').waitFor({ timeout: WAIT_MS });
      await member.page
        .getByRole('region', { name: 'Notice' })
        .getByText('Bring water. Rain cancels the hike.')
        .waitFor({ timeout: WAIT_MS });
      await member.page.getByRole('button', { name: '📌 1 pinned' }).waitFor({ timeout: WAIT_MS });

      // The owner unpins from the list and removes the notice: gone for the other person, live.
      await owner.page.getByRole('button', { name: '📌 1 pinned' }).click();
      await owner.page
        .getByRole('region', { name: 'Pinned messages' })
        .getByRole('button', { name: 'Unpin' })
        .click();
      await owner.page.getByRole('button', { name: 'Clear notice' }).click();
      await member.page
        .getByRole('log')
        .getByText(/^olga#\d{4} unpinned a message$/)
        .waitFor({ timeout: WAIT_MS });
      await member.page
        .getByRole('log')
        .getByText(/^olga#\d{4} removed the room notice$/)
        .waitFor({ timeout: WAIT_MS });
      expect(await member.page.getByRole('button', { name: /pinned$/ }).count()).toBe(0);
      expect(await member.page.getByRole('region', { name: 'Notice' }).count()).toBe(0);
      expect([...owner.errors, ...member.errors]).toEqual([]);
    } finally {
      await owner.context.close();
      await member.context.close();
    }
  });
});
