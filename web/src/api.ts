// The page's HTTP client: the SDK's ParleyHttp (packages/client) on the page's own origin. Every call,
// its schema and its ParleyError live in the SDK; this module only picks the instance the views share.
import { ParleyHttp } from '../../packages/client/src/index.js';

export {
  codeKind,
  errorCodeOf,
  olderAuditPage,
  ParleyError as ApiError,
  type RoomAuth,
} from '../../packages/client/src/index.js';

/** Same-origin calls (`/api/...`), through the global fetch at call time. */
export const api = new ParleyHttp();
