// Which web origins may open WebSockets and call the API from a browser: the page's own origin, those
// listed in ALLOWED_ORIGINS and, only when ALLOW_LOCALHOST_ORIGINS is on, localhost on any port (any
// local program or page could otherwise ride a visitor's browser). Requests with no Origin come from
// non-browser clients, which cannot be hijacked cross-site, and are allowed.

export interface OriginPolicy {
  isAllowed(origin: string | undefined, host: string | undefined): boolean;
}

export interface OriginPolicyOptions {
  /** Development: pages served from localhost, 127.0.0.1 or [::1] on any port. Default false. */
  readonly allowLocalhost?: boolean;
}

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

export function createOriginPolicy(
  allowedOrigins: readonly string[],
  options: OriginPolicyOptions = {},
): OriginPolicy {
  const allowed = new Set(allowedOrigins.map((o) => new URL(o).origin));
  const allowLocalhost = options.allowLocalhost ?? false;
  return {
    isAllowed(origin, host) {
      if (origin === undefined) return true;
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        return false;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
      if (allowed.has(url.origin)) return true;
      if (allowLocalhost && LOCAL_HOSTNAMES.has(url.hostname)) return true;
      return host !== undefined && url.host === host.toLowerCase();
    },
  };
}
