// Which web origins may open WebSockets and call the API from a browser: the page's own origin,
// localhost (any port, for development) and those listed in ALLOWED_ORIGINS. Requests with no Origin
// come from non-browser clients, which cannot be hijacked cross-site, and are allowed.

export interface OriginPolicy {
  isAllowed(origin: string | undefined, host: string | undefined): boolean;
}

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

export function createOriginPolicy(allowedOrigins: readonly string[]): OriginPolicy {
  const allowed = new Set(allowedOrigins.map((o) => new URL(o).origin));
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
      if (LOCAL_HOSTNAMES.has(url.hostname)) return true;
      return host !== undefined && url.host === host.toLowerCase();
    },
  };
}
