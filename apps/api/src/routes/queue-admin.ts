/**
 * Queue administration (admin scope): counts, job listings and actions on BullMQ
 * queues that keep the Postgres rows true.
 */
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError, UnavailableError } from '@vcq/errors';
import { findJob, queueNames, type JobName, type JobPlatform, type QueueSet } from '@vcq/jobs';
import { jobView } from '../job-view.js';
import { isUuid, parseInput } from '../validation.js';

export const QueueStateSchema = z.enum(['waiting', 'active', 'completed', 'failed', 'delayed'], {
  message: 'must be one of waiting, active, completed, failed, delayed',
});

/** `GET /queue/:name/jobs` query: a state and an inclusive index range, newest first. */
export const QueueJobsQuerySchema = z
  .object({
    status: QueueStateSchema.default('waiting'),
    start: z.coerce.number().int().min(0).default(0),
    end: z.coerce.number().int().min(0).default(49),
  })
  .refine((q) => q.end >= q.start && q.end - q.start < 1000, { message: 'end must be >= start and at most 1000 past it', path: ['end'] });

/** `POST /queue/:name/clean` body: remove jobs in `status` older than `grace` ms. */
export const CleanBodySchema = z.object({
  grace: z.number().int().min(0, { message: 'must be a whole number of milliseconds >= 0' }),
  status: z.enum(['completed', 'failed', 'delayed', 'waiting'], { message: 'must be completed, failed, delayed or waiting' }).default('completed'),
  limit: z.number().int().min(1).max(100_000).default(10_000),
});

export interface QueueAdminDeps {
  platform: JobPlatform;
  queues: QueueSet | null;
}

const LIVE_STATES = ['waiting', 'prioritized', 'waiting-children', 'active', 'delayed'] as const;

/** BullMQ's state in the admin API's words: prioritized and waiting-children jobs are waiting. */
function publicState(state: string): string | null {
  if (state === 'unknown') return null;
  return state === 'prioritized' || state === 'waiting-children' ? 'waiting' : state;
}

/**
 * Counts of one queue: what is waiting, running or delayed comes from Redis (live);
 * completed and failed come from Postgres, which keeps the history Redis drops.
 */
async function queueStats(platform: JobPlatform, queue: Queue, name: string) {
  const [live, rows, paused] = await Promise.all([queue.getJobCounts(...LIVE_STATES), platform.store.countByStatus(name), queue.isPaused()]);
  const waiting = (live.waiting ?? 0) + (live.prioritized ?? 0) + (live['waiting-children'] ?? 0);
  const active = live.active ?? 0;
  const delayed = live.delayed ?? 0;
  return { name, paused, waiting, active, completed: rows.completed, failed: rows.failed, delayed, total: waiting + active + delayed + rows.completed + rows.failed };
}

/** `/queue/...` routes (mounted behind the admin scope). Answers are `{success: true, data}`. */
export function queueAdminRoutes(deps: QueueAdminDeps): Router {
  const router = Router();
  const { platform } = deps;

  const queueFor = (name: string): Queue => {
    if (!queueNames.includes(name)) throw new NotFoundError(`no queue ${name} (queues: ${queueNames.join(', ')})`);
    if (!deps.queues?.isAvailable()) throw new UnavailableError('the queue backend (Redis) is unavailable; queue administration needs it');
    return deps.queues.queue(name);
  };
  const rowFor = async (name: string, id: string) => {
    const row = isUuid(id) ? await platform.store.get(id) : null;
    if (!row || row.queue !== name) throw new NotFoundError(`no job ${id} in queue ${name}`);
    return row;
  };

  router.get('/stats', async (_req, res) => {
    const data = await Promise.all(queueNames.map((name) => queueStats(platform, queueFor(name), name)));
    res.json({ success: true, data });
  });

  router.get('/:name/stats', async (req, res) => {
    res.json({ success: true, data: await queueStats(platform, queueFor(req.params.name), req.params.name) });
  });

  router.get('/:name/jobs', async (req, res) => {
    const queue = queueFor(req.params.name);
    const { status, start, end } = parseInput(QueueJobsQuerySchema, req.query, 'query');
    if (status === 'completed' || status === 'failed') {
      // Redis forgets finished jobs; their history is in Postgres.
      const { items, total } = await platform.store.list({ queue: req.params.name, status, limit: end - start + 1, offset: start });
      res.json({ success: true, data: { status, start, end, total, jobs: items.map(jobView) } });
      return;
    }
    const states = status === 'waiting' ? ['waiting', 'prioritized'] : [status];
    const jobs = await queue.getJobs(states as never, start, end, false);
    const rows = new Map((await platform.store.getMany(jobs.map((j) => j.id as string))).map((r) => [r.id, r]));
    res.json({
      success: true,
      data: {
        status,
        start,
        end,
        jobs: jobs.map((j) => {
          const row = rows.get(j.id as string);
          return row ? { ...jobView(row), queueState: status } : { id: j.id, type: j.name, queueState: status, progress: j.progress };
        }),
      },
    });
  });

  router.get('/:name/job/:jobId', async (req, res) => {
    const queue = queueFor(req.params.name);
    const row = await rowFor(req.params.name, req.params.jobId);
    const state = await queue.getJobState(row.id);
    res.json({ success: true, data: { ...jobView(row), queueState: publicState(state) } });
  });

  router.post('/:name/job/:jobId/retry', async (req, res) => {
    const queue = queueFor(req.params.name);
    const row = await rowFor(req.params.name, req.params.jobId);
    if (row.status !== 'failed' && row.status !== 'cancelled') {
      throw new AppError('not_retryable', 409, `job ${row.id} is ${row.status}; only failed or cancelled jobs can be retried`);
    }
    const job = await queue.getJob(row.id);
    const inFailedSet = job ? (await job.getState()) === 'failed' : false;
    // Retried in place, BullMQ keeps counting attempts upwards; re-added from scratch
    // (Redis no longer has it), it counts from 1 again, and so must the row.
    const requeued = await platform.store.requeue(row.id, { resetAttempt: !inFailedSet });
    if (!requeued) throw new AppError('not_retryable', 409, `job ${row.id} changed state; try again`);
    const name = findJob(row.queue, row.name) as JobName;
    if (inFailedSet && job) await job.retry('failed', { resetAttemptsMade: true });
    else {
      await job?.remove().catch(() => undefined);
      await (deps.queues as QueueSet).add(name, row.id, row.data);
    }
    res.json({ success: true, data: jobView(requeued) });
  });

  router.delete('/:name/job/:jobId', async (req, res) => {
    const queue = queueFor(req.params.name);
    const row = await rowFor(req.params.name, req.params.jobId);
    const job = await queue.getJob(row.id);
    const state = job ? await job.getState() : 'unknown';
    if (state === 'active') {
      // The running attempt is not torn out from under its worker: the row is closed
      // now, the attempt's outcome will be refused, and it will not be retried.
      await platform.store.cancel([row.id]);
      res.status(202).json({ success: true, data: { id: row.id, cancelled: true, removed: false, queueState: state } });
      return;
    }
    if (job) await job.remove();
    const cancelled = await platform.store.cancel([row.id]);
    res.json({ success: true, data: { id: row.id, cancelled: cancelled.length === 1, removed: Boolean(job), queueState: publicState(state) } });
  });

  router.post('/:name/pause', async (req, res) => {
    const queue = queueFor(req.params.name);
    await queue.pause();
    res.json({ success: true, data: { name: req.params.name, paused: true } });
  });

  router.post('/:name/resume', async (req, res) => {
    const queue = queueFor(req.params.name);
    await queue.resume();
    res.json({ success: true, data: { name: req.params.name, paused: false } });
  });

  router.post('/:name/clean', async (req, res) => {
    const queue = queueFor(req.params.name);
    const body = parseInput(CleanBodySchema, req.body ?? {}, 'body');
    const ids = await queue.clean(body.grace, body.limit, body.status === 'waiting' ? 'wait' : body.status);
    // Jobs cleaned before they ran will never run: their rows say so.
    const cancelled = body.status === 'completed' || body.status === 'failed' ? [] : await platform.store.cancel(ids);
    res.json({ success: true, data: { name: req.params.name, status: body.status, removed: ids.length, cancelled: cancelled.length, ids } });
  });

  return router;
}
