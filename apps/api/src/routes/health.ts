import { Router } from 'express';
import type { Db } from '@vcq/db';
import { withTimeout, type QueueSet } from '@vcq/jobs';
import { sendProblem } from '../middleware/problem.js';

/** `/healthz` (the process is up) and `/readyz` (Postgres and the queue backend answer). */
export function healthRoutes(deps: { db: Db; queues: QueueSet | null; timeoutMs: number }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const probe = async (check: () => Promise<unknown>) =>
      withTimeout(check(), deps.timeoutMs, 'readiness probe').then(
        () => 'up' as const,
        () => 'down' as const,
      );
    const [database, queue] = await Promise.all([
      probe(() => deps.db.$queryRaw`SELECT 1`),
      deps.queues ? probe(() => (deps.queues as QueueSet).ping()) : Promise.resolve('down' as const),
    ]);
    const checks = { database, queue };
    if (database === 'up' && queue === 'up') {
      res.json({ status: 'ready', checks });
      return;
    }
    sendProblem(res, 503, 'not_ready', 'a dependency is unavailable', { checks });
  });
  return router;
}
