// Reading a wire value: JSON text (or an already parsed value) checked against its schema, with the
// first problem phrased for a person. Used at every edge, by the server and the web client alike.
import * as z from 'zod/mini';
import type { Wire } from './wire-type.js';

export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      /** The first problem, for people. */
      readonly message: string;
      /** Where it is: the field's path ([] for the whole body). */
      readonly path: readonly PropertyKey[];
    };

/** A parsed JSON value checked against `schema`. */
export function decodeValue<S extends z.ZodMiniType>(schema: S, value: unknown): Decoded<Wire<S>> {
  const result = z.safeParse(schema, value);
  if (result.success) return { ok: true, value: result.data as Wire<S> };
  const issue = result.error.issues[0];
  return { ok: false, message: issue?.message ?? 'The body is not valid.', path: issue?.path ?? [] };
}

/** JSON text of any kind (object, array, number…) checked against `schema`. */
export function decodeJsonValue<S extends z.ZodMiniType>(schema: S, text: string): Decoded<Wire<S>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'The body is not valid JSON.', path: [] };
  }
  return decodeValue(schema, value);
}

const STARTS_AS_OBJECT = /^\s*\{/;

/** JSON text that must be an object checked against `schema` (every body and stored record). */
export function decodeJson<S extends z.ZodMiniType>(schema: S, text: string): Decoded<Wire<S>> {
  // Tested without copying the text (trimStart would, on every SEND body).
  if (!STARTS_AS_OBJECT.test(text)) {
    const parsed = decodeJsonValue(z.unknown(), text);
    return parsed.ok ? { ok: false, message: 'The body must be a JSON object.', path: [] } : parsed;
  }
  return decodeJsonValue(schema, text);
}
