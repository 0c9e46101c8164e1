// Prometheus metrics of one process: a registry of its own (no global singleton) holding every series
// Parley exports. Components receive the instruments they touch; `/metrics` renders the registry.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from './errors.js';
import { COMMANDS, type Command, type ServerCommand } from './stomp/frame.js';
import type { SessionObserver } from './stomp/session.js';

type CommandCounts = Record<Command, number>;

function zeroCounts(): CommandCounts {
  return Object.fromEntries(COMMANDS.map((c) => [c, 0])) as CommandCounts;
}

/** Adds what `counts` gained since the last scrape to `counter` (frames are counted as plain numbers). */
function flush(counter: Counter<'command'>, counts: CommandCounts, reported: CommandCounts): void {
  for (const command of COMMANDS) {
    const delta = counts[command] - reported[command];
    if (delta > 0) {
      counter.inc({ command }, delta);
      reported[command] = counts[command];
    }
  }
}

/** Rejects when `promise` has not settled within `ms` (the timer never keeps the process alive). */
function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class Metrics {
  readonly registry = new Registry();

  // The hot path bumps plain numbers; the counters catch up when scraped.
  readonly #framesIn = zeroCounts();
  readonly #framesOut = zeroCounts();
  readonly #framesInReported = zeroCounts();
  readonly #framesOutReported = zeroCounts();

  readonly framesIn: Counter<'command'>;
  readonly framesOut: Counter<'command'>;
  readonly messagesStored = new Counter({
    name: 'parley_messages_stored_total',
    help: 'Chat messages durably stored (duplicates by clientMsgId not counted).',
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'parley_fanout_deliveries_total',
    help: 'MESSAGE frames written to subscribers.',
    registers: [this.registry],
  });
  readonly deliveryLatency = new Histogram({
    name: 'parley_delivery_latency_seconds',
    help: 'From a message being stored to its fan-out on this node.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly sendToDelivery = new Histogram({
    name: 'parley_send_to_delivery_seconds',
    help: 'From an accepted SEND being handed to the store to its fan-out, on the node that took the SEND (commit included).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly storeLatency = new Histogram({
    name: 'parley_store_append_seconds',
    help: 'Time for a message append to be committed.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'parley_errors_total',
    help: 'Errors reported to clients, by code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly slowConsumersDropped = new Counter({
    name: 'parley_slow_consumers_dropped_total',
    help: 'Connections closed because their outbound buffer overflowed.',
    registers: [this.registry],
  });
  readonly connections: Gauge;
  readonly subscriptions: Gauge;

  constructor(stats: () => { connections: number; subscriptions: number }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
    this.framesIn = this.#commandCounter(
      'parley_stomp_frames_in_total',
      'STOMP frames received, by command.',
      this.#framesIn,
      this.#framesInReported,
    );
    this.framesOut = this.#commandCounter(
      'parley_stomp_frames_out_total',
      'STOMP frames sent, by command (MESSAGE counted per delivery; heart-beats not counted).',
      this.#framesOut,
      this.#framesOutReported,
    );
    this.connections = this.#statGauge(
      'parley_stomp_connections',
      'Open STOMP connections (after CONNECT).',
      () => stats().connections,
    );
    this.subscriptions = this.#statGauge(
      'parley_stomp_subscriptions',
      'Active STOMP subscriptions.',
      () => stats().subscriptions,
    );
  }

  /** A counter by command that catches up with the plain `counts` when scraped. */
  #commandCounter(
    name: string,
    help: string,
    counts: CommandCounts,
    reported: CommandCounts,
  ): Counter<'command'> {
    return new Counter({
      name,
      help,
      labelNames: ['command'] as const,
      registers: [this.registry],
      collect() {
        flush(this, counts, reported);
      },
    });
  }

  /**
   * `parley_dependency_up{dependency}`: 1 when the check (the same as `/readyz`'s) resolved within
   * `timeoutMs` at scrape time, else 0. Only the dependencies this node uses get a series.
   */
  watchDependencies(checks: Readonly<Record<string, () => Promise<void>>>, timeoutMs: number): void {
    const entries = Object.entries(checks);
    new Gauge({
      name: 'parley_dependency_up',
      help: 'Whether a dependency answered its health check at scrape time (1) or not (0).',
      labelNames: ['dependency'] as const,
      registers: [this.registry],
      async collect() {
        const results = await Promise.allSettled(entries.map(([, check]) => withTimeout(check(), timeoutMs)));
        results.forEach((result, i) => {
          const dependency = entries[i]?.[0] ?? `check${i}`;
          this.set({ dependency }, result.status === 'fulfilled' ? 1 : 0);
        });
      },
    });
  }

  /** A gauge that reads its value when scraped. */
  #statGauge(name: string, help: string, read: () => number): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** The observer every STOMP session reports to: counts only, so it is safe on the delivery path. */
  readonly sessionObserver: SessionObserver = {
    frameReceived: (command: Command) => {
      this.#framesIn[command] += 1;
    },
    frameSent: (command: ServerCommand) => {
      this.#framesOut[command] += 1;
    },
    failed: (code: ErrorCode) => {
      this.errors.inc({ code });
    },
    closed: (code: ErrorCode | undefined) => {
      if (code === undefined) return;
      this.errors.inc({ code });
      if (code === 'slow_consumer') this.slowConsumersDropped.inc();
    },
  };
}
