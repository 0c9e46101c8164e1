// A bot that answers `!ping` with `pong` in one room: the SDK's Node example (docs/client.md).
// Run it with a TypeScript runner, e.g. `PARLEY_URL=http://localhost:8080 PARLEY_ROOM=<room id>
// npx tsx packages/client/examples/ping-bot.ts`; test/client-sdk-ping-bot.test.ts runs it in-process.
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { type Message, ParleyClient, type WebSocketFactory } from '../src/index.js';

/** Node 20 has no global WebSocket: the `ws` package's, with STOMP's subprotocols. */
export const nodeWebSocket: WebSocketFactory = (url, protocols) => {
  const socket = new WebSocket(url, protocols);
  // A refused upgrade emits 'error' (the SDK hears it as a close and retries); unheard, it would throw.
  socket.on('error', () => {});
  return socket;
};

export interface PingBot {
  readonly client: ParleyClient;
  /** Stops answering, leaves the room and disconnects. */
  stop(): Promise<void>;
}

export async function startPingBot(options: {
  readonly baseUrl: string;
  readonly roomId: string;
  readonly nickname?: string;
}): Promise<PingBot> {
  const client = await ParleyClient.signIn({
    baseUrl: options.baseUrl,
    nickname: options.nickname ?? 'pingbot',
    webSocketFactory: nodeWebSocket,
  });
  const room = client.room(options.roomId);
  // The history page comes first; only what is said once the bot is live gets an answer.
  let live = false;
  room.on('live', () => {
    live = true;
  });
  room.on('message', (message: Message) => {
    if (!live || message.author.id === client.session.user.id) return;
    if (message.body.trim() !== '!ping') return;
    room.reply(message.id, 'pong').receipt.catch((error: unknown) => {
      console.error('pong refused:', error);
    });
  });
  room.on('removed', (error) => console.error(`left ${options.roomId}: ${error.code}`));
  await room.start();
  return { client, stop: () => client.close() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const baseUrl = process.env.PARLEY_URL ?? 'http://localhost:8080';
  const roomId = process.env.PARLEY_ROOM;
  if (roomId === undefined) {
    console.error('Set PARLEY_ROOM to the id of the room to answer in.');
    process.exit(2);
  }
  const bot = await startPingBot({ baseUrl, roomId });
  console.log(`answering !ping in ${roomId} as ${bot.client.session.user.nickname}`);
  process.once('SIGINT', () => void bot.stop());
}
