// Issue 15, talking naturally, in Chromium: @-mentions offered from the room's people (keyboard and
// touch) and highlighted for the one mentioned, the emoji picker (search, recent, keyboard), drafts
// that survive a reload, a failed send that can be discarded and does not stop auto-scroll, replies
// that lead to their original through older history, folded long messages, the growing edit box, the
// one-line reply bar on a phone, offline detection with the queued message sent once, www. links and
// the actions button beside its message. Two browser contexts where people interact.
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { connectStompClient, receiptOf } from '../support/stompjs-client.js';
import { axeViolations } from './axe.js';
import {
  browserUnavailable,
  createRoom,
  createSession,
  openPage,
  PHONE,
  type SeedSession,
  sendMessages,
  signIn,
  type TestServer,
  withServerAndBrowser,
} from './harness.js';
import { createRoomInUi, enterRoom, messageWith, say, WAIT_MS } from './pages.js';

const skip = browserUnavailable();

function composer(page: Page) {
  return page.getByLabel('Message', { exact: true });
}

async function messagesOf(server: TestServer, roomId: string): Promise<{ body: string; id: string }[]> {
  const response = await fetch(`${server.url}/api/rooms/${roomId}/messages?limit=200`);
  return ((await response.json()) as { messages: { body: string; id: string }[] }).messages;
}

async function sendReply(
  server: TestServer,
  who: SeedSession,
  roomId: string,
  replyTo: string,
  body: string,
) {
  const client = await connectStompClient({
    url: `${server.url.replace(/^http/, 'ws')}/ws`,
    token: who.token,
  });
  try {
    const joined = receiptOf(client, 'join', 10_000);
    client.subscribe(`/topic/rooms.${roomId}`, () => undefined, { receipt: 'join' });
    await joined;
    const stored = receiptOf(client, 'reply', 10_000);
    client.publish({
      destination: `/app/rooms.${roomId}`,
      body: JSON.stringify({ body, replyTo }),
      headers: { 'content-type': 'application/json', receipt: 'reply' },
    });
    await stored;
  } finally {
    await client.deactivate();
  }
}

/** How far the log is from its bottom, in pixels. */
function distanceFromBottom(page: Page): Promise<number> {
  return page.getByRole('log').evaluate((log) => log.scrollHeight - log.scrollTop - log.clientHeight);
}

describe.skipIf(skip !== undefined)('talking naturally in Chromium', { timeout: 150_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  withServerAndBrowser({}, (started) => {
    ({ server, browser } = started);
  });

  it('offers the room’s people after @ by keyboard and touch, and the one mentioned sees it marked', async () => {
    const alice = await openPage(browser);
    const bob = await openPage(browser, { viewport: PHONE });
    try {
      await signIn(alice.page, server.url, 'alice');
      const roomId = await createRoomInUi(alice.page, 'Mentions');
      await signIn(bob.page, server.url, 'bob');
      await enterRoom(bob.page, server.url, roomId, 'Mentions');
      const bobTag = String(
        await bob.page.evaluate("JSON.parse(localStorage.getItem('parley.session')).user.tag"),
      );
      await alice.page.getByText(`#${bobTag}`).first().waitFor({ timeout: WAIT_MS });

      // Alice types "@b": the field controls a listbox of people, the active one named by the field.
      const field = composer(alice.page);
      await field.pressSequentially('hello @b');
      const list = alice.page.getByRole('listbox', { name: 'People to mention' });
      await list.waitFor();
      expect(await list.getByRole('option').allTextContents()).toEqual([`bob#${bobTag}`]);
      expect(await field.getAttribute('aria-activedescendant')).toBe('mention-0');
      expect(await field.getAttribute('aria-autocomplete')).toBe('list');
      // Escape closes it; typing on after a space offers nobody; Enter inserts the full handle.
      await field.press('Escape');
      await list.waitFor({ state: 'detached' });
      await field.press('Backspace');
      await field.pressSequentially('B');
      await list.waitFor();
      await field.press('ArrowDown');
      await field.press('Enter');
      expect(await field.inputValue()).toBe(`hello @bob#${bobTag} `);
      await field.pressSequentially('look');
      await field.press('Enter');

      const mentioned = messageWith(bob.page, 'look');
      await mentioned.waitFor({ timeout: WAIT_MS });
      expect(await mentioned.getAttribute('class')).toContain('mentioned');
      expect(await mentioned.locator('mark.mention.me').textContent()).toBe(`@bob#${bobTag}`);

      // A bare @bob is unique in the room: it goes out as the full handle and is marked too.
      await field.fill('thanks @bob!');
      await field.press('Escape');
      await field.press('Enter');
      const bare = messageWith(bob.page, 'thanks');
      await bare.locator('mark.mention.me').waitFor({ timeout: WAIT_MS });
      expect(await bare.locator('.body').textContent()).toBe(`thanks @bob#${bobTag}!`);

      // Bob, on a phone, taps Alice in the list.
      const bobField = composer(bob.page);
      await bobField.tap();
      await bobField.pressSequentially('@al');
      await bob.page.getByRole('option', { name: /^alice#\d{4}$/ }).tap();
      expect(await bobField.inputValue()).toMatch(/^@alice#\d{4} $/);
      await bobField.press('Enter');
      await messageWith(alice.page, '@alice#').locator('mark.mention.me').waitFor({ timeout: WAIT_MS });
      expect(alice.errors).toEqual([]);
      expect(bob.errors).toEqual([]);
    } finally {
      await alice.context.close();
      await bob.context.close();
    }
  });

  it('picks emoji by search and keyboard, remembers recent ones, and searches Korean names', async () => {
    const person = await openPage(browser);
    const korean = await openPage(browser, { locale: 'ko-KR', viewport: PHONE });
    try {
      await signIn(person.page, server.url, 'emma');
      const roomId = await createRoomInUi(person.page, 'Emoji');
      const field = composer(person.page);
      await field.fill('hi ');
      const button = person.page.getByRole('button', { name: 'Insert emoji' });
      await button.click();
      const picker = person.page.getByRole('dialog', { name: 'Emoji' });
      const search = picker.getByRole('searchbox', { name: 'Search emoji' });
      await expect.poll(() => search.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
      await picker.getByRole('group', { name: 'Smileys & emotion' }).waitFor({ timeout: WAIT_MS });
      await search.fill('rocket');
      await picker.getByRole('button', { name: 'rocket', exact: true }).waitFor();
      await search.press('Enter');
      await picker.waitFor({ state: 'detached' });
      expect(await field.inputValue()).toBe('hi 🚀');

      // Reopened: the rocket is under "Recently used"; arrows move through the grid, Enter picks,
      // Escape closes and gives the focus back to the button.
      await button.click();
      const recent = picker.getByRole('group', { name: 'Recently used' });
      await recent.getByRole('button', { name: 'rocket' }).waitFor({ timeout: WAIT_MS });
      await search.press('ArrowDown');
      await person.page.keyboard.press('ArrowRight');
      const focused = await person.page.evaluate("document.activeElement?.getAttribute('aria-label')");
      expect(focused).toBe('grinning face');
      await person.page.keyboard.press('Escape');
      await picker.waitFor({ state: 'detached' });
      expect(await button.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
      expect(
        await person.page.evaluate("JSON.parse(localStorage.getItem('parley.emoji.recent') ?? '[]')"),
      ).toEqual(['🚀']);
      // Enter on a search that finds nothing sends nothing; a press outside closes the picker.
      await button.click();
      await search.fill('zzzzqqq');
      await picker.getByText('No emoji found').waitFor({ timeout: WAIT_MS });
      await search.press('Enter');
      expect(await field.inputValue()).toBe('hi 🚀');
      await person.page.getByRole('log').click();
      await picker.waitFor({ state: 'detached' });
      expect(await person.page.getByRole('log').locator('li.msg').count()).toBe(0);

      // The Korean screen names its fields in Korean only.
      await korean.page.goto(server.url);
      const nickname = korean.page.getByLabel('닉네임', { exact: true });
      await nickname.fill('민지');
      await nickname.press('Enter');
      await korean.page.getByLabel('방 이름', { exact: true }).waitFor();
      await korean.page.goto(`${server.url}/rooms/${roomId}`);
      await korean.page.getByRole('button', { name: '이모지 넣기' }).click();
      const koSearch = korean.page.getByRole('searchbox', { name: '이모지 검색' });
      await koSearch.fill('로켓');
      await korean.page.getByRole('button', { name: '로켓', exact: true }).click();
      expect(await korean.page.getByLabel('메시지', { exact: true }).inputValue()).toBe('🚀');
      expect(person.errors).toEqual([]);
      expect(korean.errors).toEqual([]);
    } finally {
      await person.context.close();
      await korean.context.close();
    }
  });

  it('keeps a draft per room across a reload', async () => {
    const person = await openPage(browser);
    try {
      await signIn(person.page, server.url, 'drafty');
      const first = await createRoomInUi(person.page, 'Draft one');
      await composer(person.page).fill('half a thought\nsecond line');
      await person.page.goto(server.url);
      const second = await createRoomInUi(person.page, 'Draft two');
      expect(await composer(person.page).inputValue()).toBe('');
      await composer(person.page).fill('other room');
      await person.page.reload();
      await person.page.getByRole('heading', { name: 'Draft two', level: 1 }).waitFor();
      expect(await composer(person.page).inputValue()).toBe('other room');
      await person.page.goto(`${server.url}/rooms/${first}`);
      await person.page.getByRole('heading', { name: 'Draft one', level: 1 }).waitFor();
      expect(await composer(person.page).inputValue()).toBe('half a thought\nsecond line');
      // Sent, the draft is gone, here and after a reload.
      await composer(person.page).press('Enter');
      await messageWith(person.page, 'half a thought').waitFor({ timeout: WAIT_MS });
      await person.page.reload();
      await person.page.getByRole('heading', { name: 'Draft one', level: 1 }).waitFor();
      expect(await composer(person.page).inputValue()).toBe('');
      expect(second).not.toBe(first);
    } finally {
      await person.context.close();
    }
  });

  it('leads a reply to its original through older history, folds long text, grows the edit box', async () => {
    const bob = await createSession(server, 'bob');
    const room = await createRoom(server, bob.token, 'Replies');
    const long = Array.from({ length: 30 }, (_, i) => `line ${i + 1} of a long story`).join('\n');
    await sendMessages(server, bob.token, room.id, [
      'the original words',
      ...Array.from({ length: 120 }, (_, i) => `filler ${i}`),
      long,
    ]);
    const original = (await messagesOf(server, room.id)).find((m) => m.body === 'the original words');
    if (original === undefined) throw new Error('seeded original missing');
    await sendReply(server, bob, room.id, original.id, 'answering the first one');

    const alice = await openPage(browser);
    const phone = await openPage(browser, { viewport: PHONE });
    try {
      await signIn(alice.page, server.url, 'alice');
      await enterRoom(alice.page, server.url, room.id, 'Replies');
      const reply = messageWith(alice.page, 'answering the first one');
      await reply.waitFor({ timeout: WAIT_MS });
      const original = alice.page
        .getByRole('log')
        .locator('li[data-seq]')
        .filter({ has: alice.page.locator('.body', { hasText: 'the original words' }) });
      expect(await original.count()).toBe(0);
      await reply.getByRole('button', { name: /^Go to the quoted post by bob#\d{4}$/ }).click();
      const target = original;
      await target.waitFor({ timeout: WAIT_MS });
      await expect.poll(() => target.getAttribute('class'), { timeout: WAIT_MS }).toContain('flash');
      await expect.poll(() => target.isVisible()).toBe(true);
      const inView = await target.evaluate((el) => {
        const box = el.getBoundingClientRect();
        const log = el.closest('[role="log"]')?.getBoundingClientRect();
        return log !== undefined && box.top >= log.top && box.bottom <= log.bottom;
      });
      expect(inView).toBe(true);

      // The long story is folded behind "Show more"; unfolded, it is taller.
      const story = messageWith(alice.page, 'line 30 of a long story');
      const more = story.getByRole('button', { name: 'Show more' });
      await story.scrollIntoViewIfNeeded();
      expect(await more.getAttribute('aria-expanded')).toBe('false');
      const foldedHeight = (await story.locator('.body').boundingBox())?.height ?? 0;
      await more.click();
      await story.getByRole('button', { name: 'Show less' }).waitFor();
      const fullHeight = (await story.locator('.body').boundingBox())?.height ?? 0;
      expect(fullHeight).toBeGreaterThan(foldedHeight * 1.5);

      // Alice's own long text: the edit box grows with it and shows its first line.
      await say(alice.page, long.replaceAll('long story', 'own story'));
      const own = messageWith(alice.page, 'line 30 of a own story');
      await own.waitFor({ timeout: WAIT_MS });
      await own.getByRole('button', { name: 'Message actions' }).click();
      await alice.page.getByRole('menuitem', { name: 'Edit', exact: true }).click();
      const edit = alice.page.getByLabel('Edit text');
      const box = await edit.evaluate((el) => ({ height: el.clientHeight, top: el.scrollTop }));
      expect(box.top).toBe(0);
      expect(box.height).toBeGreaterThan(150);
      await edit.press('Escape');

      // On a phone the reply bar is one line, cut with an ellipsis.
      await signIn(phone.page, server.url, 'phoebe');
      await enterRoom(phone.page, server.url, room.id, 'Replies');
      const story2 = messageWith(phone.page, 'line 30 of a own story');
      await story2.getByRole('button', { name: 'Message actions' }).click();
      await phone.page.getByRole('menuitem', { name: 'Reply', exact: true }).click();
      const bar = phone.page.locator('.reply-bar > span').first();
      const shape = await bar.evaluate((el) => ({
        height: el.getBoundingClientRect().height,
        lineHeight:
          Number.parseFloat(el.ownerDocument.defaultView?.getComputedStyle(el).lineHeight ?? '') || 24,
        cut: el.scrollWidth > el.clientWidth,
        overflow: el.ownerDocument.defaultView?.getComputedStyle(el).textOverflow,
      }));
      expect(shape.height).toBeLessThanOrEqual(shape.lineHeight * 1.5);
      expect(shape.cut).toBe(true);
      expect(shape.overflow).toBe('ellipsis');
      expect(alice.errors).toEqual([]);
      expect(phone.errors).toEqual([]);
    } finally {
      await alice.context.close();
      await phone.context.close();
    }
  });

  it('says Offline within seconds and sends what was typed meanwhile exactly once when back', async () => {
    const alice = await openPage(browser);
    const bob = await openPage(browser);
    try {
      await signIn(alice.page, server.url, 'alice');
      const roomId = await createRoomInUi(alice.page, 'Outage');
      await alice.page.getByRole('status').getByText('Connected').waitFor({ timeout: WAIT_MS });
      await signIn(bob.page, server.url, 'bob');
      await enterRoom(bob.page, server.url, roomId, 'Outage');

      await alice.context.setOffline(true);
      const started = Date.now();
      await alice.page.getByRole('status').getByText('Offline').waitFor({ timeout: 5_000 });
      expect(Date.now() - started).toBeLessThan(5_000);
      await say(alice.page, 'typed while offline');
      await alice.page.getByText('Waiting for connection…').waitFor();

      await alice.context.setOffline(false);
      await alice.page.getByRole('status').getByText('Connected').waitFor({ timeout: WAIT_MS });
      await messageWith(alice.page, 'typed while offline').waitFor({ timeout: WAIT_MS });
      await messageWith(bob.page, 'typed while offline').waitFor({ timeout: WAIT_MS });
      // Once on the server, once in each log, even a while later.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await messagesOf(server, roomId)).filter((m) => m.body === 'typed while offline')).toHaveLength(
        1,
      );
      expect(await messageWith(bob.page, 'typed while offline').count()).toBe(1);
      expect(await alice.page.getByRole('log').getByText('typed while offline').count()).toBe(1);
    } finally {
      await alice.context.close();
      await bob.context.close();
    }
  });

  for (const [label, options] of [
    ['English, desktop', { locale: 'en-US' }],
    ['Korean, phone', { locale: 'ko-KR', viewport: PHONE }],
  ] as const) {
    it(`has no axe violations on the nickname screen, the room list, and a room with a reply, folded text, mentions and the emoji picker (${label})`, async () => {
      const carol = await createSession(server, 'carol');
      const room = await createRoom(server, carol.token, `Axe ${label}`);
      const person = await openPage(browser, options);
      try {
        await person.page.goto(server.url);
        const nickname = person.page.locator('#nickname');
        await nickname.waitFor();
        expect(await axeViolations(person.page)).toEqual([]);
        await nickname.fill('dana');
        await nickname.press('Enter');
        await person.page.locator('#room-name').waitFor();
        expect(await axeViolations(person.page)).toEqual([]);
        const tag = String(
          await person.page.evaluate("JSON.parse(localStorage.getItem('parley.session')).user.tag"),
        );
        const long = Array.from({ length: 20 }, (_, i) => `row ${i}`).join('\n');
        await sendMessages(server, carol.token, room.id, [
          'first words',
          long,
          `hi @dana#${tag} see www.example.com`,
        ]);
        const first = (await messagesOf(server, room.id)).find((m) => m.body === 'first words');
        if (first === undefined) throw new Error('seeded message missing');
        await sendReply(server, carol, room.id, first.id, 'a reply');
        await person.page.goto(`${server.url}/rooms/${room.id}`);
        await person.page.locator('li.msg.mentioned').waitFor({ timeout: WAIT_MS });
        await person.page.locator('li.msg blockquote.quote').waitFor({ timeout: WAIT_MS });
        expect(await axeViolations(person.page)).toEqual([]);

        const field = person.page.locator('#composer-field');
        await field.pressSequentially('@ca');
        await person.page.getByRole('listbox').waitFor();
        expect(await axeViolations(person.page)).toEqual([]);
        await field.press('Escape');

        await person.page.locator('.emoji-button').click();
        await person.page.locator('.emoji-cell').first().waitFor({ timeout: WAIT_MS });
        expect(await axeViolations(person.page)).toEqual([]);
        // The check can fail: an image without a text alternative is reported.
        await person.page.evaluate("document.querySelector('main').append(document.createElement('img'))");
        expect((await axeViolations(person.page)).join()).toContain('image-alt');
        expect(person.errors).toEqual([]);
      } finally {
        await person.context.close();
      }
    });
  }

  it('negotiates a 3 s server heart-beat and notices a silent (half-open) link within seconds', async () => {
    const alice = await openPage(browser);
    try {
      // Every socket goes through a relay; the first one can be made silent both ways, like a link
      // whose other end is gone without a close (no browser offline event, no TCP reset).
      let sockets = 0;
      let silent = false;
      const frames: string[] = [];
      await alice.page.routeWebSocket(/\/ws$/, (page) => {
        sockets += 1;
        const first = sockets === 1;
        const upstream = page.connectToServer();
        page.onMessage((message) => {
          frames.push(`> ${String(message)}`);
          if (!(first && silent)) upstream.send(message);
        });
        upstream.onMessage((message) => {
          frames.push(`< ${String(message)}`);
          if (!(first && silent)) page.send(message);
        });
      });
      await signIn(alice.page, server.url, 'alice');
      const roomId = await createRoomInUi(alice.page, 'Half open');
      await alice.page.getByRole('status').getByText('Connected').waitFor({ timeout: WAIT_MS });
      expect(frames.find((f) => f.startsWith('> CONNECT'))).toContain('heart-beat:10000,3000');
      expect(frames.find((f) => f.startsWith('< CONNECTED'))).toContain('heart-beat:2000,10000');
      // The server beats every 3 s while nothing else is said.
      const beats = (): number => frames.filter((f) => f === '< \n').length;
      const before = beats();
      await eventually(() => expect(beats()).toBeGreaterThanOrEqual(before + 2), { timeoutMs: 8_000 });

      silent = true;
      const started = Date.now();
      await say(alice.page, 'said into the void');
      await alice.page.getByRole('status').getByText('Reconnecting…').waitFor({ timeout: 10_000 });
      expect(Date.now() - started).toBeLessThan(10_000);
      await alice.page.getByRole('status').getByText('Connected').waitFor({ timeout: WAIT_MS });
      expect(sockets).toBeGreaterThanOrEqual(2);
      await messageWith(alice.page, 'said into the void').waitFor({ timeout: WAIT_MS });
      expect((await messagesOf(server, roomId)).filter((m) => m.body === 'said into the void')).toHaveLength(
        1,
      );
      expect(alice.errors).toEqual([]);
    } finally {
      await alice.context.close();
    }
  });

  it('links www. addresses safely and puts the actions button beside a short message', async () => {
    const person = await openPage(browser);
    try {
      await signIn(person.page, server.url, 'wendy');
      await createRoomInUi(person.page, 'Links');
      await say(person.page, 'see www.example.com/page.');
      const item = messageWith(person.page, 'see www.');
      await item.waitFor({ timeout: WAIT_MS });
      const link = item.getByRole('link', { name: 'www.example.com/page' });
      expect(await link.getAttribute('href')).toBe('https://www.example.com/page');
      expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow ugc');

      await say(person.page, 'ok');
      const short = messageWith(person.page, 'ok').last();
      await short.waitFor({ timeout: WAIT_MS });
      const body = await short.locator('.body').boundingBox();
      const actions = await short.getByRole('button', { name: 'Message actions' }).boundingBox();
      if (body === null || actions === null) throw new Error('not laid out');
      // Beside it: within a short reach of the text, not across the 1280 px wide column.
      expect(actions.x - (body.x + body.width)).toBeLessThan(300);
      expect(Math.abs(actions.x - body.x)).toBeLessThan(320);
    } finally {
      await person.context.close();
    }
  });
});

describe.skipIf(skip !== undefined)('a failed send in Chromium', { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  // One message per person, then refused (rate_limited): the failure path without faking the server.
  withServerAndBrowser({ SEND_BURST: '1', SEND_RATE_PER_SECOND: '0.001' }, (started) => {
    ({ server, browser } = started);
  });

  it('offers Retry and Discard, and never stops the log following new messages', async () => {
    const person = await openPage(browser);
    try {
      await signIn(person.page, server.url, 'fran');
      const roomId = await createRoomInUi(person.page, 'Refusals');
      await say(person.page, 'first goes');
      await messageWith(person.page, 'first goes').waitFor({ timeout: WAIT_MS });
      await say(person.page, 'second is refused');
      const failed = person.page
        .getByRole('log')
        .locator('li.pending')
        .filter({ hasText: 'second is refused' });
      await failed.getByRole('button', { name: 'Retry' }).waitFor({ timeout: WAIT_MS });
      await failed.getByRole('button', { name: 'Discard' }).waitFor();

      // Others talk (long messages, one per person): the view follows them past the failed one.
      const tall = Array.from({ length: 8 }, (_, i) => `row ${i}`).join('\n');
      for (let n = 0; n < 6; n++) {
        const other = await createSession(server, `other${n}`);
        await sendMessages(server, other.token, roomId, [`${tall}\nfrom other ${n}`]);
        await messageWith(person.page, `from other ${n}`).waitFor({ timeout: WAIT_MS });
        await eventually(async () => expect(await distanceFromBottom(person.page)).toBeLessThan(60), {
          timeoutMs: 5_000,
        });
      }
      expect(await person.page.getByRole('button', { name: /New messages/ }).count()).toBe(0);

      await failed.getByRole('button', { name: 'Discard' }).click();
      await failed.waitFor({ state: 'detached' });
      expect(await person.page.getByRole('log').getByText('second is refused').count()).toBe(0);
      expect(person.errors).toEqual([]);
    } finally {
      await person.context.close();
    }
  });
});
