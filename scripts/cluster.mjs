#!/usr/bin/env node
// `npm run cluster -- [N]`: N local Parley nodes (default 3) on PostgreSQL and Redis behind HAProxy,
// for trying a cluster by hand. Builds first, writes the HAProxy configuration to a temp directory,
// and stops everything on Ctrl-C (nodes get SIGTERM and drain). Not used by the tests.
//
// Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/parley_cluster, created when
// missing), REDIS_URL (default redis://127.0.0.1:6379), LB_PORT (default 8080), BASE_PORT (first node's
// HTTP port, default 8101), JWT_SECRET (default: a fresh one for this run), SKIP_BUILD=1 (use dist/ as is).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const count = Number(process.argv[2] ?? '3');
if (!Number.isInteger(count) || count < 1 || count > 32) {
  console.error('usage: npm run cluster -- [number of nodes, 1–32]');
  process.exit(2);
}
const lbPort = Number(process.env.LB_PORT ?? '8080');
const basePort = Number(process.env.BASE_PORT ?? '8101');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley_cluster';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const jwtSecret = process.env.JWT_SECRET ?? randomBytes(32).toString('base64url');

function haproxyPath() {
  for (const candidate of ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).trim();
  } catch {
    console.error('haproxy is not installed (Debian: apt-get install -y haproxy)');
    process.exit(1);
  }
}

async function ensureDatabase(url) {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  client.on('error', () => {});
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

function haproxyConfig(ports) {
  const servers = ports
    .map((port, i) => `    server node${i + 1} 127.0.0.1:${port} check inter 2s fall 2 rise 1`)
    .join('\n');
  return `global
    maxconn 4000

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    # WebSockets stay open for hours; heart-beats keep them busy well within this.
    timeout tunnel 1h
    option forwardfor

frontend parley
    bind 127.0.0.1:${lbPort}
    default_backend nodes

backend nodes
    balance leastconn
    option httpchk GET /readyz
    http-check expect status 200
${servers}
`;
}

const haproxy = haproxyPath();
try {
  if (process.env.SKIP_BUILD !== '1')
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
} catch {
  // tsc still emits JavaScript when types fail; a usable build is enough to try a cluster.
  if (!existsSync(join(root, 'dist', 'src', 'main.js'))) process.exit(1);
  console.warn('build reported errors; starting the JavaScript it emitted');
}
await ensureDatabase(databaseUrl);

const children = [];
const ports = Array.from({ length: count }, (_, i) => basePort + i);
for (const [i, port] of ports.entries()) {
  const child = spawn(process.execPath, [join(root, 'dist', 'src', 'main.js')], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      STOMP_PORT: '0',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      JWT_SECRET: jwtSecret,
      // HAProxy on this machine appends the client to X-Forwarded-For; only its entry is believed.
      TRUSTED_PROXIES: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
  });
  child.on('error', (error) => console.error(`node${i + 1}: ${error.message}`));
  child.on('exit', (code, signal) => console.log(`node${i + 1} (port ${port}) exited: ${code ?? signal}`));
  children.push(child);
}

const dir = mkdtempSync(join(tmpdir(), 'parley-haproxy-'));
const configFile = join(dir, 'haproxy.cfg');
writeFileSync(configFile, haproxyConfig(ports));
const lb = spawn(haproxy, ['-W', '-db', '-f', configFile], { stdio: 'inherit' });
lb.on('error', (error) => console.error(`haproxy: ${error.message}`));
children.push(lb);

console.log(
  `Parley: ${count} node(s) on ports ${ports.join(', ')} behind HAProxy at http://127.0.0.1:${lbPort}`,
);
console.log(`  database ${new URL(databaseUrl).pathname.slice(1)}, Redis ${redisUrl}; Ctrl-C stops all.`);
console.log('  Kill one node (kill -9 <pid>) to watch clients move to the others:');
for (const [i, child] of children.entries()) {
  console.log(`  ${i < count ? `node${i + 1}` : 'haproxy'} pid ${child.pid}`);
}

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }, 12_000);
  deadline.unref();
  void Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once('exit', resolve);
        }),
    ),
  ).then(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
