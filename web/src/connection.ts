// The page's one STOMP connection is the SDK's ParleyConnection (packages/client): reconnect with
// jittered backoff, re-subscription with since-seq, receipts, the error queue, heart-beats and the
// browser's online/offline events all live there. The names the views use are kept here.
export {
  type ConnectionState,
  defaultBrokerUrl,
  HEARTBEAT_IN_MS,
  HEARTBEAT_OUT_MS,
  ParleyConnection as ChatConnection,
  ParleyError as SendError,
} from '../../packages/client/src/index.js';
