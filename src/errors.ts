// Errors as the server raises them: every layer throws `ParleyError` with a catalogue code
// (src/protocol/error-codes.ts decides each code's HTTP status and STOMP disposition); nothing else
// decides how an error is shown.
import { ERROR_CATALOGUE, type ErrorCode, type StompDisposition } from './protocol/error-codes.js';

export {
  ERROR_CATALOGUE,
  type ErrorCode,
  isErrorCode,
  type StompDisposition,
} from './protocol/error-codes.js';

export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying (rate limits). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(
      message ?? ERROR_CATALOGUE[code].summary,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  get disposition(): StompDisposition {
    return ERROR_CATALOGUE[this.code].stomp;
  }
}

/** Any thrown value as a ParleyError; unknown failures become `internal_error` (the cause is kept for logs). */
export function toParleyError(error: unknown): ParleyError {
  if (error instanceof ParleyError) return error;
  return new ParleyError('internal_error', undefined, { cause: error });
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
