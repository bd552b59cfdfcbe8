/**
 * What operators run a deployment with (admin scope), beside the per-job queue
 * administration: the live worker processes. The HTTP face of packages/app's
 * QueueOperations; answers are `{success: true, data}`.
 */
import { z } from 'zod';
import { DeadLetterFilterSchema, INLINE_RETRY_MAX, type QueueLimitsView, type QueueOperations, queueNames } from '@vcq/app';
import { QueueLimitsSchema } from '@vcq/config';
import type { WorkerInfo } from '@vcq/jobs';
import { jobView } from '../job-view.js';
import * as s from '../openapi/schemas.js';
import { RouteGroup } from '../routing.js';

const dateTime = z.string().meta({ format: 'date-time' });
const ok = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data });

const QueueNameSchema = z.enum(queueNames as [string, ...string[]], { error: (issue) => `no queue ${String(issue.input)} (queues: ${queueNames.join(', ')})` });

export const WorkerViewSchema = z
  .object({
    id: z.string().describe('`<host>:<pid>:<start time in ms>`: a restarted process is a new worker.'),
    host: z.string(),
    pid: z.number().int(),
    version: z.string().describe('VCQ_VERSION of the process.'),
    backend: z.enum(['redis', 'postgres']).or(z.string()).describe('The queue backend it consumes.'),
    queues: z.array(z.object({ name: z.string(), concurrency: z.number().int(), active: z.number().int() })),
    concurrency: z.number().int().describe('Jobs it may run at once, over all its queues.'),
    active: z.number().int().describe('Jobs it was running at its last heartbeat.'),
    startedAt: dateTime,
    lastHeartbeatAt: dateTime,
  })
  .describe('One worker process, as its last heartbeat reported it.');

export const WorkerListResponseSchema = ok(
  z.object({
    heartbeatMs: z.number().int().describe('WORKER_HEARTBEAT_MS: how often each worker reports.'),
    deadAfterMs: z.number().int().describe('WORKER_DEAD_AFTER_MS: a worker silent this long is dead and not listed.'),
    workers: z.array(WorkerViewSchema),
  }),
);

export const WorkersQuerySchema = z.object({ queue: QueueNameSchema.optional().describe('Only the workers consuming this queue.') });

const QueueParams = z.object({ name: QueueNameSchema.describe('A queue name.') });

const LimiterSchema = z.object({ max: z.number().int(), duration: z.number().int() }).nullable();
export const QueueLimitsViewSchema = z.object({
  name: z.string(),
  concurrency: z.number().int().describe('Jobs at once per worker process.'),
  limiter: LimiterSchema.describe('At most `max` job starts per `duration` ms, across every worker of the queue; null for none.'),
  source: z.enum(['environment', 'api']).describe('`api`: set with PUT and kept in Postgres, winning over QUEUE_LIMITS until deleted.'),
  updatedAt: dateTime.nullable(),
  defaults: z.object({ concurrency: z.number().int(), limiter: LimiterSchema }).describe('QUEUE_LIMITS / QUEUE_CONCURRENCY: what applies again after DELETE.'),
});
export const QueueLimitsResponseSchema = ok(QueueLimitsViewSchema);

/** `PUT /queue/{name}/limits`: what is not given keeps the value that applies now; `limiter: null` removes the rate limit. */
export const QueueLimitsBodySchema = QueueLimitsSchema.refine((b) => b.concurrency !== undefined || b.limiter !== undefined, {
  message: 'give concurrency, limiter or both',
  path: ['concurrency'],
});

/** `GET /queue/{name}/dead-letters` query: the filter and a page. */
export const DeadLettersQuerySchema = DeadLetterFilterSchema.extend({
  limit: z.coerce.number().int().min(1).max(500, { message: 'must be between 1 and 500' }).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const DeadLetterListResponseSchema = ok(
  z.object({
    name: z.string(),
    total: z.number().int().describe('Dead letters matching the filter.'),
    limit: z.number().int(),
    offset: z.number().int(),
    jobs: z.array(s.JobViewSchema).describe('Newest failure first; `errorCode` is what `code` filters on.'),
  }),
);

/** `POST /queue/{name}/retry` body: the rows by id or by filter, and at most how many. */
export const BulkRetryBodySchema = z
  .object({
    ids: z.array(z.uuid({ message: 'must be a job id (a UUID)' })).min(1).max(1000, { message: 'at most 1000 ids; use a filter for more' }).optional(),
    filter: DeadLetterFilterSchema.optional().describe('As `GET /queue/{name}/dead-letters` takes it; `{}` is every dead letter of the queue.'),
    max: z.number().int().min(1).max(100_000, { message: 'must be between 1 and 100000' }).default(1000).describe('Retry at most this many (oldest failure first).'),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), { message: 'give either ids or filter', path: ['ids'] });

const RedriveReportSchema = z.object({
  queue: z.string(),
  matched: z.number().int().describe('Rows selected (at most `max`).'),
  retried: z.number().int(),
  skipped: z.number().int().describe('Rows no longer retryable (retried meanwhile) or that could not be retried.'),
  retriedIds: z.array(z.string()).describe('The first 100.'),
  skippedIds: z.array(z.object({ id: z.string(), reason: z.string() })).describe('The first 100.'),
});
export const BulkRetryInlineResponseSchema = ok(RedriveReportSchema.extend({ mode: z.literal('inline') }));
export const BulkRetryJobResponseSchema = ok(
  z.object({
    mode: z.literal('job'),
    queue: z.string(),
    matched: z.number().int(),
    jobId: z.string().meta({ format: 'uuid' }).describe('The `redrive` job on the maintenance queue; its progress and report are on its row.'),
    pollUrl: z.string(),
  }),
);

function limitsView(view: QueueLimitsView): z.infer<typeof QueueLimitsViewSchema> {
  return { ...view, updatedAt: view.updatedAt?.toISOString() ?? null };
}

function workerView(w: WorkerInfo): z.infer<typeof WorkerViewSchema> {
  return { ...w, startedAt: w.startedAt.toISOString(), lastHeartbeatAt: w.lastHeartbeatAt.toISOString() };
}

export interface QueueOperationsRouteDeps {
  operations: QueueOperations;
  heartbeatMs: number;
}

/** `/queue/workers`, `/queue/{name}/limits` (admin scope). */
export const queueOperationRoutes = new RouteGroup<QueueOperationsRouteDeps>()
  .get(
  {
    path: '/queue/workers',
    operationId: 'listWorkers',
    summary: 'Every live worker process',
    description:
      'From the heartbeat rows in Postgres, so it works on both queue backends and while Redis is down. A worker that stops beating drops out after `deadAfterMs` (WORKER_DEAD_AFTER_MS, default 20 s); one that shuts down cleanly drops out at once.',
    tag: 'Queue administration',
    auth: 'admin',
    query: WorkersQuerySchema,
    responses: { 200: { description: 'The live workers, oldest first.', schema: WorkerListResponseSchema } },
    problems: [400],
  },
  async ({ query, res, deps }) => {
    const workers = await deps.operations.workers(query.queue);
    res.json({ success: true, data: { heartbeatMs: deps.heartbeatMs, deadAfterMs: deps.operations.deadAfterMs, workers: workers.map(workerView) } });
  },
  )
  .get(
    {
      path: '/queue/{name}/limits',
      operationId: 'getQueueLimits',
      summary: 'A queue’s concurrency and rate limit',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueParams,
      responses: { 200: { description: 'The limits that apply.', schema: QueueLimitsResponseSchema } },
      problems: [404],
    },
    async ({ params: { name }, res, deps }) => {
      res.json({ success: true, data: limitsView(await deps.operations.limits(name)) });
    },
  )
  .put(
    {
      path: '/queue/{name}/limits',
      operationId: 'setQueueLimits',
      summary: 'Set a queue’s concurrency or rate limit at run time',
      description:
        'Kept in Postgres and winning over QUEUE_LIMITS until deleted; every worker applies it to its running Worker within SETTINGS_POLL_MS (default 2 s), without a restart (see `GET /queue/workers` for what each worker runs with). Fields not given keep the value that applies now; `limiter: null` removes the rate limit.',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueParams,
      body: { json: QueueLimitsBodySchema, required: true },
      responses: { 200: { description: 'The limits now.', schema: QueueLimitsResponseSchema } },
      problems: [400, 404],
    },
    async ({ params: { name }, body, res, deps }) => {
      const current = await deps.operations.limits(name);
      const limiter = body.limiter === undefined ? current.limiter : body.limiter;
      const limits = { concurrency: body.concurrency ?? current.concurrency, ...(limiter ? { limiter } : {}) };
      res.json({ success: true, data: limitsView(await deps.operations.setLimits(name, limits)) });
    },
  )
  .delete(
    {
      path: '/queue/{name}/limits',
      operationId: 'resetQueueLimits',
      summary: 'Drop a queue’s limits set over the API: QUEUE_LIMITS applies again',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueParams,
      responses: { 200: { description: 'The limits now (the environment’s).', schema: QueueLimitsResponseSchema } },
      problems: [404],
    },
    async ({ params: { name }, res, deps }) => {
      res.json({ success: true, data: limitsView(await deps.operations.setLimits(name, null)) });
    },
  )
  .get(
    {
      path: '/queue/{name}/dead-letters',
      operationId: 'listDeadLetters',
      summary: 'Jobs of a queue that failed for good, filtered by error code, job name and time',
      description: 'From Postgres, which keeps them until JOB_RETENTION_DAYS (Redis forgets failed jobs sooner). `since` and `until` bound the failure time.',
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueParams,
      query: DeadLettersQuerySchema,
      responses: { 200: { description: 'A page of dead letters.', schema: DeadLetterListResponseSchema } },
      problems: [400, 404],
    },
    async ({ params: { name }, query: { limit, offset, ...filter }, res, deps }) => {
      const { total, items } = await deps.operations.deadLetters(name, filter, { limit, offset });
      res.json({ success: true, data: { name, total, limit, offset, jobs: items.map(jobView) } });
    },
  )
  .post(
    {
      path: '/queue/{name}/retry',
      operationId: 'retryQueueJobs',
      summary: 'Retry many failed jobs at once, by id or by filter',
      description: `Each row gets a new attempt, as \`POST /queue/{name}/job/{jobId}/retry\` gives one. Up to ${INLINE_RETRY_MAX} rows are retried in the request (200); more run as a \`redrive\` job on the maintenance queue (202; its progress and report are at \`pollUrl\`). A filter without \`until\` stops at the request's time.`,
      tag: 'Queue administration',
      auth: 'admin',
      params: QueueParams,
      body: { json: BulkRetryBodySchema, required: true },
      responses: {
        200: { description: 'Retried in the request.', schema: BulkRetryInlineResponseSchema },
        202: { description: 'Queued as a `redrive` job; poll `pollUrl` (also in `Location`).', schema: BulkRetryJobResponseSchema, headers: ['Location'] },
      },
      problems: [400, 404, 503],
    },
    async ({ params: { name }, body, res, deps }) => {
      const done = await deps.operations.retryMany(name, body);
      if (done.mode === 'inline') {
        res.json({ success: true, data: done });
        return;
      }
      const pollUrl = `/api/jobs/${done.jobId}`;
      res.status(202).location(pollUrl).json({ success: true, data: { ...done, pollUrl } });
    },
  );
