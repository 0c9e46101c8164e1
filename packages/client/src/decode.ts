// The SDK's edge for what the server sends: a body checked against its schema in src/protocol (the
// contract the server is held to), so nothing past here reads an unchecked value. A body that does not
// match is a WireShapeError; each caller keeps its own way out (API calls: ParleyError `invalid_response`;
// live frames: dropped, so a malformed frame never reaches the UI).

import type * as z from 'zod/mini';
import { decodeJson, decodeValue, type Wire } from '../../../src/protocol/index.js';

/** A body that does not have the documented shape; the caller decides whether to drop or surface it. */
export class WireShapeError extends Error {
  override readonly name = 'WireShapeError';
}

function refusal(what: string, message: string, path: readonly PropertyKey[]): WireShapeError {
  const where = path.length === 0 ? '' : `.${path.map(String).join('.')}`;
  return new WireShapeError(`${what}${where}: ${message}`);
}

/** An already parsed value as `schema` says it is; throws WireShapeError naming the first problem. */
export function read<S extends z.ZodMiniType>(schema: S, value: unknown, what: string): Wire<S> {
  const decoded = decodeValue(schema, value);
  if (!decoded.ok) throw refusal(what, decoded.message, decoded.path);
  return decoded.value;
}

/** JSON text (an object) as `schema` says it is; throws WireShapeError when it is not JSON or not that. */
export function readJson<S extends z.ZodMiniType>(schema: S, text: string, what: string): Wire<S> {
  const decoded = decodeJson(schema, text);
  if (!decoded.ok) throw refusal(what, decoded.message, decoded.path);
  return decoded.value;
}

/** A live frame's body, or undefined when it does not match: the frame is dropped, not thrown at the UI. */
export function frameBody<S extends z.ZodMiniType>(schema: S, text: string): Wire<S> | undefined {
  const decoded = decodeJson(schema, text);
  return decoded.ok ? decoded.value : undefined;
}
