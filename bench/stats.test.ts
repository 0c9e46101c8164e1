// Unit tests of the harness's pure parts: the latency histogram, /proc parsing, the body marker, and
// the report's judging of targets (a figure not measured is never counted as met or missed).
import { describe, expect, it } from 'vitest';
import { checkTargets, renderReport } from './report.js';
import type { PhaseResult, ScenarioResult } from './scenarios.js';
import { LatencyHistogram, parseProcStatCpuUs, parseProcStatusRssBytes } from './stats.js';
import { MARKER, markerText, readSentUs } from './wire.js';

describe('LatencyHistogram', () => {
  it('is exact below 1 ms and within 1% above', () => {
    const histogram = new LatencyHistogram();
    for (let us = 1; us <= 100; us++) histogram.record(us);
    expect(histogram.count).toBe(100);
    expect(histogram.percentileUs(0.5)).toBe(51);
    expect(histogram.percentileUs(1)).toBe(100);
    histogram.reset();
    histogram.record(250_000);
    expect(Math.abs(histogram.percentileUs(0.99) - 250_000) / 250_000).toBeLessThan(0.01);
    expect(histogram.maxUs).toBe(250_000);
  });

  it('counts malformed values as zero and is empty after reset', () => {
    const histogram = new LatencyHistogram();
    histogram.record(Number.NaN);
    histogram.record(-5);
    expect(histogram.percentileUs(1)).toBe(0);
    histogram.reset();
    expect(histogram.count).toBe(0);
    expect(histogram.percentileUs(0.5)).toBe(0);
  });
});

describe('/proc parsing', () => {
  it('reads utime + stime even when the command name has spaces and parentheses', () => {
    const line = '1234 (node (x) y) S 1 1234 1234 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 100 1000 200';
    expect(parseProcStatCpuUs(line)).toBe(3_000_000);
  });

  it('reads VmRSS in bytes', () => {
    expect(parseProcStatusRssBytes('Name:\tnode\nVmRSS:\t   2048 kB\nThreads: 7\n')).toBe(2 * 1024 * 1024);
    expect(() => parseProcStatusRssBytes('Name: node\n')).toThrow(/VmRSS/);
  });
});

describe('marker', () => {
  it('carries the send time through a JSON envelope', () => {
    const text = markerText(42, 123_456_789, 100);
    expect(text).toHaveLength(100);
    const frame = Buffer.from(`MESSAGE\nseq:3\n\n{"seq":3,"body":"${text}"}\0`);
    expect(readSentUs(frame, frame.indexOf(MARKER))).toBe(123_456_789);
  });
});

function phase(overrides: Partial<PhaseResult>): PhaseResult {
  return {
    ratePerSecond: 20,
    seconds: 1,
    published: 20,
    expected: 400,
    delivered: 400,
    lost: 0,
    rejected: 0,
    dropped: 0,
    deliveriesPerSecond: 400,
    p50Ms: 1,
    p99Ms: 2,
    maxMs: 3,
    cpuUsPerDelivery: 10,
    serverCpuPercent: 1,
    loadCpuPercent: 1,
    serverWaitPercent: 0,
    loadWaitPercent: 0,
    rssBytes: 1,
    ...overrides,
  };
}

describe('report', () => {
  const results: ScenarioResult[] = [
    { scenario: 'fanout', target: 'ws', variant: '', main: phase({ cpuUsPerDelivery: 2 }) },
    { scenario: 'fanout', target: 'parley', variant: '', main: phase({ cpuUsPerDelivery: 4 }) },
    { scenario: 'fanout', target: 'socketio', variant: '', main: phase({ cpuUsPerDelivery: 9 }) },
    {
      scenario: 'idle',
      target: 'parley',
      variant: '',
      main: phase({}),
      connections: 10,
      bytesPerConnection: 4096,
    },
  ];

  it('judges targets on measured figures only', () => {
    const checks = checkTargets(results);
    expect(checks.map((c) => c.met)).toEqual([false, true, undefined, undefined, undefined, true, undefined]);
    expect(checks[0]?.measured).toContain('2.00×');
  });

  it('renders tables and an SVG without inventing unmeasured figures', () => {
    const report = renderReport(results, {
      command: 'npm run bench',
      startedAt: '2026-01-01T00:00:00.000Z',
      durationSeconds: 1,
      machine: ['CPU: test'],
      versions: ['Node test'],
      notes: [],
      failures: ['rabbitmq: not installed'],
    });
    expect(report).toContain('<svg');
    expect(report).toContain('| **missed** |');
    expect(report).toContain('- rabbitmq: not installed');
    expect(report).toMatch(/### persist\n\n.*\n\nNot measured in this run/);
  });
});
