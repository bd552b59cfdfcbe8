/**
 * The consumer side: one BullMQ Worker per queue, and the adapter that turns a
 * BullMQ job into a plain handler call with Postgres bookkeeping around it.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobStore } from '@vcq/db';
import { describeError, isPermanent } from '@vcq/errors';
import type { Logger } from '@vcq/logger';
import { webhookRetryDelay } from '@vcq/webhooks';
import { findJob, jobCatalog, queueNames, type JobName } from './catalog.js';
import { createJobContext } from './context.js';
import type { FinishedHook } from './platform.js';
import type { Handlers, JobContext } from './processor.js';
import { WEBHOOK_BACKOFF } from './queues.js';

export interface WorkerRuntimeOptions {
  connection: Redis;
  prefix: string;
  store: JobStore;
  handlers: Handlers;
  logger: Logger;
  concurrency: number;
  /** How long a job's lock lives without renewal; a killed worker's jobs return after it. */
  lockDurationMs?: number;
  /** How often stalled (lock-expired) jobs are looked for. */
  stalledIntervalMs?: number;
  queues?: string[];
  /** Runs after a job's outcome is committed (webhook callbacks); see FinishedHook. */
  onFinished?: FinishedHook;
  /** Delays for the webhook retry schedule (WEBHOOK_RETRY_SCHEDULE_MS). */
  webhookSchedule?: number[];
}

/** Turns a BullMQ job into `handler(data, ctx)` and records its outcome in Postgres. */
export function createProcessor(store: JobStore, handlers: Handlers, logger: Logger, onFinished?: FinishedHook) {
  return async (job: Job, _token?: string, signal?: AbortSignal): Promise<void> => {
    const id = job.id as string;
    const name = findJob(job.queueName, job.name);
    // attemptsStarted also counts restarts after a stall, so a stalled duplicate
    // carries an older number than the attempt that replaced it.
    const attempt = Math.max(job.attemptsStarted, 1);
    const finalIfFails = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (!name) {
      await store.failed(id, attempt, { code: 'unknown_job', message: `no handler for ${job.queueName}/${job.name}` }, true);
      throw new UnrecoverableError(`no handler for ${job.queueName}/${job.name}`);
    }
    const parsed = jobCatalog[name].schema.safeParse(job.data);
    if (!parsed.success) {
      const message = `invalid job data: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
      await store.failed(id, attempt, { code: 'invalid_job_data', message }, true);
      throw new UnrecoverableError(message);
    }
    const ctx: JobContext = createJobContext({
      store,
      logger,
      jobId: id,
      name,
      queue: job.queueName,
      attempt,
      mode: 'async',
      signal: signal ?? new AbortController().signal,
    });
    void store.started(id, attempt).catch((error: unknown) => ctx.log.warn({ err: error }, 'start write failed'));
    ctx.log.debug('job started');
    let result: unknown;
    try {
      result = await (handlers[name] as (d: unknown, c: JobContext) => Promise<unknown>)(parsed.data, ctx);
    } catch (error) {
      const permanent = isPermanent(error);
      const final = permanent || finalIfFails;
      await store.failed(id, attempt, describeError(error), final);
      ctx.log.warn({ err: describeError(error), permanent, final }, final ? 'job failed' : 'job attempt failed; will retry');
      // A hook failure here surfaces as this attempt's error; the outcome stays committed.
      if (final) await onFinished?.({ id, name, data: parsed.data }, { status: 'failed', error: describeError(error) });
      if (permanent) throw new UnrecoverableError(describeError(error).message);
      throw error;
    }
    // Awaited: BullMQ must not forget the job before Postgres has its outcome.
    await store.completed(id, attempt, result);
    ctx.log.debug('job completed');
    // If the hook fails, the job retries: the handler is idempotent, the row keeps its
    // first outcome, and the hook (idempotent too) runs again.
    await onFinished?.({ id, name, data: parsed.data }, { status: 'completed', result });
  };
}

export interface WorkerRuntime {
  workers: Worker[];
  /** Stops taking work and waits (up to `timeoutMs`) for active jobs to finish. */
  close(timeoutMs: number): Promise<void>;
}

/** Starts a Worker for every catalog queue (or the ones named). */
export function startWorkers(options: WorkerRuntimeOptions): WorkerRuntime {
  const processor = createProcessor(options.store, options.handlers, options.logger, options.onFinished);
  const schedule = options.webhookSchedule ?? [];
  const workers = (options.queues ?? queueNames).map((queue) => {
    const worker = new Worker(queue, processor, {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      settings: {
        // Only the webhook schedule is custom; -1 tells BullMQ there is no further retry.
        backoffStrategy: (attemptsMade: number, type?: string) => (type === WEBHOOK_BACKOFF ? webhookRetryDelay(attemptsMade, schedule) : -1),
      },
    });
    worker.on('error', (error) => options.logger.error({ queue, err: error.message }, 'worker error'));
    worker.on('stalled', (jobId) => options.logger.warn({ queue, jobId }, 'job stalled; it will run again'));
    return worker;
  });
  return {
    workers,
    async close(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all(workers.map((w) => w.close()));
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([graceful.then(() => 'closed' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        options.logger.warn({ timeoutMs }, 'active jobs did not finish in time; forcing close (they will run again)');
        await Promise.all(workers.map((w) => w.close(true).catch(() => {})));
      }
    },
  };
}

export type { JobName };
