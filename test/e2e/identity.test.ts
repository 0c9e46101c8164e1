// Issue 14 in the browser: identity that lasts. An owner renames and stays the owner (changes settings,
// another person sees the new name); a session a week old (the server's ManualClock moved 8 days)
// still works after a reload; a recovery code and a device link (also through the QR code's /link#
// address) bring the same identity, with its owner powers, to other browser contexts; signing out
// other devices keeps this one; starting over warns about the rooms it gives up.
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { browserUnavailable, openPage, signIn, type TestServer, withServerAndBrowser } from './harness.js';
import { createRoomInUi, enterRoom, messageWith, say, WAIT_MS } from './pages.js';

const skip = browserUnavailable();

interface StoredSession {
  readonly token: string;
  readonly user: { readonly id: string; readonly nickname: string; readonly tag: string };
  readonly expiresAt: string;
}

async function storedSession(page: Page): Promise<StoredSession | undefined> {
  const raw = (await page.evaluate("localStorage.getItem('parley.session')")) as string | null;
  return raw === null ? undefined : (JSON.parse(raw) as StoredSession);
}

async function openIdentity(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Identity' }).click();
  await page.getByRole('heading', { name: 'Your identity', level: 1 }).waitFor();
}

async function useCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Recovery or link code').fill(code);
  await page.getByRole('button', { name: 'Use code' }).click();
}

describe.skipIf(skip !== undefined)('identity that lasts, in Chromium', { timeout: 150_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  const clock = new ManualClock(Date.now());

  withServerAndBrowser(
    // Each visit renews the token; the suite reloads often.
    { REFRESHES_PER_USER_PER_HOUR: '1000' },
    (started) => {
      ({ server, browser } = started);
    },
    { clock },
  );

  it('an owner who renames stays the owner; the other person sees the new name', async () => {
    const owner = await openPage(browser);
    const member = await openPage(browser);
    try {
      await signIn(owner.page, server.url, 'oona');
      const roomId = await createRoomInUi(owner.page, 'Renamed room');
      const before = await storedSession(owner.page);
      await signIn(member.page, server.url, 'mel');
      await enterRoom(member.page, server.url, roomId, 'Renamed room');
      await say(owner.page, 'said as oona');
      await messageWith(member.page, 'said as oona').waitFor({ timeout: WAIT_MS });

      await openIdentity(owner.page);
      await owner.page.getByLabel('New nickname').fill('Oonagh');
      await owner.page.getByRole('button', { name: 'Rename' }).click();
      await owner.page.getByText(/^You are now Oonagh#\d{4}\.$/).waitFor({ timeout: WAIT_MS });
      const after = await storedSession(owner.page);
      expect(after?.user.id).toBe(before?.user.id);
      expect(after?.user.nickname).toBe('Oonagh');
      expect(await owner.page.locator('.topbar .whoami .nick').textContent()).toBe('Oonagh');

      await enterRoom(owner.page, server.url, roomId, 'Renamed room');
      await say(owner.page, 'said as oonagh');
      const renamed = messageWith(member.page, 'said as oonagh');
      await renamed.waitFor({ timeout: WAIT_MS });
      expect(await renamed.locator('.author .name').first().textContent()).toBe('Oonagh');
      // History keeps the name a message was sent with.
      expect(
        await messageWith(member.page, 'said as oona').locator('.author .name').first().textContent(),
      ).toBe('oona');

      // Still the owner: the settings panel is there and saving works; the member sees the change.
      await owner.page.getByRole('button', { name: 'Room settings' }).click();
      await owner.page.getByLabel('Slow mode (seconds)').fill('30');
      await owner.page.getByRole('button', { name: 'Save', exact: true }).click();
      await owner.page.getByText('Settings saved.').waitFor({ timeout: WAIT_MS });
      await member.page.getByText('Slow mode: one message every 30 s').waitFor({ timeout: WAIT_MS });
      await member.page.getByText(/^Oonagh#\d{4} set slow mode to 30 s$/).waitFor({ timeout: WAIT_MS });

      // Starting over warns about the room the owner would give up; cancelling keeps everything.
      await openIdentity(owner.page);
      await owner.page.getByRole('button', { name: 'Start over as someone new' }).click();
      const warning = owner.page.getByRole('alertdialog');
      await warning.getByText('You will lose your role in this room:').waitFor({ timeout: WAIT_MS });
      await warning.getByText('Renamed room (owner)').waitFor();
      await warning.getByRole('button', { name: 'Cancel' }).click();
      expect((await storedSession(owner.page))?.user.id).toBe(before?.user.id);
      await owner.page.getByRole('button', { name: 'Start over as someone new' }).click();
      await owner.page
        .getByRole('alertdialog')
        .getByRole('button', { name: 'Start over', exact: true })
        .click();
      await owner.page.getByLabel('Nickname').waitFor({ timeout: WAIT_MS });
      expect(await storedSession(owner.page)).toBeUndefined();
      expect(owner.errors).toEqual([]);
      expect(member.errors).toEqual([]);
    } finally {
      await owner.context.close();
      await member.context.close();
    }
  });

  it('a session a week old still works after a reload (the token is renewed past its expiry)', async () => {
    const person = await openPage(browser);
    try {
      await signIn(person.page, server.url, 'wendy');
      const roomId = await createRoomInUi(person.page, 'A week later');
      const first = await storedSession(person.page);
      await person.page.goto(`${server.url}/`);
      await person.page.getByLabel('Room name').waitFor();

      // A week and a day pass: on the server (its ManualClock), and for this browser, which last renewed
      // its token then (the page's own clock is real time, so the renewal stamp is moved instead).
      clock.advance(8 * 86_400_000);
      expect(Date.parse(first?.expiresAt ?? '')).toBeLessThan(clock.now());
      await person.page.evaluate(
        `localStorage.setItem('parley.session.renewedAt', String(Date.now() - ${8 * 86_400_000}))`,
      );
      await person.page.reload();
      await person.page.getByLabel('Room name').waitFor({ timeout: WAIT_MS });
      // Renewed on the visit, before anything used it: the stored token is the server's fresh one.
      expect(Date.parse((await storedSession(person.page))?.expiresAt ?? '')).toBeGreaterThan(clock.now());
      await enterRoom(person.page, server.url, roomId, 'A week later');
      await say(person.page, 'still me');
      await messageWith(person.page, 'still me').waitFor({ timeout: WAIT_MS });
      const renewed = await storedSession(person.page);
      expect(renewed?.user).toEqual(first?.user);
      expect(Date.parse(renewed?.expiresAt ?? '')).toBeGreaterThan(clock.now());
      // Still the owner after the week.
      await person.page.getByRole('button', { name: 'Room settings' }).waitFor();
      expect(person.errors).toEqual([]);
    } finally {
      await person.context.close();
    }
  });

  it('a recovery code and a device link bring the same identity to other browsers; signing out other devices keeps this one', async () => {
    const laptop = await openPage(browser);
    const phone = await openPage(browser);
    const tablet = await openPage(browser);
    try {
      await signIn(laptop.page, server.url, 'rosa');
      const roomId = await createRoomInUi(laptop.page, 'Carried over');
      const rosa = await storedSession(laptop.page);

      // A recovery code, shown once, entered on the phone's first screen.
      await openIdentity(laptop.page);
      await laptop.page.getByText('You have no recovery code yet.').waitFor({ timeout: WAIT_MS });
      await laptop.page.getByRole('button', { name: 'Create a recovery code' }).click();
      const recovery = laptop.page.getByRole('status', { name: 'Recovery code' });
      await recovery.waitFor({ timeout: WAIT_MS });
      const recoveryCode = (await recovery.textContent()) ?? '';
      expect(recoveryCode).toMatch(/^([0-9A-Z]{4}-){6}[0-9A-Z]{4}$/);
      await phone.page.goto(server.url);
      await useCode(phone.page, recoveryCode.toLowerCase());
      await phone.page.getByLabel('Room name').waitFor({ timeout: WAIT_MS });
      expect((await storedSession(phone.page))?.user).toEqual(rosa?.user);
      await enterRoom(phone.page, server.url, roomId, 'Carried over');
      await phone.page.getByRole('button', { name: 'Room settings' }).waitFor({ state: 'attached' });

      // A device link: a code and its QR code on the laptop; the tablet opens the QR code's address.
      await laptop.page.getByRole('button', { name: 'Show a link code' }).click();
      const link = laptop.page.getByRole('status', { name: 'Link code' });
      await link.waitFor({ timeout: WAIT_MS });
      const linkCode = (await link.textContent()) ?? '';
      expect(linkCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      const qr = laptop.page.getByRole('img', { name: 'QR code for linking another device' });
      await qr.waitFor();
      expect(await qr.locator('rect').count()).toBeGreaterThan(100);
      await tablet.page.goto(`${server.url}/link#${linkCode}`);
      expect(await tablet.page.getByLabel('Recovery or link code').inputValue()).toBe(linkCode);
      expect(new URL(tablet.page.url()).hash).toBe('');
      await tablet.page.getByRole('button', { name: 'Use code' }).click();
      await tablet.page.getByLabel('Room name').waitFor({ timeout: WAIT_MS });
      expect((await storedSession(tablet.page))?.user).toEqual(rosa?.user);
      await enterRoom(tablet.page, server.url, roomId, 'Carried over');
      await say(tablet.page, 'from the tablet');
      const seen = messageWith(phone.page, 'from the tablet');
      await seen.waitFor({ timeout: WAIT_MS });
      expect(await seen.locator('.author .name').first().textContent()).toBe('rosa');

      // The link code was single-use.
      const other = await openPage(browser);
      try {
        await other.page.goto(server.url);
        await useCode(other.page, linkCode);
        await other.page
          .getByRole('alert')
          .getByText(/That code does not work/)
          .waitFor({ timeout: WAIT_MS });
      } finally {
        await other.context.close();
      }

      // Sign out other devices: the laptop stays, the phone and tablet are out. (The server's clock is a
      // ManualClock: moved on so the stamp falls after the tokens issued so far, as real time would.)
      clock.advance(1000);
      await laptop.page.getByRole('button', { name: 'Sign out other devices' }).click();
      await laptop.page.getByText(/^Other devices were signed out\./).waitFor({ timeout: WAIT_MS });
      // The recovery code made before it was retired with the other devices.
      await laptop.page.getByText('You have no recovery code yet.').waitFor({ timeout: WAIT_MS });
      await phone.page.reload();
      await phone.page.getByLabel('Nickname').waitFor({ timeout: WAIT_MS });
      await tablet.page.getByLabel('Nickname').waitFor({ timeout: WAIT_MS });
      await laptop.page.reload();
      await enterRoom(laptop.page, server.url, roomId, 'Carried over');
      await say(laptop.page, 'laptop stays');
      await messageWith(laptop.page, 'laptop stays').waitFor({ timeout: WAIT_MS });
      expect((await storedSession(laptop.page))?.user).toEqual(rosa?.user);
      for (const page of [laptop, phone, tablet]) expect(page.errors).toEqual([]);
    } finally {
      await laptop.context.close();
      await phone.context.close();
      await tablet.context.close();
    }
  });
});
