// STOMP frames written by hand as text, for tests that send exact bytes over a raw socket. No escaping
// on purpose: a test that wants odd bytes in a header gets exactly those bytes.

/** One STOMP frame as text: command, `name:value` header lines, blank line, body, NUL. */
export function stompText(command: string, headers: Record<string, string> = {}, body = ''): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}:${value}\n`);
  return `${command}\n${lines.join('')}\n${body}\u0000`;
}
