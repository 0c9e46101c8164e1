// Writes docs/screenshots/{nickname,rooms,room,features}-{desktop,phone}.png from a seeded Parley. Runs only
// with SCREENSHOTS=1 so `npm test` never rewrites the committed images.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import {
  browserUnavailable,
  createRoom,
  createSession,
  DESKTOP,
  ensureWebBuilt,
  launchBrowser,
  openPage,
  PHONE,
  sendMessages,
  startServer,
  type TestServer,
} from './harness.js';

const enabled = process.env.SCREENSHOTS === '1';
if (!enabled) console.warn('skipping screenshots: set SCREENSHOTS=1 to regenerate docs/screenshots');
const skip = !enabled || browserUnavailable() !== undefined;
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');

describe.skipIf(skip)('screenshots', { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let roomId = '';

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startServer();
    browser = await launchBrowser();
    const mina = await createSession(server, '민아');
    const sam = await createSession(server, 'sam');
    for (const name of ['Design crit', 'Weekend hikes', '한국어 수다방'])
      await createRoom(server, sam.token, name);
    const room = await createRoom(server, mina.token, 'Release planning');
    roomId = room.id;
    await sendMessages(server, sam.token, roomId, [
      'Morning! Is the 0.2 branch cut yet?',
      'Changelog draft: https://example.com/parley/changelog',
    ]);
    await sendMessages(server, mina.token, roomId, ['네, 어젯밤에 잘랐어요 🎉', 'Smoke tests are green.']);
    await sendMessages(server, sam.token, roomId, [
      'Great, I will tag it after lunch.\nThen announce in #general.',
    ]);
    mkdirSync(OUT, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  for (const [label, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`captures the four screens on ${label}`, async () => {
      const { context, page } = await openPage(browser, { viewport });
      try {
        await page.goto(server.url);
        await page.getByLabel('Nickname').waitFor();
        await page.getByLabel('Nickname').fill('alex');
        await page.screenshot({ path: join(OUT, `nickname-${label}.png`) });

        await page.getByLabel('Nickname').press('Enter');
        await page.getByRole('link', { name: 'Release planning', exact: true }).waitFor();
        await page.screenshot({ path: join(OUT, `rooms-${label}.png`) });

        await page.getByRole('link', { name: 'Release planning', exact: true }).click();
        await page.getByRole('log').getByText('Smoke tests are green.').waitFor();
        await page.getByRole('status').getByText('Connected').waitFor();
        const composer = page.getByLabel('Message', { exact: true });
        await composer.fill('Sounds good — see you there 👍');
        await composer.press('Enter');
        await page.getByRole('log').locator('li.own[data-seq]').waitFor();
        await composer.fill('One more thing');
        await page.screenshot({ path: join(OUT, `room-${label}.png`) });
        expect(new URL(page.url()).pathname).toBe(`/rooms/${roomId}`);

        // Message features: a reply quoting sam, a reaction, and the actions menu of one's own message.
        await composer.fill('');
        const log = page.getByRole('log');
        const tagging = log.locator('li[data-seq]').filter({ hasText: 'Great, I will tag it' }).first();
        await tagging.getByRole('button', { name: 'Message actions' }).click();
        await page.getByRole('menuitem', { name: 'Reply', exact: true }).click();
        await composer.fill('I will write the release notes.');
        await composer.press('Enter');
        const notes = log.locator('li.own[data-seq]').filter({ hasText: 'I will write the release notes.' });
        await notes.locator('blockquote.quote').waitFor();
        await tagging.getByRole('button', { name: 'Message actions' }).click();
        await page.getByRole('menuitem', { name: 'React', exact: true }).click();
        await page.getByRole('button', { name: 'React with 👍' }).click();
        await tagging.getByRole('button', { name: /^👍 \d/ }).waitFor();
        await notes.getByRole('button', { name: 'Message actions' }).click();
        await page.getByRole('menuitem', { name: 'Edit', exact: true }).waitFor();
        await page.screenshot({ path: join(OUT, `features-${label}.png`) });
      } finally {
        await context.close();
      }
    });

    it(`captures a shared link, Share and My rooms on ${label}`, async () => {
      const { context, page } = await openPage(browser, { viewport });
      try {
        await page.goto(`${server.url}/rooms/${roomId}`);
        await page.locator('.join-card').waitFor();
        await page.getByLabel('Nickname').fill('jo');
        await page.screenshot({ path: join(OUT, `join-${label}.png`) });
        await page.getByLabel('Nickname').press('Enter');
        await page.getByRole('log').getByText('Smoke tests are green.').waitFor();
        await page.getByRole('status').getByText('Connected').waitFor();
        await page.getByRole('button', { name: 'Share', exact: true }).click();
        await page.getByRole('img', { name: 'QR code of the room link' }).waitFor();
        await page.screenshot({ path: join(OUT, `share-${label}.png`) });
        // Read (the marker is stored), then away: new words from sam raise the room's count under My rooms.
        const token = String(await page.evaluate("JSON.parse(localStorage.getItem('parley.session')).token"));
        await eventually(async () => {
          const response = await fetch(`${server.url}/api/me/unread`, {
            headers: { authorization: `Bearer ${token}` },
          });
          const { rooms } = (await response.json()) as { rooms: { roomId: string }[] };
          expect(rooms.map((r) => r.roomId)).toContain(roomId);
        });
        await page
          .getByRole('link', { name: /All rooms/ })
          .first()
          .click();
        const sam = await createSession(server, 'sam');
        await sendMessages(server, sam.token, roomId, [`Anyone up for lunch ${label}?`]);
        await page.getByRole('region', { name: 'My rooms' }).getByText('1 unread').waitFor();
        await page.screenshot({ path: join(OUT, `myrooms-${label}.png`) });
      } finally {
        await context.close();
      }
    });
  }
});
