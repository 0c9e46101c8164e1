// Chat-level steps on a connected @stomp/stompjs client for tests: SEND and SUBSCRIBE with a receipt,
// and refusals read from /user/queue/errors by their receipt-id. Knows the STOMP contract's
// destinations and error envelope, nothing of the server's code.
import type { Client, IMessage } from '@stomp/stompjs';
import { eventually } from './eventually.js';
import { Inbox, receiptOf } from './stompjs-client.js';

// One counter per test file (vitest isolates modules per file), so receipt ids never repeat.
let counter = 0;

/** SEND `body` as is with a receipt; resolves with the receipt id once the RECEIPT arrived (stored). */
export async function sendWithReceipt(
  client: Client,
  destination: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const receipt = `m-${++counter}`;
  const done = receiptOf(client, receipt);
  client.publish({ destination, body, headers: { 'content-type': 'application/json', ...headers, receipt } });
  await done;
  return receipt;
}

/** SEND `body` as JSON with a receipt; resolves once the server acknowledged it (stored). */
export async function send(client: Client, destination: string, body: unknown): Promise<void> {
  await sendWithReceipt(client, destination, JSON.stringify(body));
}

/** A MESSAGE's JSON body as a plain record. */
export const bodyOf = (m: IMessage): Record<string, unknown> => JSON.parse(m.body) as Record<string, unknown>;

/** The error envelope on `errors` that answers `receipt`, waiting for it (bounded). */
async function errorFor(errors: Inbox, receipt: string): Promise<Record<string, unknown>> {
  const error = await eventually(() => {
    const found = errors.messages.find((m) => m.headers['receipt-id'] === receipt);
    if (found === undefined) throw new Error(`no error for ${receipt}: ${errors.bodies().join('|')}`);
    return found;
  });
  return bodyOf(error);
}

/** SEND JSON that must be refused: resolves with the error envelope from /user/queue/errors (`errors`). */
export async function refusalError(
  client: Client,
  errors: Inbox,
  destination: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const receipt = `m-${++counter}`;
  client.publish({
    destination,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', receipt },
  });
  return errorFor(errors, receipt);
}

/** SEND JSON that must be refused: resolves with the error's catalogue code. */
export async function refusal(
  client: Client,
  errors: Inbox,
  destination: string,
  body: unknown,
): Promise<string> {
  return String((await refusalError(client, errors, destination, body)).code);
}

/** SUBSCRIBE without waiting: MESSAGEs collect in the returned inbox. */
export function subscribe(client: Client, destination: string, headers: Record<string, string> = {}): Inbox {
  const inbox = new Inbox();
  client.subscribe(destination, inbox.listener, headers);
  return inbox;
}

/** Subscribes and waits for the subscription's RECEIPT, so what follows is live for it. */
export async function subscribed(
  client: Client,
  destination: string,
  headers: Record<string, string> = {},
): Promise<Inbox> {
  const receipt = `s-${++counter}`;
  const done = receiptOf(client, receipt);
  const inbox = subscribe(client, destination, { ...headers, receipt });
  await done;
  return inbox;
}

/** SUBSCRIBE that must be refused: resolves with the error's code from `errors`. */
export async function subscribeRefusal(
  client: Client,
  errors: Inbox,
  destination: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const receipt = `s-${++counter}`;
  client.subscribe(destination, () => {}, { ...headers, receipt });
  return String((await errorFor(errors, receipt)).code);
}

/** GET with a bearer token; the status and the JSON body, whatever the status. */
export async function getWithToken(
  url: string,
  token: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * Joins a room on this connection (a SUBSCRIBE to its messages, waited for): talking in a room needs it.
 * `headers` carries `room-password` or `room-grant` for a password room.
 */
export async function join(
  client: Client,
  roomId: string,
  headers: Record<string, string> = {},
): Promise<Inbox> {
  return subscribed(client, `/topic/rooms.${roomId}`, headers);
}
