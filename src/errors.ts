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
  /** Seconds a client should wait before retrying (rate limits, cool-downs, the newcomer gate). */
  readonly retryAfterSeconds: number | undefined;
  /** `newcomer_wait`: messages the room must still see before the member may post. */
  readonly messagesLeft: number | undefined;
  /** `newcomer_wait` in a room that approves newcomers: where the member's request stands. */
  readonly approval: 'needed' | 'asked' | 'denied' | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: {
      cause?: unknown;
      retryAfterSeconds?: number;
      messagesLeft?: number;
      approval?: 'needed' | 'asked' | 'denied';
    },
  ) {
    super(
      message ?? ERROR_CATALOGUE[code].summary,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.messagesLeft = options?.messagesLeft;
    this.approval = options?.approval;
  }

  /** The wire body of this error (`/user/queue/errors`, and `error` in HTTP answers). */
  toWire(): {
    code: ErrorCode;
    message: string;
    retryAfterSeconds?: number;
    messagesLeft?: number;
    approval?: 'needed' | 'asked' | 'denied';
  } {
    return {
      code: this.code,
      message: this.message,
      ...(this.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: this.retryAfterSeconds }),
      ...(this.messagesLeft === undefined ? {} : { messagesLeft: this.messagesLeft }),
      ...(this.approval === undefined ? {} : { approval: this.approval }),
    };
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
