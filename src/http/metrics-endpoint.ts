// Who may read `/metrics`, and the optional listener of its own that serves it (METRICS_PORT): a bearer
// token (METRICS_TOKEN, kept only as its SHA-256) is compared in constant time. Knows the Prometheus
// registry and Node's HTTP server, nothing of the chat or of Fastify.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** `true` when no token is configured, or the Authorization header carries it as `Bearer <token>`. */
export function metricsAuthorized(
  authorization: string | undefined,
  tokenSha256: string | undefined,
): boolean {
  if (tokenSha256 === undefined) return true;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  if (match?.[1] === undefined) return false;
  const presented = createHash('sha256').update(match[1], 'utf8').digest();
  return timingSafeEqual(presented, Buffer.from(tokenSha256, 'hex'));
}

/** The body and headers of a refused scrape (the same on either listener). */
export const METRICS_UNAUTHORIZED = {
  status: 401,
  headers: { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain; charset=utf-8' },
  body: 'unauthorized: /metrics needs Authorization: Bearer <METRICS_TOKEN>\n',
} as const;

export interface MetricsListener {
  readonly port: number;
  /** e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/** A plain HTTP server answering `GET /metrics` (token checked) and 404 to everything else. */
export async function startMetricsListener(options: {
  readonly registry: Registry;
  readonly tokenSha256: string | undefined;
  readonly host: string;
  readonly port: number;
}): Promise<MetricsListener> {
  const { registry, tokenSha256 } = options;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (!metricsAuthorized(request.headers.authorization, tokenSha256)) {
      response
        .writeHead(METRICS_UNAUTHORIZED.status, METRICS_UNAUTHORIZED.headers)
        .end(METRICS_UNAUTHORIZED.body);
      return;
    }
    const text = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(request.method === 'HEAD' ? undefined : text);
  };
  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
