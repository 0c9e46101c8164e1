// Where a device link QR code points: `/link#<code>`, the code in the fragment so it never reaches a
// server log or a Referer. Pure: the caller passes the location's parts in.

/** The path a device link QR code opens, with the code in the fragment. */
export const LINK_PATH = '/link';

/** A device link code carried in the URL fragment (`/link#ABCD-EFGH`), if any. */
export function linkCodeIn(pathname: string, hash: string): string | undefined {
  if (pathname !== LINK_PATH) return undefined;
  let code: string;
  try {
    code = decodeURIComponent(hash.replace(/^#/, '')).trim();
  } catch {
    return undefined;
  }
  return /^[0-9A-Za-z-]{8,9}$/.test(code) ? code : undefined;
}
