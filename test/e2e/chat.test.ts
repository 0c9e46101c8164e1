// The web client end to end in Debian Chromium against a real Parley: two people chatting, user text
// kept as text, identity and history across reloads, resume after a server restart, older history on
// scroll, Korean UI and IME-safe Enter. Driven only through accessible names, as people and AT see it.
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import {
  browserUnavailable,
  createRoom,
  createSession,
  openPage,
  PHONE,
  sendMessages,
  signIn,
  type TestServer,
  withServerAndBrowser,
} from './harness.js';
import { createRoomInUi, messageWith, say, WAIT_MS } from './pages.js';

const skip = browserUnavailable();
/** Bodies shown in the log as confirmed messages (with a seq), in order. */
async function shownBodies(page: Page): Promise<string[]> {
  return page.getByRole('log').locator('li[data-seq] .body').allTextContents();
}

async function shownSeqs(page: Page): Promise<number[]> {
  const items = await page.getByRole('log').locator('li[data-seq]').all();
  const seqs: number[] = [];
  for (const item of items) seqs.push(Number(await item.getAttribute('data-seq')));
  return seqs;
}

async function waitForBody(page: Page, body: string, timeoutMs = WAIT_MS): Promise<void> {
  await page
    .getByRole('log')
    .locator('li[data-seq] .body')
    .getByText(body, { exact: true })
    .waitFor({ timeout: timeoutMs });
}

describe.skipIf(skip !== undefined)('web client in Chromium', { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  withServerAndBrowser({}, (started) => {
    ({ server, browser } = started);
  });

  it('lets two people chat both ways, telling own messages apart', async () => {
    const alice = await openPage(browser);
    const bob = await openPage(browser);
    try {
      await signIn(alice.page, server.url, 'alice');
      const roomId = await createRoomInUi(alice.page, 'Both ways');
      expect(new URL(alice.page.url()).pathname).toBe(`/rooms/${roomId}`);

      await signIn(bob.page, server.url, 'bob');
      await bob.page.getByLabel('Search rooms').fill('Both');
      await bob.page.getByRole('link', { name: 'Both ways', exact: true }).click();
      await bob.page.getByRole('heading', { name: 'Both ways', level: 1 }).waitFor();
      expect(new URL(bob.page.url()).pathname).toBe(`/rooms/${roomId}`);

      // Alice sees Bob arrive (presence) before they talk.
      await alice.page
        .getByRole('log')
        .getByText(/bob#\d{4} joined/)
        .waitFor({ timeout: WAIT_MS });

      await say(alice.page, 'hello bob');
      await waitForBody(bob.page, 'hello bob');
      // Typing reaches the other side (sending clears it there).
      await bob.page.getByLabel('Message', { exact: true }).pressSequentially('안');
      await alice.page.getByText(/bob#\d{4} is typing/).waitFor({ timeout: WAIT_MS });
      await say(bob.page, '안녕 alice 👋');
      await waitForBody(alice.page, '안녕 alice 👋');

      expect(await shownBodies(alice.page)).toEqual(['hello bob', '안녕 alice 👋']);
      expect(await shownBodies(bob.page)).toEqual(['hello bob', '안녕 alice 👋']);
      // Own messages are marked; the other person's are not.
      const aliceOwn = alice.page.getByRole('log').locator('li.msg.own[data-seq] .body');
      expect(await aliceOwn.allTextContents()).toEqual(['hello bob']);
      await expect(
        bob.page.getByRole('log').locator('li[data-seq]').first().locator('.author').textContent(),
      ).resolves.toMatch(/^alice#\d{4}$/);

      // Back goes to the list, forward returns to the room.
      await bob.page.goBack();
      await bob.page.getByLabel('Room name').waitFor();
      await alice.page
        .getByRole('log')
        .getByText(/bob#\d{4} left/)
        .waitFor({ timeout: WAIT_MS });
      await bob.page.goForward();
      await bob.page.getByRole('heading', { name: 'Both ways', level: 1 }).waitFor();
      await waitForBody(bob.page, 'hello bob');
      // The server's strict CSP (default-src 'self') is in force; the client must not trip it.
      for (const person of [alice, bob]) {
        expect(person.errors).toEqual([]);
        expect(person.console.filter((line) => /Content Security Policy/i.test(line))).toEqual([]);
      }
    } finally {
      await alice.context.close();
      await bob.context.close();
    }
  });

  it('shows markup in messages as text and makes http(s) links safe anchors', async () => {
    const reader = await openPage(browser);
    try {
      const writer = await createSession(server, 'mallory');
      const room = await createRoom(server, writer.token, 'Markup');
      const hostile = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';
      await sendMessages(server, writer.token, room.id, [hostile, 'see https://example.com/a?b=1 now']);

      await signIn(reader.page, server.url, 'reader');
      await reader.page.goto(`${server.url}/rooms/${room.id}`);
      await waitForBody(reader.page, hostile);
      const log = reader.page.getByRole('log');
      expect(await log.locator('img, b, script').count()).toBe(0);
      expect(await reader.page.evaluate('window.__pwned === undefined')).toBe(true);

      const link = log.getByRole('link', { name: 'https://example.com/a?b=1' });
      expect(await link.getAttribute('href')).toBe('https://example.com/a?b=1');
      expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow ugc');
      expect(await link.getAttribute('target')).toBe('_blank');
      expect(reader.errors).toEqual([]);
    } finally {
      await reader.context.close();
    }
  });

  it('keeps identity and history across a reload, and a shared link works on a fresh load', async () => {
    const first = await openPage(browser);
    const stranger = await openPage(browser, { viewport: PHONE });
    try {
      await signIn(first.page, server.url, 'carol');
      const roomId = await createRoomInUi(first.page, 'Reload');
      await say(first.page, 'before reload');
      await waitForBody(first.page, 'before reload');
      const whoBefore = await first.page.locator('.topbar .whoami').textContent();

      await first.page.reload();
      await waitForBody(first.page, 'before reload');
      expect(await first.page.locator('.topbar .whoami').textContent()).toBe(whoBefore);
      expect(await first.page.getByLabel('Nickname').count()).toBe(0);
      // Still the author of the earlier message after the reload.
      expect(
        await first.page.getByRole('log').locator('li.msg.own[data-seq] .body').allTextContents(),
      ).toEqual(['before reload']);

      // A fresh browser on the shared link: nickname first, then straight into that room.
      await stranger.page.goto(`${server.url}/rooms/${roomId}`);
      const field = stranger.page.getByLabel('Nickname');
      await field.fill('dave');
      await field.press('Enter');
      await stranger.page.getByRole('heading', { name: 'Reload', level: 1 }).waitFor();
      await waitForBody(stranger.page, 'before reload');
    } finally {
      await first.context.close();
      await stranger.context.close();
    }
  });

  it('reconnects after a server restart and shows every message exactly once', async () => {
    const alice = await openPage(browser);
    const bob = await openPage(browser);
    try {
      await signIn(alice.page, server.url, 'erin');
      const roomId = await createRoomInUi(alice.page, 'Restart');
      await signIn(bob.page, server.url, 'frank');
      await bob.page.goto(`${server.url}/rooms/${roomId}`);
      await bob.page.getByRole('heading', { name: 'Restart', level: 1 }).waitFor();

      await say(alice.page, 'one');
      await waitForBody(bob.page, 'one');
      await say(bob.page, 'two');
      await waitForBody(alice.page, 'two');

      await server.stop();
      for (const page of [alice.page, bob.page]) {
        await page.getByRole('status').getByText('Reconnecting…').waitFor({ timeout: WAIT_MS });
      }
      // Written while the server is down: held, sent on reconnect, shown once.
      await say(bob.page, 'three');
      await bob.page.getByRole('log').locator('li.pending').getByText('three').waitFor();

      await server.restart();
      // Messages sent while the pages are away arrive through since-seq resume.
      const other = await createSession(server, 'grace');
      await sendMessages(server, other.token, roomId, ['four', 'five']);

      for (const page of [alice.page, bob.page]) {
        await page.getByRole('status').getByText('Connected').waitFor({ timeout: 30_000 });
        await waitForBody(page, 'five');
        await waitForBody(page, 'three');
      }
      await say(alice.page, 'six');
      await waitForBody(bob.page, 'six');
      await waitForBody(alice.page, 'six');

      for (const page of [alice.page, bob.page]) {
        await eventually(
          async () => {
            const bodies = await shownBodies(page);
            // 'three' (held while offline) and 'four'/'five' (another client) may interleave.
            expect([...bodies].sort()).toEqual(['five', 'four', 'one', 'six', 'three', 'two']);
            expect(bodies.slice(0, 2)).toEqual(['one', 'two']);
            expect(bodies.at(-1)).toBe('six');
          },
          { timeoutMs: WAIT_MS },
        );
        expect(await shownSeqs(page)).toEqual([1, 2, 3, 4, 5, 6]);
        // Nothing left pending: every own message was confirmed exactly once.
        expect(await page.getByRole('log').locator('li.pending').count()).toBe(0);
      }
    } finally {
      await alice.context.close();
      await bob.context.close();
    }
  });

  it('loads older history when scrolled to the top', async () => {
    const reader = await openPage(browser);
    try {
      const writer = await createSession(server, 'heidi');
      const room = await createRoom(server, writer.token, 'Long history');
      const bodies = Array.from({ length: 120 }, (_, i) => `history ${i + 1}`);
      await sendMessages(server, writer.token, room.id, bodies);

      await signIn(reader.page, server.url, 'ivan');
      await reader.page.goto(`${server.url}/rooms/${room.id}`);
      await waitForBody(reader.page, 'history 120');
      // The latest page only, and the view starts at the bottom.
      expect((await shownSeqs(reader.page)).length).toBe(50);
      await reader.page.getByRole('log').getByText('history 120', { exact: true }).isVisible();

      await eventually(
        async () => {
          await reader.page.evaluate('document.querySelector("[role=log]").scrollTop = 0');
          expect((await shownSeqs(reader.page))[0]).toBe(1);
        },
        { timeoutMs: WAIT_MS, intervalMs: 250 },
      );
      const seqs = await shownSeqs(reader.page);
      expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      await reader.page.getByText('This is the beginning of the room.').waitFor();
    } finally {
      await reader.context.close();
    }
  });

  it('speaks Korean with Korean-only labels, and never sends on an IME-composing Enter', async () => {
    const korean = await openPage(browser, { locale: 'ko-KR', viewport: PHONE });
    try {
      await korean.page.goto(server.url);
      await korean.page.getByRole('heading', { name: 'Parley' }).waitFor();
      await korean.page.getByText('가입도 비밀번호도 없습니다', { exact: false }).waitFor();
      expect(await korean.page.getAttribute('html', 'lang')).toBe('ko');
      // Korean shows Korean labels only; the English names must not match here.
      expect(await korean.page.getByLabel('Nickname').count()).toBe(0);
      const nickname = korean.page.getByLabel('닉네임', { exact: true });
      await nickname.fill('민수');
      await nickname.press('Enter');
      const roomField = korean.page.getByLabel('방 이름', { exact: true });
      await roomField.fill('한국어 방');
      await roomField.press('Enter');
      await korean.page.getByRole('heading', { name: '한국어 방', level: 1 }).waitFor();

      const message = korean.page.getByLabel('메시지', { exact: true });
      await message.fill('조합 중');
      // The Enter that commits a Hangul syllable arrives with isComposing: it must not send.
      await message.dispatchEvent('keydown', {
        key: 'Enter',
        code: 'Enter',
        isComposing: true,
        bubbles: true,
      });
      await message.press('Shift+Enter');
      await message.pressSequentially('둘째 줄');
      expect(await message.inputValue()).toBe('조합 중\n둘째 줄');
      expect(await korean.page.getByRole('log').locator('li.msg').count()).toBe(0);

      await message.press('Enter');
      await waitForBody(korean.page, '조합 중\n둘째 줄');
      expect(await message.inputValue()).toBe('');
      await korean.page.getByText('연결됨').waitFor();
    } finally {
      await korean.context.close();
    }
  });

  it('works the message menu from the keyboard: ArrowDown opens it, arrows wrap, Escape returns focus', async () => {
    const person = await openPage(browser);
    try {
      await signIn(person.page, server.url, 'kay');
      await createRoomInUi(person.page, 'Keys');
      await say(person.page, 'menu by keyboard');
      const item = messageWith(person.page, 'menu by keyboard');
      await item.waitFor({ timeout: WAIT_MS });
      const button = item.getByRole('button', { name: 'Message actions' });
      await button.focus();
      await person.page.keyboard.press('ArrowDown');
      // Expressions as strings: the tests are type-checked without the DOM library.
      const focusedItem = () =>
        person.page.evaluate("document.activeElement?.textContent ?? ''") as Promise<string>;
      await eventually(async () => expect(await focusedItem()).toBe('Reply'));
      expect(await button.getAttribute('aria-expanded')).toBe('true');
      await person.page.keyboard.press('ArrowUp');
      expect(await focusedItem()).toBe('Delete');
      await person.page.keyboard.press('ArrowDown');
      expect(await focusedItem()).toBe('Reply');
      await person.page.keyboard.press('End');
      expect(await focusedItem()).toBe('Delete');
      await person.page.keyboard.press('Escape');
      expect(await person.page.getByRole('menu').count()).toBe(0);
      expect(await button.getAttribute('aria-expanded')).toBe('false');
      expect(await person.page.evaluate("document.activeElement?.getAttribute('aria-label')")).toBe(
        'Message actions',
      );
    } finally {
      await person.context.close();
    }
  });

  it('follows a dark colour scheme: dark background, light text', async () => {
    const person = await openPage(browser, { colorScheme: 'dark' });
    try {
      await signIn(person.page, server.url, 'night');
      const colours = (await person.page.evaluate(
        '(() => { const s = getComputedStyle(document.body); return { background: s.backgroundColor, text: s.color }; })()',
      )) as { background: string; text: string };
      const luminance = (rgb: string): number => {
        const [r = 0, g = 0, b = 0] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      expect(luminance(colours.background)).toBeLessThan(60);
      expect(luminance(colours.text)).toBeGreaterThan(180);
    } finally {
      await person.context.close();
    }
  });

  it('counts characters near the limit and refuses to send past it', async () => {
    const person = await openPage(browser);
    try {
      await signIn(person.page, server.url, 'judy');
      await createRoomInUi(person.page, 'Long words');
      const field = person.page.getByLabel('Message', { exact: true });
      const send = person.page.getByRole('button', { name: 'Send' });
      await field.fill('x'.repeat(3990));
      await person.page.getByText('10 characters left').waitFor();
      expect(await send.isEnabled()).toBe(true);
      await field.fill('😀'.repeat(4001));
      await person.page.getByText('1 characters too long').waitFor();
      expect(await send.isDisabled()).toBe(true);
      await field.press('Enter');
      expect(await person.page.getByRole('log').locator('li.msg').count()).toBe(0);
    } finally {
      await person.context.close();
    }
  });
});

describe.skipIf(skip !== undefined)(
  'web client on a server with its own limits',
  { timeout: 120_000 },
  () => {
    let server: TestServer;
    let browser: Browser;

    withServerAndBrowser({ MESSAGE_MAX_CHARS: '100', EDIT_WINDOW_SECONDS: '0' }, (started) => {
      ({ server, browser } = started);
    });

    it('counts against the server’s message limit and offers no edit when its window is closed', async () => {
      const person = await openPage(browser);
      try {
        await signIn(person.page, server.url, 'ola');
        await createRoomInUi(person.page, 'Short words');
        const field = person.page.getByLabel('Message', { exact: true });
        const send = person.page.getByRole('button', { name: 'Send' });
        await field.fill('x'.repeat(95));
        await person.page.getByText('5 characters left').waitFor();
        await field.fill('x'.repeat(101));
        await person.page.getByText('1 characters too long').waitFor();
        expect(await send.isDisabled()).toBe(true);

        await field.fill('');
        await say(person.page, 'set in stone');
        const item = messageWith(person.page, 'set in stone');
        await item.waitFor({ timeout: WAIT_MS });
        await item.getByRole('button', { name: 'Message actions' }).click();
        await person.page.getByRole('menuitem', { name: 'Reply', exact: true }).waitFor();
        expect(await person.page.getByRole('menuitem', { name: 'Edit', exact: true }).count()).toBe(0);
      } finally {
        await person.context.close();
      }
    });
  },
);

describe.skipIf(skip !== undefined)(
  'web client when the server refuses a message',
  { timeout: 120_000 },
  () => {
    let server: TestServer;
    let browser: Browser;

    // One message, then one every 2 s: the second quick message is refused with rate_limited.
    withServerAndBrowser({ SEND_RATE_PER_SECOND: '0.5', SEND_BURST: '1' }, (started) => {
      ({ server, browser } = started);
    });

    it('marks the refused message failed, and Retry sends it once with the same clientMsgId', async () => {
      const person = await openPage(browser);
      const watcher = await openPage(browser);
      try {
        await signIn(person.page, server.url, 'kim');
        const roomId = await createRoomInUi(person.page, 'Limits');
        await signIn(watcher.page, server.url, 'lee');
        await watcher.page.goto(`${server.url}/rooms/${roomId}`);
        await watcher.page.getByRole('heading', { name: 'Limits', level: 1 }).waitFor();

        await say(person.page, 'first');
        await waitForBody(person.page, 'first');
        await say(person.page, 'second');
        const failed = person.page.getByRole('log').locator('li.pending[data-status="failed"]');
        await failed.getByText('second').waitFor({ timeout: WAIT_MS });
        await failed.getByText(/Not sent/).waitFor();

        // Retry until the limiter lets it through (each refused retry fails again, visibly).
        await eventually(
          async () => {
            const retry = person.page.getByRole('button', { name: 'Retry' });
            if ((await retry.count()) > 0) await retry.click();
            await waitForBody(person.page, 'second', 1500);
          },
          { timeoutMs: WAIT_MS, intervalMs: 500 },
        );
        await waitForBody(watcher.page, 'second');
        for (const page of [person.page, watcher.page]) {
          expect(await shownBodies(page)).toEqual(['first', 'second']);
          expect(await shownSeqs(page)).toEqual([1, 2]);
        }
        expect(await person.page.getByRole('log').locator('li.pending').count()).toBe(0);
      } finally {
        await person.context.close();
        await watcher.context.close();
      }
    });
  },
);
