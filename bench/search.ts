// Message search latency at scale: fills one room with N messages (default 1M; mixed English and Korean,
// seeded) through the store's own appends (group-committed transactions, no STOMP) on SQLite and on
// PostgreSQL, then times `searchMessages` (first page of 20) for a set of queries: p50/p95/max.
// `npm run bench:search` writes the figures into docs/benchmarks.md between the search markers (run.ts
// keeps that block). Options: --messages=N --engines=sqlite,postgres --runs=N --no-write.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { MessageId, RoomId, UserId } from '../src/chat/model.js';
import { PostgresStore } from '../src/store/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { repoRoot } from './targets.js';

export type SearchEngine = 'sqlite' | 'postgres';

/** What each query stands for; the words are planted in the text at the stated rates. */
export const SEARCH_QUERIES: readonly { readonly label: string; readonly text: string }[] = [
  { label: 'common English word', text: 'meeting' },
  { label: 'rare English word', text: 'xylophone' },
  { label: 'Hangul, 3 syllables', text: '회의실' },
  { label: 'Hangul, 2 syllables (short: bounded scan)', text: '회의' },
  { label: 'no match', text: 'qqzzxq' },
];

const ENGLISH = (
  'the a of to and in is it you that he was for on are with as his they be at one have this from or had by ' +
  'hot word but what some we can out other were all there when up use your how said an each she which do ' +
  'their time if will way about many then them write would like so these her long make thing see him two ' +
  'meeting release deploy lunch coffee tomorrow review ticket server client build merge branch weekend'
).split(' ');
const KOREAN = (
  '안녕하세요 오늘 내일 회의 회의실 점심 커피 주말 배포 리뷰 서버 빌드 고마워요 네 아니요 좋아요 ' +
  '지금 어디 언제 누구 무엇 왜 어떻게 사람 시간 일 친구 학교 회사 집 전화 메시지 사진 노래 영화 ' +
  '날씨 비 눈 바람 하늘 바다 산 강 길 차 버스 지하철 기차 비행기 여행 음식 밥 물 술'
).split(' ');
/** One message in this many holds the rare word. */
const RARE_EVERY = 50_000;

/** A small seeded generator (mulberry32): the same text on every run and engine. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Message i's body: 4–14 words, half the messages mostly Korean, the rare word now and then. */
export function benchBody(random: () => number, i: number): string {
  const korean = random() < 0.5;
  const count = 4 + Math.floor(random() * 11);
  const words: string[] = [];
  for (let w = 0; w < count; w++) {
    const list = random() < 0.8 === korean ? KOREAN : ENGLISH;
    words.push(list[Math.floor(random() * list.length)] ?? '');
  }
  if (i % RARE_EVERY === RARE_EVERY / 2) words.splice(1, 0, 'xylophone');
  return words.join(' ');
}

interface OpenedStore {
  readonly store: Store;
  /** Fresh planner statistics (PostgreSQL), as autovacuum would have them on a database that grew over time. */
  readonly analyze: () => Promise<void>;
  readonly dispose: () => Promise<void>;
}

async function openStore(engine: SearchEngine, pgUrl: string): Promise<OpenedStore> {
  if (engine === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'parley-search-bench-'));
    const store = new SqliteStore({ file: join(dir, 'bench.db') });
    await store.migrate();
    return {
      store,
      analyze: async () => {},
      dispose: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `parley_bench_search_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string, database = 'postgres') => {
    const client = new pg.Client({ connectionString: `${pgUrl}/${database}` });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const store = new PostgresStore({ connectionString: `${pgUrl}/${name}`, statementTimeoutMs: 600_000 });
  await store.migrate();
  return {
    store,
    analyze: () => admin('ANALYZE messages', name),
    dispose: async () => {
      await store.close();
      await admin(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}

/** Appends `count` messages to a new room, `inFlight` at a time (the store commits them in batches). */
async function fill(store: Store, count: number, inFlight = 5000): Promise<RoomId> {
  const author = { id: randomUUID() as UserId, nickname: 'bench', tag: '0001' };
  const room = await store.createRoom({
    id: randomUUID() as RoomId,
    name: 'search bench',
    topic: null,
    createdBy: author,
    createdAt: new Date(Date.UTC(2025, 0, 1)),
  });
  const random = seeded(16);
  const t0 = Date.UTC(2025, 0, 1);
  for (let start = 0; start < count; start += inFlight) {
    const pending: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + inFlight); i++) {
      pending.push(
        store.appendMessage({
          id: randomUUID() as MessageId,
          roomId: room.id,
          author,
          body: benchBody(random, i),
          createdAt: new Date(t0 + i * 1000),
        }),
      );
    }
    await Promise.all(pending);
  }
  return room.id;
}

export interface QueryTiming {
  readonly label: string;
  readonly text: string;
  /** Messages on the first page (at most 20). */
  readonly found: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export interface EngineResult {
  readonly engine: SearchEngine;
  readonly messages: number;
  readonly fillSeconds: number;
  readonly timings: readonly QueryTiming[];
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

/** Fills one engine's store and times every query `runs` times (after two warm-up runs). */
export async function benchEngine(
  engine: SearchEngine,
  options: {
    readonly messages: number;
    readonly runs: number;
    readonly pgUrl?: string;
    readonly shortQueryScanMax?: number;
  },
): Promise<EngineResult> {
  const opened = await openStore(engine, options.pgUrl ?? 'postgres://postgres@127.0.0.1:5432');
  try {
    const fillStart = performance.now();
    const roomId = await fill(opened.store, options.messages);
    const fillSeconds = (performance.now() - fillStart) / 1000;
    await opened.analyze();
    const timings: QueryTiming[] = [];
    for (const query of SEARCH_QUERIES) {
      const search = () =>
        opened.store.searchMessages({
          scope: { kind: 'room', roomId },
          text: query.text,
          limit: 20,
          shortQueryScanMax: options.shortQueryScanMax ?? 10_000,
        });
      await search();
      await search();
      const samples: number[] = [];
      let found = 0;
      for (let r = 0; r < options.runs; r++) {
        const start = performance.now();
        const page = await search();
        samples.push(performance.now() - start);
        found = page.messages.length;
      }
      samples.sort((a, b) => a - b);
      timings.push({
        label: query.label,
        text: query.text,
        found,
        p50Ms: percentile(samples, 0.5),
        p95Ms: percentile(samples, 0.95),
        maxMs: samples.at(-1) ?? Number.NaN,
      });
    }
    return { engine, messages: options.messages, fillSeconds, timings };
  } finally {
    await opened.dispose();
  }
}

export const SEARCH_BEGIN = '<!-- search-bench:begin -->';
export const SEARCH_END = '<!-- search-bench:end -->';

export function renderSearchSection(results: readonly EngineResult[], machine: string, date: string): string {
  const rows = results.flatMap((r) =>
    r.timings.map(
      (t) =>
        `| ${r.engine} | ${t.label} (\`${t.text}\`) | ${t.found} | ${t.p50Ms.toFixed(2)} | ${t.p95Ms.toFixed(2)} | ${t.maxMs.toFixed(2)} |`,
    ),
  );
  const fills = results
    .map((r) => `${r.engine}: ${r.messages.toLocaleString('en')} messages in ${r.fillSeconds.toFixed(0)} s`)
    .join('; ');
  return [
    SEARCH_BEGIN,
    '## Message search',
    '',
    `Measured ${date} by \`npm run bench:search\` (bench/search.ts) on ${machine}.`,
    '',
    'One room filled through the store’s own appends (group-committed transactions, no STOMP) with seeded',
    'text, half mostly English and half mostly Korean, 4–14 words; the rare word is in one message of',
    `${RARE_EVERY.toLocaleString('en')}. Each query is the first page (20, newest first) of \`searchMessages\` in the room,`,
    'SQL and hydration included, HTTP and rate limiting not; two warm-up runs, then the runs timed.',
    `Fill: ${fills}. Short queries (under 3 code points) scan at most 10,000 messages a page.`,
    '',
    '| Engine | Query | Found (page) | p50 ms | p95 ms | max ms |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows,
    SEARCH_END,
  ].join('\n');
}

/** A freshly rendered docs/benchmarks.md keeping the search block of the page it replaces (run.ts). */
export function keepSearchSection(previous: string | undefined, rendered: string): string {
  const begin = previous?.indexOf(SEARCH_BEGIN) ?? -1;
  const end = previous?.indexOf(SEARCH_END) ?? -1;
  if (previous === undefined || begin === -1 || end === -1) return rendered;
  return withSearchSection(rendered, previous.slice(begin, end + SEARCH_END.length));
}

/** docs/benchmarks.md with the search block replaced (or appended when it has none). */
export function withSearchSection(page: string, section: string): string {
  const begin = page.indexOf(SEARCH_BEGIN);
  const end = page.indexOf(SEARCH_END);
  if (begin === -1 || end === -1) return `${page.trimEnd()}\n\n${section}\n`;
  return `${page.slice(0, begin)}${section}${page.slice(end + SEARCH_END.length)}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const messages = Number(value('messages') ?? 1_000_000);
  const runs = Number(value('runs') ?? 50);
  const engines = (value('engines') ?? 'sqlite,postgres').split(',') as SearchEngine[];
  const results: EngineResult[] = [];
  for (const engine of engines) {
    process.stderr.write(`${engine}: filling ${messages} messages…\n`);
    const result = await benchEngine(engine, { messages, runs });
    process.stderr.write(`${JSON.stringify(result, null, 1)}\n`);
    results.push(result);
  }
  const pgVersion = await pgServerVersion().catch(() => '?');
  const machine =
    `${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, kernel ${release()}; ` +
    `Node ${process.versions.node}; PostgreSQL ${pgVersion} (the machine’s service, default settings); ` +
    `SQLite ${(await sqliteVersion()) ?? '?'} (better-sqlite3), WAL, synchronous=FULL. The machine was shared with other work`;
  const section = renderSearchSection(results, machine, new Date().toISOString().slice(0, 10));
  if (argv.includes('--no-write')) {
    process.stdout.write(`${section}\n`);
    return;
  }
  const path = join(repoRoot(), 'docs', 'benchmarks.md');
  await writeFile(path, withSearchSection(await readFile(path, 'utf8'), section));
  process.stderr.write(`wrote the search section of ${path}\n`);
}

async function pgServerVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? '?';
  } finally {
    await client.end();
  }
}

async function sqliteVersion(): Promise<string | undefined> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const db = new BetterSqlite3(':memory:');
  try {
    return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string } | undefined)?.v;
  } finally {
    db.close();
  }
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
