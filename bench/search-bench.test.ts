// The message search benchmark (bench/search.ts) at 10k messages instead of 1M: the fill and the
// timed queries run on both engines and find what the text was seeded with; the docs block it writes
// survives a re-render of docs/benchmarks.md. Says nothing about performance.
import { describe, expect, it } from 'vitest';
import { shouldSkipPostgres } from '../test/fixtures/store-fixtures.js';
import {
  benchEngine,
  keepSearchSection,
  renderSearchSection,
  SEARCH_QUERIES,
  withSearchSection,
} from './search.js';

const skipPostgres = await shouldSkipPostgres();

describe('search benchmark at 10k messages', () => {
  for (const engine of ['sqlite', 'postgres'] as const) {
    it.skipIf(engine === 'postgres' && skipPostgres)(
      `${engine}: fills the room and times every query, finding what was planted`,
      async () => {
        const result = await benchEngine(engine, { messages: 10_000, runs: 3 });
        expect(result.timings.map((t) => t.text)).toEqual(SEARCH_QUERIES.map((q) => q.text));
        const found = Object.fromEntries(result.timings.map((t) => [t.text, t.found]));
        expect(found).toEqual({ meeting: 20, xylophone: 0, 회의실: 20, 회의: 20, qqzzxq: 0 });
        for (const t of result.timings) {
          expect(t.p50Ms).toBeGreaterThan(0);
          expect(t.p95Ms).toBeGreaterThanOrEqual(t.p50Ms);
          expect(t.maxMs).toBeGreaterThanOrEqual(t.p95Ms);
        }
      },
      120_000,
    );
  }

  it('writes its block into docs/benchmarks.md and a re-render of the page keeps it', () => {
    const section = renderSearchSection(
      [{ engine: 'sqlite', messages: 10, fillSeconds: 1, timings: [] }],
      'a test machine',
      '2026-01-01',
    );
    const page = withSearchSection('# Benchmarks\n\nbody\n', section);
    expect(page).toContain('a test machine');
    const rerendered = keepSearchSection(page, '# Benchmarks\n\nnew body\n');
    expect(rerendered).toContain('new body');
    expect(rerendered).toContain('a test machine');
    expect(withSearchSection(rerendered, section.replace('a test machine', 'another'))).not.toContain(
      'a test machine',
    );
  });
});
