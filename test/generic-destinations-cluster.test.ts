// Generic destinations on two nodes sharing one Redis and one PostgreSQL: a topic SEND on one node
// reaches subscribers on both (through the bus, as room messages do); a queue is node-local, as
// docs/protocol.md says: a consumer on the other node never gets it, one on the sending node does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../src/stomp/frame.js';
import { clusterSkipReason } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { type Session, startNodePair, type TestParley } from './support/parley.js';
import { RawStompClient } from './support/raw-stomp.js';
import { deleteKeys, REDIS_TEST_URL, uniqueKeyPrefix } from './support/redis.js';

const skip = (await clusterSkipReason()) !== undefined;

describe.skipIf(skip)('generic destinations across two nodes', () => {
  const prefix = uniqueKeyPrefix('generic');
  let a: TestParley;
  let b: TestParley;
  const raws: RawStompClient[] = [];

  beforeAll(async () => {
    ({ a, b } = await startNodePair({
      redisUrl: REDIS_TEST_URL,
      redisKeyPrefix: prefix,
      env: { GENERIC_DESTINATIONS: '/topic/=topic,/queue/=queue' },
      overrides: { ephemeralStompPort: true },
    }));
  }, 30_000);

  afterAll(async () => {
    for (const raw of raws) raw.destroy();
    await b?.dispose();
    await a?.dispose();
    await deleteKeys(prefix);
  });

  async function connected(node: TestParley, session: Session): Promise<RawStompClient> {
    const client = await RawStompClient.open(node.app.stompPort);
    raws.push(client);
    client.write('CONNECT', { 'accept-version': '1.2', host: 'parley', passcode: session.token });
    client.readAs('1.2');
    await client.waitFor((f) => f.command === 'CONNECTED');
    return client;
  }

  async function subscribe(client: RawStompClient, destination: string, id: string): Promise<void> {
    client.write('SUBSCRIBE', { destination, id, receipt: `sub-${id}` });
    await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === `sub-${id}`);
  }

  async function send(client: RawStompClient, destination: string, body: string): Promise<void> {
    const receipt = `send-${body}`;
    client.write('SEND', { destination, receipt, 'x-node': 'a' }, body);
    await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === receipt);
  }

  const bodies = (client: RawStompClient): string[] =>
    client.frames.filter((f: Frame) => f.command === 'MESSAGE').map((f) => f.body.toString());

  it('a topic SEND on node A reaches subscribers on A and B once each, headers included', async () => {
    const sender = await connected(a, await a.session('gen-sender'));
    const onA = await connected(a, await a.session('gen-a'));
    const onB = await connected(b, await b.session('gen-b'));
    await subscribe(onA, '/topic/cluster.news', 'na');
    await subscribe(onB, '/topic/cluster.news', 'nb');
    await send(sender, '/topic/cluster.news', 'one');
    await send(sender, '/topic/cluster.news', 'two');
    await eventually(() => expect(bodies(onB)).toEqual(['one', 'two']));
    await eventually(() => expect(bodies(onA)).toEqual(['one', 'two']));
    const onBFirst = onB.frames.find((f) => f.command === 'MESSAGE');
    expect(onBFirst?.headers['x-node']).toBe('a');
    // Once more for duplicates: nothing else arrives.
    await send(sender, '/topic/cluster.news', 'three');
    await eventually(() => expect(bodies(onB)).toEqual(['one', 'two', 'three']));
    expect(bodies(onA)).toEqual(['one', 'two', 'three']);
  });

  it('a queue is node-local: a consumer on B never gets A’s message, a consumer on A does', async () => {
    const sender = await connected(a, await a.session('gen-qsender'));
    const onB = await connected(b, await b.session('gen-qb'));
    await subscribe(onB, '/queue/cluster.jobs', 'qb');
    await send(sender, '/queue/cluster.jobs', 'job');
    const onA = await connected(a, await a.session('gen-qa'));
    await subscribe(onA, '/queue/cluster.jobs', 'qa');
    await eventually(() => expect(bodies(onA)).toEqual(['job']));
    expect(bodies(onB)).toEqual([]);
  });
});
