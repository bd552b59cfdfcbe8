import type { Request } from 'express';
import { z } from 'zod';
import type { JobRecord, JobStore } from '@vcq/db';
import { JobNotFoundError } from '@vcq/errors';
import type { JobWaiter } from '@vcq/jobs';
import { jobView } from '../job-view.js';
import * as s from '../openapi/schemas.js';
import { RouteGroup } from '../routing.js';
import { visibleOr404 } from '../tenancy.js';
import { isUuid } from '../validation.js';

const terminal = (job: JobRecord) => job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';

const IdParams = z.object({ id: z.string().describe('The job id (a UUID).') });

/** The job when the request's organization may see it; 404 otherwise. */
const find = async (store: JobStore, req: Request, id: string) => visibleOr404(req, isUuid(id) ? await store.get(id) : null, `no job ${id}`, JobNotFoundError);

/** `GET /api/jobs/:id` (a job of any queue) and its live `events` stream. */
export const jobRoutes = new RouteGroup<{ store: JobStore; watcher: JobWaiter }>()
  .get(
    {
      path: '/api/jobs/{id}',
      operationId: 'getJob',
      summary: 'Poll a job of any queue',
      tag: 'Jobs',
      auth: 'read',
      params: IdParams,
      responses: { 200: { description: 'The job.', schema: s.JobViewSchema } },
      problems: [404],
    },
    async ({ params, req, res, deps }) => {
      res.json(jobView(await find(deps.store, req, params.id)));
    },
  )
  /**
   * Server-Sent Events: `progress` while the job runs, `status` on each status
   * change, then one final event named after the outcome, and the stream closes.
   * A job that has already ended (a sync-mode job, say) gets that final event at once.
   */
  .get(
    {
      path: '/api/jobs/{id}/events',
      operationId: 'streamJobEvents',
      summary: 'Follow a job live (Server-Sent Events)',
      description:
        '`status` on each status change, `progress` while it runs, then one final event named after the outcome (`completed`, `failed` or `cancelled`) and the stream closes. Each `data` is a JobView. A job that has already ended gets the final event at once.',
      tag: 'Jobs',
      auth: 'read',
      params: IdParams,
      responses: { 200: { description: 'An event stream.', mediaType: 'text/event-stream', schema: z.string() } },
      problems: [404],
    },
    async ({ params, req, res, deps: { store, watcher } }) => {
      const first = await find(store, req, params.id);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let seq = 0;
      let lastStatus: string | undefined;
      let lastProgress: number | undefined;
      let last: JobRecord = first;
      let ended = false;
      const send = (event: string, job: JobRecord) => {
        res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(jobView(job))}\n\n`);
      };
      const onRow = (job: JobRecord): boolean => {
        if (ended) return true;
        if (terminal(job)) {
          ended = true;
          send(job.status, job);
          return true;
        }
        // A new attempt starts its progress over; within one, progress only grows.
        const newAttempt = job.attempt !== last.attempt;
        if (job.status !== lastStatus) send('status', job);
        else if (job.progress !== lastProgress && (newAttempt || job.progress > (lastProgress ?? -1))) send('progress', job);
        else if (!newAttempt) return false;
        lastStatus = job.status;
        lastProgress = job.progress;
        last = job;
        return false;
      };
      // Every step the worker reported, also those one write flush coalesced (the row
      // shows only the last): each is an event, in order, on the row last read.
      const onStep = ({ attempt, progress }: { attempt: number; progress: number }) => {
        if (ended || attempt < last.attempt || progress >= 100) return;
        // A step of a newer attempt than the row last read starts that attempt's progress over.
        if (attempt === last.attempt && progress <= (lastProgress ?? -1)) return;
        const job = { ...last, status: 'processing' as const, attempt, progress };
        if (lastStatus !== 'processing') send('status', job);
        else send('progress', job);
        lastStatus = 'processing';
        lastProgress = progress;
        last = job;
      };
      if (onRow(first)) {
        res.end();
        return;
      }
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      const unwatchSteps = watcher.watchProgress(first.id, onStep);
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
        unwatchSteps();
        unwatch();
        forget();
      };
      req.on('close', close);
    },
  );
