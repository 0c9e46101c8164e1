// Issue 16, message search in Chromium: Bob has talked (a long history, English and Korean, one message
// that looks like HTML); Alice opens Search in the room's header, finds a message far older than the log
// shows with the query marked, clicks it and lands on it (history loaded as the reply jump does); the
// HTML-looking body is marked as text, never markup. In Korean on a phone, a Hangul query works the same.
// Fields are found by id where the accessible names differ by language.
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations } from './axe.js';
import {
  browserUnavailable,
  createRoom,
  createSession,
  openPage,
  PHONE,
  sendMessages,
  type TestServer,
  withServerAndBrowser,
} from './harness.js';
import { WAIT_MS } from './pages.js';

const skip = browserUnavailable();

async function signInAnyLanguage(page: Page, url: string, nickname: string): Promise<void> {
  await page.goto(url);
  const field = page.locator('#nickname');
  await field.fill(nickname);
  await field.press('Enter');
  await page.locator('#room-name').waitFor();
}

/** Opens the room, then Search, and submits `query`; resolves once results (or none) are shown. */
async function searchFor(page: Page, url: string, roomId: string, query: string): Promise<void> {
  if (!page.url().endsWith(`/rooms/${roomId}`)) {
    await page.goto(`${url}/rooms/${roomId}`);
    await page.locator('#composer-field').waitFor({ timeout: WAIT_MS });
  }
  if ((await page.locator('#room-search-query').count()) === 0) {
    await page.locator('.room-search > button[aria-controls="room-search-panel"]').click();
  }
  const field = page.locator('#room-search-query');
  await field.fill(query);
  await field.press('Enter');
}

/** The texts of the <mark>s of each result, in order. */
function markedTexts(page: Page): Promise<string[][]> {
  return page
    .locator('.search-results > li')
    .evaluateAll((items) =>
      items.map((item) => Array.from(item.querySelectorAll('mark'), (mark) => mark.textContent ?? '')),
    );
}

/** Whether the log shows the message of `seq` in view, focused and flashed, as a jump leaves it. */
function landedOn(page: Page, seq: number): Promise<boolean> {
  return page.locator(`li.msg[data-seq="${seq}"]`).evaluate((item) => {
    const log = item.closest('[role="log"]');
    if (log === null) return false;
    const box = item.getBoundingClientRect();
    const view = log.getBoundingClientRect();
    return (
      document.activeElement === item &&
      item.classList.contains('flash') &&
      box.bottom > view.top &&
      box.top < view.bottom
    );
  });
}

describe.skipIf(skip !== undefined)('message search in Chromium', { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let roomId: string;

  withServerAndBrowser({}, (started) => {
    ({ server, browser } = started);
  });

  /** Bob's room: the needle 3rd of 320 messages (far above the first page), Korean and HTML-looking bodies. */
  async function bobsRoom(name: string): Promise<string> {
    const bob = await createSession(server, 'bob');
    const room = await createRoom(server, bob.token, name);
    const bodies = Array.from({ length: 320 }, (_, i) => `filler line ${i + 1}`);
    bodies[2] = 'The Zeppelin lands at dawn';
    bodies[5] = '내일 회의실에서 만나요';
    bodies[300] = '<img src=x onerror=alert(1)> is not a picture';
    await sendMessages(server, bob.token, room.id, bodies);
    return room.id;
  }

  it('finds an old message with the query marked, and a click lands on it in the log (English, desktop)', async () => {
    roomId = await bobsRoom('Airships');
    const alice = await openPage(browser);
    try {
      await signInAnyLanguage(alice.page, server.url, 'alice');
      await searchFor(alice.page, server.url, roomId, 'zeppelin');
      const result = alice.page.locator('.search-results .search-result');
      await result.first().waitFor({ timeout: WAIT_MS });
      expect(await result.count()).toBe(1);
      expect(await markedTexts(alice.page)).toEqual([['Zeppelin']]);
      expect(await result.first().textContent()).toContain('The Zeppelin lands at dawn');
      // A button named by what it shows: author, time and the message.
      expect(
        await alice.page.getByRole('button', { name: /bob#\d{4} .*The Zeppelin lands at dawn/ }).count(),
      ).toBe(1);
      // Not in the log yet: the first page holds the latest messages only.
      expect(await alice.page.locator('li.msg[data-seq="3"]').count()).toBe(0);
      await result.first().click();
      await alice.page.locator('li.msg[data-seq="3"]').waitFor({ timeout: WAIT_MS });
      await expect.poll(() => landedOn(alice.page, 3), { timeout: WAIT_MS }).toBe(true);

      // A body that looks like HTML is marked as text: no element is made of it.
      await searchFor(alice.page, server.url, roomId, '<img');
      await expect.poll(() => markedTexts(alice.page), { timeout: WAIT_MS }).toEqual([['<img']]);
      expect(await alice.page.locator('.search-results img').count()).toBe(0);
      // Wildcards are characters: '%' matches nothing here, and says so.
      await searchFor(alice.page, server.url, roomId, '%');
      await alice.page.getByText('No messages match.').waitFor({ timeout: WAIT_MS });
      expect(await alice.page.locator('.search-results').count()).toBe(0);
      expect(alice.errors).toEqual([]);
    } finally {
      await alice.context.close();
    }
  });

  it('finds Hangul, marks it, and jumps to it (Korean, phone), with no axe violations', async () => {
    const minji = await openPage(browser, { locale: 'ko-KR', viewport: PHONE });
    try {
      await signInAnyLanguage(minji.page, server.url, 'minji');
      await searchFor(minji.page, server.url, roomId, '회의실');
      const result = minji.page.locator('.search-results .search-result');
      await result.first().waitFor({ timeout: WAIT_MS });
      expect(await markedTexts(minji.page)).toEqual([['회의실']]);
      expect(await minji.page.getByRole('button', { name: '검색', exact: true }).count()).toBeGreaterThan(0);
      expect(await minji.page.locator('label[for="room-search-query"]').textContent()).toBe('이 방에서 찾기');
      expect({ screen: 'search results', violations: await axeViolations(minji.page) }).toEqual({
        screen: 'search results',
        violations: [],
      });
      await result.first().click();
      await minji.page.locator('li.msg[data-seq="6"]').waitFor({ timeout: WAIT_MS });
      await expect.poll(() => landedOn(minji.page, 6), { timeout: WAIT_MS }).toBe(true);
      // Two syllables: under the trigram length, still found in the room (a bounded scan).
      await searchFor(minji.page, server.url, roomId, '내일');
      await expect.poll(() => markedTexts(minji.page), { timeout: WAIT_MS }).toEqual([['내일']]);
      expect(minji.errors).toEqual([]);
    } finally {
      await minji.context.close();
    }
  });
});
