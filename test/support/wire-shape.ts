// Holds a body the server sent to its schema in src/protocol with nothing more and nothing less: the
// schema's decode drops fields it does not name, so a body that decodes to itself names no field the
// contract lacks (at any depth), and one that decodes at all has every field the contract requires.
import type * as z from 'zod/mini';
import { decodeValue, type Wire } from '../../src/protocol/index.js';

/** Paths in `raw` that `decoded` lacks: the fields the schema does not name. */
function extraPaths(raw: unknown, decoded: unknown, at: string): string[] {
  if (Array.isArray(raw) && Array.isArray(decoded)) {
    return raw.flatMap((item, i) => extraPaths(item, decoded[i], `${at}[${i}]`));
  }
  if (typeof raw !== 'object' || raw === null || typeof decoded !== 'object' || decoded === null) return [];
  const kept = decoded as Record<string, unknown>;
  return Object.entries(raw as Record<string, unknown>).flatMap(([key, value]) =>
    key in kept ? extraPaths(value, kept[key], `${at}.${key}`) : [`${at}.${key}`],
  );
}

/**
 * The decoded value when `raw` is exactly what `schema` describes; throws naming the first problem, or
 * every field the schema lacks. `what` names the body in the message (e.g. `GET /api/rooms`).
 */
export function exactly<S extends z.ZodMiniType>(schema: S, raw: unknown, what: string): Wire<S> {
  const decoded = decodeValue(schema, raw);
  if (!decoded.ok) {
    throw new Error(`${what}: ${decoded.message} at ${JSON.stringify(decoded.path)}: ${JSON.stringify(raw)}`);
  }
  const extra = extraPaths(raw, decoded.value, '$');
  if (extra.length > 0) {
    throw new Error(`${what}: fields the contract does not name: ${extra.join(', ')}`);
  }
  return decoded.value;
}
