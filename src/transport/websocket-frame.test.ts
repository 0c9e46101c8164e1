import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { serverDataFrame, WebSocketFrames } from './websocket-frame.js';

// ws exports its frame parser (Receiver) at run time, but its type definitions do not declare it.
interface FrameReceiver {
  on(event: 'message', listener: (data: Buffer, binary: boolean) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(chunk: Buffer): void;
}
const { Receiver } = createRequire(import.meta.url)('ws') as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => FrameReceiver;
};

/** Decodes with ws's own Receiver as a client would (unmasked frames from a server). */
function decode(frame: Buffer): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false, maxPayload: 0 });
    receiver.on('message', (data: Buffer, binary: boolean) => resolve({ data, binary }));
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

describe('serverDataFrame', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000])(
    'frames a %i-byte payload so a WebSocket client reads it back whole',
    async (length) => {
      const payload = Buffer.alloc(length, 0x61);
      const decoded = await decode(serverDataFrame(payload, false));
      expect(decoded.binary).toBe(false);
      expect(decoded.data.equals(payload)).toBe(true);
    },
  );

  it('uses the 2-, 4- and 10-byte headers at the RFC 6455 length boundaries', () => {
    expect(serverDataFrame(Buffer.alloc(125), false).length).toBe(127);
    expect(serverDataFrame(Buffer.alloc(126), false).length).toBe(130);
    expect(serverDataFrame(Buffer.alloc(65_536), false).length).toBe(65_546);
  });

  it('marks binary frames as binary', async () => {
    const decoded = await decode(serverDataFrame(Buffer.from([0, 1, 2, 255]), true));
    expect(decoded.binary).toBe(true);
    expect([...decoded.data]).toEqual([0, 1, 2, 255]);
  });

  it('builds a frame once for the same payload and anew for another payload', () => {
    const frames = new WebSocketFrames(false);
    const payload = Buffer.from('MESSAGE\n\nhello\0');
    const first = frames.frameOf(payload);
    expect(frames.frameOf(payload)).toBe(first);
    const equalButOther = Buffer.from(payload);
    const other = frames.frameOf(equalButOther);
    expect(other).not.toBe(first);
    expect(other.equals(first)).toBe(true);
  });

  it('keeps each instance to itself: text and binary listeners never share a frame', async () => {
    const text = new WebSocketFrames(false);
    const binary = new WebSocketFrames(true);
    const payload = Buffer.from('MESSAGE\n\nhello\0');
    const asText = text.frameOf(payload);
    const asBinary = binary.frameOf(payload);
    expect(asBinary).not.toBe(asText);
    expect((await decode(asBinary)).binary).toBe(true);
    expect((await decode(text.frameOf(payload))).binary).toBe(false);
  });
});
