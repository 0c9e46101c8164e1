// Measurement primitives of the benchmark: a latency histogram cheap enough to record every delivery,
// and readings of another process's CPU time and resident memory from /proc.
// Knows nothing of targets, protocols or scenarios.
import { readdirSync, readFileSync } from 'node:fs';
import { ParleyError } from '../src/errors.js';

const LINEAR_LIMIT_US = 1000;
const LOG_STEP = Math.log(1.01);
const BUCKETS = LINEAR_LIMIT_US + Math.ceil(Math.log(600_000_000 / LINEAR_LIMIT_US) / LOG_STEP) + 1;

/**
 * Latencies in microseconds: exact below 1 ms, within 1% above (up to 10 minutes). Recording is
 * allocation-free so the load generator's own cost stays out of the figures.
 */
export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #total = 0;
  #maxUs = 0;

  record(latencyUs: number): void {
    // A malformed marker (NaN) or a clock step counts as zero rather than poisoning the buckets.
    const us = Number.isFinite(latencyUs) && latencyUs > 0 ? latencyUs : 0;
    const bucket = bucketOf(us);
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
    this.#total += 1;
    if (us > this.#maxUs) this.#maxUs = us;
  }

  get count(): number {
    return this.#total;
  }

  get maxUs(): number {
    return this.#maxUs;
  }

  /** The latency at or below which `fraction` (0..1) of the recorded values fall; 0 when empty. */
  percentileUs(fraction: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.max(1, Math.ceil(fraction * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= rank) return Math.min(upperOf(i), this.#maxUs);
    }
    return this.#maxUs;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
    this.#maxUs = 0;
  }
}

function bucketOf(us: number): number {
  if (us < LINEAR_LIMIT_US) return Math.floor(us);
  const index = LINEAR_LIMIT_US + Math.floor(Math.log(us / LINEAR_LIMIT_US) / LOG_STEP);
  return Math.min(index, BUCKETS - 1);
}

function upperOf(bucket: number): number {
  if (bucket < LINEAR_LIMIT_US) return bucket + 1;
  return LINEAR_LIMIT_US * Math.exp((bucket - LINEAR_LIMIT_US + 1) * LOG_STEP);
}

/** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux this runs on (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** utime + stime of a process (all its threads) in microseconds, parsed from a /proc/<pid>/stat line. */
export function parseProcStatCpuUs(statLine: string): number {
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const tail = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  // tail[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(tail[11]);
  const stime = Number(tail[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new ParleyError('internal_error', `unreadable /proc stat line: ${statLine.slice(0, 80)}`);
  }
  return ((utime + stime) * 1_000_000) / TICKS_PER_SECOND;
}

/** VmRSS of a /proc/<pid>/status text, in bytes. */
export function parseProcStatusRssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match?.[1] === undefined) throw new ParleyError('internal_error', 'no VmRSS in /proc status');
  return Number(match[1]) * 1024;
}

/**
 * CPU time of a process in microseconds: the sum of its threads' run time from
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds, user + kernel), the same quantity as utime + stime of
 * /proc/<pid>/stat without its 10 ms ticks; falls back to /proc/<pid>/stat where schedstat is absent.
 */
export function readCpuUs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended between listing and reading.
      }
    }
    if (Number.isFinite(ns) && ns > 0) return ns / 1000;
  } catch {
    // No schedstat on this kernel: use the tick-resolution figure.
  }
  return readTickCpuUs(pid);
}

/**
 * Time a process's threads spent runnable but waiting for a CPU (run-queue delay, second field of
 * schedstat), in microseconds: how much other work on the machine held it back. 0 where unavailable.
 */
export function readRunQueueWaitUs(pid: number | 'self'): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
      } catch {
        // The thread ended between listing and reading.
      }
    }
    return Number.isFinite(ns) ? ns / 1000 : 0;
  } catch {
    return 0;
  }
}

export function readRunQueueWaitUsAll(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + readRunQueueWaitUs(pid), 0);
}

/** utime + stime from /proc/<pid>/stat (10 ms resolution). */
export function readTickCpuUs(pid: number): number {
  return parseProcStatCpuUs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export function readRssBytes(pid: number): number {
  return parseProcStatusRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** Sum of CPU over several processes (a cluster's nodes). */
export function readCpuUsAll(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + readCpuUs(pid), 0);
}

export function readRssBytesAll(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + readRssBytes(pid), 0);
}
