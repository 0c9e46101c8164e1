// Writes docs/screenshots/{nickname,rooms,room,features,settings,reports,identity,admin}-{desktop,phone}.png
// from a seeded Parley. Runs only with SCREENSHOTS=1 (`SCREENSHOTS=1 npx vitest run
// test/e2e/screenshots.test.ts`) so `npm test` never rewrites the committed images.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { connectStompClient, receiptOf } from '../support/stompjs-client.js';
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
  let owner: Awaited<ReturnType<typeof createSession>> | undefined;
  const SECRET = 'screenshots-operator-secret-0123456789abcdef';

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startServer({ OPERATOR_TOKENS: SECRET });
    browser = await launchBrowser();
    const mina = await createSession(server, '민아');
    owner = mina;
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
    // Something for the staff screens: a reported message and a settings change.
    const spammer = await createSession(server, 'deals4u');
    await sendMessages(server, spammer.token, roomId, ['Cheap watches at cheap-watch.example']);
    const stored = (await (await fetch(`${server.url}/api/rooms/${roomId}/messages`)).json()) as {
      messages: { id: string; body: string }[];
    };
    const spam = stored.messages.find((m) => m.body.startsWith('Cheap watches'));
    const client = await connectStompClient({
      url: `${server.url.replace(/^http/, 'ws')}/ws`,
      token: sam.token,
    });
    try {
      const joined = receiptOf(client, 'join', 10_000);
      client.subscribe(`/topic/rooms.${roomId}`, () => undefined, { receipt: 'join' });
      await joined;
      const reported = receiptOf(client, 'report', 10_000);
      client.publish({
        destination: `/app/rooms.${roomId}.report`,
        body: JSON.stringify({ messageId: spam?.id, reason: 'spam' }),
        headers: { 'content-type': 'application/json', receipt: 'report' },
      });
      await reported;
    } finally {
      await client.deactivate();
    }
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
        // The message itself, not a reply quoting it (the desktop run left one before the phone run).
        const tagging = log
          .locator('li[data-seq]:not(:has(blockquote.quote))')
          .filter({ hasText: 'Great, I will tag it' });
        await tagging.getByRole('button', { name: 'Message actions' }).click();
        await page.getByRole('menuitem', { name: 'Reply', exact: true }).click();
        await composer.fill('I will write the release notes.');
        await composer.press('Enter');
        const notes = log.locator('li.own[data-seq]').filter({ hasText: 'I will write the release notes.' });
        await notes.locator('blockquote.quote').waitFor();
        // The log may still be settling after the reply (scrolling to it): the menu follows its button.
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

    it(`captures the staff panels, the identity panel and the operator page on ${label}`, async () => {
      const { context, page } = await openPage(browser, { viewport });
      try {
        // The room's owner, signed in by putting their session where the client keeps it.
        await page.goto(server.url);
        await page.evaluate(
          `localStorage.setItem('parley.session', ${JSON.stringify(JSON.stringify(owner))})`,
        );
        await page.goto(`${server.url}/rooms/${roomId}`);
        await page.getByRole('status').getByText('Connected').waitFor();
        const manage = page.getByRole('button', { name: /^Manage/ });
        const openPanel = async (name: string): Promise<void> => {
          if ((await manage.isVisible()) && (await manage.getAttribute('aria-expanded')) !== 'true') {
            await manage.click();
          }
          await page.getByRole('button', { name, exact: true }).click();
        };
        await openPanel('Room settings');
        await page.getByLabel('Slow mode (seconds)').fill('10');
        await page.getByLabel('Topic', { exact: true }).fill('Cutting 0.2 this week');
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        await page
          .getByRole('log')
          .getByText(/set slow mode to 10 s$/)
          .waitFor();
        await page.screenshot({ path: join(OUT, `settings-${label}.png`) });

        await openPanel('Reports');
        await page.getByRole('region', { name: 'Reports' }).getByText('spam', { exact: true }).waitFor();
        await page.screenshot({ path: join(OUT, `reports-${label}.png`) });
        // Slow mode off again: the other size's screens talk in this room.
        await openPanel('Room settings');
        await page.getByLabel('Slow mode (seconds)').fill('0');
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        await page
          .getByRole('log')
          .getByText(/turned slow mode off$/)
          .waitFor();

        await page.goto(`${server.url}/identity`);
        await page.getByRole('heading', { name: 'Your identity', level: 1 }).waitFor();
        await page.screenshot({ path: join(OUT, `identity-${label}.png`) });

        await page.goto(`${server.url}/admin`);
        await page.getByLabel('Operator secret').fill(SECRET);
        await page.getByRole('button', { name: 'Sign in as operator' }).click();
        await page.locator('.admin-rooms > li').first().waitFor();
        await page.screenshot({ path: join(OUT, `admin-${label}.png`) });
      } finally {
        await context.close();
      }
    });
  }
});
