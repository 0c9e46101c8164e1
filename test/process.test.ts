// Parley as a real process: a bad configuration stops start-up with one line naming the variable;
// SIGTERM closes clients with 1001 and the process exits by itself; SIGKILL after RECEIPTs loses none
// of the acknowledged messages, on SQLite and on PostgreSQL.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@stomp/stompjs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { chooseLogFormat } from '../src/app.js';
import type { Message, Room } from '../src/chat/model.js';
import { makePostgresFixture } from './fixtures/store-fixtures.js';
import { join as joinRoom } from './support/chat-client.js';
import { eventually } from './support/eventually.js';
import { availableBackends, getJson, postJson, type Session } from './support/parley.js';
import { type ParleyProcess, runParleyProcess, startParleyProcess } from './support/parley-process.js';
import { redisAvailable, uniqueKeyPrefix } from './support/redis.js';
import { connectStompClient } from './support/stompjs-client.js';

const backends = await availableBackends();
const withRedis = await redisAvailable();
const scriptAvailable = spawnSync('script', ['--version']).status === 0;
const prettyInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
})();
const SECRET = {
  JWT_SECRET: 'process-test-secret-of-at-least-32-bytes!',
  SEND_RATE_PER_SECOND: '100000',
  SEND_BURST: '100000',
};
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-proc-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function start(env: Record<string, string>): Promise<ParleyProcess> {
  const node = await startParleyProcess({ ...SECRET, ...env });
  cleanups.push(async () => {
    node.kill('SIGKILL');
    await node.exited;
  });
  return node;
}

describe('start-up', () => {
  it('refuses a bad value with one line naming the variable', async () => {
    const proc = runParleyProcess({ PORT: 'eighty', DATA_DIR: await tempDir() });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^parley: invalid configuration: PORT: .*"eighty"/),
    ]);
  });

  it('is ready quickly and exits by itself on SIGTERM, closing clients with 1001', async () => {
    const startedAt = Date.now();
    const node = await start({ DATA_DIR: await tempDir() });
    expect(Date.now() - startedAt).toBeLessThan(5000);
    const session = await postJson<Session>(
      `${node.url}/api/sessions`,
      { nickname: 'leaver' },
      undefined,
      201,
    );
    const client = await connectStompClient({ url: node.wsUrl, token: session.token });
    const closed = new Promise<number | undefined>((resolve) => {
      client.onWebSocketClose = (event: { code?: number }) => resolve(event.code);
    });
    node.kill('SIGTERM');
    expect(await closed).toBe(1001);
    const exit = await node.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(node.logs.some((l) => l.msg === 'stopped')).toBe(true);
  });
});

describe('start-up line', () => {
  it('logs pretty lines only to a terminal, JSON lines to anything else', () => {
    expect(chooseLogFormat({ isTTY: true })).toBe('pretty');
    expect(chooseLogFormat({ isTTY: false })).toBe('json');
    expect(chooseLogFormat({})).toBe('json');
  });

  // A real terminal: util-linux `script` gives the process a pseudo-terminal as stdout.
  it.runIf(scriptAvailable && prettyInstalled)(
    'on a terminal, logs are pretty lines and start-up ends with the ready line',
    async () => {
      const env = {
        PATH: process.env.PATH ?? '',
        ...SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        STOMP_PORT: '0',
        DATA_DIR: await tempDir(),
      };
      const proc = spawn(
        'script',
        ['-qfec', `'${process.execPath}' '${inject('parleyMain')}'`, '/dev/null'],
        {
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      cleanups.push(async () => {
        proc.kill('SIGTERM');
        await exited;
      });
      let output = '';
      proc.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      await eventually(() => expect(output).toContain('Parley is ready'), { timeoutMs: 15_000 });
      // Colours and escapes aside, every line is for a person: none is a JSON object.
      const lines = output
        .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
        .split(/\r?\n/)
        .filter((l) => l.trim().length > 0);
      expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
      expect(lines.find((l) => l.includes('Parley is ready'))).toMatch(
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Parley is ready: web client http:\/\/127\.0\.0\.1:\d+\/ · /,
      );
    },
    30_000,
  );

  it('ends start-up with one line naming the web client, the STOMP ports, SQLite and Redis off', async () => {
    const dir = await tempDir();
    const node = await start({ DATA_DIR: dir, STOMP_PORT: '0' });
    const ready = await eventually(() => {
      const line = node.logs.at(-1);
      expect(line?.msg).toMatch(/^Parley is ready/);
      return String(line?.msg);
    });
    expect(ready).toBe(
      [
        `Parley is ready: web client ${node.url}/`,
        `STOMP over WebSocket ${node.wsUrl}`,
        'STOMP over TCP off',
        `storage SQLite ${join(dir, 'parley.db')}`,
        'Redis off',
        `metrics ${node.url}/metrics`,
      ].join(' · '),
    );
  });

  it.each(backends.filter((b) => b === 'postgres'))(
    'names %s and Redis without the passwords in DATABASE_URL and REDIS_URL',
    async () => {
      const fixture = await makePostgresFixture();
      cleanups.push(() => fixture.dispose());
      // Both servers accept any password here (trust auth; Redis without requirepass is only warned).
      const dbPassword = 'db-pass-never-logged-7f3a';
      const redisPassword = 'redis-pass-never-logged-9c1b';
      const databaseUrl = fixture.url.replace('postgres://postgres@', `postgres://postgres:${dbPassword}@`);
      expect(databaseUrl).toContain(dbPassword);
      const env: Record<string, string> = { DATA_DIR: await tempDir(), DATABASE_URL: databaseUrl };
      if (withRedis) {
        env.REDIS_URL = `redis://:${redisPassword}@127.0.0.1:6379`;
        env.REDIS_KEY_PREFIX = uniqueKeyPrefix('startup');
      }
      const node = await start(env);
      const ready = await eventually(() => {
        const line = node.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('Parley is ready'));
        expect(line).toBeDefined();
        return String(line?.msg);
      });
      expect(ready).toContain(`storage PostgreSQL ${new URL(fixture.url).protocol}//127.0.0.1:5432/`);
      expect(ready).toContain(withRedis ? 'Redis on redis://127.0.0.1:6379' : 'Redis off');
      node.kill('SIGTERM');
      await node.exited;
      const everything = JSON.stringify(node.logs) + node.stderr();
      expect(everything).not.toContain(dbPassword);
      expect(everything).not.toContain(redisPassword);
      expect(everything).not.toContain('postgres:db-pass');
    },
    30_000,
  );
});

describe('graceful shutdown', () => {
  it('SIGTERM with SENDs in flight: every stored message got its RECEIPT, every RECEIPT is stored, exit 0', async () => {
    const env: Record<string, string> = { DATA_DIR: await tempDir() };
    const first = await start(env);
    const session = await postJson<Session>(
      `${first.url}/api/sessions`,
      { nickname: 'busy' },
      undefined,
      201,
    );
    const room = await postJson<Room>(`${first.url}/api/rooms`, { name: 'draining' }, session.token, 201);
    const client: Client = await connectStompClient({ url: first.wsUrl, token: session.token });
    await joinRoom(client, room.id);
    let errorCode: string | undefined;
    client.onStompError = (frame) => {
      errorCode = frame.headers.message;
    };
    const closed = new Promise<number | undefined>((resolve) => {
      client.onWebSocketClose = (event: { code?: number }) => resolve(event.code);
    });
    const acknowledged = new Set<string>();
    let sent = 0;
    let terminated = false;
    const sendOne = (): void => {
      if (!client.connected) return;
      const id = `m${++sent}`;
      client.watchForReceipt(id, () => {
        acknowledged.add(id);
        if (acknowledged.size === 200 && !terminated) {
          terminated = true;
          first.kill('SIGTERM');
        }
        sendOne();
      });
      client.publish({
        destination: `/app/rooms.${room.id}`,
        body: JSON.stringify({ body: id, clientMsgId: id }),
        headers: { receipt: id, 'content-type': 'application/json' },
      });
    };
    // 32 SENDs in flight all the time, so SIGTERM always lands in the middle of some.
    for (let i = 0; i < 32; i += 1) sendOne();
    expect(await closed).toBe(1001);
    expect(errorCode).toBe('shutting_down');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    await client.deactivate();

    const second = await start(env);
    const { messages } = await getJson<{ messages: Message[] }>(
      `${second.url}/api/rooms/${room.id}/messages?after=0&limit=200`,
    );
    const stored = new Set(messages.map((m) => m.body));
    const rest = await getJson<{ messages: Message[] }>(
      `${second.url}/api/rooms/${room.id}/messages?after=${messages.at(-1)?.seq ?? 0}&limit=200`,
    );
    for (const m of rest.messages) stored.add(m.body);
    // Nothing acknowledged was lost, and nothing was stored without the client hearing of it.
    expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([]);
    expect([...stored].filter((id) => !acknowledged.has(id))).toEqual([]);
    expect(sent).toBeGreaterThan(acknowledged.size);
  }, 30_000);
});

describe.each(backends)('kill -9 on %s', (backend) => {
  it('loses no message that got a RECEIPT', async () => {
    const env: Record<string, string> = { DATA_DIR: await tempDir() };
    if (backend === 'postgres') {
      const fixture = await makePostgresFixture();
      cleanups.push(() => fixture.dispose());
      env.DATABASE_URL = fixture.url;
    }
    const first = await start(env);
    const session = await postJson<Session>(
      `${first.url}/api/sessions`,
      { nickname: 'writer' },
      undefined,
      201,
    );
    const room = await postJson<Room>(`${first.url}/api/rooms`, { name: 'durable' }, session.token, 201);
    const client: Client = await connectStompClient({ url: first.wsUrl, token: session.token });
    await joinRoom(client, room.id);
    client.onWebSocketClose = () => {};

    const acknowledged = new Set<string>();
    let sent = 0;
    // Keep 32 SENDs in flight; kill the server once 300 have been acknowledged.
    const killed = new Promise<void>((resolve) => {
      const sendOne = (): void => {
        if (!client.connected) return;
        const id = `m${++sent}`;
        client.watchForReceipt(id, () => {
          acknowledged.add(id);
          if (acknowledged.size === 300) {
            first.kill('SIGKILL');
            resolve();
          } else sendOne();
        });
        client.publish({
          destination: `/app/rooms.${room.id}`,
          body: JSON.stringify({ body: id, clientMsgId: id }),
          headers: { receipt: id, 'content-type': 'application/json' },
        });
      };
      for (let i = 0; i < 32; i++) sendOne();
    });
    await killed;
    expect((await first.exited).signal).toBe('SIGKILL');
    await client.deactivate();
    const ackedAtKill = new Set(acknowledged);

    const second = await start(env);
    const stored: Message[] = [];
    for (let after = 0; ; ) {
      const { messages } = await getJson<{ messages: Message[] }>(
        `${second.url}/api/rooms/${room.id}/messages?after=${after}&limit=200`,
      );
      stored.push(...messages);
      if (messages.length < 200) break;
      after = messages.at(-1)?.seq ?? after;
    }
    const bodies = stored.map((m) => m.body);
    for (const id of ackedAtKill) expect(bodies).toContain(id);
    expect(new Set(bodies).size).toBe(bodies.length);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    expect(sent).toBeGreaterThan(300);
  }, 60_000);
});
