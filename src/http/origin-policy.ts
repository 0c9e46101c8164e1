// Which web origins may open WebSockets and call the API from a browser: the page's own origin, those
// listed in ALLOWED_ORIGINS and localhost pages on any port, the last only for a server that is itself
// reached as localhost (a developer's machine) unless ALLOW_LOCALHOST_ORIGINS says otherwise: in
// production any local program's page would otherwise ride a visitor's browser. Requests with no
// Origin come from non-browser clients, which cannot be hijacked cross-site, and are allowed.

export interface OriginPolicy {
  /** `host` is the request's Host header: the name the browser used to reach this server. */
  isAllowed(origin: string | undefined, host: string | undefined): boolean;
}

export interface OriginPolicyOptions {
  /**
   * Pages served from localhost, 127.0.0.1 or [::1] on any port: `auto` (default) allows them only
   * when the request's Host is itself one of those, `always` / `never` regardless of the Host.
   */
  readonly localhost?: 'auto' | 'always' | 'never';
}

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The hostname of a Host header (`name[:port]`, `[v6][:port]`), lower-cased; undefined if malformed. */
function hostnameOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

export function createOriginPolicy(
  allowedOrigins: readonly string[],
  options: OriginPolicyOptions = {},
): OriginPolicy {
  const allowed = new Set(allowedOrigins.map((o) => new URL(o).origin));
  const localhost = options.localhost ?? 'auto';
  const localPagesAllowed = (host: string | undefined): boolean => {
    if (localhost === 'always') return true;
    if (localhost === 'never') return false;
    const hostname = hostnameOf(host);
    return hostname !== undefined && LOCAL_HOSTNAMES.has(hostname);
  };
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
      if (LOCAL_HOSTNAMES.has(url.hostname) && localPagesAllowed(host)) return true;
      return host !== undefined && url.host === host.toLowerCase();
    },
  };
}
