// Issue 14 in the browser: an operator signs in on /admin (phone layout), takes a room down — the
// member's browser sees it closed and the room leaves the member's room list — and clears a report
// from the cross-room queue; the queue empties and the server agrees.
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { connectStompClient, receiptOf } from '../support/stompjs-client.js';
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
import { createRoomInUi, enterRoom, messageWith, say, WAIT_MS } from './pages.js';

const skip = browserUnavailable();
const SECRET = 'e2e-operator-secret-0123456789abcdefghij';

/** Files a report of the room's latest message as `token`'s identity, confirmed by its RECEIPT. */
async function reportLatest(
  server: TestServer,
  token: string,
  roomId: string,
  reason: string,
): Promise<string> {
  const history = (await (await fetch(`${server.url}/api/rooms/${roomId}/messages`)).json()) as {
    messages: Array<{ id: string }>;
  };
  const messageId = history.messages.at(-1)?.id;
  if (messageId === undefined) throw new Error('no message to report');
  const client = await connectStompClient({ url: `${server.url.replace(/^http/, 'ws')}/ws`, token });
  try {
    const joined = receiptOf(client, 'join', 10_000);
    client.subscribe(`/topic/rooms.${roomId}`, () => undefined, { receipt: 'join' });
    await joined;
    const done = receiptOf(client, 'report', 10_000);
    client.publish({
      destination: `/app/rooms.${roomId}.report`,
      body: JSON.stringify({ messageId, reason }),
      headers: { 'content-type': 'application/json', receipt: 'report' },
    });
    await done;
  } finally {
    await client.deactivate();
  }
  return messageId;
}

describe.skipIf(skip !== undefined)('operators in Chromium', { timeout: 150_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  withServerAndBrowser({ OPERATOR_TOKENS: SECRET }, (started) => {
    ({ server, browser } = started);
  });

  it('an operator takes a room down (the member sees it closed, it leaves the list) and clears a report', async () => {
    const owner = await createSession(server, 'owner');
    const reporter = await createSession(server, 'reporter');
    const closing = await createRoom(server, owner.token, 'Takedown');
    const reported = await createRoom(server, owner.token, 'Reported');
    await sendMessages(server, owner.token, closing.id, ['last words']);
    await sendMessages(server, owner.token, reported.id, ['questionable remark']);
    await reportLatest(server, reporter.token, reported.id, 'rude');

    const member = await openPage(browser);
    const operator = await openPage(browser, { viewport: PHONE });
    try {
      await signIn(member.page, server.url, 'member');
      // The member owns a room of their own: as its staff they see its open reports counted live.
      const ownRoomId = await createRoomInUi(member.page, 'Staffed');
      await member.page.getByRole('status').getByText('Connected').waitFor({ timeout: WAIT_MS });
      await say(member.page, 'report me');
      await messageWith(member.page, 'report me').waitFor({ timeout: WAIT_MS });
      await reportLatest(server, reporter.token, ownRoomId, 'testing');
      await member.page.getByRole('status').getByText('1 open report').waitFor({ timeout: WAIT_MS });
      await enterRoom(member.page, server.url, closing.id, 'Takedown');
      await messageWith(member.page, 'last words').waitFor({ timeout: WAIT_MS });

      // Sign in as operator: a wrong secret is refused, the right one opens the console.
      await operator.page.goto(`${server.url}/admin`);
      const secretField = operator.page.getByLabel('Operator secret');
      await secretField.fill('not the secret at all, but long enough');
      await operator.page.getByRole('button', { name: 'Sign in as operator' }).click();
      await operator.page.getByRole('alert').getByText('That operator secret is not right.').waitFor();
      await secretField.fill(SECRET);
      await operator.page.getByRole('button', { name: 'Sign in as operator' }).click();
      await operator.page.getByText(/Signed in as operator op-[0-9a-f]{12}/).waitFor({ timeout: WAIT_MS });

      // Rooms by open reports: the two reported rooms come first, each with its count.
      await operator.page.getByRole('button', { name: 'Open reports', exact: true }).click();
      const rooms = operator.page.locator('.admin-rooms > li');
      await rooms.nth(1).getByText('1 open report').waitFor({ timeout: WAIT_MS });
      expect((await rooms.locator('.room-name').allTextContents()).slice(0, 2).sort()).toEqual([
        'Reported',
        'Staffed',
      ]);

      // Take the room down: the member's open room says so at once.
      await operator.page.getByRole('button', { name: 'Take down Takedown' }).click();
      await operator.page.getByRole('button', { name: 'Restore Takedown' }).waitFor({ timeout: WAIT_MS });
      await member.page
        .getByRole('alert')
        .getByText('An operator took this room down.', { exact: false })
        .waitFor({ timeout: WAIT_MS });
      // Back in the room list, it is gone; the other room is still there.
      await member.page.getByRole('link', { name: /All rooms/ }).click();
      await member.page.getByRole('link', { name: /Reported/ }).waitFor({ timeout: WAIT_MS });
      expect(await member.page.getByRole('link', { name: /Takedown/ }).count()).toBe(0);

      // Clear the report from the queue.
      const item = operator.page.locator('.admin-queue > li').filter({ hasText: 'questionable remark' });
      await item.getByText('reporter#').first().waitFor({ timeout: WAIT_MS });
      await item.getByRole('button', { name: /^Dismiss reports of owner#\d{4}'s message$/ }).click();
      await operator.page.getByRole('status').getByText('Done.').waitFor();
      await operator.page
        .locator('.admin-queue > li')
        .filter({ hasText: 'questionable remark' })
        .waitFor({ state: 'detached', timeout: WAIT_MS });
      // What is left in the queue is the member's own room's report, untouched.
      const queue = await fetch(`${server.url}/api/admin/reports`, {
        headers: { authorization: `Bearer ${SECRET}` },
      });
      const items = ((await queue.json()) as { items: Array<{ roomId: string }> }).items;
      expect(items.map((i) => i.roomId)).toEqual([ownRoomId]);

      // The phone layout keeps the console inside the screen.
      const overflow = (await operator.page.evaluate(
        'document.documentElement.scrollWidth - window.innerWidth',
      )) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      expect(member.errors).toEqual([]);
      expect(operator.errors).toEqual([]);
    } finally {
      await member.context.close();
      await operator.context.close();
    }
  });
});
