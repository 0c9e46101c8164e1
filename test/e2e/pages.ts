// Steps on a Parley web page that several browser suites take: create and enter rooms, send, find a
// confirmed message. Driven only through accessible names and the log's data-seq, like the suites;
// knows nothing of the server or of how the page is built.
import type { Locator, Page } from 'playwright-core';

// Generous: the machine may be busy with other suites; every wait is still bounded.
export const WAIT_MS = 20_000;

/** Creates a room from the room list (Enter in "Room name") and waits until it is open. */
export async function createRoomInUi(page: Page, name: string): Promise<string> {
  const field = page.getByLabel('Room name');
  await field.fill(name);
  await field.press('Enter');
  await page.getByRole('heading', { name, level: 1 }).waitFor();
  const match = /\/rooms\/([^/]+)$/.exec(new URL(page.url()).pathname);
  if (match?.[1] === undefined) throw new Error(`not in a room: ${page.url()}`);
  return decodeURIComponent(match[1]);
}

/** Opens a room by its address and waits until it is shown and connected. */
export async function enterRoom(page: Page, url: string, roomId: string, name: string): Promise<void> {
  await page.goto(`${url}/rooms/${roomId}`);
  await page.getByRole('heading', { name, level: 1 }).waitFor();
  await page.getByRole('status').getByText('Connected').waitFor({ timeout: WAIT_MS });
}

/** Types `text` into the composer and sends it with Enter. */
export async function say(page: Page, text: string): Promise<void> {
  const field = page.getByLabel('Message', { exact: true });
  await field.fill(text);
  await field.press('Enter');
}

/** The confirmed message (it has a seq) whose body contains `text`. */
export function messageWith(page: Page, text: string): Locator {
  return page.getByRole('log').locator('li[data-seq]').filter({ hasText: text });
}

/** Signs in through the Korean nickname screen. */
export async function signInKorean(page: Page, url: string, nickname: string): Promise<void> {
  await page.goto(url);
  const field = page.getByLabel('닉네임');
  await field.fill(nickname);
  await field.press('Enter');
  await page.getByLabel('방 이름').waitFor();
}

/** Opens a room in the Korean client and waits until it is connected. */
export async function enterRoomKorean(page: Page, url: string, roomId: string, name: string): Promise<void> {
  await page.goto(`${url}/rooms/${roomId}`);
  await page.getByRole('heading', { name, level: 1 }).waitFor();
  await page.getByRole('status').getByText('연결됨').waitFor({ timeout: WAIT_MS });
}
