// The client's edge for what the server sends lives in the SDK (packages/client/src/decode.ts): a body
// checked against its schema in src/protocol. The names the views use are kept here.
export { frameBody, read, readJson, WireShapeError } from '../../packages/client/src/index.js';
