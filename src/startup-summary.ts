// The one line start-up ends with: where the web client, STOMP and the metrics are, which storage is in
// use and whether Redis is on. Pure; it never shows a user name or password from DATABASE_URL or
// REDIS_URL (only scheme, host, port and database survive), so the line is safe to paste anywhere.

export interface StartupFacts {
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Path of STOMP over WebSocket on the HTTP port, e.g. `/ws`. */
  readonly wsPath: string;
  /** 0: the TCP listener is off. */
  readonly stompPort: number;
  readonly metricsUrl: string;
  readonly storage:
    | { readonly kind: 'sqlite'; readonly file: string }
    | { readonly kind: 'postgres'; readonly url: string };
  readonly redisUrl: string | undefined;
}

/** `scheme://host:port/path` of a connection URL, without credentials or query; a placeholder if unparsable. */
export function withoutCredentials(connectionUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(connectionUrl);
  } catch {
    return '(unparsable URL)';
  }
  const path = parsed.pathname === '/' ? '' : parsed.pathname;
  return `${parsed.protocol}//${parsed.host}${path}`;
}

export function startupSummary(facts: StartupFacts): string {
  const ws = `${facts.url.replace(/^http/, 'ws')}${facts.wsPath}`;
  const tcp = facts.stompPort === 0 ? 'STOMP over TCP off' : `STOMP over TCP port ${facts.stompPort}`;
  const storage =
    facts.storage.kind === 'sqlite'
      ? `storage SQLite ${facts.storage.file}`
      : `storage PostgreSQL ${withoutCredentials(facts.storage.url)}`;
  const redis = facts.redisUrl === undefined ? 'Redis off' : `Redis on ${withoutCredentials(facts.redisUrl)}`;
  return [
    `Parley is ready: web client ${facts.url}/`,
    `STOMP over WebSocket ${ws}`,
    tcp,
    storage,
    redis,
    `metrics ${facts.metricsUrl}`,
  ].join(' · ');
}
