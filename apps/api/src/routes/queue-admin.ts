/**
 * Queue administration (admin scope): counts, job listings and actions on BullMQ
 * queues that keep the Postgres rows true.
 */
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { AppError, NotFoundError, UnavailableError } from '@vcq/errors';
import { type JobName, type JobPlatform, queueNames, type VcqCatalog } from '@vcq/app';
import type { QueueSet } from '@vcq/jobs';
import { jobView } from '../job-view.js';
import * as s from '../openapi/schemas.js';
import { RouteGroup } from '../routing.js';
import { isUuid } from '../validation.js';

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

const QueueParams = z.object({
  name: z.enum(queueNames as [string, ...string[]], { error: (issue) => `no queue ${String(issue.input)} (queues: ${queueNames.join(', ')})` }).describe('A queue name.'),
});
const QueueJobParams = QueueParams.extend({ jobId: z.string().describe('The job id (a UUID; the BullMQ id is the same).') });

/** The queue, when the queue backend answers (503 otherwise: queue administration needs it). */
function queueFor(deps: QueueAdminDeps, name: string): Queue {
  if (!deps.queues?.isAvailable()) throw new UnavailableError('the queue backend (Redis) is unavailable; queue administration needs it');
  return deps.queues.queue(name);
}

async function rowFor(platform: JobPlatform, name: string, id: string) {
  const row = isUuid(id) ? await platform.store.get(id) : null;
  if (!row || row.queue !== name) throw new NotFoundError(`no job ${id} in queue ${name}`);
  return row;
}

/** `/queue/...` routes (admin scope). Answers are `{success: true, data}`. */
export const queueAdminRoutes = new RouteGroup<QueueAdminDeps>()
  .get(
    {
      path: '/queue/stats',
      operationId: 'getAllQueueStats',
      summary: 'Counts of every queue',
      tag: 'Queue administration',
      auth: 'admin',
      responses: { 200: { description: 'One entry per queue.', schema: s.QueueStatsListResponseSchema } },
      problems: [503],
    },
    async ({ res, deps }) => {
      const data = await Promise.all(queueNames.map((name) => queueStats(deps.platform, queueFor(deps, name), name)));
      res.json({ success: true, data });
    },
  )
  .get(
    {
      path: '/queue/{name}/stats',
      operationId: 'getQueueStats',
      summary: 'Counts of one queue',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueParams,
      responses: { 200: { description: 'The counts.', schema: s.QueueStatsResponseSchema } },
      problems: [404, 503],
    },
    async ({ params: { name }, res, deps }) => {
      res.json({ success: true, data: await queueStats(deps.platform, queueFor(deps, name), name) });
    },
  )
  .get(
    {
      path: '/queue/{name}/jobs',
      operationId: 'listQueueJobs',
      summary: 'Jobs of a queue in one state, newest first',
      description: 'Completed and failed jobs come from Postgres (Redis forgets them); the others from the queue. `end` is inclusive and at most 1000 past `start`.',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueParams,
      query: QueueJobsQuerySchema,
      responses: { 200: { description: 'The jobs.', schema: s.QueueJobListResponseSchema } },
      problems: [400, 404, 503],
    },
    async ({ params: { name }, query: { status, start, end }, res, deps }) => {
      const queue = queueFor(deps, name);
      if (status === 'completed' || status === 'failed') {
        // Redis forgets finished jobs; their history is in Postgres.
        const { items, total } = await deps.platform.store.list({ queue: name, status, limit: end - start + 1, offset: start });
        res.json({ success: true, data: { status, start, end, total, jobs: items.map(jobView) } });
        return;
      }
      const states = status === 'waiting' ? ['waiting', 'prioritized'] : [status];
      const jobs = await queue.getJobs(states as never, start, end, false);
      const rows = new Map((await deps.platform.store.getMany(jobs.map((j) => j.id as string))).map((r) => [r.id, r]));
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
    },
  )
  .get(
    {
      path: '/queue/{name}/job/{jobId}',
      operationId: 'getQueueJob',
      summary: 'A job with its BullMQ state',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueJobParams,
      responses: { 200: { description: 'The job.', schema: s.QueueJobResponseSchema } },
      problems: [404, 503],
    },
    async ({ params: { name, jobId }, res, deps }) => {
      const queue = queueFor(deps, name);
      const row = await rowFor(deps.platform, name, jobId);
      const state = await queue.getJobState(row.id);
      res.json({ success: true, data: { ...jobView(row), queueState: publicState(state) } });
    },
  )
  .post(
    {
      path: '/queue/{name}/job/{jobId}/retry',
      operationId: 'retryQueueJob',
      summary: 'Retry a failed or cancelled job',
      description: 'The row goes back to `queued` with a new attempt.',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueJobParams,
      responses: {
        200: { description: 'The requeued job.', schema: s.QueueRetryResponseSchema },
        409: { description: 'The job is not failed or cancelled (or changed state meanwhile).', mediaType: 'application/problem+json', schema: s.ProblemSchema },
      },
      problems: [404, 503],
    },
    async ({ params: { name, jobId }, res, deps }) => {
      const queue = queueFor(deps, name);
      const row = await rowFor(deps.platform, name, jobId);
      if (row.status !== 'failed' && row.status !== 'cancelled') {
        throw new AppError('not_retryable', 409, `job ${row.id} is ${row.status}; only failed or cancelled jobs can be retried`);
      }
      const job = await queue.getJob(row.id);
      const inFailedSet = job ? (await job.getState()) === 'failed' : false;
      // Retried in place, BullMQ keeps counting attempts upwards; re-added from scratch
      // (Redis no longer has it), it counts from 1 again, and so must the row.
      const requeued = await deps.platform.store.requeue(row.id, { resetAttempt: !inFailedSet });
      if (!requeued) throw new AppError('not_retryable', 409, `job ${row.id} changed state; try again`);
      const jobName = row.kind as JobName;
      if (inFailedSet && job) await job.retry('failed', { resetAttemptsMade: true });
      else {
        await job?.remove().catch(() => undefined);
        await (deps.queues as QueueSet).add(jobName, row.id, row.data);
      }
      res.json({ success: true, data: jobView(requeued) });
    },
  )
  .delete(
    {
      path: '/queue/{name}/job/{jobId}',
      operationId: 'removeQueueJob',
      summary: 'Remove a job; its row is marked cancelled',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueJobParams,
      responses: {
        200: { description: 'Removed.', schema: s.QueueRemoveResponseSchema },
        202: { description: 'The job is running: its row is cancelled now and the attempt is not retried, but it is not torn from its worker.', schema: s.QueueRemoveResponseSchema },
      },
      problems: [404, 503],
    },
    async ({ params: { name, jobId }, res, deps }) => {
      const queue = queueFor(deps, name);
      const row = await rowFor(deps.platform, name, jobId);
      const job = await queue.getJob(row.id);
      const state = job ? await job.getState() : 'unknown';
      if (state === 'active') {
        // The running attempt is not torn out from under its worker: the row is closed
        // now, the attempt's outcome will be refused, and it will not be retried.
        await deps.platform.store.cancel([row.id]);
        res.status(202).json({ success: true, data: { id: row.id, cancelled: true, removed: false, queueState: state } });
        return;
      }
      if (job) await job.remove();
      const cancelled = await deps.platform.store.cancel([row.id]);
      res.json({ success: true, data: { id: row.id, cancelled: cancelled.length === 1, removed: Boolean(job), queueState: publicState(state) } });
    },
  )
  .post(
    {
      path: '/queue/{name}/pause',
      operationId: 'pauseQueue',
      summary: 'Pause a queue (no job starts until resumed)',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueParams,
      responses: { 200: { description: 'Paused.', schema: s.QueuePauseResponseSchema } },
      problems: [404, 503],
    },
    async ({ params: { name }, res, deps }) => {
      await queueFor(deps, name).pause();
      res.json({ success: true, data: { name, paused: true } });
    },
  )
  .post(
    {
      path: '/queue/{name}/resume',
      operationId: 'resumeQueue',
      summary: 'Resume a paused queue',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueParams,
      responses: { 200: { description: 'Resumed.', schema: s.QueuePauseResponseSchema } },
      problems: [404, 503],
    },
    async ({ params: { name }, res, deps }) => {
      await queueFor(deps, name).resume();
      res.json({ success: true, data: { name, paused: false } });
    },
  )
  .post(
    {
      path: '/queue/{name}/clean',
      operationId: 'cleanQueue',
      summary: 'Remove jobs in one state older than a grace period',
      description: 'Waiting or delayed jobs removed this way never run: their rows are marked `cancelled`.',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueParams,
      body: { json: CleanBodySchema, required: true },
      responses: { 200: { description: 'What was removed.', schema: s.QueueCleanResponseSchema } },
      problems: [400, 404, 503],
    },
    async ({ params: { name }, body, res, deps }) => {
      const queue = queueFor(deps, name);
      const ids = await queue.clean(body.grace, body.limit, body.status === 'waiting' ? 'wait' : body.status);
      // Jobs cleaned before they ran will never run: their rows say so.
      const cancelled = body.status === 'completed' || body.status === 'failed' ? [] : await deps.platform.store.cancel(ids);
      res.json({ success: true, data: { name, status: body.status, removed: ids.length, cancelled: cancelled.length, ids } });
    },
  );
