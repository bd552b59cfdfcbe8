/**
 * `/metrics` on a listener of its own: the worker has no HTTP API, and an API with
 * METRICS_PORT keeps its metrics off the port the public reaches. A bare node:http
 * server answering `GET /metrics` and nothing else; with a token, only to a scrape
 * that carries it.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSource } from './aggregate.js';
import { SCRAPE_CHALLENGE, SCRAPE_REFUSED, scrapeAllowed } from './scrape-auth.js';

export interface MetricsServer {
  port: number;
  /** `http://127.0.0.1:<port>/metrics`, for tests and local checks. */
  url: string;
  close(): Promise<void>;
}

/** The two log calls the server makes (a pino logger fits). */
export interface MetricsServerLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface MetricsServerOptions {
  /** 0 picks a free one. */
  port: number;
  host: string;
  /** METRICS_TOKEN: when set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string | undefined;
  log: MetricsServerLog;
}

/** An RFC 9457 problem, the shape every vcq error answer has. */
function sendProblem(res: ServerResponse, status: number, title: string, code: string, detail: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ type: `urn:vcq:problem:${code}`, title, status, detail });
  res.writeHead(status, { ...headers, 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store' }).end(body);
}

/** Serves `metrics` (a process's VcqMetrics, or a supervisor's sum of them) at `/metrics` on `options.port` (0 picks a free one). */
export async function startMetricsServer(metrics: MetricsSource, options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      sendProblem(res, 404, 'Not Found', 'not_found', 'only /metrics is served here');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendProblem(res, 405, 'Method Not Allowed', 'method_not_allowed', '/metrics answers GET and HEAD', { allow: 'GET, HEAD' });
      return;
    }
    if (!scrapeAllowed(req.headers.authorization, options.token)) {
      sendProblem(res, 401, 'Unauthorized', 'unauthorized', SCRAPE_REFUSED, { 'www-authenticate': SCRAPE_CHALLENGE });
      return;
    }
    metrics.render().then(
      (body) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        options.log.error({ err: error instanceof Error ? error.message : String(error) }, 'metrics render failed');
        sendProblem(res, 500, 'Internal Server Error', 'metrics_unavailable', 'the metrics could not be rendered');
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
  server.on('error', (error) => options.log.error({ err: error.message }, 'metrics server error'));
  const port = (server.address() as AddressInfo).port;
  options.log.info({ port, token: options.token !== undefined }, 'metrics listening');
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
