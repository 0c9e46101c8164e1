// Issue 15, getting people in, in Chromium: Share in the room header (copy link through the Clipboard
// API or the fallback, the system share sheet, a QR code drawn in the page), and a shared link opened
// without an identity naming the room above the nickname field (topic and who is online; a password
// room by name only; a taken-down room not at all). English desktop and Korean phone, axe on each.
import type { Browser } from 'playwright-core';
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
import { enterRoom, WAIT_MS } from './pages.js';

const skip = browserUnavailable();
const SECRET = 'join-e2e-operator-secret-0123456789abcdef';

async function createRoomWithTopic(server: TestServer, token: string, name: string, topic: string) {
  const response = await fetch(`${server.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name, topic }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; name: string };
}

/** Someone present in the room over STOMP (the online count), until `close`. */
async function presentIn(server: TestServer, token: string, roomId: string) {
  const client = await connectStompClient({ url: `${server.url.replace(/^http/, 'ws')}/ws`, token });
  const joined = receiptOf(client, 'join', 10_000);
  client.subscribe(`/topic/rooms.${roomId}`, () => undefined, { receipt: 'join' });
  await joined;
  return client;
}

async function moderate(server: TestServer, token: string, roomId: string, body: unknown) {
  const client = await connectStompClient({ url: `${server.url.replace(/^http/, 'ws')}/ws`, token });
  try {
    const done = receiptOf(client, 'mod', 10_000);
    client.publish({
      destination: `/app/rooms.${roomId}.moderate`,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', receipt: 'mod' },
    });
    await done;
  } finally {
    await client.deactivate();
  }
}

describe.skipIf(skip !== undefined)('getting people in, in Chromium', { timeout: 150_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  withServerAndBrowser({ OPERATOR_TOKENS: SECRET }, (started) => {
    ({ server, browser } = started);
  });

  it('copies the room link, offers the share sheet and draws its QR code', async () => {
    const owner = await createSession(server, 'owner');
    const room = await createRoomWithTopic(server, owner.token, 'Weekend hiking', 'Saturday at the lake');
    const link = `${server.url}/rooms/${room.id}`;
    const alice = await openPage(browser);
    try {
      await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      // The Web Share API, recorded (headless Chromium has no share sheet of its own).
      await alice.context.addInitScript(`
        window.__shared = [];
        Navigator.prototype.share = function (data) { window.__shared.push(data); return Promise.resolve(); };
      `);
      await alice.page.goto(server.url);
      await alice.page.getByLabel('Nickname').fill('alice');
      await alice.page.getByLabel('Nickname').press('Enter');
      await alice.page.getByLabel('Room name').waitFor();
      await enterRoom(alice.page, server.url, room.id, 'Weekend hiking');
      const share = alice.page.getByRole('button', { name: 'Share', exact: true });
      expect(await share.getAttribute('aria-expanded')).toBe('false');
      await share.click();
      expect(await share.getAttribute('aria-expanded')).toBe('true');
      expect(await alice.page.getByLabel('Room link', { exact: true }).inputValue()).toBe(link);
      await alice.page.getByRole('img', { name: 'QR code of the room link' }).waitFor();
      expect(await alice.page.locator('.share-panel svg rect').count()).toBeGreaterThan(50);
      expect(await axeViolations(alice.page)).toEqual([]);

      await alice.page.getByRole('button', { name: 'Copy link' }).click();
      await alice.page.getByRole('status').getByText('Link copied.').waitFor({ timeout: WAIT_MS });
      expect(await alice.page.evaluate('navigator.clipboard.readText()')).toBe(link);

      await alice.page.getByRole('button', { name: 'Share via…' }).click();
      expect(await alice.page.evaluate('window.__shared')).toEqual([{ title: 'Weekend hiking', url: link }]);
      expect(alice.errors).toEqual([]);
    } finally {
      await alice.context.close();
    }
  });

  it('copies through the selected field where the Clipboard API is missing, and offers no share sheet without the API', async () => {
    const owner = await createSession(server, 'owner2');
    const room = await createRoomWithTopic(server, owner.token, 'No clipboard', 'old browser');
    const bob = await openPage(browser, { viewport: PHONE });
    try {
      await bob.context.addInitScript(`
        Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });
        delete Navigator.prototype.share;
        window.__copied = [];
        document.execCommand = (command) => { window.__copied.push([command, String(getSelection())]); return true; };
      `);
      await bob.page.goto(server.url);
      await bob.page.getByLabel('Nickname').fill('bob');
      await bob.page.getByLabel('Nickname').press('Enter');
      await bob.page.getByLabel('Room name').waitFor();
      await enterRoom(bob.page, server.url, room.id, 'No clipboard');
      await bob.page.getByRole('button', { name: 'Share', exact: true }).click();
      expect(await bob.page.getByRole('button', { name: 'Share via…' }).count()).toBe(0);
      await bob.page.getByRole('button', { name: 'Copy link' }).click();
      await bob.page.getByRole('status').getByText('Link copied.').waitFor({ timeout: WAIT_MS });
      const copied = (await bob.page.evaluate('window.__copied')) as [string, string][];
      expect(copied).toHaveLength(1);
      expect(copied[0]?.[0]).toBe('copy');
      expect(
        await bob.page.evaluate(
          "(f => f.value.slice(f.selectionStart, f.selectionEnd))(document.querySelector('#share-link'))",
        ),
      ).toBe(`${server.url}/rooms/${room.id}`);
      expect(bob.errors).toEqual([]);
    } finally {
      await bob.context.close();
    }
  });

  it('shares in Korean on a phone: the panel fits the screen and has no axe violations', async () => {
    const owner = await createSession(server, 'owner3');
    const room = await createRoomWithTopic(server, owner.token, '주말 산행', '토요일 아침');
    const minsu = await openPage(browser, { locale: 'ko-KR', viewport: PHONE });
    try {
      await minsu.page.goto(`${server.url}/rooms/${room.id}`);
      await minsu.page.getByLabel('닉네임', { exact: true }).fill('민수');
      await minsu.page.getByLabel('닉네임', { exact: true }).press('Enter');
      await minsu.page.getByRole('heading', { name: '주말 산행', level: 1 }).waitFor({ timeout: WAIT_MS });
      await minsu.page.getByRole('button', { name: '공유', exact: true }).click();
      const panel = minsu.page.getByRole('region', { name: '이 방 공유하기' });
      await panel.getByRole('img', { name: '방 링크 QR 코드' }).waitFor();
      expect(await panel.getByLabel('방 링크', { exact: true }).inputValue()).toBe(
        `${server.url}/rooms/${room.id}`,
      );
      await panel.getByRole('button', { name: '링크 복사' }).waitFor();
      // Nothing of the panel spills past the phone's width.
      const right = Number(
        await minsu.page.evaluate(
          `Math.max(...[...document.querySelectorAll('#share-panel *')].map((e) => e.getBoundingClientRect().right))`,
        ),
      );
      expect(right).toBeLessThanOrEqual(PHONE.width);
      expect(await axeViolations(minsu.page)).toEqual([]);
      expect(minsu.errors).toEqual([]);
    } finally {
      await minsu.context.close();
    }
  });

  for (const [label, options, joining, online] of [
    ['English, desktop', { locale: 'en-US' }, 'You’re joining Weekend walk', '1 online'],
    ['Korean, phone', { locale: 'ko-KR', viewport: PHONE }, 'Weekend walk 방에 들어갑니다', '1명 접속 중'],
  ] as const) {
    it(`a shared link names the room above the nickname field and leads into it (${label})`, async () => {
      const owner = await createSession(server, `host ${label}`);
      const room = await createRoomWithTopic(server, owner.token, 'Weekend walk', 'Bring water');
      const host = await presentIn(server, owner.token, room.id);
      const guest = await openPage(browser, options);
      try {
        await guest.page.goto(`${server.url}/rooms/${room.id}`);
        const card = guest.page.getByRole('region', { name: joining });
        await card.waitFor({ timeout: WAIT_MS });
        expect(await card.locator('em').textContent()).toBe('Weekend walk');
        await card.getByText('Bring water').waitFor();
        await card.getByText(online).waitFor();
        // The card comes before the nickname field.
        const order = await guest.page.evaluate(
          `document.querySelector('.join-card').compareDocumentPosition(document.querySelector('#nickname'))`,
        );
        expect(Number(order) & 4).toBe(4);
        expect(await axeViolations(guest.page)).toEqual([]);
        await guest.page.locator('#nickname').fill('guest');
        await guest.page.locator('#nickname').press('Enter');
        await guest.page
          .getByRole('heading', { name: 'Weekend walk', level: 1 })
          .waitFor({ timeout: WAIT_MS });
        expect(guest.errors).toEqual([]);
      } finally {
        await guest.context.close();
        await host.deactivate();
      }
    });
  }

  it('names a password room without its topic, and shows no card for a taken-down room', async () => {
    const owner = await createSession(server, 'keeper');
    const secret = await createRoomWithTopic(server, owner.token, 'Locked den', 'the vault code');
    await moderate(server, owner.token, secret.id, { action: 'settings', password: 'sesame' });
    const gone = await createRoomWithTopic(server, owner.token, 'Gone room', 'gone topic');
    const closed = await fetch(`${server.url}/api/admin/rooms/${gone.id}/close`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
      body: JSON.stringify({ reason: 'spam' }),
    });
    expect(closed.status).toBe(200);
    const guest = await openPage(browser);
    try {
      await guest.page.goto(`${server.url}/rooms/${secret.id}`);
      const card = guest.page.getByRole('region', { name: 'You’re joining Locked den' });
      await card.waitFor({ timeout: WAIT_MS });
      await card.getByText('Password protected').waitFor();
      expect(await card.textContent()).not.toContain('vault');
      expect(await card.textContent()).not.toContain('online');

      const answered = guest.page.waitForResponse((r) => r.url().endsWith(`/api/rooms/${gone.id}`));
      await guest.page.goto(`${server.url}/rooms/${gone.id}`);
      await guest.page.locator('#nickname').waitFor();
      // The room's answer (410) has come: still no card.
      expect((await answered).status()).toBe(410);
      expect(await guest.page.locator('.join-card').count()).toBe(0);
      expect(await guest.page.content()).not.toContain('Gone room');
    } finally {
      await guest.context.close();
    }
  });
});
