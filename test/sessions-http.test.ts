// Tokens after issue, over real sockets: refreshes rationed per user and per address (429 with
// Retry-After, refilled by the manual clock), a token dated in the future refused, and "sign out
// everywhere": older tokens refused on HTTP and CONNECT, open connections closed with session_revoked,
// the fresh token and its connections untouched; and across two nodes (PostgreSQL + Redis), the other
// node closing its connections and refusing the old token over the bus, well within its cache time.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { Frame } from '../src/stomp/frame.js';
import { clusterSkipReason, nodePairForSuite } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { postJson, type Session, startTestParley, type TestParley } from './support/parley.js';
import { RawStompClient } from './support/raw-stomp.js';

const SECRET = 'integration-test-secret-of-at-least-32-bytes';
const PER_USER_PER_HOUR = 4;
const PER_IP_PER_MINUTE = 9;

async function post(
  parley: TestParley,
  path: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${parley.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: '{}',
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('token refresh, clock skew and sign-out-everywhere', () => {
  let parley: TestParley;
  const clock = new ManualClock(Date.now());
  const raw: RawStompClient[] = [];

  beforeAll(async () => {
    parley = await startTestParley({
      overrides: { clock, ephemeralStompPort: true },
      env: {
        REFRESHES_PER_USER_PER_HOUR: String(PER_USER_PER_HOUR),
        REFRESHES_PER_IP_PER_MINUTE: String(PER_IP_PER_MINUTE),
        // Behind a proxy, so each test can speak from its own address.
        TRUST_PROXY: 'true',
      },
    });
  });
  afterAll(async () => {
    for (const client of raw) client.destroy();
    await parley?.dispose();
  });

  /** A raw TCP STOMP connection CONNECTed with `token`: the CONNECTED or ERROR frame. */
  async function stompConnect(token: string): Promise<{ client: RawStompClient; answer: Frame }> {
    const client = await RawStompClient.open(parley.app.stompPort);
    raw.push(client);
    client.write('CONNECT', { 'accept-version': '1.2', host: 'parley', passcode: token });
    const answer = await client.waitFor((f) => f.command === 'CONNECTED' || f.command === 'ERROR');
    return { client, answer };
  }

  it('rations refreshes per user: 429 rate_limited with Retry-After, then refills with time', async () => {
    const alice = await parley.session('alice');
    const from = { 'x-forwarded-for': '198.51.100.1' };
    for (let i = 0; i < PER_USER_PER_HOUR; i++) {
      expect((await post(parley, '/api/sessions/refresh', alice.token, from)).status).toBe(200);
    }
    const refused = await post(parley, '/api/sessions/refresh', alice.token, from);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // A refreshed token is the same identity: it shares the budget.
    const other = await post(parley, '/api/sessions/refresh', alice.token, {
      'x-forwarded-for': '198.51.100.2',
    });
    expect(other.status).toBe(429);
    clock.advance(3600_000 / PER_USER_PER_HOUR + 1000);
    expect((await post(parley, '/api/sessions/refresh', alice.token, from)).status).toBe(200);
  });

  it('rations refreshes per address across identities', async () => {
    const from = { 'x-forwarded-for': '198.51.100.3' };
    const crowd = await Promise.all(Array.from({ length: 5 }, (_, i) => parley.session(`crowd ${i}`)));
    const statuses: number[] = [];
    for (const session of crowd) {
      for (let i = 0; i < 2; i++)
        statuses.push((await post(parley, '/api/sessions/refresh', session.token, from)).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(PER_IP_PER_MINUTE);
    expect(statuses.at(-1)).toBe(429);
    clock.advance(60_000);
    expect((await post(parley, '/api/sessions/refresh', crowd[0]?.token ?? '', from)).status).toBe(200);
  });

  it('refuses a token whose iat is more than the allowed skew ahead, on HTTP and CONNECT', async () => {
    const user = (await parley.session('time traveller')).user;
    const nowSeconds = Math.floor(clock.now() / 1000);
    const future = await new SignJWT({ nick: user.nickname, tag: user.tag })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer('parley')
      .setAudience('parley')
      .setIssuedAt(nowSeconds + 3600)
      .setExpirationTime(nowSeconds + 30 * 24 * 3600)
      .sign(new TextEncoder().encode(SECRET));
    const refused = await post(parley, '/api/rooms', future);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: { code: 'unauthorized' } });
    const { answer } = await stompConnect(future);
    expect(answer).toMatchObject({ command: 'ERROR', headers: { message: 'unauthorized' } });
  });

  it('signs out everywhere: older tokens refused, their connections closed with session_revoked, the fresh one kept', async () => {
    const bob: Session = await parley.session('bob');
    const from = { 'x-forwarded-for': '198.51.100.4' };
    clock.advance(1000);
    const refreshed = (await post(parley, '/api/sessions/refresh', bob.token, from))
      .body as unknown as Session;
    const carol = await parley.session('carol');
    const oldConnection = await stompConnect(bob.token);
    const refreshedConnection = await stompConnect(refreshed.token);
    const bystander = await stompConnect(carol.token);
    for (const c of [oldConnection, refreshedConnection, bystander])
      expect(c.answer.command).toBe('CONNECTED');

    clock.advance(1000);
    const revoked = await post(parley, '/api/sessions/revoke', refreshed.token, from);
    expect(revoked.status).toBe(200);
    const fresh = revoked.body as unknown as Session;
    expect(fresh.user).toEqual(bob.user);
    expect(fresh.token).not.toBe(refreshed.token);

    for (const { client } of [oldConnection, refreshedConnection]) {
      const error = await client.waitFor((f) => f.command === 'ERROR');
      expect(error.headers.message).toBe('session_revoked');
      await client.waitClosed();
    }
    for (const token of [bob.token, refreshed.token]) {
      const refused = await post(parley, '/api/rooms', token);
      expect(refused).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
      expect((await post(parley, '/api/sessions/refresh', token, from)).status).toBe(401);
      expect((await stompConnect(token)).answer).toMatchObject({
        command: 'ERROR',
        headers: { message: 'unauthorized' },
      });
    }

    // The fresh token works at once, in the same millisecond as the revocation, and keeps working.
    const withFresh = await stompConnect(fresh.token);
    expect(withFresh.answer.command).toBe('CONNECTED');
    const room = await post(parley, '/api/rooms', fresh.token);
    expect(room.status).toBe(400); // reached the room rules (no name), so the token was accepted
    clock.advance(20_000);
    expect((await post(parley, '/api/sessions/refresh', fresh.token, from)).status).toBe(200);
    // Nobody else was touched.
    expect(bystander.client.closed).toBe(false);
    expect(withFresh.client.closed).toBe(false);
    expect(bystander.client.frames.some((f) => f.command === 'ERROR')).toBe(false);
  });

  it('a thief who spends the refresh budget cannot keep the owner from signing out everywhere', async () => {
    const erin = await parley.session('erin');
    const thief = { 'x-forwarded-for': '198.51.100.7' };
    let stolen = erin.token;
    for (let i = 0; i < PER_USER_PER_HOUR; i++) {
      clock.advance(1);
      const answer = await post(parley, '/api/sessions/refresh', stolen, thief);
      expect(answer.status).toBe(200);
      stolen = (answer.body as unknown as Session).token;
    }
    expect((await post(parley, '/api/sessions/refresh', stolen, thief)).status).toBe(429);
    clock.advance(1);
    const revoked = await post(parley, '/api/sessions/revoke', erin.token, {
      'x-forwarded-for': '198.51.100.8',
    });
    expect(revoked.status).toBe(200);
    await eventually(async () => expect((await post(parley, '/api/rooms', stolen)).status).toBe(401));
  });

  it('refuses revoke without a valid token, and counts it as a refresh', async () => {
    expect((await post(parley, '/api/sessions/revoke', 'garbage')).status).toBe(401);
    const dave = await parley.session('dave');
    const from = { 'x-forwarded-for': '198.51.100.5' };
    let token = dave.token;
    const statuses: number[] = [];
    for (let i = 0; i <= PER_USER_PER_HOUR; i++) {
      clock.advance(1);
      const answer = await post(parley, '/api/sessions/revoke', token, from);
      statuses.push(answer.status);
      if (answer.status === 200) token = (answer.body as unknown as Session).token;
    }
    expect(statuses).toEqual([...Array(PER_USER_PER_HOUR).fill(200), 429]);
    await eventually(async () => expect((await post(parley, '/api/rooms', dave.token)).status).toBe(401));
  });
});

describe.skipIf((await clusterSkipReason()) !== undefined)('sign out everywhere across two nodes', () => {
  const nodes = nodePairForSuite('sessions-cluster');

  it('a revocation on node A closes the connection on node B and B refuses the old token well within its cache time', async () => {
    const [a, b] = [nodes.a(), nodes.b()];
    const bob = await a.session('bob');
    const client = await nodes.connectRaw(bob.token);
    // Node B has read (and cached) bob's stamp: the old token works there.
    const before = await fetch(`${b.url}/api/me/unread`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(before.status).toBe(200);

    // A millisecond later than the token, so the stamp is after it with the system clock too.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const revoked = await postJson<Session>(`${a.url}/api/sessions/revoke`, {}, bob.token);
    const error = await client.waitFor((f) => f.command === 'ERROR', 3000);
    expect(error.headers.message).toBe('session_revoked');
    await eventually(
      async () => {
        const after = await fetch(`${b.url}/api/me/unread`, {
          headers: { authorization: `Bearer ${bob.token}` },
        });
        expect(after.status).toBe(401);
      },
      { timeoutMs: 3000 },
    );
    const fresh = await fetch(`${b.url}/api/me/unread`, {
      headers: { authorization: `Bearer ${revoked.token}` },
    });
    expect(fresh.status).toBe(200);
  });
});
