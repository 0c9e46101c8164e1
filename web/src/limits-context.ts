// The server's limits that the UI shows before the server would refuse (GET /api/limits): how many
// characters a message may have and how long its author may edit it. Until they arrive, or if they
// never do, the server defaults stand in; the server has the last word either way.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ClientLimits } from '../../src/protocol/index.js';

export const DEFAULT_LIMITS: ClientLimits = {
  messageMaxChars: 4000,
  editWindowSeconds: 900,
  historyPageMax: 200,
  historyPageDefault: 50,
  noticeMaxChars: 500,
  maxPinsPerRoom: 5,
};

export const LimitsContext = createContext<ClientLimits>(DEFAULT_LIMITS);

export function useLimits(): ClientLimits {
  return useContext(LimitsContext);
}
