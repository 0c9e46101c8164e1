// parley-client: the SDK for Parley's wire (HTTP API + STOMP 1.2), for browsers and Node 20. Every part
// is exported on its own; ParleyClient wires them for the common case.
export type {
  ClientLimits,
  Message,
  ModerateBody,
  PresenceEvent,
  Room,
  RoomEvent,
  Session,
  User,
} from '../../../src/protocol/index.js';
export * from './backoff.js';
export * from './client.js';
export * from './connection.js';
export * from './decode.js';
export * from './emitter.js';
export * from './errors.js';
export * from './http.js';
export * from './room-feed.js';
export * from './session-refresh.js';
