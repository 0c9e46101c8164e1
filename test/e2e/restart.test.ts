// Issue 15: after a server restart, people in a room see no second "X joined" for someone they never saw
// leave. A restart drops every connection at once, so no "left" can reach anyone; the clients reconnect
// and rejoin, and each join would read as news. The client keeps who was online when its connection
// dropped and lets them come back quietly; someone still away after the grace is said to have left.
// Someone who never comes back is said to have left once the grace ends. Two browser contexts and a
// real restart of the server (same port, same data).
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserUnavailable, openPage, signIn, type TestServer, withServerAndBrowser } from './harness.js';
import { createRoomInUi, enterRoom, say, WAIT_MS } from './pages.js';

const skip = browserUnavailable();

function notices(page: Page, pattern: RegExp) {
  return page.getByRole('log').locator('li.notice').filter({ hasText: pattern });
}

describe.skipIf(skip !== undefined)(
  'presence across a server restart, in Chromium',
  { timeout: 120_000 },
  () => {
    let server: TestServer;
    let browser: Browser;

    withServerAndBrowser({}, (started) => {
      ({ server, browser } = started);
    });

    it('shows no second "joined" (and no "left") for people who were there all along', async () => {
      const ann = await openPage(browser);
      const ben = await openPage(browser);
      try {
        await signIn(ann.page, server.url, 'ann');
        const roomId = await createRoomInUi(ann.page, 'Steady');
        await signIn(ben.page, server.url, 'ben');
        await enterRoom(ben.page, server.url, roomId, 'Steady');
        await notices(ann.page, /^ben#\d{4} joined/).waitFor({ timeout: WAIT_MS });

        await server.restart();
        for (const { page } of [ann, ben]) {
          await page.getByRole('status').getByText('Connected').waitFor({ timeout: WAIT_MS });
        }
        // Both back in the room (each sees the other online again), and talking works.
        await say(ben.page, 'still here');
        await ann.page.getByRole('log').getByText('still here').waitFor({ timeout: WAIT_MS });
        await ann.page
          .getByRole('button', { name: /^Member actions for ben#/ })
          .waitFor({ timeout: WAIT_MS });
        await ben.page.locator('aside.members li').filter({ hasText: /^ann/ }).waitFor({ timeout: WAIT_MS });
        // Presence settles (a late rejoin would show now), then: one "joined", no "left", for either.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(await notices(ann.page, /^ben#\d{4} joined/).count()).toBe(1);
        expect(await notices(ann.page, /^ben#\d{4} left/).count()).toBe(0);
        expect(await notices(ben.page, /^ann#\d{4} (joined|left)/).count()).toBe(0);
        expect([...ann.errors, ...ben.errors]).toEqual([]);
      } finally {
        await ann.context.close();
        await ben.context.close();
      }
    });

    it('says "left" for someone still away when the grace after a restart ends, and drops them from Online now', async () => {
      const ann = await openPage(browser);
      const ben = await openPage(browser);
      try {
        await signIn(ann.page, server.url, 'ann');
        const roomId = await createRoomInUi(ann.page, 'Gone for good');
        await signIn(ben.page, server.url, 'ben');
        await enterRoom(ben.page, server.url, roomId, 'Gone for good');
        const benOnline = ann.page.getByRole('button', { name: /^Member actions for ben#/ });
        await benOnline.waitFor({ timeout: WAIT_MS });

        // Ben closes his tab while the server is down: no "left" can reach anyone, and he never returns.
        await server.stop();
        await ben.context.close();
        await server.restart();
        await ann.page.getByRole('status').getByText('Connected').waitFor({ timeout: WAIT_MS });
        // Within the grace he is only expected back: no notice yet.
        expect(await notices(ann.page, /^ben#\d{4} left/).count()).toBe(0);
        // The grace (30 s) ends: he left, said once, and is out of the list.
        await notices(ann.page, /^ben#\d{4} left/).waitFor({ timeout: 45_000 });
        await benOnline.waitFor({ state: 'detached', timeout: WAIT_MS });
        expect(await notices(ann.page, /^ben#\d{4} left/).count()).toBe(1);
        expect(ann.errors).toEqual([]);
      } finally {
        await ann.context.close();
        await ben.context.close();
      }
    });
  },
);
