// Rooms keep their owner, in Chromium: the owner makes a second browser's user the owner (with a
// confirmation), who then changes the room's settings while the previous owner stays on as a moderator;
// and a moderator is offered "Claim ownership" once the owner has been away OWNER_ABSENCE_DAYS (the
// server's ManualClock moves a day on) and takes the room over. Driven by accessible names.
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { browserUnavailable, openPage, signIn, type TestServer, withServerAndBrowser } from './harness.js';
import { createRoomInUi, enterRoom, WAIT_MS } from './pages.js';

const skip = browserUnavailable();
const DAY_MS = 86_400_000;

/** The tag the top bar shows for this page's identity, e.g. "0412". */
async function ownTag(page: Page): Promise<string> {
  return ((await page.locator('.topbar .whoami .tag').textContent()) ?? '').replace('#', '');
}

/** Opens the member list's menu for `who` (nickname#tag) and picks `action`. */
async function memberAction(page: Page, who: string, action: string): Promise<void> {
  await page.getByRole('button', { name: `Member actions for ${who}` }).click();
  await page.getByRole('menuitem', { name: action, exact: true }).click();
}

describe.skipIf(skip !== undefined)('rooms keep their owner in Chromium', { timeout: 150_000 }, () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let browser: Browser;

  withServerAndBrowser(
    { OWNER_ABSENCE_DAYS: '1' },
    (started) => {
      ({ server, browser } = started);
    },
    { clock },
  );

  it('hands the room to a second browser’s user, who then changes its settings', async () => {
    const owner = await openPage(browser);
    const heir = await openPage(browser);
    try {
      await signIn(owner.page, server.url, 'olga');
      const roomId = await createRoomInUi(owner.page, 'Handover');
      const olga = `olga#${await ownTag(owner.page)}`;
      await signIn(heir.page, server.url, 'hana');
      const hana = `hana#${await ownTag(heir.page)}`;
      await enterRoom(heir.page, server.url, roomId, 'Handover');
      // The heir has no staff tools yet.
      expect(await heir.page.getByRole('button', { name: 'Room settings' }).count()).toBe(0);

      // "Make owner" asks first; cancelling changes nothing.
      await owner.page
        .getByRole('button', { name: `Member actions for ${hana}` })
        .waitFor({ timeout: WAIT_MS });
      await memberAction(owner.page, hana, 'Make owner');
      await owner.page.getByText(`Make ${hana} the owner of this room?`).waitFor();
      await owner.page.getByRole('button', { name: 'Cancel', exact: true }).click();
      await memberAction(owner.page, hana, 'Make owner');
      await owner.page.getByRole('button', { name: 'Make owner', exact: true }).click();

      // Both see who owns the room now; the heir gets the owner's tools, the previous owner keeps a
      // moderator's (settings) but not the owner's (the audit log).
      const notice = `${olga} made ${hana} the owner of the room, and is now a moderator`;
      await heir.page.getByText(notice).waitFor({ timeout: WAIT_MS });
      await owner.page.getByText(notice).waitFor({ timeout: WAIT_MS });
      await heir.page.getByRole('button', { name: 'Audit log' }).waitFor({ timeout: WAIT_MS });
      await owner.page
        .getByRole('button', { name: 'Audit log' })
        .waitFor({ state: 'detached', timeout: WAIT_MS });
      expect(await owner.page.getByRole('button', { name: 'Room settings' }).count()).toBe(1);

      // The new owner changes the room's settings; the previous owner sees it.
      await heir.page.getByRole('button', { name: 'Room settings' }).click();
      await heir.page.getByLabel('Topic').fill('run by hana now');
      await heir.page.getByRole('button', { name: 'Save', exact: true }).click();
      await heir.page.getByText('Settings saved.').waitFor({ timeout: WAIT_MS });
      await owner.page.locator('.topic').getByText('run by hana now').waitFor({ timeout: WAIT_MS });
      expect([...owner.errors, ...heir.errors]).toEqual([]);
    } finally {
      await owner.context.close();
      await heir.context.close();
    }
  });

  it('offers a moderator "Claim ownership" once the owner has been away long enough', async () => {
    const owner = await openPage(browser);
    const moderator = await openPage(browser);
    try {
      await signIn(owner.page, server.url, 'omar');
      const roomId = await createRoomInUi(owner.page, 'Away');
      const omar = `omar#${await ownTag(owner.page)}`;
      await signIn(moderator.page, server.url, 'mina');
      const mina = `mina#${await ownTag(moderator.page)}`;
      await enterRoom(moderator.page, server.url, roomId, 'Away');
      await owner.page
        .getByRole('button', { name: `Member actions for ${mina}` })
        .waitFor({ timeout: WAIT_MS });
      await memberAction(owner.page, mina, 'Make moderator');
      await moderator.page.getByRole('button', { name: 'Room settings' }).waitFor({ timeout: WAIT_MS });

      // The owner leaves (seen now) and stays away a day and a minute (OWNER_ABSENCE_DAYS=1).
      await owner.context.close();
      await moderator.page.getByText(`${omar} left`).waitFor({ timeout: WAIT_MS });
      expect(await moderator.page.getByRole('button', { name: 'Claim ownership' }).count()).toBe(0);
      clock.advance(DAY_MS + 60_000);

      await enterRoom(moderator.page, server.url, roomId, 'Away');
      await moderator.page
        .getByText('The owner has been away for a long time.')
        .waitFor({ timeout: WAIT_MS });
      await moderator.page.getByRole('button', { name: 'Claim ownership' }).click();
      await moderator.page
        .getByText(`${mina} claimed the room: ${omar} was away too long, and is now a moderator`)
        .waitFor({ timeout: WAIT_MS });
      await moderator.page.getByRole('button', { name: 'Audit log' }).waitFor({ timeout: WAIT_MS });
      await moderator.page
        .getByRole('button', { name: 'Claim ownership' })
        .waitFor({ state: 'detached', timeout: WAIT_MS });
      expect(moderator.errors).toEqual([]);
    } finally {
      await owner.context.close();
      await moderator.context.close();
    }
  });
});
