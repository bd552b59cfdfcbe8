/**
 * The worker has no HTTP API, so Prometheus scrapes it here: a bare node:http server
 * answering `GET /metrics` and nothing else.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@vcq/logger';
import type { VcqMetrics } from '@vcq/metrics';

export interface MetricsServer {
  port: number;
  /** `http://127.0.0.1:<port>/metrics`, for tests and local checks. */
  url: string;
  close(): Promise<void>;
}

/** Serves `metrics` at `/metrics` on `port` (0 picks a free one). */
export async function startMetricsServer(metrics: VcqMetrics, options: { port: number; host: string; logger: Logger }): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    metrics.render().then(
      (body) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        options.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'metrics render failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => options.logger.error({ err: error.message }, 'metrics server error'));
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ port }, 'worker metrics listening');
  return {
    port,
    url: `http://127.0.0.1:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's keep-alive connection would otherwise hold shutdown open.
        server.closeAllConnections();
      }),
  };
}
