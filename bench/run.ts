// `npm run bench`: pins itself (the load generator) to core 1, runs every scenario against every target
// in one run (servers pinned to core 0), and writes docs/benchmarks.md and bench/results/<time>.json.
// Options: --quick (tiny numbers), --scenarios=a,b  --targets=a,b  --no-write  --render=<saved .json>.
// Knows the run's plan and the machine; measuring is scenarios.ts, formatting is report.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ParleyError } from '../src/errors.js';
import { type RunInfo, renderReport } from './report.js';
import {
  runScenario,
  SCENARIO_NAMES,
  type ScenarioName,
  type ScenarioOptions,
  type ScenarioResult,
} from './scenarios.js';
import { keepSearchSection } from './search.js';
import { rabbitAvailability, repoRoot, TARGET_NAMES, type TargetName } from './targets.js';

const FULL_IDLE_CONNECTIONS = 10_000;
const benchmarksPage = join(repoRoot(), 'docs', 'benchmarks.md');

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
const REEXEC_FLAG = 'PARLEY_BENCH_ULIMIT_RAISED';
/** The headline scenarios run first, so a run cut by the time budget still has them. */
const RUN_ORDER: readonly ScenarioName[] = ['fanout', 'saturate', 'many-rooms', 'persist', 'idle', 'cluster'];
/** `npm run bench` must finish in 10 minutes including the build: no new run starts after this. */
const BUDGET_MS = 8 * 60_000;

interface Plan {
  readonly quick: boolean;
  readonly scenarios: readonly ScenarioName[];
  readonly targets: readonly TargetName[];
  readonly write: boolean;
}

function parseArgs(argv: readonly string[]): Plan {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const list = <T extends string>(name: string, all: readonly T[]): readonly T[] => {
    const given = value(name);
    if (given === undefined) return all;
    const picked = given.split(',').filter((x): x is T => (all as readonly string[]).includes(x));
    if (picked.length === 0) throw new Error(`--${name}: none of ${given} is one of ${all.join(', ')}`);
    return picked;
  };
  return {
    quick: argv.includes('--quick'),
    scenarios: list('scenarios', SCENARIO_NAMES),
    targets: list('targets', TARGET_NAMES),
    write: !argv.includes('--no-write'),
  };
}

/** The runs of one scenario: which targets, with what numbers. */
function runsOf(scenario: ScenarioName, plan: Plan, idleConnections: number): ScenarioOptions[] {
  const q = plan.quick;
  const base = { pin: true, log: (line: string) => process.stderr.write(`${line}\n`) };
  // The raw socket floor is measured where it answers a question: the fan-out cost of one write.
  const every = (options: Omit<ScenarioOptions, 'target'>) =>
    plan.targets
      .filter((target) => target !== 'floor' || options.scenario === 'fanout')
      .map((target): ScenarioOptions => ({ ...base, ...options, target }));
  const parleyOnly = (options: Omit<ScenarioOptions, 'target'>) =>
    plan.targets.includes('parley') ? [{ ...base, ...options, target: 'parley' as const }] : [];
  switch (scenario) {
    case 'fanout':
      return every({ scenario, subscribers: q ? 50 : 500, ratePerSecond: 20, seconds: q ? 2 : 6 });
    case 'many-rooms':
      return every(
        q
          ? { scenario, rooms: 10, subscribers: 5, publishers: 2, ratePerSecond: 100, seconds: 2 }
          : { scenario, rooms: 100, subscribers: 10, publishers: 10, ratePerSecond: 1000, seconds: 6 },
      );
    case 'idle':
      return every({ scenario, connections: q ? 300 : idleConnections });
    case 'saturate':
      return every({
        scenario,
        subscribers: q ? 50 : 500,
        ratePerSecond: 20,
        seconds: q ? 1 : 2,
        maxSteps: q ? 2 : 10,
      });
    case 'persist':
      return [
        ...parleyOnly({ scenario, storage: 'sqlite', seconds: q ? 2 : 6 }),
        ...parleyOnly({ scenario, storage: 'postgres', seconds: q ? 2 : 6 }),
      ];
    case 'cluster':
      return parleyOnly({ scenario, subscribers: q ? 50 : 500, ratePerSecond: 20, seconds: q ? 2 : 6 });
  }
}

function shell(command: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function openFileLimit(): number {
  return Number(shell('sh', ['-c', 'ulimit -Sn'])) || 1024;
}

/** Re-runs this process under a raised `ulimit -n` when the idle scenario needs more descriptors. */
function raiseFileLimit(needed: number): boolean {
  if (openFileLimit() >= needed || process.env[REEXEC_FLAG] === '1') return false;
  const script = 'ulimit -n "$0" 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"';
  const result = spawnSync('sh', ['-c', script, String(needed), process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [REEXEC_FLAG]: '1' },
  });
  process.exitCode = result.status ?? 1;
  return true;
}

function pinSelf(): string {
  if (availableParallelism() < 2) return 'only one core: load generator and servers share it';
  const all = shell('taskset', ['-a', '-cp', '1', String(process.pid)]);
  return all === undefined
    ? 'taskset failed: nothing pinned'
    : 'servers pinned to core 0 (`taskset -c 0`), load generator to core 1';
}

function packageVersion(name: string): string {
  try {
    const text = readFileSync(join(repoRoot(), 'node_modules', name, 'package.json'), 'utf8');
    const parsed: unknown = JSON.parse(text);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'version' in parsed &&
      typeof parsed.version === 'string'
    ) {
      return parsed.version;
    }
  } catch {
    return '?';
  }
  return '?';
}

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version ?? '?';
  } catch {
    return 'unreachable';
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function versions(): Promise<string[]> {
  const sha = shell('git', ['-C', repoRoot(), 'rev-parse', '--short', 'HEAD']) ?? '?';
  const dirty =
    (shell('git', ['-C', repoRoot(), 'status', '--porcelain', '--', 'src']) ?? '') === ''
      ? ''
      : ' (src/ has uncommitted changes)';
  const rabbit = shell('rabbitmqctl', ['version']) ?? 'not installed';
  const redis = /v=(\S+)/.exec(shell('redis-server', ['--version']) ?? '')?.[1] ?? '?';
  return [
    `Node ${process.version}; Parley ${packageVersion('../')} at commit ${sha}${dirty}`,
    `ws ${packageVersion('ws')}, socket.io ${packageVersion('socket.io')} (engine.io ${packageVersion('engine.io')}), ` +
      `RabbitMQ ${rabbit}, PostgreSQL ${await postgresVersion()}, Redis ${redis}`,
  ];
}

function machine(): string[] {
  const model = cpus()[0]?.model ?? '?';
  return [
    `CPU: ${model}, ${cpus().length} cores; kernel ${release()}; ${Math.round(totalmem() / 2 ** 30)} GiB RAM`,
    `Load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (other work on the machine shares the cores; figures are from a shared machine)`,
  ];
}

/** `--render=<results.json>`: rewrites docs/benchmarks.md from a saved run, measuring nothing. */
function renderSaved(file: string): void {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { info: RunInfo; results: ScenarioResult[] };
  writeFileSync(
    benchmarksPage,
    keepSearchSection(readIfThere(benchmarksPage), renderReport(saved.results, saved.info)),
  );
  process.stderr.write(`rendered docs/benchmarks.md from ${file}\n`);
}

/**
 * One measuring run per machine: two at once share the cores (every figure is wrong) and both pin and
 * fill the one RabbitMQ node (seen: it ran out of file descriptors and had to be restarted). The lock
 * is a file naming the holder's pid; a holder that is gone leaves a stale lock, which is taken over.
 */
function holdRunLock(): void {
  const path = join(tmpdir(), 'parley-bench.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      process.on('exit', () => rmSync(path, { force: true }));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(path, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new ParleyError(
        'internal_error',
        `another benchmark run (pid ${holder}) is measuring on this machine; wait for it (lock ${path})`,
      );
    }
    rmSync(path, { force: true });
  }
  throw new ParleyError('internal_error', `could not take the benchmark lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function main(): Promise<void> {
  const saved = process.argv.find((a) => a.startsWith('--render='))?.slice('--render='.length);
  if (saved !== undefined) {
    renderSaved(saved);
    return;
  }
  const plan = parseArgs(process.argv.slice(2));
  const wantedIdle = plan.quick ? 300 : FULL_IDLE_CONNECTIONS;
  if (plan.scenarios.includes('idle') && raiseFileLimit(wantedIdle + 2048)) return;
  holdRunLock();
  const limit = openFileLimit();
  const idleConnections = Math.min(wantedIdle, Math.max(100, limit - 2048));
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const machineLines = machine();
  const pinning = pinSelf();
  const failures: string[] = [];
  const results: ScenarioResult[] = [];
  const rabbit = plan.targets.includes('rabbitmq') ? await rabbitAvailability() : { ok: true as const };
  if (!rabbit.ok) failures.push(`RabbitMQ Web-STOMP: ${rabbit.reason}`);
  for (const scenario of RUN_ORDER.filter((s) => plan.scenarios.includes(s))) {
    for (const options of runsOf(scenario, plan, idleConnections)) {
      if (options.target === 'rabbitmq' && !rabbit.ok) continue;
      const label = `${scenario} × ${options.target}${options.storage === undefined ? '' : ` (${options.storage})`}`;
      if (Date.now() - started > BUDGET_MS) {
        failures.push(`${label}: skipped, the run’s ${BUDGET_MS / 60_000}-minute budget was spent`);
        continue;
      }
      log(`${label} …`);
      try {
        const result = await runScenario(options);
        results.push(result);
        log(
          `${label}: ${Math.round(result.main.deliveriesPerSecond)}/s, lost ${result.main.lost}, ` +
            `p99 ${result.main.p99Ms.toFixed(2)} ms, ${result.main.cpuUsPerDelivery.toFixed(2)} µs CPU/unit` +
            (result.bytesPerConnection === undefined
              ? ''
              : `, ${Math.round(result.bytesPerConnection)} B/conn (marginal ${Math.round(result.bytesPerConnectionMarginal ?? 0)})`),
        );
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        failures.push(`${label}: ${message}`);
        log(`${label}: FAILED ${message}`);
      }
    }
  }
  const durationSeconds = (Date.now() - started) / 1000;
  const command =
    process.env.npm_lifecycle_event === 'bench'
      ? `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
      : `node dist/bench/run.js ${process.argv.slice(2).join(' ')}`.trim();
  const info: RunInfo = {
    command,
    startedAt: new Date(started).toISOString(),
    durationSeconds,
    machine: [
      ...machineLines,
      `Load average at end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}`,
    ],
    versions: await versions(),
    failures,
    notes: [
      `Pinning: ${pinning}. RabbitMQ (the machine's service) has all its threads pinned to core 0 for its runs; its previous affinity is restored after.`,
      'Load generator: Node + `ws` with its own minimal STOMP / Engine.IO / bare-ws clients (bench/wire.ts), one process; ' +
        'it reads only a marker `bench|seq|sentMicros|` from each delivery.',
      'Latency: the publisher writes its monotonic clock (µs) into the body; the subscriber in the same process ' +
        'subtracts it on arrival. It includes the load generator’s own queueing.',
      'Lost: expected deliveries (messages published × subscribers of the room) not received within 2 s after the ' +
        'last publish (1 s in saturate steps). Late deliveries of an earlier phase are not counted.',
      'Server CPU: run time of all threads of the server process(es) over the phase (user + kernel, from ' +
        '/proc/<pid>/task/*/schedstat in ns: utime + stime of /proc/<pid>/stat without its 10 ms ticks), divided ' +
        'by the deliveries of the phase. RSS: VmRSS from /proc/<pid>/status at the end of the phase.',
      'CPU wait %: time the threads of the server (resp. the load generator) were runnable but waited for a ' +
        'CPU (schedstat run-queue delay) as % of the phase, summed over threads (so it can pass 100); high values mean other work on the machine, not the ' +
        'measured server, set the pace of that phase.',
      'Parley runs from dist/ (`node dist/src/main.js`) with its abuse limits raised (per-user send rate, per-IP ' +
        'connections, sessions, rooms; server heart-beats off) so the server, not its protection, is measured.',
      'PostgreSQL (persist, cluster) and Redis (cluster) are the machine’s services, not pinned; their CPU is not in ' +
        'the server CPU figures, which are Parley’s node processes only.',
      `Message bodies are 100 bytes. Idle scenario: ${idleConnections} connections (open-file limit ${limit}).`,
    ],
  };
  const report = renderReport(results, info);
  if (plan.write) {
    // The message search figures come from their own run (bench/search.ts) and stay.
    writeFileSync(benchmarksPage, keepSearchSection(readIfThere(benchmarksPage), report));
    const dir = join(repoRoot(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${new Date(started).toISOString().replaceAll(':', '-')}.json`);
    writeFileSync(file, `${JSON.stringify({ info, results }, null, 2)}\n`);
    log(`wrote docs/benchmarks.md and ${file} in ${durationSeconds.toFixed(0)} s`);
  } else {
    process.stdout.write(report);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
