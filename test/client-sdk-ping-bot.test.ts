// docs/client.md's Node example, run: the ping bot of packages/client/examples answers `!ping` with
// `pong` (a reply) in a room of a live in-process Parley, and nothing else it hears.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeWebSocket, type PingBot, startPingBot } from '../packages/client/examples/ping-bot.js';
import { type Message, ParleyClient } from '../packages/client/src/index.js';
import { eventually } from './support/eventually.js';
import { startTestParley, type TestParley } from './support/parley.js';

describe('the ping bot example', () => {
  let parley: TestParley;
  let bot: PingBot | undefined;
  let person: ParleyClient | undefined;

  beforeAll(async () => {
    parley = await startTestParley();
  });
  afterAll(async () => {
    await bot?.stop();
    await person?.close();
    await parley?.dispose();
  });

  it('answers !ping with pong, once, as a reply', async () => {
    person = await ParleyClient.signIn({
      baseUrl: parley.url,
      nickname: 'visitor',
      webSocketFactory: nodeWebSocket,
    });
    const roomId = (await person.http.createRoom(person.session.token, 'bots welcome')).id;
    const feed = person.room(roomId);
    const heard: Message[] = [];
    feed.on('message', (m) => heard.push(m));
    await feed.start();
    // Said before the bot came: history, not a question for it.
    await feed.send('!ping').receipt;

    bot = await startPingBot({ baseUrl: parley.url, roomId, nickname: 'pingbot' });
    await feed.send('hello bot').receipt;
    const ping = feed.send('!ping');
    await ping.receipt;

    const pong = await eventually(() => {
      const found = heard.find((m) => m.body === 'pong');
      if (found === undefined) throw new Error('no pong yet');
      return found;
    });
    const asked = heard.find((m) => m.clientMsgId === ping.clientMsgId);
    expect(pong.author.id).toBe(bot.client.session.user.id);
    expect(pong.author.nickname).toBe('pingbot');
    expect(pong.replyTo?.id).toBe(asked?.id);
    // One answer: the earlier !ping was history and "hello bot" is no question.
    await feed.send('after').receipt;
    await eventually(() => expect(heard.at(-1)?.body).toBe('after'));
    expect(heard.filter((m) => m.body === 'pong')).toHaveLength(1);
  });
});
