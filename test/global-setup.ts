// Builds the server once per test run, for the tests that run Parley as real processes (kill -9,
// SIGTERM, several nodes), into a directory of this run's own: several runs may share the tree.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Compiled `src/main.js` of this test run. */
    parleyMain: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = join(import.meta.dirname, '..');
  const outDir = join(root, 'dist', `.test-build-${randomBytes(4).toString('hex')}`);
  await promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
    { cwd: root },
  ).catch((error: unknown) => {
    // Type errors are reported by `npm run typecheck`; the emitted JavaScript is still usable.
    if (!(error instanceof Error && 'stdout' in error)) throw error;
  });
  project.provide('parleyMain', join(outDir, 'src', 'main.js'));
  return async () => {
    await rm(outDir, { recursive: true, force: true });
  };
}
