import { createServer, Server } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { scrape } from './observability';

/**
 * Who may read /metrics. Metrics name routes, volumes and internals, so they are not public: on the API port
 * `/metrics` answers only with `Authorization: Bearer <METRICS_TOKEN>` (404 otherwise, as if absent), and with
 * METRICS_PORT they are served on a port of their own, for a scraper on the private network.
 */
const access: { token: string | null } = { token: null };

export function configureMetricsAccess(token: string | undefined) {
  access.token = token ?? null;
}

export function metricsAllowed(authorization: unknown): boolean {
  if (!access.token || typeof authorization !== 'string') return false;
  const given = Buffer.from(authorization.replace(/^Bearer\s+/i, ''));
  const expected = Buffer.from(access.token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** the separate metrics listener (METRICS_PORT): GET /metrics only */
export async function startMetricsServer(port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/problem+json; charset=utf-8' });
      response.end(JSON.stringify({ type: 'https://problems.orgs-control-plane.dev/404', title: 'Not Found', status: 404, detail: 'only GET /metrics is served here' }));
      return;
    }
    scrape().then(
      (text) => {
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        response.end(text);
      },
      () => {
        response.writeHead(500);
        response.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
