// docs/clients.md's browser recipe (docs/examples/stompjs/parley-generic.mjs), plain @stomp/stompjs
// without the SDK, run in Node with `ws` as the WebSocket against a live Parley's generic destinations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
// @ts-expect-error: the recipe is plain JavaScript for browsers, with no type declarations.
import { runGenericRecipe } from '../docs/examples/stompjs/parley-generic.mjs';
import { startTestParley, type TestParley } from './support/parley.js';

interface RecipeResult {
  readonly userId: string;
  readonly topic: { readonly body: string; readonly from: string; readonly userId: string };
  readonly queue: { readonly body: string; readonly ack: boolean };
}

const run = runGenericRecipe as (options: {
  httpUrl: string;
  webSocket: (url: string, protocols: string[]) => WebSocket;
}) => Promise<RecipeResult>;

describe('the @stomp/stompjs browser recipe of docs/clients.md', () => {
  let parley: TestParley;

  beforeAll(async () => {
    parley = await startTestParley({ env: { GENERIC_DESTINATIONS: '/topic/=topic,/queue/=queue' } });
  });

  afterAll(async () => {
    await parley?.dispose();
  });

  it('sends to a generic topic and hears it back, and takes a queue message with ACK', async () => {
    const result = await run({
      httpUrl: parley.url,
      webSocket: (url, protocols) => new WebSocket(url, protocols),
    });
    expect(result.topic).toEqual({ body: 'hello from stompjs', from: 'browser', userId: result.userId });
    expect(result.queue).toEqual({ body: 'job 1', ack: true });
  });

  it('rejects with the ERROR a plain client gets when generic destinations are off', async () => {
    const plain = await startTestParley();
    try {
      await expect(
        run({ httpUrl: plain.url, webSocket: (url, protocols) => new WebSocket(url, protocols) }),
      ).rejects.toThrow(/forbidden_destination|unknown_destination/);
    } finally {
      await plain.dispose();
    }
  });
});
