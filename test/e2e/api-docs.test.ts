// The API docs page (/api/docs) in a real browser: its stylesheet loads under the page's CSP (no
// violation reported), axe finds nothing in either colour scheme, and a reader finds a route's answers
// and a room event's fields on it.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley } from '../support/parley.js';
import { axeViolations } from './axe.js';
import { browserUnavailable, launchBrowser, openPage } from './harness.js';

describe.skipIf(browserUnavailable() !== undefined)('the API docs page', () => {
  let parley: TestParley;
  let browser: Browser;

  beforeAll(async () => {
    parley = await startTestParley();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await parley?.dispose();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`renders under the CSP with no axe violation (${colorScheme})`, async () => {
      const { context, page, errors, console } = await openPage(browser, { colorScheme });
      try {
        const response = await page.goto(`${parley.url}/api/docs`);
        expect(response?.status()).toBe(200);
        // The stylesheet applied: the method badges are styled by /api/docs.css, not by the browser.
        expect(await page.evaluate("getComputedStyle(document.querySelector('.method')).fontWeight")).toBe(
          '700',
        );
        expect(await axeViolations(page)).toEqual([]);
        expect(errors).toEqual([]);
        expect(console.filter((line) => /Content Security Policy/i.test(line))).toEqual([]);
        const join = page.locator('#op-post-api-rooms-id-join');
        await expect.poll(() => join.textContent()).toContain('wrong_password');
        const banned = page.locator('#dest-SUBSCRIBE-topic-rooms-id');
        expect(await banned.textContent()).toContain('roomEvent.member.banned');
      } finally {
        await context.close();
      }
    });
  }
});
