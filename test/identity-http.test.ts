// Identity that lasts (issue 14), over real sockets on SQLite and PostgreSQL: a rename keeps the user id
// (the owner still moderates, history keeps the name a message was sent with, a token issued before
// the rename speaks with the new name, connections opened under the old name are closed), tags stay
// unique per look-alike nickname, renames are rationed; sliding sessions (an expired token renews within
// the grace, not after); recovery codes (any spelling, replaced, lapsed, rationed per address) and
// single-use, expiring device link codes; and on two nodes, a rename on one is spoken on the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { Frame } from '../src/stomp/frame.js';
import { clusterSkipReason, nodePairForSuite } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import {
  availableBackends,
  getJson,
  postJson,
  type Session,
  startTestParley,
  type TestParley,
} from './support/parley.js';
import { RawStompClient } from './support/raw-stomp.js';

const backends = await availableBackends();
const TTL_SECONDS = 3600;
const GRACE_SECONDS = 2 * 86_400;
const RENAMES_PER_DAY = 3;
const ATTEMPTS_PER_HOUR = 6;
const LINK_TTL_SECONDS = 120;
const RECOVERY_DAYS = 10;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

describe.each(backends)('durable identity on %s', (backend) => {
  let parley: TestParley;
  const clock = new ManualClock(Date.now());
  const raw: RawStompClient[] = [];
  let address = 0;
  /** A client address of its own, so each test has its own per-address budgets. */
  const nextAddress = (): Record<string, string> => ({ 'x-forwarded-for': `198.51.100.${++address}` });

  beforeAll(async () => {
    parley = await startTestParley({
      backend,
      overrides: { clock, ephemeralStompPort: true },
      env: {
        TOKEN_TTL_SECONDS: String(TTL_SECONDS),
        TOKEN_REFRESH_GRACE_SECONDS: String(GRACE_SECONDS),
        RENAMES_PER_USER_PER_DAY: String(RENAMES_PER_DAY),
        IDENTITY_CODE_ATTEMPTS_PER_IP_PER_HOUR: String(ATTEMPTS_PER_HOUR),
        LINK_CODE_TTL_SECONDS: String(LINK_TTL_SECONDS),
        RECOVERY_WINDOW_DAYS: String(RECOVERY_DAYS),
        REFRESHES_PER_USER_PER_HOUR: '1000',
        TRUST_PROXY: 'true',
      },
    });
  });
  afterAll(async () => {
    for (const client of raw) client.destroy();
    await parley?.dispose();
  });

  async function call(
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const response = await fetch(`${parley.url}${path}`, {
      method,
      headers: {
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(method === 'POST' ? { body: JSON.stringify(options.body ?? {}) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const rename = async (token: string, nickname: string): Promise<Session> => {
    const answer = await call('POST', '/api/sessions/rename', { token, body: { nickname } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as unknown as Session;
  };

  /** A TCP STOMP connection with `token`, subscribed to the room (joined). */
  async function joined(token: string, roomId: string): Promise<RawStompClient> {
    const client = await RawStompClient.open(parley.app.stompPort);
    raw.push(client);
    client.write('CONNECT', { 'accept-version': '1.2', host: 'parley', passcode: token });
    const answer = await client.waitFor((f) => f.command === 'CONNECTED' || f.command === 'ERROR');
    expect(answer.command).toBe('CONNECTED');
    client.write('SUBSCRIBE', { id: 'room', destination: `/topic/rooms.${roomId}`, receipt: 'joined' });
    await client.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'joined');
    return client;
  }

  let receipts = 0;
  /** SENDs `body` as JSON and waits for its RECEIPT (or the refusal naming it). */
  async function send(client: RawStompClient, destination: string, body: unknown): Promise<Frame> {
    const receipt = `r${++receipts}`;
    client.write('SEND', { destination, 'content-type': 'application/json', receipt }, JSON.stringify(body));
    return client.waitFor((f) => f.headers['receipt-id'] === receipt);
  }

  it('a rename keeps the user id, ownership and powers; history keeps the name at the time of posting', async () => {
    const alice = await parley.session('alice');
    const bob = await parley.session('bob');
    const room = await parley.createRoom(alice.token, 'Renames');
    const before = await joined(alice.token, room.id);
    expect((await send(before, `/app/rooms.${room.id}`, { body: 'as alice' })).command).toBe('RECEIPT');

    const renamed = await rename(alice.token, 'Alicia');
    expect(renamed.user.id).toBe(alice.user.id);
    expect(renamed.user.nickname).toBe('Alicia');
    expect(renamed.user.tag).toMatch(/^\d{4}$/);
    // The connection opened under the old name is closed, so nothing more is said with it.
    const closed = await before.waitFor((f) => f.command === 'ERROR');
    expect(closed.headers.message).toBe('identity_renamed');

    // The token from before the rename still works and speaks with the new name, with owner powers.
    const stale = await joined(alice.token, room.id);
    expect(
      (await send(stale, `/app/rooms.${room.id}.moderate`, { action: 'settings', slowModeSeconds: 5 }))
        .command,
    ).toBe('RECEIPT');
    expect((await send(stale, `/app/rooms.${room.id}`, { body: 'as alicia' })).command).toBe('RECEIPT');
    const watcher = await joined(bob.token, room.id);
    expect(
      (await send(stale, `/app/rooms.${room.id}.moderate`, { action: 'appoint', userId: bob.user.id }))
        .command,
    ).toBe('RECEIPT');
    expect(watcher.closed).toBe(false);

    const { messages } = await getJson<{ messages: { body: string; author: Session['user'] }[] }>(
      `${parley.url}/api/rooms/${room.id}/messages`,
    );
    const authors = Object.fromEntries(messages.map((m) => [m.body, m.author]));
    expect(authors['as alice']).toEqual(alice.user);
    expect(authors['as alicia']).toEqual(renamed.user);
    const fetched = await getJson<{ ownerId: string; slowModeSeconds: number }>(
      `${parley.url}/api/rooms/${room.id}`,
    );
    expect(fetched).toMatchObject({ ownerId: alice.user.id, slowModeSeconds: 5 });

    // HTTP speaks with the new name too, and the identity lists the rooms held.
    const identity = await call('GET', '/api/sessions/identity', { token: alice.token });
    expect(identity.body).toEqual({
      user: renamed.user,
      recoveryCodeCreatedAt: null,
      rooms: [{ id: room.id, name: 'Renames', role: 'owner' }],
    });
    const bobs = await call('GET', '/api/sessions/identity', { token: bob.token });
    expect(bobs.body.rooms).toEqual([{ id: room.id, name: 'Renames', role: 'moderator' }]);
    // The new handle is mentionable; a refresh of the old token carries the new name.
    const refreshed = await call('POST', '/api/sessions/refresh', {
      token: alice.token,
      headers: nextAddress(),
    });
    expect((refreshed.body as unknown as Session).user).toEqual(renamed.user);
  });

  it('keeps tags unique per look-alike nickname, and keeps the tag when only the case changes', async () => {
    const first = await parley.session('carol');
    const second = await parley.session('dana');
    const a = await rename(first.token, 'Zed');
    const b = await rename(second.token, 'ZED');
    expect(a.user.tag).not.toBe(b.user.tag);
    const recased = await rename(a.token, 'zed');
    expect(recased.user).toEqual({ ...a.user, nickname: 'zed' });
    // The same nickname again changes nothing (and still counts against the renames).
    expect((await rename(recased.token, 'zed')).user).toEqual(recased.user);
    const over = await call('POST', '/api/sessions/rename', { token: a.token, body: { nickname: 'zed' } });
    expect(over.status).toBe(429);
    // Refused names change nothing.
    const refused = await call('POST', '/api/sessions/rename', {
      token: a.token,
      body: { nickname: 'ad#min' },
    });
    expect(refused.status).toBe(400);
    expect((await call('GET', '/api/sessions/identity', { token: a.token })).body.user).toEqual(recased.user);
  });

  it('rations renames per identity per day', async () => {
    const erin = await parley.session('erin');
    for (let i = 0; i < RENAMES_PER_DAY; i++) await rename(erin.token, `erin ${i}`);
    const refused = await call('POST', '/api/sessions/rename', {
      token: erin.token,
      body: { nickname: 'erin x' },
    });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: 'rate_limited' } });
    clock.advance(86_400_000 / RENAMES_PER_DAY + 1000);
    // Hours later the token has expired; the identity renews it (within the grace) and may rename again.
    const renewed = await call('POST', '/api/sessions/refresh', {
      token: erin.token,
      headers: nextAddress(),
    });
    const token = (renewed.body as unknown as Session).token;
    expect((await rename(token, 'erin y')).user).toMatchObject({ id: erin.user.id, nickname: 'erin y' });
  });

  it('slides: an expired token is renewed within the grace, with the same id and tag, and not after it', async () => {
    const frank = await parley.session('frank');
    clock.advance((TTL_SECONDS + 3600) * 1000);
    expect((await call('GET', '/api/me/unread', { token: frank.token })).status).toBe(401);
    const renewed = await call('POST', '/api/sessions/refresh', {
      token: frank.token,
      headers: nextAddress(),
    });
    expect(renewed.status).toBe(200);
    expect((renewed.body as unknown as Session).user).toEqual(frank.user);
    const token = (renewed.body as unknown as Session).token;
    expect((await call('GET', '/api/me/unread', { token })).status).toBe(200);
    clock.advance((TTL_SECONDS + GRACE_SECONDS + 1) * 1000);
    const late = await call('POST', '/api/sessions/refresh', { token, headers: nextAddress() });
    expect(late).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
  });

  it('recovers an identity with its recovery code in any spelling; a new code replaces it', async () => {
    const grace = await parley.session('grace');
    const room = await parley.createRoom(grace.token, 'Recovered');
    const made = await call('POST', '/api/sessions/recovery-code', { token: grace.token });
    expect(made.status).toBe(201);
    const code = String(made.body.code);
    expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
    const from = nextAddress();
    const typed = ` ${code.toLowerCase().replaceAll('-', ' ')} `;
    const recovered = await call('POST', '/api/sessions/recover', { body: { code: typed }, headers: from });
    expect(recovered.status).toBe(201);
    const session = recovered.body as unknown as Session;
    expect(session.user).toEqual(grace.user);
    // Same identity: the owner's reads work with the new browser's token.
    expect((await call('GET', `/api/rooms/${room.id}/audit`, { token: session.token })).status).toBe(200);
    const described = await call('GET', '/api/sessions/identity', { token: session.token });
    expect(described.body.recoveryCodeCreatedAt).toBe(made.body.createdAt);

    const replaced = await call('POST', '/api/sessions/recovery-code', { token: session.token });
    const old = await call('POST', '/api/sessions/recover', { body: { code }, headers: from });
    expect(old).toMatchObject({ status: 403, body: { error: { code: 'invalid_code' } } });
    const fresh = await call('POST', '/api/sessions/recover', {
      body: { code: replaced.body.code },
      headers: from,
    });
    expect((fresh.body as unknown as Session).user.id).toBe(grace.user.id);
  });

  it('signing out other devices retires recovery and link codes made before it', async () => {
    const jo = await parley.session('jo');
    const recovery = await call('POST', '/api/sessions/recovery-code', { token: jo.token });
    const link = await call('POST', '/api/sessions/link-code', { token: jo.token });
    clock.advance(1000);
    const revoked = await call('POST', '/api/sessions/revoke', { token: jo.token, headers: nextAddress() });
    const token = (revoked.body as unknown as Session).token;
    const from = nextAddress();
    for (const [path, code] of [
      ['/api/sessions/recover', recovery.body.code],
      ['/api/sessions/link', link.body.code],
    ] as const) {
      const refused = await call('POST', path, { body: { code }, headers: from });
      expect(refused, path).toMatchObject({ status: 403, body: { error: { code: 'invalid_code' } } });
    }
    expect((await call('GET', '/api/sessions/identity', { token })).body.recoveryCodeCreatedAt).toBeNull();
    clock.advance(1000);
    const fresh = await call('POST', '/api/sessions/recovery-code', { token });
    const back = await call('POST', '/api/sessions/recover', {
      body: { code: fresh.body.code },
      headers: from,
    });
    expect((back.body as unknown as Session).user.id).toBe(jo.user.id);
  });

  it('refuses a recovery code once its identity went unused longer than the recovery window', async () => {
    const hank = await parley.session('hank');
    const { body } = await call('POST', '/api/sessions/recovery-code', { token: hank.token });
    clock.advance((RECOVERY_DAYS * 86_400 - 60) * 1000);
    const from = nextAddress();
    expect(
      (await call('POST', '/api/sessions/recover', { body: { code: body.code }, headers: from })).status,
    ).toBe(201);
    // Recovering counts as use: the window starts again from it.
    clock.advance((RECOVERY_DAYS * 86_400 - 60) * 1000);
    expect(
      (await call('POST', '/api/sessions/recover', { body: { code: body.code }, headers: from })).status,
    ).toBe(201);
    clock.advance((RECOVERY_DAYS * 86_400 + 60) * 1000);
    const lapsed = await call('POST', '/api/sessions/recover', {
      body: { code: body.code },
      headers: nextAddress(),
    });
    expect(lapsed).toMatchObject({ status: 403, body: { error: { code: 'invalid_code' } } });
  });

  it('rations code attempts per address, right or wrong', async () => {
    const from = nextAddress();
    const statuses: number[] = [];
    for (let i = 0; i <= ATTEMPTS_PER_HOUR; i++) {
      const guess = i % 2 === 0 ? 'AAAA-AAAA' : 'not a code';
      statuses.push(
        (await call('POST', '/api/sessions/link', { body: { code: guess }, headers: from })).status,
      );
    }
    expect(statuses).toEqual([...Array(ATTEMPTS_PER_HOUR).fill(403), 429]);
    // Another address is not affected.
    expect(
      (await call('POST', '/api/sessions/recover', { body: { code: 'x' }, headers: nextAddress() })).status,
    ).toBe(403);
    clock.advance(3_600_000 / ATTEMPTS_PER_HOUR + 1000);
    expect(
      (await call('POST', '/api/sessions/link', { body: { code: 'AAAA-AAAA' }, headers: from })).status,
    ).toBe(403);
  });

  it('links a device with a single-use code that expires, and a newer code replaces an older one', async () => {
    const ivy = await parley.session('ivy');
    const first = await call('POST', '/api/sessions/link-code', { token: ivy.token });
    expect(first.status).toBe(201);
    expect(String(first.body.code)).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(Date.parse(String(first.body.expiresAt)) - clock.now()).toBe(LINK_TTL_SECONDS * 1000);
    const from = nextAddress();
    const linked = await call('POST', '/api/sessions/link', {
      body: { code: first.body.code },
      headers: from,
    });
    expect(linked.status).toBe(201);
    expect((linked.body as unknown as Session).user).toEqual(ivy.user);
    const again = await call('POST', '/api/sessions/link', {
      body: { code: first.body.code },
      headers: from,
    });
    expect(again).toMatchObject({ status: 403, body: { error: { code: 'invalid_code' } } });

    const older = await call('POST', '/api/sessions/link-code', { token: ivy.token });
    const newer = await call('POST', '/api/sessions/link-code', { token: ivy.token });
    expect(
      (await call('POST', '/api/sessions/link', { body: { code: older.body.code }, headers: from })).status,
    ).toBe(403);
    clock.advance(LINK_TTL_SECONDS * 1000 + 1);
    expect(
      (await call('POST', '/api/sessions/link', { body: { code: newer.body.code }, headers: from })).status,
    ).toBe(403);
    // Codes are made only for a valid token.
    expect((await call('POST', '/api/sessions/link-code', { token: 'garbage' })).status).toBe(401);
    expect((await call('POST', '/api/sessions/recovery-code')).status).toBe(401);
  });
});

describe.skipIf((await clusterSkipReason()) !== undefined)('a rename across two nodes', () => {
  const nodes = nodePairForSuite('identity-cluster');

  it('closes the old-name connection on the other node, which then speaks the new name well within its cache time', async () => {
    const [a, b] = [nodes.a(), nodes.b()];
    const kim = await a.session('kim');
    const client = await nodes.connectRaw(kim.token);
    // Node B has read (and cached) kim as she was.
    const before = await postJson<Session>(`${b.url}/api/sessions/refresh`, {}, kim.token);
    expect(before.user.nickname).toBe('kim');

    const renamed = await postJson<Session>(
      `${a.url}/api/sessions/rename`,
      { nickname: 'kimberly' },
      kim.token,
    );
    const error = await client.waitFor((f) => f.command === 'ERROR', 3000);
    expect(error.headers.message).toBe('identity_renamed');
    await eventually(
      async () => {
        const response = await fetch(`${b.url}/api/sessions/identity`, {
          headers: { authorization: `Bearer ${kim.token}` },
        });
        expect(((await response.json()) as { user: unknown }).user).toEqual(renamed.user);
      },
      { timeoutMs: 3000 },
    );
  });
});
