/**
 * What operators run a deployment with (admin scope), beside the per-job queue
 * administration: the live worker processes. The HTTP face of packages/app's
 * QueueOperations; answers are `{success: true, data}`.
 */
import { z } from 'zod';
import { type QueueOperations, queueNames } from '@vcq/app';
import type { WorkerInfo } from '@vcq/jobs';
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

function workerView(w: WorkerInfo): z.infer<typeof WorkerViewSchema> {
  return { ...w, startedAt: w.startedAt.toISOString(), lastHeartbeatAt: w.lastHeartbeatAt.toISOString() };
}

export interface QueueOperationsRouteDeps {
  operations: QueueOperations;
  heartbeatMs: number;
}

/** `/queue/workers` (admin scope). */
export const queueOperationRoutes = new RouteGroup<QueueOperationsRouteDeps>().get(
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
);
