/**
 * Queue administration (admin scope): the HTTP face of packages/app's QueueAdmin
 * (counts, job listings and actions on the queues that keep the Postgres rows true).
 */
import { z } from 'zod';
import { type QueueAdmin, queueNames } from '@vcq/app';
import { jobView } from '../job-view.js';
import * as s from '../openapi/schemas.js';
import { RouteGroup } from '../routing.js';

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
  admin: QueueAdmin;
}

const QueueParams = z.object({
  name: z.enum(queueNames as [string, ...string[]], { error: (issue) => `no queue ${String(issue.input)} (queues: ${queueNames.join(', ')})` }).describe('A queue name.'),
});
const QueueJobParams = QueueParams.extend({ jobId: z.string().describe('The job id (a UUID; the BullMQ id is the same).') });

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
      const data = await Promise.all(queueNames.map((name) => deps.admin.stats(name)));
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
      res.json({ success: true, data: await deps.admin.stats(name) });
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
      const listing = await deps.admin.jobs(name, status, start, end);
      if (listing.source === 'rows') {
        // Redis forgets finished jobs; their history is in Postgres.
        res.json({ success: true, data: { status, start, end, total: listing.total, jobs: listing.rows.map(({ row, queueState }) => ({ ...jobView(row), queueState })) } });
        return;
      }
      res.json({
        success: true,
        data: {
          status,
          start,
          end,
          jobs: listing.jobs.map((j) => (j.row ? { ...jobView(j.row), queueState: status } : { id: j.id, type: j.name, queueState: status, progress: j.progress })),
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
      const { row, queueState } = await deps.admin.job(name, jobId);
      res.json({ success: true, data: { ...jobView(row), queueState } });
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
      const requeued = await deps.admin.retry(name, jobId);
      res.json({ success: true, data: jobView(requeued) });
    },
  )
  .delete(
    {
      path: '/queue/{name}/job/{jobId}',
      operationId: 'removeQueueJob',
      summary: 'Remove a job; an open job’s row is marked cancelled',
      description:
        'A waiting, delayed or running job’s row becomes `cancelled` (a running attempt finishes but its outcome is refused). A job that has already ended keeps its row’s outcome (`failed` or `completed`, `cancelled: false`): only the queue’s copy goes.',
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
      const { running, ...removed } = await deps.admin.remove(name, jobId);
      // A running attempt is not torn out from under its worker: its row is closed now.
      res.status(running ? 202 : 200).json({ success: true, data: removed });
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
      await deps.admin.pause(name);
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
      await deps.admin.resume(name);
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
      // Jobs cleaned before they ran will never run: their rows say so.
      const cleaned = await deps.admin.clean(name, body);
      res.json({ success: true, data: { name, status: body.status, ...cleaned } });
    },
  );
