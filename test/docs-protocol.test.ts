// docs/protocol.md held to src/protocol, both ways: the room event table, the command bodies and the
// `moderate` actions name exactly the schemas' fields (and which are optional), and every error code the
// page names is one of the catalogue. A doc that names a field the schema lacks, or misses one, fails.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import {
  ERROR_CATALOGUE,
  ModerateBodySchema,
  PostMessageBodySchema,
  ROOM_ACTION_BODIES,
  ROOM_EVENT_TYPES,
  RoomEventSchema,
} from '../src/protocol/index.js';

const page = await readFile(join(import.meta.dirname, '..', 'docs', 'protocol.md'), 'utf8');

/** Field name → optional, as a schema has them (`discriminator` left out). */
type Fields = Record<string, boolean>;

function schemaFields(schema: z.ZodMiniObject, discriminator?: string): Fields {
  const fields: Fields = {};
  for (const [name, field] of Object.entries(schema.shape)) {
    if (name !== discriminator) fields[name] = field._zod.optin === 'optional';
  }
  return fields;
}

/** The literal values a discriminator field accepts. */
function literals(schema: z.ZodMiniObject, discriminator: string): string[] {
  return [...(schema.shape[discriminator]?._zod.values ?? [])].map(String);
}

/** The markdown table whose header row is `header`: its rows as cells (outer pipes dropped). */
function table(header: string): string[][] {
  const lines = page.split('\n');
  const start = lines.indexOf(header);
  if (start < 0) throw new Error(`no table "${header}" in docs/protocol.md`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const backticked = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');

/** `{"a","b"?,"c": …}` → {a: false, b: true, c: false}; `"action":"x"` values are not fields. */
function jsonSketchFields(sketch: string, discriminator?: string): Fields {
  const fields: Fields = {};
  for (const m of sketch.matchAll(/"(\w+)"(\?)?/g)) {
    const name = m[1] ?? '';
    const before = sketch.slice(0, m.index);
    if (/:\s*("[\w]+"\s*\|\s*)*$/.test(before)) continue; // a value, e.g. "mute" in "action":"mute"
    if (name !== discriminator) fields[name] = m[2] === '?';
  }
  return fields;
}

describe('docs/protocol.md in step with src/protocol', () => {
  it('the room event table names every event type with exactly its fields', () => {
    const documented = new Map<string, string[]>();
    for (const [types = '', fields = ''] of table('| type | body fields |')) {
      for (const type of backticked(types)) documented.set(type, backticked(fields).sort());
    }
    expect([...documented.keys()].sort()).toEqual([...ROOM_EVENT_TYPES].sort());
    for (const option of RoomEventSchema._zod.def.options) {
      for (const type of literals(option, 'type')) {
        expect(documented.get(type), type).toEqual(Object.keys(schemaFields(option, 'type')).sort());
      }
    }
  });

  it('the commands table names every room action with exactly its body fields', () => {
    const rows = table('| destination | body | who |');
    const byAction = new Map<string, string>();
    for (const [destination = '', body = ''] of rows) {
      const [path = ''] = backticked(destination);
      const action = path.replace(/^\/app\/rooms\.<id>\.?/, '');
      byAction.set(action, body);
    }
    // The message itself, typing (body ignored) and every action with a body schema; nothing else.
    expect([...byAction.keys()].sort()).toEqual(['', 'typing', ...Object.keys(ROOM_ACTION_BODIES)].sort());
    expect(jsonSketchFields(backticked(byAction.get('') ?? '')[0] ?? '')).toEqual(
      schemaFields(PostMessageBodySchema),
    );
    // `moderate` is "see below": its actions are the next test's.
    const { moderate: _listedBelow, ...plain } = ROOM_ACTION_BODIES;
    for (const [action, schema] of Object.entries(plain)) {
      const sketch = backticked(byAction.get(action) ?? '')[0] ?? '';
      expect(jsonSketchFields(sketch), action).toEqual(schemaFields(schema));
    }
  });

  it('the moderate actions name every action with exactly its fields', () => {
    const paragraph = page.slice(page.indexOf('`moderate` actions:'));
    const text = paragraph.slice(0, paragraph.indexOf('\n\n'));
    const documented = new Map<string, Fields>();
    for (const sketch of backticked(text).filter((b) => b.startsWith('{'))) {
      const actions = [...(sketch.match(/"action":((?:"\w+"\|?)+)/)?.[1] ?? '').matchAll(/"(\w+)"/g)];
      for (const [, action = ''] of actions) documented.set(action, jsonSketchFields(sketch, 'action'));
    }
    const expected = new Map<string, Fields>();
    for (const option of ModerateBodySchema._zod.def.options) {
      for (const action of literals(option, 'action')) expected.set(action, schemaFields(option, 'action'));
    }
    expect([...documented.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [action, fields] of expected) expect(documented.get(action), action).toEqual(fields);
  });

  it('names only error codes of the catalogue', () => {
    const named = new Set<string>();
    // {"code":"kicked"|"banned",…}, ERROR headers (`message:session_revoked`, `ERROR too_many_errors`).
    for (const m of page.matchAll(/"code":((?:"\w+"\|?)+)/g)) {
      for (const [, code = ''] of (m[1] ?? '').matchAll(/"(\w+)"/g)) named.add(code);
    }
    named.delete('snake_case'); // the envelope's placeholder: `{"error":{"code":"snake_case",…}}`
    for (const m of page.matchAll(/message:([a-z_]+)|ERROR `?([a-z]+_[a-z_]+)/g))
      named.add(m[1] ?? m[2] ?? '');
    // Status-and-code pairs such as `403 wrong_password` or `429 \`rate_limited\``.
    for (const m of page.matchAll(/\b[45]\d\d `?([a-z]+_[a-z_]+)`?/g)) named.add(m[1] ?? '');
    // The refusals listed for commands: "Refusals go to `/user/queue/errors`: `forbidden`, …".
    const refusals = page.slice(page.indexOf('Refusals go to `/user/queue/errors`:'));
    for (const code of backticked(refusals.slice(0, refusals.indexOf('\n\n'))).slice(1)) {
      if (/^[a-z_]+$/.test(code)) named.add(code);
    }
    expect(named.size).toBeGreaterThan(15);
    expect([...named].filter((code) => !Object.hasOwn(ERROR_CATALOGUE, code))).toEqual([]);
    expect(named).toContain('kicked');
  });
});
