// Parley's wire contract in one place: every value that crosses HTTP or STOMP, as a zod schema
// (checked where it enters) and the read-only type it yields (used inward). The server, the web client
// and the docs tests import from here; nothing here knows Node, the DOM or how a value is carried.
export * from './admin.js';
export * from './decode.js';
export * from './error-codes.js';
export * from './http-requests.js';
export * from './http-responses.js';
export * from './room-events.js';
export * from './send-bodies.js';
export * from './values.js';
export type { DeepReadonly, Wire } from './wire-type.js';
