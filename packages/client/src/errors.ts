// Every failure the SDK reports, as one typed value: ParleyError with a `code` from the server's
// catalogue (src/protocol/error-codes.ts) or one of the few the client itself names (no answer at all,
// no receipt in time, the connection dropped, an answer of the wrong shape). Data only.
import { type ErrorCode, isErrorCode } from '../../../src/protocol/index.js';

/** Failures that no server sent: the client names them itself. */
export const CLIENT_ERROR_CODES = ['network', 'timeout', 'disconnected', 'invalid_response'] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export type ParleyErrorCode = ErrorCode | ClientErrorCode;

/** The optional fields of a refusal: how long to wait, how many messages the room must still see. */
export interface RefusalDetails {
  readonly retryAfterSeconds?: number;
  readonly messagesLeft?: number;
  readonly approval?: 'needed' | 'asked' | 'denied';
}

export interface ParleyErrorOptions {
  /** The HTTP status of a refused request; 0 for anything that came over STOMP or never came. */
  readonly status?: number;
  readonly details?: RefusalDetails;
  /** The room a queue error named (`room-id` header: kicks, bans, a closed room). */
  readonly roomId?: string | undefined;
}

export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  readonly status: number;
  readonly details: RefusalDetails;
  readonly roomId: string | undefined;

  constructor(
    readonly code: ParleyErrorCode,
    message: string,
    options: ParleyErrorOptions = {},
  ) {
    super(message);
    this.status = options.status ?? 0;
    this.details = options.details ?? {};
    this.roomId = options.roomId;
  }

  /** A code as the server wrote it: one outside the catalogue (a newer server) reads as internal_error. */
  static fromWire(code: string, message: string, options: ParleyErrorOptions = {}): ParleyError {
    return new ParleyError(isErrorCode(code) ? code : 'internal_error', message, options);
  }

  /** Whether sending the same thing again later may succeed (the server dedupes by clientMsgId). */
  get transient(): boolean {
    return this.code === 'disconnected' || this.code === 'timeout' || this.code === 'network';
  }
}

/** The error code to show for anything caught: a ParleyError's, or internal_error. */
export function errorCodeOf(caught: unknown): ParleyErrorCode {
  return caught instanceof ParleyError ? caught.code : 'internal_error';
}
