// docs/protocol.md held to src/protocol, both ways: the room event table, the command bodies, the
// `moderate` actions and the HTTP answers it writes out name exactly the schemas' fields (and which are
// optional), and every error code the page names is one of the catalogue. A doc that names a field the
// schema lacks, or misses one, fails.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  ERROR_CATALOGUE,
  ModerateBodySchema,
  PostMessageBodySchema,
  ROOM_ACTION_BODIES,
  ROOM_EVENT_TYPES,
  RoomEventSchema,
} from '../src/protocol/index.js';
import { ANSWERS } from './support/documented-answers.js';

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

/** Every markdown table whose header row is `header`: their rows as cells (outer pipes dropped). */
function table(header: string): string[][] {
  const lines = page.split('\n');
  const rows: string[][] = [];
  lines.forEach((line, start) => {
    if (line !== header) return;
    for (const row of lines.slice(start + 2)) {
      if (!row.startsWith('|')) break;
      rows.push(
        row
          .slice(1, -1)
          .split(/(?<!\\)\|/)
          .map((cell) => cell.trim()),
      );
    }
  });
  if (rows.length === 0) throw new Error(`no table "${header}" in docs/protocol.md`);
  return rows;
}

/**
 * The keys an answer's sketch names: top-level ones, and `key[].field` for objects written out inside
 * an array (`{"entries":[{"id",…}]}`). Named shapes (`[room]`) and nested objects are not looked into.
 */
function answerSketchFields(sketch: string): Fields {
  const fields: Fields = {};
  const open: string[] = [];
  let topKey = '';
  for (let i = 0; i < sketch.length; i++) {
    const c = sketch[i] ?? '';
    if (c === '{' || c === '[') open.push(c);
    else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      const end = sketch.indexOf('"', i + 1);
      const name = sketch.slice(i + 1, end);
      const previous = sketch.slice(0, i).trimEnd().at(-1);
      const optional = sketch[end + 1] === '?';
      i = end;
      if (previous !== '{' && previous !== ',') continue; // a value, not a key
      const depth = open.join('');
      if (depth === '{') {
        topKey = name;
        fields[name] = optional;
      } else if (depth === '{[{') fields[`${topKey}[].${name}`] = optional;
    }
  }
  return fields;
}

/** A response schema's fields at the levels `documented` names (see answerSketchFields). */
function answerSchemaFields(schema: z.ZodMiniObject, documented: Fields): Fields {
  const fields = schemaFields(schema);
  for (const [name, field] of Object.entries(schema.shape)) {
    if (!Object.keys(documented).some((key) => key.startsWith(`${name}[].`))) continue;
    if (!(field instanceof z.ZodMiniArray) || !(field._zod.def.element instanceof z.ZodMiniObject)) {
      throw new Error(`docs/protocol.md writes out "${name}" as an array of objects; the schema does not`);
    }
    for (const [inner, optional] of Object.entries(schemaFields(field._zod.def.element))) {
      fields[`${name}[].${inner}`] = optional;
    }
  }
  return fields;
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

  it('the HTTP tables write out each answer with exactly its schema’s fields', () => {
    const documented = new Map<string, Fields>();
    for (const [route = '', , result = ''] of table('| method, path | auth | result |')) {
      const [path = ''] = backticked(route);
      const sketch = backticked(result).find((b) => b.startsWith('{'));
      if (sketch !== undefined) documented.set(path.replace(/\?.*$/, ''), answerSketchFields(sketch));
    }
    expect([...documented.keys()].sort()).toEqual(Object.keys(ANSWERS).sort());
    for (const [route, schema] of Object.entries(ANSWERS)) {
      const fields = documented.get(route) ?? {};
      expect(fields, route).toEqual(answerSchemaFields(schema, fields));
    }
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
