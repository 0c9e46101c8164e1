// Parley's generic destinations from plain @stomp/stompjs, as in a browser page without Parley's SDK:
// sign in over HTTP, connect over WebSocket with the token, SEND to a topic and receive it, then take a
// queue message with client-individual ACK. In a browser, `webSocketFactory` can be left out (the
// page's WebSocket is used) and `fetch` is the page's; Node passes both (the test does, with `ws`).
import { Client } from '@stomp/stompjs';

/**
 * Runs the recipe against `httpUrl` (e.g. `https://chat.example.com`); resolves with what it saw.
 * `webSocket(url, protocols)` builds the socket: in a browser `(u, p) => new WebSocket(u, p)`.
 */
export async function runGenericRecipe({ httpUrl, webSocket, fetchImpl = fetch, nickname = 'js-guest' }) {
  // 1. An anonymous identity: its token is what CONNECT carries.
  const response = await fetchImpl(`${httpUrl}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nickname }),
  });
  if (response.status !== 201) throw new Error(`POST /api/sessions answered ${response.status}`);
  const { token, user } = await response.json();

  // 2. STOMP over WebSocket at /ws; Parley negotiates v12.stomp, v11.stomp or v10.stomp.
  const wsUrl = `${httpUrl.replace(/^http/, 'ws')}/ws`;
  const client = new Client({
    webSocketFactory: () => webSocket(wsUrl, ['v12.stomp', 'v11.stomp', 'v10.stomp']),
    connectHeaders: { Authorization: `Bearer ${token}` },
    reconnectDelay: 0,
    heartbeatIncoming: 10000,
    heartbeatOutgoing: 10000,
  });
  // Without a /user/queue/errors subscription a refused frame is answered with ERROR, then close:
  // every wait below gives up with that ERROR instead of waiting for a RECEIPT that will not come.
  let fail;
  const failed = new Promise((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {});
  client.onStompError = (frame) => fail(new Error(`ERROR ${frame.headers.message}: ${frame.body}`));
  client.onWebSocketClose = () => fail(new Error('connection closed'));
  const until = (promise) => Promise.race([promise, failed]);
  const connected = new Promise((resolve) => {
    client.onConnect = resolve;
  });
  client.activate();
  await until(connected);

  /** Resolves with the RECEIPT of a frame sent with `receipt: id`. */
  const receipt = (id) => new Promise((resolve) => client.watchForReceipt(id, resolve));

  try {
    // 3. A topic: subscribe (its RECEIPT says it is live), SEND, receive the same message back.
    const news = new Promise((resolve) => {
      const subscribed = receipt('sub-news');
      client.subscribe('/topic/js.news', (message) => resolve(message), { receipt: 'sub-news' });
      void subscribed.then(() =>
        client.publish({
          destination: '/topic/js.news',
          body: 'hello from stompjs',
          headers: { 'content-type': 'text/plain', 'x-from': 'browser' },
        }),
      );
    });
    const newsMessage = await until(news);

    // 4. A queue: one consumer gets each message; with client-individual it must ACK (or NACK).
    const job = new Promise((resolve) => {
      client.subscribe(
        '/queue/js.jobs',
        (message) => {
          message.ack();
          resolve(message);
        },
        { ack: 'client-individual' },
      );
    });
    const sent = receipt('job-1');
    client.publish({ destination: '/queue/js.jobs', body: 'job 1', headers: { receipt: 'job-1' } });
    await until(sent);
    const jobMessage = await until(job);

    return {
      userId: user.id,
      topic: {
        body: newsMessage.body,
        from: newsMessage.headers['x-from'],
        userId: newsMessage.headers['user-id'],
      },
      queue: { body: jobMessage.body, ack: jobMessage.headers.ack !== undefined },
    };
  } finally {
    await client.deactivate();
  }
}
