// Bans that stick, in the browser, behind a trusted proxy: each Chromium context is given its network
// by an X-Forwarded-For header on every request (the WebSocket upgrade included). An owner bans someone
// with their network; a fresh identity from that network is kept out (page and raw STOMP alike), others
// are not, and the ban list says how many identities share the network. A kick carries a cool-down the
// kicked person is shown; the newcomer gate lets a newcomer read, then post once the room has spoken;
// a room that approves newcomers lets them ask, and the owner let them post.
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserUnavailable, openPage, signIn, type TestServer, withServerAndBrowser } from './harness.js';
import { createRoomInUi, enterRoom, messageWith, say, WAIT_MS } from './pages.js';

const skip = browserUnavailable();

const from = (address: string) => ({ headers: { 'X-Forwarded-For': address } });

/**
 * From inside the page (its own WebSocket upgrade, its own headers): CONNECT with the stored token,
 * SUBSCRIBE to the room with a receipt, and answer what came back: `joined`, or the error code.
 */
async function stompJoin(page: Page, roomId: string): Promise<string> {
  return page.evaluate(async (room) => {
    // Runs in the page: its globals, typed here by what is used of them.
    const { localStorage, location } = globalThis as unknown as {
      localStorage: { getItem(key: string): string | null };
      location: { origin: string; host: string };
    };
    const raw = localStorage.getItem('parley.session');
    const token = raw === null ? '' : (JSON.parse(raw) as { token: string }).token;
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws`, ['v12.stomp']);
    const frame = (command: string, headers: Record<string, string>): string =>
      `${command}\n${Object.entries(headers)
        .map(([k, v]) => `${k}:${v}`)
        .join('\n')}\n\n\u0000`;
    return new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), 10_000);
      ws.onopen = () =>
        ws.send(
          frame('CONNECT', {
            'accept-version': '1.2',
            host: location.host,
            Authorization: `Bearer ${token}`,
          }),
        );
      ws.onmessage = (event) => {
        const text = String(event.data);
        if (text.startsWith('CONNECTED')) {
          ws.send(frame('SUBSCRIBE', { id: 'e', destination: '/user/queue/errors' }));
          ws.send(frame('SUBSCRIBE', { id: 'r', destination: `/topic/rooms.${room}`, receipt: 'join' }));
        } else if (text.startsWith('RECEIPT')) {
          clearTimeout(timer);
          ws.close();
          resolve('joined');
        } else if (text.startsWith('MESSAGE') && text.includes('/user/queue/errors')) {
          clearTimeout(timer);
          ws.close();
          const body = text.slice(text.indexOf('\n\n') + 2).split('\u0000')[0] ?? '';
          resolve((JSON.parse(body) as { code: string }).code);
        } else if (text.startsWith('ERROR')) {
          clearTimeout(timer);
          resolve(`error: ${text}`);
        }
      };
    });
  }, roomId);
}

describe.skipIf(skip !== undefined)('bans that stick in Chromium', { timeout: 150_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  withServerAndBrowser({ TRUSTED_PROXIES: '127.0.0.1' }, (started) => {
    ({ server, browser } = started);
  });

  it('bans a network: a fresh identity from it is refused, another network is not; staff see the count', async () => {
    const owner = await openPage(browser, from('192.0.2.10'));
    const bob = await openPage(browser, from('203.0.113.7'));
    const carol = await openPage(browser, from('198.51.100.9'));
    const fresh = await openPage(browser, from('203.0.113.7'));
    const stranger = await openPage(browser, from('198.51.100.50'));
    try {
      await signIn(owner.page, server.url, 'olga');
      const roomId = await createRoomInUi(owner.page, 'Sticky');
      await signIn(bob.page, server.url, 'bob');
      await enterRoom(bob.page, server.url, roomId, 'Sticky');
      await say(bob.page, 'hello from bob');
      await messageWith(owner.page, 'hello from bob').waitFor({ timeout: WAIT_MS });
      await signIn(carol.page, server.url, 'carol');
      await enterRoom(carol.page, server.url, roomId, 'Sticky');

      // From the member list: the ban form offers identity + network (chosen) with the count.
      await owner.page.getByRole('button', { name: /Member actions for bob#\d{4}/ }).click();
      await owner.page.getByRole('menuitem', { name: 'Ban', exact: true }).click();
      const form = owner.page.getByRole('form', { name: /Ban: bob#\d{4}/ });
      await form.getByText('1 identity from this address').waitFor({ timeout: WAIT_MS });
      expect(await form.getByRole('radio', { name: 'This identity and its network' }).isChecked()).toBe(true);
      await form.getByRole('button', { name: 'Ban', exact: true }).click();
      await bob.page.getByText('You are banned from this room.').waitFor({ timeout: WAIT_MS });

      // "Change nickname" from the same network: a fresh identity is kept out of the page…
      await signIn(fresh.page, server.url, 'totally not bob');
      await fresh.page.goto(`${server.url}/rooms/${roomId}`);
      await fresh.page.getByRole('heading', { name: 'Sticky', level: 1 }).waitFor();
      await fresh.page.getByText('You are banned from this room.').waitFor({ timeout: WAIT_MS });
      expect(await fresh.page.getByLabel('Message', { exact: true }).count()).toBe(0);
      // …and out of STOMP, through the page's own WebSocket upgrade (which carries its X-Forwarded-For).
      expect(await stompJoin(fresh.page, roomId)).toBe('banned');

      // Other networks are untouched: carol keeps talking, a stranger gets in.
      await say(carol.page, 'still here');
      await messageWith(owner.page, 'still here').waitFor({ timeout: WAIT_MS });
      await signIn(stranger.page, server.url, 'stranger');
      await enterRoom(stranger.page, server.url, roomId, 'Sticky');
      expect(await stompJoin(stranger.page, roomId)).toBe('joined');
      await say(stranger.page, 'new here, other network');
      await messageWith(owner.page, 'new here, other network').waitFor({ timeout: WAIT_MS });

      // The ban list: what the ban covers and how many identities share the network, never an address.
      await owner.page.getByRole('button', { name: 'Bans' }).click();
      const bans = owner.page.getByRole('region', { name: 'Bans' });
      await bans.getByText('identity and network').waitFor({ timeout: WAIT_MS });
      await bans.getByText('2 identities from this address').waitFor({ timeout: WAIT_MS });
      expect(await bans.textContent()).not.toContain('203.0.113');
      for (const side of [owner, bob, carol, fresh, stranger]) expect(side.errors).toEqual([]);
    } finally {
      for (const side of [owner, bob, carol, fresh, stranger]) await side.context.close();
    }
  });

  it('a kick keeps the member out for the cool-down and shows them when they can come back', async () => {
    const owner = await openPage(browser, from('192.0.2.20'));
    const member = await openPage(browser, from('203.0.113.20'));
    try {
      await signIn(owner.page, server.url, 'rita');
      const roomId = await createRoomInUi(owner.page, 'Cool');
      await signIn(member.page, server.url, 'tom');
      await enterRoom(member.page, server.url, roomId, 'Cool');
      await say(member.page, 'loud words');
      const theirs = messageWith(owner.page, 'loud words');
      await theirs.waitFor({ timeout: WAIT_MS });
      await theirs.getByRole('button', { name: 'Message actions' }).click();
      await owner.page.getByRole('menuitem', { name: 'Kick', exact: true }).click();
      // The default cool-down is the first choice: 10 minutes.
      expect(await owner.page.getByLabel('Out for').inputValue()).toBe('0');
      await owner.page.getByRole('button', { name: 'Kick', exact: true }).click();
      await owner.page
        .getByRole('log')
        .getByText(/rita#\d{4} kicked tom#\d{4} until/)
        .waitFor({ timeout: WAIT_MS });
      await member.page
        .getByText(/A moderator removed you from this room\. You can come back at .+\./)
        .waitFor({ timeout: WAIT_MS });
      expect(await member.page.getByRole('button', { name: 'Rejoin' }).count()).toBe(0);
      expect(await member.page.getByLabel('Message', { exact: true }).count()).toBe(0);
      // A reload does not get around it: the room refuses the join with the time left.
      await member.page.reload();
      await member.page
        .getByText(/A moderator removed you from this room\. You can come back at .+\./)
        .waitFor({ timeout: WAIT_MS });
      expect(await member.page.getByLabel('Message', { exact: true }).count()).toBe(0);
      expect(owner.errors).toEqual([]);
      expect(member.errors).toEqual([]);
    } finally {
      await owner.context.close();
      await member.context.close();
    }
  });

  it('the newcomer gate: a newcomer reads, is told why they cannot post yet, then posts once the room spoke', async () => {
    const owner = await openPage(browser, from('192.0.2.30'));
    const newbie = await openPage(browser, from('203.0.113.30'));
    try {
      await signIn(owner.page, server.url, 'gina');
      const roomId = await createRoomInUi(owner.page, 'Gated');
      await owner.page.getByRole('button', { name: 'Room settings' }).click();
      await owner.page.getByLabel('Newcomers listen first (messages)').fill('2');
      await owner.page.getByRole('button', { name: 'Save', exact: true }).click();
      await owner.page.getByText('Settings saved.').waitFor({ timeout: WAIT_MS });

      await signIn(newbie.page, server.url, 'newbie');
      await enterRoom(newbie.page, server.url, roomId, 'Gated');
      await newbie.page.getByText('after 2 messages may post').waitFor({ timeout: WAIT_MS });
      await say(newbie.page, 'hi all');
      const refused = newbie.page.getByRole('log').locator('li.pending[data-status="failed"]');
      await refused.getByText('hi all').waitFor({ timeout: WAIT_MS });
      await newbie.page
        .getByText('New here: you can read along now and post after 2 more messages here.')
        .waitFor({ timeout: WAIT_MS });
      expect(await messageWith(owner.page, 'hi all').count()).toBe(0);

      // Reading works; once two messages were said, the newcomer may speak.
      await say(owner.page, 'welcome');
      await say(owner.page, 'say hello when you can');
      await messageWith(newbie.page, 'say hello when you can').waitFor({ timeout: WAIT_MS });
      await say(newbie.page, 'hello, at last');
      await messageWith(owner.page, 'hello, at last').waitFor({ timeout: WAIT_MS });
      expect(owner.errors).toEqual([]);
      expect(newbie.errors).toEqual([]);
    } finally {
      await owner.context.close();
      await newbie.context.close();
    }
  });

  it('approve newcomers: the newcomer asks with one click, the owner lets them post from the member list', async () => {
    const owner = await openPage(browser, from('192.0.2.40'));
    const newbie = await openPage(browser, from('203.0.113.40'));
    try {
      await signIn(owner.page, server.url, 'hana');
      const roomId = await createRoomInUi(owner.page, 'Small');
      await owner.page.getByRole('button', { name: 'Room settings' }).click();
      await owner.page.getByLabel('Approve newcomers before they post').check();
      await owner.page.getByRole('button', { name: 'Save', exact: true }).click();
      await owner.page.getByText('Settings saved.').waitFor({ timeout: WAIT_MS });

      await signIn(newbie.page, server.url, 'ivan');
      await enterRoom(newbie.page, server.url, roomId, 'Small');
      await newbie.page.getByText('newcomers need approval').waitFor({ timeout: WAIT_MS });
      await say(newbie.page, 'may I?');
      await newbie.page.getByText(/staff approve newcomers before they post/).waitFor({ timeout: WAIT_MS });
      await newbie.page.getByRole('button', { name: 'Ask to post' }).click();
      await newbie.page
        .getByText('You asked to post here; staff have not answered yet.')
        .waitFor({ timeout: WAIT_MS });
      await owner.page
        .getByRole('log')
        .getByText(/ivan#\d{4} asks to post here/)
        .waitFor({ timeout: WAIT_MS });

      await owner.page.getByRole('button', { name: /Member actions for ivan#\d{4}/ }).click();
      await owner.page.getByRole('menuitem', { name: 'Let post', exact: true }).click();
      await newbie.page
        .getByRole('log')
        .getByText(/hana#\d{4} let ivan#\d{4} post/)
        .waitFor({ timeout: WAIT_MS });
      await say(newbie.page, 'thanks for letting me in');
      await messageWith(owner.page, 'thanks for letting me in').waitFor({ timeout: WAIT_MS });
      expect(owner.errors).toEqual([]);
      expect(newbie.errors).toEqual([]);
    } finally {
      await owner.context.close();
      await newbie.context.close();
    }
  });
});
