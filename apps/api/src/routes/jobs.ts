import { type Request, Router } from 'express';
import type { JobRecord, JobStore } from '@vcq/db';
import type { JobWaiter } from '@vcq/jobs';
import { jobView } from '../job-view.js';
import { visibleOr404 } from '../tenancy.js';
import { isUuid } from '../validation.js';

const terminal = (job: JobRecord) => job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';

/** `GET /api/jobs/:id` (a job of any queue) and its live `events` stream. */
export function jobRoutes(store: JobStore, watcher: JobWaiter): Router {
  const router = Router();
  /** The job when the request's organization may see it; 404 otherwise. */
  const find = async (req: Request, id: string) => visibleOr404(req, isUuid(id) ? await store.get(id) : null, `no job ${id}`);

  router.get('/jobs/:id', async (req, res) => {
    res.json(jobView(await find(req, req.params.id)));
  });

  /**
   * Server-Sent Events: `progress` while the job runs, `status` on each status
   * change, then one final event named after the outcome, and the stream closes.
   * A job that has already ended (a sync-mode job, say) gets that final event at once.
   */
  router.get('/jobs/:id/events', async (req, res) => {
    const first = await find(req, req.params.id);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let seq = 0;
    let lastStatus: string | undefined;
    let lastProgress: number | undefined;
    const send = (event: string, job: JobRecord) => {
      res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(jobView(job))}\n\n`);
    };
    const onRow = (job: JobRecord): boolean => {
      if (terminal(job)) {
        send(job.status, job);
        return true;
      }
      if (job.status !== lastStatus) send('status', job);
      else if (job.progress !== lastProgress) send('progress', job);
      lastStatus = job.status;
      lastProgress = job.progress;
      return false;
    };
    if (onRow(first)) {
      res.end();
      return;
    }
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const unwatch = watcher.watch(first.id, (job) => {
      if (!onRow(job)) return;
      close();
      res.end();
    });
    const forget = watcher.onShutdown(() => {
      close();
      res.end();
    });
    const close = () => {
      clearInterval(heartbeat);
      unwatch();
      forget();
    };
    req.on('close', close);
  });
  return router;
}
