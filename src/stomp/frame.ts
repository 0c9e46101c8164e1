// STOMP frames as values: commands, decoded headers and raw bodies. Shared by the codec and session.

/** The commands a client sends, in the STOMP 1.2 spec's order. */
export const CLIENT_COMMANDS = [
  'CONNECT',
  'STOMP',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'ACK',
  'NACK',
  'BEGIN',
  'COMMIT',
  'ABORT',
  'DISCONNECT',
] as const;

/** The commands a server sends, in the spec's order. */
export const SERVER_COMMANDS = ['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR'] as const;

export type ClientCommand = (typeof CLIENT_COMMANDS)[number];

export type ServerCommand = (typeof SERVER_COMMANDS)[number];

export type Command = ClientCommand | ServerCommand;

/** Every command of STOMP 1.2, client then server, in the spec's order. */
export const COMMANDS: readonly Command[] = [...CLIENT_COMMANDS, ...SERVER_COMMANDS];

/** Decoded header values by name. When a name repeats, the first occurrence wins (STOMP 1.2). */
export type Headers = Readonly<Record<string, string>>;

export interface Frame {
  readonly command: Command;
  readonly headers: Headers;
  readonly body: Buffer;
}

export type StompVersion = '1.0' | '1.1' | '1.2';

/** Every limit the codec enforces; violations raise ParleyError with the named code. */
export interface FrameLimits {
  /** Whole frame: command, headers and body (`frame_too_large`). */
  readonly maxFrameBytes: number;
  /** Header lines per frame (`too_many_headers`). */
  readonly maxHeaders: number;
  /** Bytes of one header line or the command line (`header_too_long`). */
  readonly maxHeaderLineBytes: number;
}
