// axe-core (devDependency) run inside a Parley page: the page's CSP does not apply to scripts the test
// evaluates through the DevTools protocol, so nothing is served or loosened for it. Knows only the page.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
let source: string | undefined;

/** Every axe violation on the page (all rules but experimental ones), as "rule: target, target". */
export async function axeViolations(page: Page): Promise<string[]> {
  source ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(source);
  const found = await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((result) =>
      result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
  );
  return Array.isArray(found) ? found.map(String) : [`axe returned ${String(found)}`];
}
