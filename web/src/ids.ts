// Client-made ids. crypto.randomUUID exists only in secure contexts, and Parley may be served over
// plain http on a LAN, so ids come from getRandomValues, which every context has.

export function newClientMsgId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // RFC 4122 version 4 layout, so the server can treat it like any UUID.
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let noticeCounter = 0;

export function newLocalId(prefix: string): string {
  noticeCounter += 1;
  return `${prefix}-${noticeCounter}`;
}
