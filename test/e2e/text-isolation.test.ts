// Issue #12 in Chromium: a body holding a bidi override cannot make its link, its own trailing text or
// the next message read backwards, and a body of stacked combining marks cannot paint over the rows
// around it. The server now refuses both (unsafe_text), so the bodies are written straight into the
// store, as messages stored before that rule would be; the client must still show them safely.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningParley, startParley } from '../../src/app.js';
import type { MessageId, RoomId, User } from '../../src/chat/model.js';
import { loadConfig } from '../../src/config.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { browserUnavailable, ensureWebBuilt, launchBrowser, openPage, signIn } from './harness.js';
import { WAIT_MS } from './pages.js';

const skip = browserUnavailable();

const ZALGO = `Z${'\u0300\u0301\u0302\u0303\u0304\u0305\u0316\u0317\u0318\u0319\u031c\u031d'.repeat(8)}`;
const OVERRIDDEN = 'see https://example.com/\u202egpj.exe now';

async function post<T>(url: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url} → ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * In the page: the left edge of each character of `selector`'s text (all its text nodes, in logical
 * order), so a test can see whether they are drawn left to right.
 */
function charLefts(selector: string): string {
  return `(() => {
    const root = document.querySelector(${JSON.stringify(selector)});
    if (root === null) return null;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const lefts = [];
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      for (let i = 0; i < node.data.length; i++) {
        if (node.data[i] === ' ') continue;
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        lefts.push(range.getBoundingClientRect().left);
      }
    }
    return lefts;
  })()`;
}

const increasing = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? 0));

describe.skipIf(skip !== undefined)('bodies that would lie, in Chromium', { timeout: 120_000 }, () => {
  let dataDir: string;
  let app: RunningParley;
  let browser: Browser;
  let roomId: string;

  beforeAll(async () => {
    await ensureWebBuilt();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-e2e-bidi-'));
    app = await startParley(
      loadConfig({ PORT: '0', HOST: '127.0.0.1', STOMP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
    );
    const alice = await post<{ token: string; user: User }>(`${app.url}/api/sessions`, { nickname: 'alice' });
    const bob = await post<{ user: User }>(`${app.url}/api/sessions`, { nickname: 'bob' });
    roomId = (await post<{ id: string }>(`${app.url}/api/rooms`, { name: 'Lies' }, alice.token)).id;
    const store = new SqliteStore({ file: join(dataDir, 'parley.db') });
    try {
      const bodies: Array<[User, string]> = [
        [alice.user, 'the row above'],
        [alice.user, ZALGO],
        [bob.user, 'the row below'],
        [alice.user, OVERRIDDEN],
        [bob.user, 'after the override'],
      ];
      for (const [author, body] of bodies) {
        await store.appendMessage({
          id: randomUUID() as MessageId,
          roomId: roomId as RoomId,
          author,
          body,
          createdAt: new Date(),
        });
      }
    } finally {
      await store.close();
    }
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps a link, the rest of its body and the next message reading left to right past an RLO', async () => {
    const viewer = await openPage(browser);
    try {
      await signIn(viewer.page, app.url, 'viewer');
      await viewer.page.goto(`${app.url}/rooms/${roomId}`);
      const log = viewer.page.getByRole('log');
      await log.getByText('after the override').waitFor({ timeout: WAIT_MS });
      const overridden = log.locator('li[data-seq="4"]');
      const link = (await viewer.page.evaluate(charLefts('li[data-seq="4"] .body a'))) as number[];
      const body = (await viewer.page.evaluate(charLefts('li[data-seq="4"] .body'))) as number[];
      const nextAuthor = (await viewer.page.evaluate(charLefts('li[data-seq="5"] .author'))) as number[];
      const nextBody = (await viewer.page.evaluate(charLefts('li[data-seq="5"] .body'))) as number[];
      expect(link.length).toBeGreaterThan(10);
      expect(increasing(link), `link ${link.join(' ')}`).toBe(true);
      expect(increasing(body), `body ${body.join(' ')}`).toBe(true);
      expect(increasing(nextAuthor), `next author ${nextAuthor.join(' ')}`).toBe(true);
      expect(increasing(nextBody), `next body ${nextBody.join(' ')}`).toBe(true);
      // The override is shown as its code point, not obeyed; the link ends where it did.
      expect(await overridden.locator('.body').textContent()).toBe(
        'see https://example.com/[U+202E]gpj.exe now',
      );
      expect(await overridden.locator('.body a').getAttribute('href')).toBe('https://example.com/');
      expect(viewer.errors).toEqual([]);
    } finally {
      await viewer.context.close();
    }
  });

  it('clips a body of stacked marks to its own row: the rows around it look the same with it hidden', async () => {
    const viewer = await openPage(browser);
    try {
      await signIn(viewer.page, app.url, 'viewer2');
      await viewer.page.goto(`${app.url}/rooms/${roomId}`);
      const log = viewer.page.getByRole('log');
      await log.getByText('the row below').waitFor({ timeout: WAIT_MS });
      const above = log.locator('li[data-seq="1"]');
      const zalgo = log.locator('li[data-seq="2"]');
      const below = log.locator('li[data-seq="3"]');
      const [boxAbove, boxZalgo, boxBelow] = await Promise.all([
        above.boundingBox(),
        zalgo.locator('.body').boundingBox(),
        below.boundingBox(),
      ]);
      if (boxAbove === null || boxZalgo === null || boxBelow === null) throw new Error('rows not laid out');
      expect(boxZalgo.y).toBeGreaterThanOrEqual(boxAbove.y + boxAbove.height);
      expect(boxZalgo.y + boxZalgo.height).toBeLessThanOrEqual(boxBelow.y);

      // What a box is and what is painted differ: marks draw outside the box unless it clips. So the
      // neighbours' pixels are compared with the marks shown and hidden.
      // This machine's only font (DejaVu) draws a stack of marks on one spot instead of stacking them
      // as Noto does, so the row's glyphs are enlarged and its line squeezed to make their ink reach
      // past the row the way a stacking font's marks would.
      await viewer.page.evaluate(
        `Object.assign(document.querySelector('li[data-seq="2"] .body').style, { fontSize: '64px', lineHeight: '0.01' })`,
      );
      const shown = [await above.screenshot(), await below.screenshot()];
      await viewer.page.evaluate(
        `document.querySelector('li[data-seq="2"] .body').style.visibility = 'hidden'`,
      );
      const hidden = [await above.screenshot(), await below.screenshot()];
      expect(shown[0]?.equals(hidden[0] ?? Buffer.alloc(0)), 'the row above is painted over').toBe(true);
      expect(shown[1]?.equals(hidden[1] ?? Buffer.alloc(0)), 'the row below is painted over').toBe(true);
    } finally {
      await viewer.context.close();
    }
  });
});
