// `npm ci` on the oldest Node Parley supports installs without EBADENGINE: every package in the lock
// file declares an `engines.node` range that admits the floor of package.json's own `engines.node`.
// (cookie@2 and content-disposition@3 once asked for Node 22; package.json's `overrides` pin them.)
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The two functions used from `semver` (npm's own range logic), typed here rather than by @types. */
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string, options?: { includePrerelease?: boolean }): boolean;
  minVersion(range: string): { readonly version: string; readonly major: number } | null;
};

const root = join(import.meta.dirname, '..');

interface LockEntry {
  readonly version?: string;
  readonly engines?: Readonly<Record<string, string>> | readonly string[];
}

/** The node range an entry declares; old packages wrote engines as an array like `["node >= 0.4"]`. */
function nodeRange(entry: LockEntry): string | undefined {
  const engines = entry.engines;
  if (engines === undefined) return undefined;
  if (Array.isArray(engines)) {
    const spec = engines.find((e: string) => e.startsWith('node'));
    return spec?.slice('node'.length).trim();
  }
  return (engines as Readonly<Record<string, string>>).node;
}

/** Packages whose declared node range refuses `nodeVersion`, as `path@version (range)`. */
function refusing(packages: Readonly<Record<string, LockEntry>>, nodeVersion: string): string[] {
  const refused: string[] = [];
  for (const [path, entry] of Object.entries(packages)) {
    if (path === '') continue;
    const range = nodeRange(entry);
    if (range === undefined) continue;
    if (!semver.satisfies(nodeVersion, range, { includePrerelease: true })) {
      refused.push(`${path}@${entry.version ?? '?'} (${range})`);
    }
  }
  return refused;
}

describe('engines', () => {
  it('every package in package-lock.json admits the oldest supported Node 20', async () => {
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const floor = semver.minVersion(manifest.engines.node);
    expect(floor?.major).toBe(20);
    const oldest = floor?.version ?? 'unparsed';
    // Enough packages declare a range for the check to mean something.
    expect(Object.values(lock.packages).filter((e) => nodeRange(e) !== undefined).length).toBeGreaterThan(50);
    expect(refusing(lock.packages, oldest)).toEqual([]);
    // The last Node 20 release too (a range like `20.x || >=22` admits both; `>=22` admits neither).
    expect(refusing(lock.packages, '20.99.0')).toEqual([]);
  });

  it('the check refuses what npm refuses (a Node 22-only package on Node 20)', () => {
    const packages = {
      'node_modules/cookie': { version: '2.0.2', engines: { node: '>=22' } },
      'node_modules/old': { version: '1.0.0', engines: ['node >= 0.4'] },
      'node_modules/any': { version: '1.0.0', engines: { node: '*' } },
    };
    expect(refusing(packages, '20.19.0')).toEqual(['node_modules/cookie@2.0.2 (>=22)']);
  });
});
