// Read counts (issue 16) in Chromium, two people: beside a message, how many members have not read it
// yet, counting down live as they read it (the open-chat "1"); English on a desktop, Korean on a phone.
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
import { createRoomInUi, enterRoomKorean, messageWith, say, signInKorean, WAIT_MS } from './pages.js';

const skip = browserUnavailable();

describe.skipIf(skip !== undefined)('read counts, in Chromium', { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  withServerAndBrowser({}, (started) => {
    ({ server, browser } = started);
  });

  it('shows who has yet to read a message and counts down as they read it', async () => {
    const ann = await openPage(browser);
    const ben = await openPage(browser, { locale: 'ko-KR', viewport: PHONE });
    try {
      await signIn(ann.page, server.url, 'ann');
      const roomId = await createRoomInUi(ann.page, 'Counted');
      await signInKorean(ben.page, server.url, 'ben');
      await enterRoomKorean(ben.page, server.url, roomId, 'Counted');
      await say(ann.page, 'first words');
      // Both read it: no count.
      await messageWith(ben.page, 'first words').waitFor({ timeout: WAIT_MS });
      const firstCount = messageWith(ann.page, 'first words').locator('.read-count');
      await firstCount.waitFor({ state: 'detached', timeout: WAIT_MS });

      // Ben is away (the room list): a new message waits for one reader.
      await ben.page.goto(`${server.url}/`);
      await ben.page.locator('main').waitFor();
      await say(ann.page, 'are you there?');
      const pending = messageWith(ann.page, 'are you there?').getByRole('img', {
        name: 'Not read by 1 member',
      });
      await pending.waitFor({ timeout: WAIT_MS });
      expect(await pending.textContent()).toBe('1');

      // Ben comes back and reads it: the count goes, live, for ann; ben's own view says it in Korean.
      await ben.page.goto(`${server.url}/rooms/${roomId}`);
      await messageWith(ben.page, 'are you there?').waitFor({ timeout: WAIT_MS });
      await pending.waitFor({ state: 'detached', timeout: WAIT_MS });
      await say(ann.page, 'welcome back');
      await messageWith(ben.page, 'welcome back').waitFor({ timeout: WAIT_MS });
      await messageWith(ann.page, 'welcome back')
        .locator('.read-count')
        .waitFor({ state: 'detached', timeout: WAIT_MS });
      // Ann leaves for the list; Ben's message waits for her, said in Korean on his phone.
      await ann.page.goto(`${server.url}/`);
      await ann.page.locator('main').waitFor();
      await ben.page.getByLabel('메시지', { exact: true }).fill('안녕하세요');
      await ben.page.getByLabel('메시지', { exact: true }).press('Enter');
      await messageWith(ben.page, '안녕하세요')
        .getByRole('img', { name: '1명 안 읽음' })
        .waitFor({ timeout: WAIT_MS });
      expect([...ann.errors, ...ben.errors]).toEqual([]);
    } finally {
      await ann.context.close();
      await ben.context.close();
    }
  });
});
