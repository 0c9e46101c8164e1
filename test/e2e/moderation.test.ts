// Issue 8 in the browser: edits, deletes, replies and reactions as another person sees them (live and
// after a reload), and an owner muting and banning someone, seen from both sides — the muted send is
// refused, the banned person cannot get back in. Two Chromium contexts, driven by accessible names.
import type { Client } from '@stomp/stompjs';
import type { Browser, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { connectStompClient, receiptOf } from '../support/stompjs-client.js';
import {
  browserUnavailable,
  createRoom,
  createSession,
  DESKTOP,
  openPage,
  PHONE,
  sendMessages,
  signIn,
  type TestServer,
  withServerAndBrowser,
} from './harness.js';
import { createRoomInUi, enterRoom, messageWith, say, WAIT_MS } from './pages.js';

const skip = browserUnavailable();
async function choose(page: Page, item: Locator, action: string): Promise<void> {
  await item.getByRole('button', { name: 'Message actions' }).click();
  await page.getByRole('menuitem', { name: action, exact: true }).click();
}

describe.skipIf(skip !== undefined)(
  'moderation and message features in Chromium',
  { timeout: 150_000 },
  () => {
    let server: TestServer;
    let browser: Browser;

    withServerAndBrowser({}, (started) => {
      ({ server, browser } = started);
    });

    it('shows edits, replies, reactions and deletes to the other person, live and after a reload', async () => {
      const alice = await openPage(browser);
      const bob = await openPage(browser);
      try {
        await signIn(alice.page, server.url, 'alice');
        const roomId = await createRoomInUi(alice.page, 'Features');
        await signIn(bob.page, server.url, 'bob');
        await enterRoom(bob.page, server.url, roomId, 'Features');

        await say(bob.page, 'orignal text');
        await messageWith(alice.page, 'orignal text').waitFor({ timeout: WAIT_MS });

        // Bob fixes his typo with the keyboard-reachable menu; Alice sees the new text and the mark.
        await choose(bob.page, messageWith(bob.page, 'orignal text'), 'Edit');
        const edit = bob.page.getByLabel('Edit text');
        await edit.fill('original text');
        await edit.press('Enter');
        const edited = messageWith(alice.page, 'original text');
        await edited.getByText('(edited)').waitFor({ timeout: WAIT_MS });

        // Alice replies quoting it; Bob sees the quote above her words.
        await choose(alice.page, edited, 'Reply');
        await alice.page.getByText(/Replying to bob#\d{4}/).waitFor();
        await say(alice.page, 'a reply');
        const reply = messageWith(bob.page, 'a reply');
        await reply.waitFor({ timeout: WAIT_MS });
        expect(await reply.locator('blockquote.quote').textContent()).toMatch(/^bob#\d{4} original text$/);

        // Bob reacts to the reply; Alice sees the count and who.
        await choose(bob.page, reply, 'React');
        await bob.page.getByRole('button', { name: 'React with 👍' }).click();
        const chip = messageWith(alice.page, 'a reply').getByRole('button', { name: /^👍 1: bob#\d{4}$/ });
        await chip.waitFor({ timeout: WAIT_MS });

        // Bob deletes his message; Alice sees it gone, and the quote in the reply says so too.
        await choose(bob.page, messageWith(bob.page, 'original text').first(), 'Delete');
        await bob.page.getByRole('button', { name: 'Delete', exact: true }).click();
        const log = alice.page.getByRole('log');
        await log.getByText('This message was deleted.').waitFor({ timeout: WAIT_MS });
        await messageWith(alice.page, 'a reply').getByText('deleted message').waitFor({ timeout: WAIT_MS });
        expect(await log.getByText('original text').count()).toBe(0);

        // Everything is the server's state, so a reload shows the same.
        await alice.page.reload();
        await alice.page
          .getByRole('log')
          .getByText('This message was deleted.')
          .waitFor({ timeout: WAIT_MS });
        const replyAfter = messageWith(alice.page, 'a reply');
        await replyAfter.getByRole('button', { name: /^👍 1: bob#\d{4}$/ }).waitFor({ timeout: WAIT_MS });
        await replyAfter.getByText('deleted message').waitFor();
        expect(await alice.page.getByRole('log').getByText('original text').count()).toBe(0);
        expect(alice.errors).toEqual([]);
        expect(bob.errors).toEqual([]);
      } finally {
        await alice.context.close();
        await bob.context.close();
      }
    });

    it('opens the actions menu of the last message of a full log upwards, every item in view', async () => {
      const sam = await createSession(server, 'sam');
      const room = await createRoom(server, sam.token, 'Busy');
      await sendMessages(
        server,
        sam.token,
        room.id,
        Array.from({ length: 40 }, (_, i) => `line ${i + 1}`),
      );
      const pat = await openPage(browser);
      try {
        await signIn(pat.page, server.url, 'pat');
        await enterRoom(pat.page, server.url, room.id, 'Busy');
        const last = messageWith(pat.page, 'line 40');
        await last.waitFor({ timeout: WAIT_MS });
        await last.getByRole('button', { name: 'Message actions' }).click();
        const items = pat.page.getByRole('menuitem');
        await items.first().waitFor();
        const log = await pat.page.getByRole('log').boundingBox();
        if (log === null) throw new Error('the log has no box');
        const names = await items.allTextContents();
        expect(names).toEqual(['Reply', 'React', 'Report']);
        for (const item of await items.all()) {
          const box = await item.boundingBox();
          if (box === null) throw new Error('a menu item has no box');
          expect(box.y).toBeGreaterThanOrEqual(log.y);
          expect(box.y + box.height).toBeLessThanOrEqual(log.y + log.height);
        }
        expect(pat.errors).toEqual([]);
      } finally {
        await pat.context.close();
      }
    });

    it('keeps an open message menu beside its button while the log scrolls, and closes it once the button leaves the log', async () => {
      const sam = await createSession(server, 'sam');
      const room = await createRoom(server, sam.token, 'Scrolling');
      await sendMessages(
        server,
        sam.token,
        room.id,
        Array.from({ length: 40 }, (_, i) => `row ${i + 1}`),
      );
      const pat = await openPage(browser);
      try {
        await signIn(pat.page, server.url, 'pat');
        await enterRoom(pat.page, server.url, room.id, 'Scrolling');
        const row = messageWith(pat.page, 'row 36');
        await row.waitFor({ timeout: WAIT_MS });
        const button = row.getByRole('button', { name: 'Message actions' });
        await button.click();
        const menu = pat.page.getByRole('menu');
        await menu.waitFor();
        const gap = async (): Promise<number> => {
          const [at, placed] = await Promise.all([button.boundingBox(), menu.boundingBox()]);
          if (at === null || placed === null) throw new Error('no box');
          return Math.min(
            Math.abs(placed.y - (at.y + at.height)),
            Math.abs(at.y - (placed.y + placed.height)),
          );
        };
        expect(await gap()).toBeLessThan(2);
        // A small scroll (the log settling, history loading above): the menu stays, beside its button.
        const logBox = pat.page.getByRole('log');
        await logBox.evaluate((log) => {
          log.scrollTop -= 40;
        });
        await eventually(async () => expect(await gap()).toBeLessThan(2));
        expect(await menu.isVisible()).toBe(true);
        // Scrolled far enough that the button is out of the log: the menu closes.
        await logBox.evaluate((log) => {
          log.scrollTop = 0;
        });
        await menu.waitFor({ state: 'detached', timeout: WAIT_MS });
        expect(pat.errors).toEqual([]);
      } finally {
        await pat.context.close();
      }
    });

    for (const [size, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      it(`opens the member menu of the last person in the list whole, every item usable (${size})`, async () => {
        const owner = await openPage(browser, { viewport });
        const present: Client[] = [];
        try {
          await signIn(owner.page, server.url, 'gus');
          const roomId = await createRoomInUi(owner.page, `Listed ${size}`);
          // Two others online (over STOMP): the menu of the last of them sits at the list's bottom edge.
          for (const name of ['eve', 'fay']) {
            const { token } = await createSession(server, name);
            const client = await connectStompClient({
              url: `${server.url.replace(/^http/, 'ws')}/ws`,
              token,
            });
            present.push(client);
            const joined = receiptOf(client, `join-${name}`, WAIT_MS);
            client.subscribe(`/topic/rooms.${roomId}`, () => undefined, { receipt: `join-${name}` });
            await joined;
          }
          const menus = owner.page.getByRole('button', { name: /^Member actions for / });
          if (size === 'phone') await owner.page.getByText(/^Online now/).click();
          await eventually(async () => expect(await menus.count()).toBe(2));
          const last = (await menus.last().getAttribute('aria-label')) ?? '';
          await menus.last().click();
          const items = owner.page.getByRole('menuitem');
          await items.first().waitFor({ timeout: WAIT_MS });
          expect(await items.allTextContents()).toEqual(expect.arrayContaining(['Mute', 'Kick', 'Ban']));
          for (const item of await items.all()) {
            // Hit-testing, not only the box: what is at the item's centre is the item, not a clipping list.
            const box = await item.boundingBox();
            if (box === null) throw new Error('a menu item has no box');
            const x = box.x + box.width / 2;
            const y = box.y + box.height / 2;
            const hit = await owner.page.evaluate(
              `document.elementFromPoint(${x}, ${y})?.textContent ?? null`,
            );
            expect(hit).toBe(await item.textContent());
          }
          await owner.page.getByRole('menuitem', { name: 'Kick', exact: true }).click();
          await owner.page.getByRole('button', { name: 'Kick', exact: true }).click();
          const kicked = last.replace('Member actions for ', '');
          await owner.page
            .getByRole('log')
            .getByText(new RegExp(`gus#\\d{4} kicked ${kicked}`))
            .waitFor({ timeout: WAIT_MS });
          expect(owner.errors).toEqual([]);
        } finally {
          await Promise.all(present.map((client) => client.deactivate()));
          await owner.context.close();
        }
      });
    }

    it('lets the owner mute and then ban someone: the muted send is refused, the banned cannot re-enter', async () => {
      const owner = await openPage(browser);
      const member = await openPage(browser);
      try {
        await signIn(owner.page, server.url, 'olga');
        const roomId = await createRoomInUi(owner.page, 'Strict');
        await signIn(member.page, server.url, 'max');
        await enterRoom(member.page, server.url, roomId, 'Strict');
        await say(member.page, 'hello from max');
        const theirs = messageWith(owner.page, 'hello from max');
        await theirs.waitFor({ timeout: WAIT_MS });

        await choose(owner.page, theirs, 'Mute');
        await owner.page.getByLabel('Reason').fill('cool down');
        await owner.page.getByRole('button', { name: 'Mute', exact: true }).click();
        const muted = /olga#\d{4} muted max#\d{4} until .+ \(cool down\)/;
        await owner.page.getByRole('log').getByText(muted).waitFor({ timeout: WAIT_MS });
        await member.page.getByRole('log').getByText(muted).waitFor({ timeout: WAIT_MS });

        // Told before trying (issue 15): the mute and its end are said, and Send holds the text back.
        await member.page
          .getByRole('status')
          .filter({ hasText: /^You are muted in this room until .+\.$/ })
          .waitFor({ timeout: WAIT_MS });
        await say(member.page, 'am I muted?');
        expect(await member.page.getByLabel('Message', { exact: true }).inputValue()).toBe('am I muted?');
        expect(await member.page.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
        expect(await messageWith(owner.page, 'am I muted?').count()).toBe(0);

        await choose(owner.page, theirs, 'Ban');
        await owner.page.getByRole('button', { name: 'Ban', exact: true }).click();
        await owner.page
          .getByRole('log')
          .getByText(/olga#\d{4} banned max#\d{4} until/)
          .waitFor({ timeout: WAIT_MS });
        await member.page.getByText('You are banned from this room.').waitFor({ timeout: WAIT_MS });
        expect(await member.page.getByLabel('Message', { exact: true }).count()).toBe(0);

        // A fresh load of the room is refused too (same identity), with no way to send.
        await member.page.reload();
        await member.page.getByRole('heading', { name: 'Strict', level: 1 }).waitFor();
        await member.page.getByText('You are banned from this room.').waitFor({ timeout: WAIT_MS });
        expect(await member.page.getByLabel('Message', { exact: true }).count()).toBe(0);

        // The owner sees the ban in the Bans panel.
        await owner.page.getByRole('button', { name: 'Bans' }).click();
        await owner.page
          .getByRole('region', { name: 'Bans' })
          .getByText(/max#\d{4}/)
          .first()
          .waitFor({ timeout: WAIT_MS });
        expect(owner.errors).toEqual([]);
        expect(member.errors).toEqual([]);
      } finally {
        await owner.context.close();
        await member.context.close();
      }
    });

    it('lets the owner turn on slow mode and kick someone, who sees why and may rejoin', async () => {
      const owner = await openPage(browser);
      const member = await openPage(browser);
      try {
        await signIn(owner.page, server.url, 'rita');
        const roomId = await createRoomInUi(owner.page, 'Calm');
        await signIn(member.page, server.url, 'tom');
        await enterRoom(member.page, server.url, roomId, 'Calm');

        // Slow mode from the settings panel: the member sees the flag and a quick second message waits.
        await owner.page.getByRole('button', { name: 'Room settings' }).click();
        await owner.page.getByLabel('Slow mode (seconds)').fill('30');
        await owner.page.getByRole('button', { name: 'Save', exact: true }).click();
        await owner.page.getByText('Settings saved.').waitFor({ timeout: WAIT_MS });
        await member.page.getByText('Slow mode: one message every 30 s').waitFor({ timeout: WAIT_MS });
        await say(member.page, 'first words');
        await messageWith(owner.page, 'first words').waitFor({ timeout: WAIT_MS });
        // A quick second message waits out slow mode's countdown in the field (issue 15), never sent early.
        await say(member.page, 'too soon');
        await member.page
          .getByRole('timer')
          .getByText(/^Slow mode: you can send again in \d+ s$/)
          .waitFor();
        expect(await member.page.getByLabel('Message', { exact: true }).inputValue()).toBe('too soon');
        expect(await messageWith(owner.page, 'too soon').count()).toBe(0);

        // A kick without a cool-down ends the member's subscription with a notice; Rejoin brings them
        // back in (kicks with one: test/e2e/bans.test.ts).
        await choose(owner.page, messageWith(owner.page, 'first words'), 'Kick');
        await owner.page.getByLabel('Out for').selectOption({ label: 'No cool-down (may rejoin now)' });
        await owner.page.getByRole('button', { name: 'Kick', exact: true }).click();
        await owner.page
          .getByRole('log')
          .getByText(/rita#\d{4} kicked tom#\d{4}/)
          .waitFor({ timeout: WAIT_MS });
        await member.page
          .getByText('A moderator removed you from this room. You may rejoin.')
          .waitFor({ timeout: WAIT_MS });
        expect(await member.page.getByLabel('Message', { exact: true }).count()).toBe(0);
        await member.page.getByRole('button', { name: 'Rejoin' }).click();
        await member.page.getByLabel('Message', { exact: true }).waitFor({ timeout: WAIT_MS });
        await messageWith(member.page, 'first words').waitFor({ timeout: WAIT_MS });
        expect(owner.errors).toEqual([]);
        expect(member.errors).toEqual([]);
      } finally {
        await owner.context.close();
        await member.context.close();
      }
    });

    it('lets the owner appoint a moderator who handles a report, then dismiss them; the audit log shows both', async () => {
      const owner = await openPage(browser);
      const helper = await openPage(browser);
      const troll = await openPage(browser);
      try {
        await signIn(owner.page, server.url, 'uma');
        const roomId = await createRoomInUi(owner.page, 'Team');
        await signIn(helper.page, server.url, 'vic');
        await enterRoom(helper.page, server.url, roomId, 'Team');
        await signIn(troll.page, server.url, 'wen');
        await enterRoom(troll.page, server.url, roomId, 'Team');
        await say(troll.page, 'buy cheap watches');
        await messageWith(helper.page, 'buy cheap watches').waitFor({ timeout: WAIT_MS });

        // Appoint from the member list; the new moderator gets the staff panels.
        await owner.page.getByRole('button', { name: /^Member actions for vic#\d{4}$/ }).click();
        await owner.page.getByRole('menuitem', { name: 'Make moderator', exact: true }).click();
        await helper.page
          .getByRole('log')
          .getByText(/uma#\d{4} made vic#\d{4} a moderator/)
          .waitFor({ timeout: WAIT_MS });
        const reportsButton = helper.page.getByRole('button', { name: 'Reports', exact: true });
        await reportsButton.waitFor({ timeout: WAIT_MS });

        // The troll's message is reported by the owner; the moderator sees it in the Reports panel.
        await choose(owner.page, messageWith(owner.page, 'buy cheap watches'), 'Report');
        await owner.page.getByLabel('Reason').fill('spam');
        await owner.page.getByRole('button', { name: 'Send report', exact: true }).click();
        await owner.page.getByText('Report sent to the moderators.').waitFor({ timeout: WAIT_MS });
        await reportsButton.click();
        const reports = helper.page.getByRole('region', { name: 'Reports' });
        await reports.getByText('buy cheap watches').waitFor({ timeout: WAIT_MS });
        await reports.getByText('spam', { exact: true }).waitFor();
        await reports.getByText(/reported by uma#\d{4}/).waitFor();

        // Dismissed, the helper loses the staff panels; the owner's audit log has both changes.
        await owner.page.getByRole('button', { name: /^Member actions for vic#\d{4}$/ }).click();
        await owner.page.getByRole('menuitem', { name: 'Remove moderator', exact: true }).click();
        await helper.page
          .getByRole('log')
          .getByText(/uma#\d{4} removed vic#\d{4} as moderator/)
          .waitFor({ timeout: WAIT_MS });
        await eventually(async () => expect(await reportsButton.count()).toBe(0));
        await owner.page.getByRole('button', { name: 'Audit log', exact: true }).click();
        const audit = owner.page.getByRole('region', { name: 'Audit log' });
        await audit.getByText(/^uma#\d{4} removed vic#\d{4} as moderator$/).waitFor({ timeout: WAIT_MS });
        await audit.getByText(/^uma#\d{4} made vic#\d{4} a moderator$/).waitFor();
        for (const page of [owner, helper, troll]) expect(page.errors).toEqual([]);
      } finally {
        await owner.context.close();
        await helper.context.close();
        await troll.context.close();
      }
    });

    it('asks for the room password, highlights mentions with a flag elsewhere, and counts unread', async () => {
      const owner = await openPage(browser);
      const guest = await openPage(browser);
      try {
        await signIn(owner.page, server.url, 'pat');
        const roomId = await createRoomInUi(owner.page, 'Locked');
        const ownerTag = (await owner.page.locator('.topbar .whoami .tag').textContent())?.slice(1) ?? '';
        await owner.page.getByRole('button', { name: 'Room settings' }).click();
        await owner.page.getByLabel('New room password').fill('sesame');
        await owner.page.getByLabel('Slow mode (seconds)').fill('0');
        await owner.page.getByRole('button', { name: 'Save' }).click();
        await owner.page.getByText('Password protected').waitFor({ timeout: WAIT_MS });

        await signIn(guest.page, server.url, 'quinn');
        // The list withholds who is in a password room and when it was active: it says it is locked
        // rather than "0 online · no messages yet".
        const card = guest.page.locator('.room-card').filter({ hasText: 'Locked' });
        await card.getByText('Password protected').waitFor({ timeout: WAIT_MS });
        expect(await card.textContent()).not.toMatch(/online|no messages yet/);
        await guest.page.goto(`${server.url}/rooms/${roomId}`);
        await guest.page.getByText('This room has a password.').waitFor({ timeout: WAIT_MS });
        // Nothing of the room is shown behind the password, so the log does not claim it begins here.
        expect(await guest.page.getByText('This is the beginning of the room.').count()).toBe(0);
        await guest.page.getByLabel('Room password').fill('wrong');
        await guest.page.getByRole('button', { name: 'Enter', exact: true }).click();
        await guest.page.getByText('That room password is not right.').waitFor({ timeout: WAIT_MS });
        await guest.page.getByLabel('Room password').fill('sesame');
        await guest.page.getByRole('button', { name: 'Enter', exact: true }).click();
        await guest.page.getByLabel('Message', { exact: true }).waitFor({ timeout: WAIT_MS });
        await owner.page
          .getByRole('log')
          .getByText(/quinn#\d{4} joined/)
          .waitFor({ timeout: WAIT_MS });
        // Entering with the password subscribes once: no "joined, left, joined" for the owner.
        // (A second subscription would follow the first within milliseconds; a short settle shows it.)
        await guest.page.getByRole('log').getByText('This is the beginning of the room.').waitFor();
        await owner.page.waitForTimeout(1500);
        expect(
          await owner.page
            .getByRole('log')
            .getByText(/quinn#\d{4} (joined|left)/)
            .count(),
        ).toBe(1);

        // The owner leaves for the room list; a mention there raises the flag, and the room counts unread.
        await owner.page.getByRole('link', { name: /All rooms/ }).click();
        await owner.page.getByLabel('Room name').waitFor();
        await say(guest.page, `hey @pat#${ownerTag} look`);
        await say(guest.page, 'second one');
        await messageWith(guest.page, 'second one').waitFor({ timeout: WAIT_MS });
        await owner.page
          .getByRole('status')
          .getByText(/quinn#\d{4} mentioned you/)
          .waitFor({ timeout: WAIT_MS });
        await expect
          .poll(
            async () => {
              await owner.page.reload();
              // The room is one of the owner's rooms (read in): counted there, above all rooms.
              const mine = owner.page.getByRole('region', { name: 'My rooms' });
              await mine.getByRole('link', { name: 'Locked', exact: true }).waitFor();
              return mine
                .locator('.room-card')
                .filter({ hasText: 'Locked' })
                .locator('.unread')
                .first()
                .textContent({ timeout: 2000 })
                .catch(() => '');
            },
            { timeout: WAIT_MS, interval: 500 },
          )
          .toBe('2 unread');
        await owner.page.getByRole('link', { name: 'Locked', exact: true }).first().click();
        const mention = messageWith(owner.page, 'look').locator('mark.mention.me');
        await mention.waitFor({ timeout: WAIT_MS });
        expect(await mention.textContent()).toBe(`@pat#${ownerTag}`);
        expect(owner.errors).toEqual([]);
        expect(guest.errors).toEqual([]);
      } finally {
        await owner.context.close();
        await guest.context.close();
      }
    });
  },
);
