// Turns scenario results into docs/benchmarks.md: the headline ratios against bare ws, the targets
// (met or missed, with the measured numbers), one table per scenario and a hand-written SVG chart.
// Pure: no I/O, no measuring; a figure that was not measured is shown as "–", never estimated.
import type { PhaseResult, ScenarioName, ScenarioResult } from './scenarios.js';
import type { TargetName } from './targets.js';

export interface RunInfo {
  readonly command: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: readonly string[];
  readonly versions: readonly string[];
  readonly notes: readonly string[];
  /** Runs that could not be measured, with the reason (target unavailable, crash…). */
  readonly failures: readonly string[];
}

const LABELS: Record<TargetName, string> = {
  parley: 'Parley',
  ws: 'bare ws',
  socketio: 'Socket.IO 4',
  rabbitmq: 'RabbitMQ Web-STOMP',
  floor: 'raw socket floor',
};

const DASH = '–';

export function findResult(
  results: readonly ScenarioResult[],
  scenario: ScenarioName,
  target: TargetName,
  variant = '',
): ScenarioResult | undefined {
  return results.find((r) => r.scenario === scenario && r.target === target && r.variant === variant);
}

export function formatNumber(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return DASH;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatMs(value: number): string {
  return formatNumber(value, value < 10 ? 2 : 1);
}

function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return DASH;
  if (Math.abs(bytes) >= 1024 * 1024) return `${formatNumber(bytes / (1024 * 1024), 1)} MiB`;
  return `${formatNumber(bytes / 1024, 1)} KiB`;
}

function ratio(value: number | undefined, reference: number | undefined): number | undefined {
  if (value === undefined || reference === undefined || reference === 0) return undefined;
  return value / reference;
}

function formatRatio(value: number | undefined): string {
  return value === undefined ? DASH : `${formatNumber(value, 2)}×`;
}

export interface TargetCheck {
  readonly goal: string;
  readonly measured: string;
  /** undefined: not measured in this run. */
  readonly met: boolean | undefined;
}

/** The issue's targets, judged on the measured figures only. */
export function checkTargets(results: readonly ScenarioResult[]): TargetCheck[] {
  const cpu = (target: TargetName) => findResult(results, 'fanout', target)?.main.cpuUsPerDelivery;
  const parleyCpu = cpu('parley');
  const vsWs = ratio(parleyCpu, cpu('ws'));
  const sioGain = ratio(cpu('socketio'), parleyCpu);
  const rabbitGain = ratio(cpu('rabbitmq'), parleyCpu);
  const sat = (target: TargetName) => findResult(results, 'saturate', target)?.main.deliveriesPerSecond;
  const satRatio = ratio(sat('parley'), sat('ws'));
  const capacityRatio = ratio(cpuBoundCapacity(results, 'parley'), cpuBoundCapacity(results, 'ws'));
  const half = findResult(results, 'saturate', 'parley')?.halfSaturation;
  const idle = findResult(results, 'idle', 'parley')?.bytesPerConnection;
  const persist = findResult(results, 'persist', 'parley', 'sqlite')?.main.deliveriesPerSecond;
  const judge = (value: number | undefined, ok: (v: number) => boolean) =>
    value === undefined ? undefined : ok(value);
  return [
    {
      goal: 'fan-out CPU per delivery ≤ 1.5× bare ws',
      measured: `${formatNumber(parleyCpu, 2)} µs vs ${formatNumber(cpu('ws'), 2)} µs = ${formatRatio(vsWs)}`,
      met: judge(vsWs, (v) => v <= 1.5),
    },
    {
      goal: 'fan-out CPU per delivery ≥ 2× better than Socket.IO',
      measured:
        `Socket.IO ${formatNumber(cpu('socketio'), 2)} µs = ${formatRatio(sioGain)} Parley's` +
        floorNote(cpu('socketio'), cpu('floor')),
      met: judge(sioGain, (v) => v >= 2),
    },
    {
      goal: 'fan-out CPU per delivery ≥ 2× better than RabbitMQ',
      measured: `RabbitMQ ${formatNumber(cpu('rabbitmq'), 2)} µs = ${formatRatio(rabbitGain)} Parley's`,
      met: judge(rabbitGain, (v) => v >= 2),
    },
    {
      goal: 'saturate ≥ 70% of bare ws',
      measured:
        `${formatNumber(sat('parley'))} vs ${formatNumber(sat('ws'))} deliveries/s = ${
          satRatio === undefined ? DASH : `${formatNumber(satRatio * 100)}%`
        }` +
        (capacityRatio === undefined
          ? ''
          : ` (derived from CPU per delivery at those steps: ${formatNumber(capacityRatio * 100)}%)`),
      met: judge(satRatio, (v) => v >= 0.7),
    },
    {
      goal: 'p99 < 50 ms at half saturation',
      measured:
        half === undefined
          ? DASH
          : `p99 ${formatMs(half.p99Ms)} ms at ${formatNumber(half.deliveriesPerSecond)} deliveries/s`,
      met: judge(half?.p99Ms, (v) => v < 50),
    },
    {
      goal: 'idle < 8 KiB per connection',
      measured: `${formatBytes(idle)} per connection`,
      met: judge(idle, (v) => v < 8 * 1024),
    },
    {
      goal: 'persist SQLite ≥ 20k stored msgs/s',
      measured: `${formatNumber(persist)} stored msgs/s`,
      met: judge(persist, (v) => v >= 20_000),
    },
  ];
}

/**
 * What 2× better than Socket.IO would take, next to the lowest cost measured for any Node server in
 * the same run (the raw socket floor: one pre-built frame, one write per subscriber, nothing else).
 */
function floorNote(socketIo: number | undefined, floor: number | undefined): string {
  if (socketIo === undefined || floor === undefined) return '';
  const needed = socketIo / 2;
  const relation = floor > needed ? 'above' : 'at or below';
  return (
    `; 2× needs ≤ ${formatNumber(needed, 2)} µs, and the raw socket floor measured in this run is ` +
    `${formatNumber(floor, 2)} µs (${relation} it)`
  );
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function phaseRow(label: string, phase: PhaseResult): string[] {
  return [
    label,
    formatNumber(phase.ratePerSecond),
    formatNumber(phase.deliveriesPerSecond),
    formatNumber(phase.delivered),
    formatNumber(phase.lost),
    formatMs(phase.p50Ms),
    formatMs(phase.p99Ms),
    formatMs(phase.maxMs),
    formatNumber(phase.cpuUsPerDelivery, 2),
    formatNumber(phase.serverCpuPercent),
    formatNumber(phase.loadCpuPercent),
    `${formatNumber(phase.serverWaitPercent)} / ${formatNumber(phase.loadWaitPercent)}`,
    formatBytes(phase.rssBytes),
  ];
}

const PHASE_HEADER = [
  'target',
  'publish msg/s',
  'deliveries/s',
  'delivered',
  'lost',
  'p50 ms',
  'p99 ms',
  'max ms',
  'server CPU µs/delivery',
  'server CPU %',
  'load gen CPU %',
  'CPU wait % server / load gen',
  'server RSS',
];

function targetLabel(result: ScenarioResult): string {
  return result.variant === '' ? LABELS[result.target] : `${LABELS[result.target]} (${result.variant})`;
}

function notes(result: ScenarioResult): string[] {
  const out: string[] = [];
  if (result.note !== undefined) out.push(`${targetLabel(result)}: ${result.note}`);
  const phases = [result.main, ...(result.steps ?? [])];
  if (phases.some((p) => p.loadCpuPercent > 90)) {
    out.push(
      `${targetLabel(result)}: the load generator was near 100% CPU, so the client may have been the limit`,
    );
  }
  if (result.main.rejected > 0) out.push(`${LABELS[result.target]}: ${result.main.rejected} sends refused`);
  if (result.main.dropped > 0)
    out.push(`${LABELS[result.target]}: ${result.main.dropped} connections dropped`);
  return out;
}

function scenarioSection(title: string, intro: string, results: readonly ScenarioResult[]): string {
  if (results.length === 0) return `### ${title}\n\n${intro}\n\nNot measured in this run.\n`;
  const extra = results.flatMap(notes);
  return [
    `### ${title}`,
    '',
    intro,
    '',
    table(
      PHASE_HEADER,
      results.map((r) => phaseRow(targetLabel(r), r.main)),
    ),
    ...(extra.length > 0 ? ['', ...extra.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

/**
 * Deliveries per second one full core would carry at the CPU cost measured in the highest sustained
 * saturate step (1,000,000 / µs per delivery): derived, for when contention stopped the rising rate early.
 */
export function cpuBoundCapacity(results: readonly ScenarioResult[], target: TargetName): number | undefined {
  const cost = findResult(results, 'saturate', target)?.main.cpuUsPerDelivery;
  return cost === undefined || cost <= 0 ? undefined : 1_000_000 / cost;
}

function saturateSection(results: readonly ScenarioResult[]): string {
  const intro =
    'Fan-out topology (1 room × 500 subscribers); the publish rate rises ×1.5 per step until a step loses ' +
    'a message (not delivered within 1 s of the step’s end) or its p99 exceeds 1 s; one more step then ' +
    'tries ×1.22 of the last sustained rate. The highest sustained step is reported, then one more phase at ' +
    'half that rate (the “p99 at half saturation” target).';
  if (results.length === 0) return `### saturate\n\n${intro}\n\nNot measured in this run.\n`;
  const rows = results.flatMap((r) => {
    const best = [`**${targetLabel(r)}: highest sustained**`, ...phaseRow('', r.main).slice(1)];
    const half =
      r.halfSaturation === undefined ? [] : [phaseRow(`${targetLabel(r)}: half rate`, r.halfSaturation)];
    const steps = (r.steps ?? []).map((step, i) => phaseRow(`${targetLabel(r)}: step ${i + 1}`, step));
    return [best, ...half, ...steps];
  });
  const extra = results.flatMap(notes);
  const derived = table(
    [
      'target',
      'highest sustained deliveries/s (measured)',
      'CPU µs per delivery there',
      'one full core at that cost (derived)',
    ],
    results.map((r) => [
      targetLabel(r),
      formatNumber(r.main.deliveriesPerSecond),
      formatNumber(r.main.cpuUsPerDelivery, 2),
      formatNumber(cpuBoundCapacity(results, r.target)),
    ]),
  );
  return [
    '### saturate',
    '',
    intro,
    '',
    derived,
    '',
    'The last column is 1,000,000 ÷ CPU µs per delivery: a derived figure, not a measured rate; it shows what ' +
      'the measured cost would allow where a step failed before the server used its whole core (see the CPU ' +
      'wait column and the notes).',
    '',
    table(PHASE_HEADER, rows),
    ...(extra.length > 0 ? ['', ...extra.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

function idleSection(results: readonly ScenarioResult[]): string {
  const intro =
    'N connections opened, authenticated (Parley: a JWT per connection; RabbitMQ: guest/guest) and each ' +
    'subscribed to one of 100 rooms: first half of N, 2 s idle, then the rest, 2 s idle. Every RSS reading ' +
    'follows a full garbage collection in Node servers (they run with `--expose-gc` and a SIGUSR2 hook, ' +
    'bench/collect-garbage.ts). Bytes per connection = (RSS after − RSS before) / N; marginal = RSS growth ' +
    'over the second half ÷ its connections, what one more connection costs once the process has grown.';
  if (results.length === 0) return `### idle\n\n${intro}\n\nNot measured in this run.\n`;
  return [
    '### idle',
    '',
    intro,
    '',
    table(
      [
        'target',
        'connections',
        'connect time s',
        'server RSS',
        'bytes per connection',
        'marginal bytes per connection',
        'CPU µs per connect',
        'dropped',
      ],
      results.map((r) => [
        targetLabel(r),
        formatNumber(r.connections),
        formatNumber(r.main.seconds, 1),
        formatBytes(r.main.rssBytes),
        formatBytes(r.bytesPerConnection),
        formatBytes(r.bytesPerConnectionMarginal),
        formatNumber(r.main.cpuUsPerDelivery, 1),
        formatNumber(r.main.dropped),
      ]),
    ),
    ...(results.some((r) => notes(r).length > 0) ? ['', ...results.flatMap(notes).map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

function persistSection(results: readonly ScenarioResult[]): string {
  const intro =
    '20 connections each keep 8 SENDs with a `receipt` header in flight to 10 rooms; a RECEIPT comes only ' +
    'after the message is durably stored. Stored msgs/s = receipts per second; latency = SEND to RECEIPT.';
  if (results.length === 0) return `### persist\n\n${intro}\n\nNot measured in this run.\n`;
  return [
    '### persist',
    '',
    intro,
    '',
    table(
      [
        'storage',
        'stored msgs/s',
        'stored',
        'unanswered',
        'refused',
        'receipt p50 ms',
        'p99 ms',
        'max ms',
        'server CPU µs/msg',
        'server CPU %',
      ],
      results.map((r) => [
        r.variant,
        formatNumber(r.main.deliveriesPerSecond),
        formatNumber(r.main.delivered),
        formatNumber(r.main.lost),
        formatNumber(r.main.rejected),
        formatMs(r.main.p50Ms),
        formatMs(r.main.p99Ms),
        formatMs(r.main.maxMs),
        formatNumber(r.main.cpuUsPerDelivery, 1),
        formatNumber(r.main.serverCpuPercent),
      ]),
    ),
    '',
  ].join('\n');
}

function headline(results: readonly ScenarioResult[]): string {
  const targets: TargetName[] = ['parley', 'socketio', 'rabbitmq'];
  const row = (label: string, pick: (target: TargetName) => number | undefined, digits: number) => [
    label,
    formatNumber(pick('ws'), digits),
    ...targets.flatMap((t) => [formatNumber(pick(t), digits), formatRatio(ratio(pick(t), pick('ws')))]),
  ];
  const main = (scenario: ScenarioName, field: keyof PhaseResult) => (target: TargetName) =>
    findResult(results, scenario, target)?.main[field];
  return table(
    [
      'figure',
      'bare ws',
      'Parley',
      'Parley ÷ ws',
      'Socket.IO',
      'Socket.IO ÷ ws',
      'RabbitMQ',
      'RabbitMQ ÷ ws',
    ],
    [
      row('fanout: server CPU µs per delivery (lower is better)', main('fanout', 'cpuUsPerDelivery'), 2),
      row('many-rooms: server CPU µs per delivery', main('many-rooms', 'cpuUsPerDelivery'), 2),
      row(
        'saturate: highest sustained deliveries/s (higher is better)',
        main('saturate', 'deliveriesPerSecond'),
        0,
      ),
      row('fanout: p99 latency ms', main('fanout', 'p99Ms'), 2),
      row('idle: bytes per connection', (t) => findResult(results, 'idle', t)?.bytesPerConnection, 0),
    ],
  );
}

interface Bar {
  readonly label: string;
  readonly value: number;
}

interface BarGroup {
  readonly title: string;
  readonly bars: readonly Bar[];
}

const COLOURS: Record<string, string> = {
  Parley: '#2b6cb0',
  'bare ws': '#718096',
  'raw socket floor': '#a0aec0',
  'Socket.IO 4': '#d69e2e',
  'RabbitMQ Web-STOMP': '#c05621',
};

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Horizontal bar panels, one per group, each scaled to its own maximum. Hand-written SVG. */
export function barChartSvg(groups: readonly BarGroup[]): string {
  const width = 720;
  const labelWidth = 170;
  const barHeight = 20;
  const gap = 6;
  const plotWidth = width - labelWidth - 110;
  const parts: string[] = [];
  let y = 10;
  for (const group of groups) {
    parts.push(`<text x="10" y="${y + 14}" font-weight="bold">${escapeXml(group.title)}</text>`);
    y += 26;
    const max = Math.max(...group.bars.map((b) => b.value), 0);
    for (const bar of group.bars) {
      const length = max > 0 ? Math.max(1, (bar.value / max) * plotWidth) : 0;
      const colour = COLOURS[bar.label] ?? '#4a5568';
      parts.push(
        `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${escapeXml(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" fill="${colour}"/>`,
        `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 14}">${escapeXml(
          formatNumber(bar.value, bar.value < 100 ? 2 : 0),
        )}</text>`,
      );
      y += barHeight + gap;
    }
    y += 14;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" ` +
      'font-family="sans-serif" font-size="12">',
    `<rect width="${width}" height="${y}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

function chart(results: readonly ScenarioResult[]): string {
  const order: TargetName[] = ['parley', 'ws', 'floor', 'socketio', 'rabbitmq'];
  const bars = (scenario: ScenarioName, pick: (r: ScenarioResult) => number) =>
    order.flatMap((target) => {
      const result = findResult(results, scenario, target);
      return result === undefined ? [] : [{ label: LABELS[target], value: pick(result) }];
    });
  const groups: BarGroup[] = [
    {
      title: 'fanout: server CPU µs per delivery (lower is better)',
      bars: bars('fanout', (r) => r.main.cpuUsPerDelivery),
    },
    {
      title: 'many-rooms: server CPU µs per delivery (lower is better)',
      bars: bars('many-rooms', (r) => r.main.cpuUsPerDelivery),
    },
    {
      title: 'saturate: highest sustained deliveries/s on one core (higher is better)',
      bars: bars('saturate', (r) => r.main.deliveriesPerSecond),
    },
  ].filter((g) => g.bars.length > 0);
  return groups.length === 0 ? '' : barChartSvg(groups);
}

export function renderReport(results: readonly ScenarioResult[], info: RunInfo): string {
  const of = (scenario: ScenarioName) => results.filter((r) => r.scenario === scenario);
  const checks = checkTargets(results);
  const svg = chart(results);
  return [
    '# Benchmarks',
    '',
    `Generated by \`${info.command}\` on ${info.startedAt} (${formatNumber(info.durationSeconds)} s end to end). ` +
      'Every figure below was measured in that one run; rerun the command to refresh this file rather than editing it.',
    '',
    '## Headline: ratios against the bare `ws` reference',
    '',
    headline(results),
    '',
    '## Targets',
    '',
    table(
      ['goal', 'measured', 'result'],
      checks.map((c) => [
        c.goal,
        c.measured,
        c.met === undefined ? 'not measured' : c.met ? 'met' : '**missed**',
      ]),
    ),
    '',
    ...(svg === '' ? [] : ['## Chart', '', svg, '']),
    '## Scenarios',
    '',
    scenarioSection(
      'fanout',
      '1 room × 500 subscribers, 1 publisher at a fixed rate; every message is delivered to all 500. ' +
        'The raw socket floor is the bare ws server writing one pre-built frame straight to each ' +
        'subscriber’s TCP socket: the least a Node server can spend per delivery.',
      of('fanout'),
    ),
    scenarioSection(
      'many-rooms',
      '100 rooms × 10 subscribers, 10 publishers (each owns 10 rooms), fixed total rate. With 10 ' +
        'deliveries per message, per-message work weighs more than in fanout: Parley checks, stores ' +
        '(SQLite, one committed and fsynced transaction per group of SENDs) and then fans out every ' +
        'message; the references keep nothing.',
      of('many-rooms'),
    ),
    saturateSection(of('saturate')),
    idleSection(of('idle')),
    persistSection(of('persist')),
    scenarioSection(
      'cluster',
      'Fan-out across 2 Parley nodes sharing PostgreSQL and Redis: 500 subscribers alternate between the ' +
        'nodes, the publisher is on node 1, so half the deliveries cross Redis. CPU is both nodes together.',
      of('cluster'),
    ),
    ...(info.failures.length > 0
      ? ['## Not measured in this run', '', ...info.failures.map((f) => `- ${f}`), '']
      : []),
    '## Running it',
    '',
    `\`npm run bench\` builds and runs everything (this run: ${formatNumber(info.durationSeconds)} s; no new ` +
      'scenario starts after 8 minutes). Options after ' +
      '`npm run bench --`: `--quick` (tiny numbers), `--scenarios=fanout,saturate`, ' +
      '`--targets=parley,ws` (of parley, ws, socketio, rabbitmq, floor), `--no-write` (print instead of writing this ' +
      'file), `--render=bench/results/<time>.json` (rewrite this file from a saved run without measuring). Raw figures of every run go to `bench/results/<time>.json`. RabbitMQ is measured when a node runs ' +
      'on this machine (Web-STOMP is enabled if needed: port 15674, path /ws, guest/guest).',
    '',
    '## How it was measured',
    '',
    ...info.notes.map((n) => `- ${n}`),
    '',
    '## Machine and versions',
    '',
    ...info.machine.map((m) => `- ${m}`),
    ...info.versions.map((v) => `- ${v}`),
    `- Command: \`${info.command}\``,
    '',
  ].join('\n');
}
