// A protocol schema as JSON Schema (draft 2020-12), for the generated API descriptions. Kept out of
// index.ts so the web client's bundle never carries zod's JSON Schema generator.
import * as z from 'zod/mini';

/** JSON Schema of a protocol schema as the wire sees it (`input`: what a client sends). */
export function jsonSchemaOf(schema: z.ZodMiniType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}
