// Server-to-client WebSocket data frames (RFC 6455 §5.2: FIN set, unmasked), built once per payload.
// The broker hands every member of a subscription group the same MESSAGE buffer, so a fan-out to 500
// sockets asks for the same payload 500 times in a row: a `WebSocketFrames` (one per listener) keeps
// the last frame built and reuses it while the payload object is the same, and each socket gets one
// pre-built buffer in one write instead of a freshly allocated header plus the payload. Payload
// buffers are never mutated after they are handed to a transport, which is what makes identity a safe
// cache key.

const FIN_TEXT = 0x81;
const FIN_BINARY = 0x82;

/** The complete frame (header and payload) for one unfragmented, unmasked text or binary message. */
export function serverDataFrame(payload: Buffer, binary: boolean): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 0x1_0000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = binary ? FIN_BINARY : FIN_TEXT;
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/** Frames of one kind (text or binary) for one listener, reusing the last one for the same payload. */
export class WebSocketFrames {
  readonly binary: boolean;
  #lastPayload: Buffer | undefined;
  #lastFrame: Buffer = Buffer.alloc(0);

  constructor(binary: boolean) {
    this.binary = binary;
  }

  frameOf(payload: Buffer): Buffer {
    if (payload !== this.#lastPayload) {
      this.#lastFrame = serverDataFrame(payload, this.binary);
      this.#lastPayload = payload;
    }
    return this.#lastFrame;
  }
}
