// A stand-in for StompSession in broker unit tests: records every delivered frame (the very Buffer the
// broker passed) and closes by telling the handler, as a real session does. Knows no sockets.
import type { BrokerSession } from '../../src/broker/stomp-broker.js';
import type { ErrorCode } from '../../src/errors.js';
import type { StompVersion } from '../../src/stomp/frame.js';

export interface Delivery {
  readonly subscriptionId: string;
  readonly frame: Buffer;
  readonly messageId: string;
}

export interface ParsedMessage {
  readonly command: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

let counter = 0;

export class FakeSession implements BrokerSession {
  readonly id: string;
  readonly version: StompVersion | undefined;
  readonly remoteAddress: string;
  readonly deliveries: Delivery[] = [];
  closedWith: { code: ErrorCode; message: string | undefined; receiptId?: string | undefined } | undefined;
  /** When false, `deliver` behaves like a full outbound buffer: it closes as slow consumer. */
  accepting = true;
  #onClose: ((session: FakeSession) => void) | undefined;

  constructor(options: { version?: StompVersion; remoteAddress?: string; id?: string } = {}) {
    counter += 1;
    this.id = options.id ?? `fake-${counter}`;
    this.version = options.version ?? '1.2';
    this.remoteAddress = options.remoteAddress ?? '127.0.0.1';
  }

  /** What a real session does after closing: report `disconnected` to its handler. */
  onClose(listener: (session: FakeSession) => void): void {
    this.#onClose = listener;
  }

  deliver(subscriptionId: string, frame: Buffer, messageId: string): boolean {
    if (this.closedWith !== undefined) return false;
    if (!this.accepting) {
      this.close('slow_consumer');
      return false;
    }
    this.deliveries.push({ subscriptionId, frame, messageId });
    return true;
  }

  close(code: ErrorCode, message?: string, receiptId?: string): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = receiptId === undefined ? { code, message } : { code, message, receiptId };
    this.#onClose?.(this);
  }

  /** The delivered frames decoded (headers unescaped for STOMP 1.2's simple cases only). */
  messages(): ParsedMessage[] {
    return this.deliveries.map((d) => parseFrame(d.frame));
  }

  bodies(): string[] {
    return this.messages().map((m) => m.body);
  }
}

/** A minimal decoder for one encoded frame: enough to assert on what the broker encoded. */
export function parseFrame(frame: Buffer): ParsedMessage {
  const text = frame.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = text.slice(0, split).split('\n');
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (!(name in headers)) headers[name] = line.slice(colon + 1);
  }
  let body = text.slice(split + 2);
  if (body.endsWith('\u0000')) body = body.slice(0, -1);
  return { command: head[0] ?? '', headers, body };
}
