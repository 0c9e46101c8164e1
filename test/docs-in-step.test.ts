// Documentation that restates code must not drift: the error catalogue and the configuration
// variables are read from the source and compared with the tables in docs/.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../src/config.js';
import { ERROR_CATALOGUE } from '../src/protocol/index.js';

const docs = join(import.meta.dirname, '..', 'docs');

/** First-column values of markdown table rows, stripped of backticks. */
async function tableKeys(file: string): Promise<string[]> {
  const text = await readFile(join(docs, file), 'utf8');
  return [...text.matchAll(/^\| `([A-Za-z_][A-Za-z0-9_]*)` \|/gm)].map((m) => m[1] ?? '');
}

describe('docs in step with code', () => {
  it('docs/errors.md lists every error code with its status and disposition, and nothing else', async () => {
    const text = await readFile(join(docs, 'errors.md'), 'utf8');
    expect((await tableKeys('errors.md')).sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
    for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
      const row = text.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, code).toContain(`| ${spec.status} |`);
      expect(row, code).toContain(spec.stomp === 'fatal' ? 'ERROR frame' : '/user/queue/errors');
    }
  });

  it('docs/configuration.md documents every environment variable, and nothing else', async () => {
    expect((await tableKeys('configuration.md')).sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});
