// The load generator: opens the connections of one scenario against one target, publishes at a fixed
// rate with a timestamp in every body, and turns deliveries, receipts and /proc readings into figures.
// Bounded in time (every wait has a deadline) and count. Knows nothing of report formatting.
import { performance } from 'node:perf_hooks';
import { ParleyError } from '../src/errors.js';
import {
  LatencyHistogram,
  readCpuUsAll,
  readRssBytesAll,
  readRunQueueWaitUs,
  readRunQueueWaitUsAll,
} from './stats.js';
import { type RunningTarget, rabbitConnectionCap, startTarget, type TargetName } from './targets.js';
import { BenchConnection, type ConnectionEvents, markerText, nowUs } from './wire.js';

export type ScenarioName = 'fanout' | 'many-rooms' | 'idle' | 'saturate' | 'persist' | 'cluster';
export const SCENARIO_NAMES: readonly ScenarioName[] = [
  'fanout',
  'many-rooms',
  'idle',
  'saturate',
  'persist',
  'cluster',
];

export interface ScenarioOptions {
  readonly scenario: ScenarioName;
  readonly target: TargetName;
  /** Length of the measured phase (of each step for `saturate`). */
  readonly seconds?: number;
  /** Subscribers per room (`fanout`, `many-rooms`, `saturate`, `cluster`). */
  readonly subscribers?: number;
  readonly rooms?: number;
  readonly publishers?: number;
  /** Messages published per second, all publishers together. */
  readonly ratePerSecond?: number;
  /** `idle`: connections opened, authenticated and subscribed. */
  readonly connections?: number;
  /** `persist`: sender connections and SENDs in flight on each. */
  readonly senders?: number;
  readonly window?: number;
  /** `persist`: Parley's storage. */
  readonly storage?: 'sqlite' | 'postgres';
  readonly bodyBytes?: number;
  /** Pin the server to core 0; the caller pins the load generator to core 1. */
  readonly pin?: boolean;
  /** `saturate`: stop after this many rising steps. */
  readonly maxSteps?: number;
  /** `idle`: the connections asked for before a server limit lowered `connections` (for the report). */
  readonly cappedFrom?: number;
  /** `idle`: stop opening connections after this long and measure those that are open. */
  readonly idleDeadlineMs?: number;
  readonly log?: (line: string) => void;
}

/** Figures of one measured phase. Latencies in milliseconds. */
export interface PhaseResult {
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly published: number;
  readonly expected: number;
  readonly delivered: number;
  /** Expected deliveries that did not arrive within the drain deadline. */
  readonly lost: number;
  /** Sends the server refused (Parley's `/user/queue/errors`). */
  readonly rejected: number;
  readonly dropped: number;
  readonly deliveriesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly cpuUsPerDelivery: number;
  /** Server CPU over the phase, 100 = one core busy. */
  readonly serverCpuPercent: number;
  /** The load generator's own CPU: near 100 means the client, not the server, was the limit. */
  readonly loadCpuPercent: number;
  /**
   * Time the server's threads were runnable but waited for a CPU, % of the phase (summed over threads):
   * high values mean other processes on the machine, not the server, limited the phase.
   */
  readonly serverWaitPercent: number;
  /** The same for the load generator. */
  readonly loadWaitPercent: number;
  readonly rssBytes: number;
}

export interface ScenarioResult {
  readonly scenario: ScenarioName;
  readonly target: TargetName;
  /** `sqlite` / `postgres` for persist, `2 nodes` for cluster, '' otherwise. */
  readonly variant: string;
  readonly main: PhaseResult;
  /** `saturate`: every rising step, the last one failing (or the step limit reached). */
  readonly steps?: readonly PhaseResult[];
  /** `saturate`: a phase at half the highest sustained rate. */
  readonly halfSaturation?: PhaseResult;
  /** `idle`. */
  readonly connections?: number;
  /** idle: RSS growth over all the connections, divided by them (includes one-off growth). */
  readonly bytesPerConnection?: number;
  /** idle: RSS growth per connection over the second half of the connections (the marginal cost). */
  readonly bytesPerConnectionMarginal?: number | undefined;
  /** Something the reader must know to read the figures (a limit reached, no step sustained). */
  readonly note?: string;
}

const DEFAULT_BODY_BYTES = 100;
const CONNECT_BATCH = 250;
const TICK_MS = 5;
const DRAIN_MS = 2000;
const SATURATE_P99_LIMIT_MS = 1000;
const SATURATE_DRAIN_MS = 1000;
const IDENTITIES = 50;
const LOCAL_ADDRESSES = 40;
const IDLE_DEADLINE_MS = 45_000;
/** Idle time after each half of the connections, before RSS is read. */
const IDLE_SETTLE_MS = 2000;

/** Runs one scenario against one target, starting and stopping the target around it. */
export async function runScenario(requested: ScenarioOptions): Promise<ScenarioResult> {
  const cap = requested.target === 'rabbitmq' ? rabbitConnectionCap() : undefined;
  const options = cap === undefined ? requested : withinConnectionCap(requested, cap);
  const pin = options.pin ?? false;
  const nodes = options.scenario === 'cluster' ? 2 : 1;
  if ((options.scenario === 'persist' || options.scenario === 'cluster') && options.target !== 'parley') {
    throw new ParleyError('invalid_request', `${options.scenario} measures Parley only`);
  }
  const storage = options.scenario === 'persist' ? (options.storage ?? 'sqlite') : undefined;
  const target = await startTarget(options.target, {
    pin,
    nodes,
    ...(storage === undefined ? {} : { storage }),
  });
  try {
    switch (options.scenario) {
      case 'fanout':
      case 'many-rooms':
      case 'cluster':
        return await runFixedRate(target, options);
      case 'saturate':
        return await runSaturate(target, options);
      case 'idle':
        return await runIdle(target, options);
      case 'persist':
        return await runPersist(target, options, storage ?? 'sqlite');
    }
  } finally {
    await target.stop();
  }
}

/**
 * Keeps a RabbitMQ run inside the node's open-file limit: idle opens fewer connections (the figure is
 * per connection), a scenario whose topology does not fit is refused with the reason.
 */
function withinConnectionCap(options: ScenarioOptions, cap: number): ScenarioOptions {
  if (options.scenario === 'idle') {
    const wanted = options.connections ?? 1000;
    return wanted <= cap ? options : { ...options, connections: cap, cappedFrom: wanted };
  }
  const topology = topologyOf(options);
  const needed = topology.rooms * topology.subscribersPerRoom + topology.publishers;
  if (needed > cap) {
    throw new ParleyError(
      'invalid_request',
      `needs ${needed} connections; this RabbitMQ node's open-file limit allows about ${cap} ` +
        '(raise its LimitNOFILE / ulimit -n and restart it to measure)',
    );
  }
  return options;
}

interface Topology {
  readonly rooms: number;
  readonly subscribersPerRoom: number;
  readonly publishers: number;
  readonly ratePerSecond: number;
}

function topologyOf(options: ScenarioOptions): Topology {
  const manyRooms = options.scenario === 'many-rooms';
  return {
    rooms: options.rooms ?? (manyRooms ? 100 : 1),
    subscribersPerRoom: options.subscribers ?? (manyRooms ? 10 : 500),
    publishers: options.publishers ?? (manyRooms ? 10 : 1),
    ratePerSecond: options.ratePerSecond ?? (manyRooms ? 1000 : 20),
  };
}

async function runFixedRate(target: RunningTarget, options: ScenarioOptions): Promise<ScenarioResult> {
  const topology = topologyOf(options);
  const load = await LoadSession.open(target, topology, options);
  try {
    const main = await load.phase(topology.ratePerSecond, options.seconds ?? 5, DRAIN_MS);
    return { scenario: options.scenario, target: target.name, variant: variantOf(options, target), main };
  } finally {
    load.close();
  }
}

async function runSaturate(target: RunningTarget, options: ScenarioOptions): Promise<ScenarioResult> {
  const topology = topologyOf(options);
  const load = await LoadSession.open(target, topology, options);
  try {
    const steps: PhaseResult[] = [];
    let rate = topology.ratePerSecond;
    let best: PhaseResult | undefined;
    for (let step = 0; step < (options.maxSteps ?? 12); step++) {
      const result = await load.phase(rate, options.seconds ?? 3, SATURATE_DRAIN_MS);
      steps.push(result);
      const failed = result.lost > 0 || result.p99Ms > SATURATE_P99_LIMIT_MS;
      options.log?.(
        `  saturate ${target.name} ${Math.round(rate)} msg/s → ${Math.round(result.deliveriesPerSecond)} deliveries/s, ` +
          `p99 ${result.p99Ms.toFixed(1)} ms, lost ${result.lost}, load CPU ${Math.round(result.loadCpuPercent)}%`,
      );
      if (failed) break;
      if (best === undefined || result.deliveriesPerSecond > best.deliveriesPerSecond) best = result;
      rate *= 1.5;
    }
    const last = steps[steps.length - 1];
    if (best !== undefined && last !== undefined && last !== best) {
      // One step between the last sustained rate and the failed one (√1.5 ≈ 1.22) halves the step's error.
      await load.quiet();
      const between = await load.phase(best.ratePerSecond * 1.22, options.seconds ?? 3, SATURATE_DRAIN_MS);
      steps.push(between);
      options.log?.(
        `  saturate ${target.name} ${Math.round(between.ratePerSecond)} msg/s (between) → ` +
          `${Math.round(between.deliveriesPerSecond)} deliveries/s, p99 ${between.p99Ms.toFixed(1)} ms, lost ${between.lost}`,
      );
      const sustained = between.lost === 0 && between.p99Ms <= SATURATE_P99_LIMIT_MS;
      if (sustained && between.deliveriesPerSecond > best.deliveriesPerSecond) best = between;
    }
    const main = best ?? steps[0];
    if (main === undefined) throw new ParleyError('internal_error', 'saturate ran no step');
    const failedStep = steps.find((step) => step.lost > 0 || step.p99Ms > SATURATE_P99_LIMIT_MS);
    const starved =
      failedStep !== undefined && failedStep.serverCpuPercent < 80
        ? `the first failing step used only ${Math.round(failedStep.serverCpuPercent)}% of the server's core ` +
          `(its threads waited for a CPU ${Math.round(failedStep.serverWaitPercent)}% of the time, the load ` +
          `generator ${Math.round(failedStep.loadWaitPercent)}%): that limit is contention or latency, not the ` +
          'server running out of its core'
        : undefined;
    const note =
      best === undefined
        ? 'even the first step failed: the figure shown is that failed step, not a sustained rate'
        : last !== undefined && last === best
          ? 'the step limit was reached before failure: the true limit is higher'
          : starved;
    await load.quiet();
    const halfSaturation = await load.phase(main.ratePerSecond / 2, options.seconds ?? 3, DRAIN_MS);
    return {
      scenario: 'saturate',
      target: target.name,
      variant: '',
      main,
      steps,
      halfSaturation,
      ...(note === undefined ? {} : { note }),
    };
  } finally {
    load.close();
  }
}

function variantOf(options: ScenarioOptions, target: RunningTarget): string {
  if (options.scenario === 'cluster') return `${target.nodeCount} nodes`;
  return '';
}

/** Connections of one run and the counters their events feed. */
class LoadSession {
  readonly histogram = new LatencyHistogram();
  readonly #target: RunningTarget;
  readonly #topology: Topology;
  readonly #bodyBytes: number;
  readonly #subscribers: BenchConnection[] = [];
  readonly #publishers: BenchConnection[] = [];
  readonly #roomKeys: string[];
  delivered = 0;
  late = 0;
  rejected = 0;
  dropped = 0;
  lastDeliveryUs = 0;
  phaseStartUs = 0;

  private constructor(target: RunningTarget, topology: Topology, rooms: string[], bodyBytes: number) {
    this.#target = target;
    this.#topology = topology;
    this.#roomKeys = rooms;
    this.#bodyBytes = bodyBytes;
  }

  static async open(
    target: RunningTarget,
    topology: Topology,
    options: ScenarioOptions,
  ): Promise<LoadSession> {
    const rooms = await target.createRooms(topology.rooms);
    const load = new LoadSession(target, topology, rooms, options.bodyBytes ?? DEFAULT_BODY_BYTES);
    try {
      const total = topology.rooms * topology.subscribersPerRoom;
      await inBatches(total, async (i) => {
        // Subscribers alternate between nodes so a cluster carries half its fan-out across Redis.
        const connection = await load.connect(i % target.nodeCount, `s${i % IDENTITIES}`, i);
        load.#subscribers.push(connection);
        await connection.subscribe(rooms[i % rooms.length] ?? '');
      });
      for (let p = 0; p < topology.publishers; p++) {
        const connection = await load.connect(0, `p${p}`, total + p, false);
        connection.subscribeErrors();
        // Parley lets only members talk: each publisher joins the rooms it publishes to (room r is
        // published by publisher r mod P); what it receives there is not counted as a delivery.
        for (let r = p; r < rooms.length; r += topology.publishers)
          await connection.subscribe(rooms[r] ?? '');
        load.#publishers.push(connection);
      }
      return load;
    } catch (error) {
      load.close();
      throw error;
    }
  }

  /** `counted`: false for publishers, whose copies of their own messages are no deliveries. */
  async connect(node: number, identity: string, index: number, counted = true): Promise<BenchConnection> {
    const dialect = await this.#target.dialect(node, identity);
    const events: ConnectionEvents = {
      delivered: (sentUs) => {
        if (!counted) return;
        if (sentUs < this.phaseStartUs) {
          this.late++;
          return;
        }
        const now = nowUs();
        this.delivered++;
        this.lastDeliveryUs = now;
        this.histogram.record(now - sentUs);
      },
      receipt: () => undefined,
      rejected: () => {
        this.rejected++;
      },
      dropped: () => {
        this.dropped++;
      },
    };
    const connection = new BenchConnection(dialect, events, localAddress(index));
    await connection.ready;
    return connection;
  }

  /** Publishes at `ratePerSecond` for `seconds`, then waits up to `drainMs` for the deliveries. */
  async phase(ratePerSecond: number, seconds: number, drainMs: number): Promise<PhaseResult> {
    this.histogram.reset();
    this.delivered = 0;
    this.rejected = 0;
    const droppedBefore = this.dropped;
    this.phaseStartUs = nowUs();
    this.lastDeliveryUs = this.phaseStartUs;
    const cpuBefore = readCpuUsAll(this.#target.pids);
    const waitBefore = readRunQueueWaitUsAll(this.#target.pids);
    const loadWaitBefore = readRunQueueWaitUs('self');
    const loadCpuBefore = process.cpuUsage();
    const total = Math.max(1, Math.round(ratePerSecond * seconds));
    const subscribersPerRoom = this.#topology.subscribersPerRoom;
    const rooms = this.#roomKeys;
    const publishers = this.#publishers;
    let sent = 0;
    await new Promise<void>((resolve) => {
      const startMs = performance.now();
      const tick = () => {
        const due = Math.min(total, Math.floor(((performance.now() - startMs) / 1000) * ratePerSecond) + 1);
        for (; sent < due; sent++) {
          // Room r is published by publisher r mod P, so each publisher keeps its own rooms.
          const roomIndex = sent % rooms.length;
          const publisher = publishers[roomIndex % publishers.length];
          publisher?.publish(rooms[roomIndex] ?? '', markerText(sent, nowUs(), this.#bodyBytes));
        }
        if (sent >= total) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(tick, TICK_MS);
      tick();
    });
    const expected = sent * subscribersPerRoom;
    await waitUntil(() => this.delivered >= expected, drainMs);
    const cpuAfter = readCpuUsAll(this.#target.pids);
    const loadCpu = process.cpuUsage(loadCpuBefore);
    const wallUs = Math.max(nowUs() - this.phaseStartUs, 1);
    const activeUs = Math.max(this.lastDeliveryUs - this.phaseStartUs, seconds * 1_000_000);
    return {
      ratePerSecond,
      seconds,
      published: sent,
      expected,
      delivered: this.delivered,
      lost: Math.max(0, expected - this.delivered),
      rejected: this.rejected,
      dropped: this.dropped - droppedBefore,
      deliveriesPerSecond: this.delivered / (activeUs / 1_000_000),
      p50Ms: this.histogram.percentileUs(0.5) / 1000,
      p99Ms: this.histogram.percentileUs(0.99) / 1000,
      maxMs: this.histogram.maxUs / 1000,
      cpuUsPerDelivery: this.delivered === 0 ? 0 : (cpuAfter - cpuBefore) / this.delivered,
      serverCpuPercent: ((cpuAfter - cpuBefore) / wallUs) * 100,
      loadCpuPercent: ((loadCpu.user + loadCpu.system) / wallUs) * 100,
      serverWaitPercent: ((readRunQueueWaitUsAll(this.#target.pids) - waitBefore) / wallUs) * 100,
      loadWaitPercent: ((readRunQueueWaitUs('self') - loadWaitBefore) / wallUs) * 100,
      rssBytes: readRssBytesAll(this.#target.pids),
    };
  }

  /** Waits until deliveries stop arriving (after an overloaded step), at most 10 s. */
  async quiet(): Promise<void> {
    let last = -1;
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline && last !== this.delivered + this.late) {
      last = this.delivered + this.late;
      await sleep(500);
    }
  }

  close(): void {
    for (const connection of [...this.#subscribers, ...this.#publishers]) connection.close();
  }
}

async function runIdle(target: RunningTarget, options: ScenarioOptions): Promise<ScenarioResult> {
  const wanted = options.connections ?? 1000;
  const rooms = await target.createRooms(Math.min(100, wanted));
  const opened: BenchConnection[] = [];
  let dropped = 0;
  let failed = 0;
  let firstFailure = '';
  let subscribed = 0;
  const events: ConnectionEvents = {
    delivered: () => undefined,
    receipt: () => undefined,
    rejected: () => undefined,
    dropped: () => {
      dropped++;
    },
  };
  // Settle first so start-up garbage is not charged to the connections; every reading of memory
  // follows a full collection where the server is Node (see collect-garbage.ts).
  await sleep(1000);
  const collected = await target.collectGarbage();
  const rssBefore = readRssBytesAll(target.pids);
  const cpuBefore = readCpuUsAll(target.pids);
  const deadline = performance.now() + (options.idleDeadlineMs ?? IDLE_DEADLINE_MS);
  try {
    let next = 0;
    let connectUs = 0;
    const connectUpTo = async (limit: number) => {
      const phaseStarted = nowUs();
      const worker = async () => {
        while (next < limit && performance.now() < deadline) {
          const i = next++;
          try {
            const dialect = await target.dialect(0, `i${i % IDENTITIES}`);
            const connection = new BenchConnection(dialect, events, localAddress(i));
            opened.push(connection);
            await connection.ready;
            await connection.subscribe(rooms[i % rooms.length] ?? '');
            subscribed++;
          } catch (error) {
            failed++;
            if (firstFailure === '') firstFailure = error instanceof Error ? error.message : String(error);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, limit - next) }, worker));
      connectUs += nowUs() - phaseStarted;
    };
    const openCount = () => opened.filter((connection) => connection.isOpen).length;
    // Two halves, each followed by the same settling time: the second half's growth is what one more
    // connection costs, without what the process grows once under any load (young generation, code).
    await connectUpTo(Math.ceil(wanted / 2));
    await sleep(IDLE_SETTLE_MS);
    await target.collectGarbage();
    const rssHalf = readRssBytesAll(target.pids);
    const liveHalf = openCount();
    await connectUpTo(wanted);
    const connectSeconds = connectUs / 1_000_000;
    await sleep(IDLE_SETTLE_MS);
    await target.collectGarbage();
    const rssAfter = readRssBytesAll(target.pids);
    const cpuUs = readCpuUsAll(target.pids) - cpuBefore;
    const live = openCount();
    options.log?.(
      `  idle ${target.name}: ${subscribed}/${wanted} connections in ${connectSeconds.toFixed(1)} s, ` +
        `${failed} failed${firstFailure === '' ? '' : ` (first: ${firstFailure})`}, ${live} open at the end`,
    );
    if (live === 0)
      throw new ParleyError('internal_error', `no idle connection stayed open: ${firstFailure}`);
    const main: PhaseResult = {
      ...emptyPhase(),
      seconds: connectSeconds,
      lost: failed,
      dropped,
      cpuUsPerDelivery: cpuUs / live,
      rssBytes: rssAfter,
    };
    const capped =
      options.cappedFrom === undefined
        ? ''
        : `${wanted} connections instead of ${options.cappedFrom}: the server's open-file limit allows no more. `;
    const deadlineSeconds = (options.idleDeadlineMs ?? IDLE_DEADLINE_MS) / 1000;
    const short =
      live < wanted
        ? `${live} of ${wanted} connections open at the end (${failed} failed to connect or subscribe` +
          `${firstFailure === '' ? '' : `, first: ${firstFailure}`}; connecting stops after ${deadlineSeconds} s)`
        : '';
    const uncollected = collected ? '' : 'memory read without a full collection first (not a Node server). ';
    const note = `${capped}${uncollected}${short}`.trim();
    return {
      scenario: 'idle',
      target: target.name,
      variant: '',
      main,
      connections: live,
      bytesPerConnection: (rssAfter - rssBefore) / live,
      bytesPerConnectionMarginal: live > liveHalf ? (rssAfter - rssHalf) / (live - liveHalf) : undefined,
      ...(note === '' ? {} : { note }),
    };
  } finally {
    for (const connection of opened) connection.close();
  }
}

async function runPersist(
  target: RunningTarget,
  options: ScenarioOptions,
  storage: 'sqlite' | 'postgres',
): Promise<ScenarioResult> {
  const senders = options.senders ?? 20;
  const window = options.window ?? 8;
  const seconds = options.seconds ?? 5;
  const rooms = await target.createRooms(options.rooms ?? 10);
  const histogram = new LatencyHistogram();
  const sentAt = new Map<string, number>();
  const connections: BenchConnection[] = [];
  let stored = 0;
  let rejected = 0;
  let dropped = 0;
  let sequence = 0;
  let sending = false;
  const sendOne = (connection: BenchConnection, room: string) => {
    const id = String(sequence++);
    const now = nowUs();
    sentAt.set(id, now);
    connection.publish(room, markerText(sequence, now, options.bodyBytes ?? DEFAULT_BODY_BYTES), id);
  };
  try {
    for (let c = 0; c < senders; c++) {
      const room = rooms[c % rooms.length] ?? '';
      let self: BenchConnection | undefined;
      const events: ConnectionEvents = {
        delivered: () => undefined,
        receipt: (id) => {
          const at = sentAt.get(id);
          if (at === undefined) return;
          sentAt.delete(id);
          stored++;
          histogram.record(nowUs() - at);
          if (sending && self !== undefined) sendOne(self, room);
        },
        rejected: () => {
          rejected++;
        },
        dropped: () => {
          dropped++;
        },
      };
      self = await connectWith(target, `w${c}`, events, c);
      self.subscribeErrors();
      // Talking needs joining (Parley); deliveries to the writer are ignored above.
      await self.subscribe(room);
      connections.push(self);
    }
    const cpuBefore = readCpuUsAll(target.pids);
    const started = nowUs();
    sending = true;
    connections.forEach((connection, c) => {
      for (let w = 0; w < window; w++) sendOne(connection, rooms[c % rooms.length] ?? '');
    });
    await sleep(seconds * 1000);
    sending = false;
    const elapsedUs = nowUs() - started;
    const storedInTime = stored;
    await waitUntil(() => sentAt.size === 0, DRAIN_MS);
    const cpuUs = readCpuUsAll(target.pids) - cpuBefore;
    const main: PhaseResult = {
      ...emptyPhase(),
      seconds,
      published: sequence,
      expected: sequence,
      delivered: stored,
      lost: sentAt.size,
      rejected,
      dropped,
      deliveriesPerSecond: storedInTime / (elapsedUs / 1_000_000),
      p50Ms: histogram.percentileUs(0.5) / 1000,
      p99Ms: histogram.percentileUs(0.99) / 1000,
      maxMs: histogram.maxUs / 1000,
      cpuUsPerDelivery: stored === 0 ? 0 : cpuUs / stored,
      serverCpuPercent: (cpuUs / elapsedUs) * 100,
      rssBytes: readRssBytesAll(target.pids),
    };
    return { scenario: 'persist', target: target.name, variant: storage, main };
  } finally {
    for (const connection of connections) connection.close();
  }
}

async function connectWith(
  target: RunningTarget,
  identity: string,
  events: ConnectionEvents,
  index: number,
): Promise<BenchConnection> {
  const connection = new BenchConnection(await target.dialect(0, identity), events, localAddress(index));
  await connection.ready;
  return connection;
}

function emptyPhase(): PhaseResult {
  return {
    ratePerSecond: 0,
    seconds: 0,
    published: 0,
    expected: 0,
    delivered: 0,
    lost: 0,
    rejected: 0,
    dropped: 0,
    deliveriesPerSecond: 0,
    p50Ms: 0,
    p99Ms: 0,
    maxMs: 0,
    cpuUsPerDelivery: 0,
    serverCpuPercent: 0,
    loadCpuPercent: 0,
    serverWaitPercent: 0,
    loadWaitPercent: 0,
    rssBytes: 0,
  };
}

/** Spreads client sockets over loopback addresses so 10k connections never run out of local ports. */
function localAddress(index: number): string {
  return `127.0.0.${2 + (index % LOCAL_ADDRESSES)}`;
}

/** Runs `task(i)` for i in 0..count-1, at most CONNECT_BATCH at a time; the first failure wins. */
async function inBatches(count: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, count) }, worker));
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition() && performance.now() < deadline) await sleep(10);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
