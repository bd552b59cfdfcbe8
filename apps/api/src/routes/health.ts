/** `/healthz` (the process is up), `/readyz` (Postgres and the queue backend answer) and `/metrics`. */
import { z } from 'zod';
import type { Db } from '@vcq/db';
import { withTimeout, type QueueSet } from '@vcq/jobs';
import type { VcqMetrics } from '@vcq/metrics';
import { scrape } from '../middleware/metrics.js';
import { sendProblem } from '../middleware/problem.js';
import * as s from '../openapi/schemas.js';
import { RouteGroup } from '../routing.js';

export interface HealthRouteDeps {
  db: Db;
  queues: QueueSet | null;
  timeoutMs: number;
}

export const healthRoutes = new RouteGroup<HealthRouteDeps>()
  .get(
    {
      path: '/healthz',
      operationId: 'getHealth',
      summary: 'Liveness: the process is up',
      tag: 'Health',
      auth: 'none',
      responses: { 200: { description: 'Up.', schema: s.HealthSchema } },
    },
    ({ res }) => {
      res.json({ status: 'ok' });
    },
  )
  .get(
    {
      path: '/readyz',
      operationId: 'getReadiness',
      summary: 'Readiness: Postgres and the queue backend answer',
      tag: 'Health',
      auth: 'none',
      responses: {
        200: { description: 'Ready.', schema: s.ReadinessSchema },
        503: { description: 'Not ready; the problem’s `checks` says which dependency is `down`.', mediaType: 'application/problem+json', schema: s.ProblemSchema },
      },
    },
    async ({ res, deps }) => {
      const probe = async (check: () => Promise<unknown>) =>
        withTimeout(check(), deps.timeoutMs, 'readiness probe').then(
          () => 'up' as const,
          () => 'down' as const,
        );
      const [database, queue] = await Promise.all([
        probe(() => deps.db.$queryRaw`SELECT 1`),
        deps.queues ? probe(() => (deps.queues as QueueSet).ping()) : Promise.resolve('down' as const),
      ]);
      // `queue` is the queue backend's own check (QueueSet.ping): PING on Redis; on the
      // PostgreSQL backend, a read of BullMQ's tables through BullMQ's own pool.
      const checks = { database, queue, queueBackend: deps.queues?.backend ?? 'none' };
      if (database === 'up' && queue === 'up') {
        res.json({ status: 'ready', checks });
        return;
      }
      sendProblem(res, 503, 'not_ready', 'a dependency is unavailable', { checks });
    },
  );

/** `/metrics` on the API's own port (not mounted when METRICS_PORT gives it a listener of its own). */
export const metricsRoutes = new RouteGroup<{ metrics: VcqMetrics; token: string | undefined }>().get(
  {
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description:
      'Jobs by queue and state, completed and failed counters, job duration and wait histograms, HTTP request durations, sync-fallback mode, reconciler re-adds, webhook outcomes and process metrics. Public unless `METRICS_TOKEN` is set: then a scrape sends it as `Authorization: Bearer <token>` (401 otherwise). With `METRICS_PORT` it is served on that port instead of this one.',
    tag: 'Health',
    auth: 'none',
    problems: [401],
    responses: { 200: { description: 'The Prometheus text exposition format.', mediaType: 'text/plain', schema: z.string() } },
  },
  async ({ req, res, deps }) => {
    await scrape(req, res, deps.metrics, deps.token);
  },
);
