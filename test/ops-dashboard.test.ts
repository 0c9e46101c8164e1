// The Grafana dashboard and the Prometheus alert rules in docs/ops/ name only metrics a running server
// exports: every PromQL expression is read, its metric names picked out, and each is looked up among
// the `# TYPE` lines of /metrics (histograms as their _bucket/_sum/_count series).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley } from './support/parley.js';

const ops = join(import.meta.dirname, '..', 'docs', 'ops');

/** Series Prometheus itself adds to every scrape target; a server never exports them. */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'inf',
  'nan',
]);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords or labels. */
function metricNames(expr: string): string[] {
  const stripped = expr
    // String literals first: they may hold braces, brackets and identifiers.
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries ([5m], [$__rate_interval], [1h:1m])
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\boffset\s+-?[0-9a-zA-Z$_]+/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ') // dashboard variables
    .replace(/(?<![A-Za-z0-9_:])\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, ' '); // numbers
  const names: string[] = [];
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const after = stripped.slice((match.index ?? 0) + name.length);
    if (/^\s*\(/.test(after)) continue; // a function or an aggregation
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.push(name);
  }
  return [...new Set(names)];
}

/** A Grafana query: PromQL, or `label_values(<PromQL>, label)` whose last argument is a label. */
function grafanaQueryNames(query: string): string[] {
  const labelValues = /^\s*label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$/s.exec(query);
  return metricNames(labelValues?.[1] ?? query);
}

/** Every `expr` and templating query in the dashboard, wherever it is nested. */
function dashboardQueries(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) dashboardQueries(item, found);
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'expr' || key === 'query') && typeof value === 'string') found.push(value);
      else dashboardQueries(value, found);
    }
  }
  return found;
}

/** Series names /metrics can hold, from its `# TYPE` lines (present before any sample is). */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name = '', type] of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly block: string;
}

/** The rules of alerts.yml, read by their indentation (one `- alert:` item, one single-line `expr:`). */
function alertRules(yaml: string): AlertRule[] {
  const blocks = yaml.split(/^(?=[ \t]+- alert: )/m).slice(1);
  return blocks.map((block) => ({
    alert: /- alert: (\S+)/.exec(block)?.[1] ?? '',
    expr: /^[ \t]+expr: (.+)$/m.exec(block)?.[1]?.trim() ?? '',
    block,
  }));
}

let parley: TestParley;
let exported: Set<string>;

beforeAll(async () => {
  parley = await startTestParley();
  // Some traffic, so the scrape is a realistic one (samples as well as TYPE lines).
  const alice = await parley.session('alice');
  await parley.createRoom(alice.token, 'dashboards');
  const response = await fetch(parley.app.metricsUrl);
  expect(response.status).toBe(200);
  exported = exportedNames(await response.text());
});

afterAll(async () => {
  await parley?.dispose();
});

describe('PromQL metric names', () => {
  it('are picked out of functions, aggregations, matchers, ranges, offsets and numbers', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (instance, le) (rate(a_seconds_bucket{code=~"x{y}|z", job="j"}[5m]))) > 0.25',
      ),
    ).toEqual(['a_seconds_bucket']);
    expect(metricNames('sum(increase(b_total[5m])) > 5 * sum(increase(b_total[1h] offset 5m)) / 12')).toEqual(
      ['b_total'],
    );
    expect(metricNames('up{job="parley"} == 0 and on (instance) c_gauge')).toEqual(['up', 'c_gauge']);
    expect(metricNames('rate(d_total{instance=~"$instance"}[$__rate_interval]) or vector(1e3)')).toEqual([
      'd_total',
    ]);
    expect(metricNames('e_bytes')).toEqual(['e_bytes']);
    expect(grafanaQueryNames('label_values(f_gauge{job=~"$job"}, instance)')).toEqual(['f_gauge']);
  });

  it('are checked against TYPE lines, histograms only by their series', () => {
    const names = exportedNames(
      '# TYPE h_seconds histogram\n# TYPE c_total counter\n# TYPE g gauge\nh_seconds_bucket{le="1"} 0\n',
    );
    expect([...names].sort()).toEqual([
      'c_total',
      'g',
      'h_seconds_bucket',
      'h_seconds_count',
      'h_seconds_sum',
    ]);
  });
});

describe('docs/ops', () => {
  it('the Grafana dashboard queries only metrics the server exports', async () => {
    const dashboard: unknown = JSON.parse(await readFile(join(ops, 'grafana-dashboard.json'), 'utf8'));
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(15);
    const used = new Set(queries.flatMap(grafanaQueryNames));
    // What the dashboard is for (issue #19): each of these is on it.
    for (const name of [
      'parley_stomp_connections',
      'parley_fanout_deliveries_total',
      'parley_send_to_delivery_seconds_bucket',
      'parley_delivery_latency_seconds_bucket',
      'parley_store_append_seconds_bucket',
      'parley_slow_consumers_dropped_total',
      'parley_errors_total',
      'parley_dependency_up',
    ]) {
      expect(used, name).toContain(name);
    }
    const missing = [...used].filter((name) => !exported.has(name) && !SYNTHETIC.has(name));
    expect(missing).toEqual([]);
  });

  it('the alert rules use only metrics the server exports, and each says how urgent it is', async () => {
    const yaml = await readFile(join(ops, 'alerts.yml'), 'utf8');
    const rules = alertRules(yaml);
    expect(rules.length).toBeGreaterThanOrEqual(8);
    // No multi-line expressions this reader would miss.
    expect(yaml.match(/^[ \t]+expr:/gm)?.length).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.alert, rule.block).toMatch(/^Parley[A-Za-z]+$/);
      expect(rule.expr, rule.alert).not.toMatch(/^[|>]/);
      expect(rule.block, rule.alert).toMatch(/^\s+for: \d+[smh]$/m);
      expect(rule.block, rule.alert).toMatch(/^\s+severity: (page|ticket)$/m);
      expect(rule.block, rule.alert).toMatch(/^\s+summary: /m);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    const used = new Set(rules.flatMap((rule) => metricNames(rule.expr)));
    for (const name of [
      'up',
      'parley_dependency_up',
      'parley_store_append_seconds_bucket',
      'parley_errors_total',
      'parley_slow_consumers_dropped_total',
    ]) {
      expect(used, name).toContain(name);
    }
    const missing = [...used].filter((name) => !exported.has(name) && !SYNTHETIC.has(name));
    expect(missing).toEqual([]);
  });
});
