/**
 * The consumer side: one BullMQ Worker per queue, and the adapter that turns a
 * BullMQ job into a plain handler call with Postgres bookkeeping around it.
 */
import { performance } from 'node:perf_hooks';
import { createPostgresBackend, DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isDatabaseUnavailable, type JobStore } from '@vcq/db';
import { AppError, describeError, isPermanent } from '@vcq/errors';
import type { Logger } from '@vcq/logger';
import { webhookRetryDelay } from '@vcq/webhooks';
import { findJob, jobCatalog, queueNames, type JobName } from './catalog.js';
import { createJobContext } from './context.js';
import { EngineEvents } from './events.js';
import type { FinishedHook } from './platform.js';
import type { Handlers, JobContext } from './processor.js';
import { WEBHOOK_BACKOFF, type PostgresQueueConnection } from './queues.js';

export interface WorkerRuntimeOptions {
  /** The Redis backend's worker connection. */
  connection?: Redis;
  /** The PostgreSQL backend instead of Redis. */
  postgres?: PostgresQueueConnection;
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
  /** Told when jobs are picked up and how each attempt ends (metrics); default: nothing. */
  observer?: JobObserver;
  /** Where the runtime's typed events go; one is made when not given (`WorkerRuntime.events`). */
  events?: EngineEvents;
}

/** What the runtime reports about jobs as they run; `VcqMetrics['jobs']` is one. */
export interface JobObserver {
  /** A job was picked up for the first time, `waitMs` after it became due. */
  picked(job: { queue: string; name: string; waitMs: number }): void;
  /** An attempt ended; `durationMs` is the handler's run time, absent when no handler ran. */
  finished(job: { queue: string; name: string; outcome: 'completed' | 'retry' | 'failed'; durationMs?: number }): void;
}

const unobserved: JobObserver = { picked() {}, finished() {} };

/** Turns a BullMQ job into `handler(data, ctx)` and records its outcome in Postgres. */
/** How long a job waits when vcq's own database was unreachable during its attempt. */
const DATABASE_DOWN_DELAY_MS = 2000;

/**
 * The processor, plus one rule around it: an attempt that failed because vcq's own
 * database was unreachable did not get a fair try. It is delayed without spending
 * an attempt, so an outage longer than the retry schedule cannot leave a job failed
 * in BullMQ while its row, which could not be written, still says it is open.
 */
export function createProcessor(
  store: JobStore,
  handlers: Handlers,
  logger: Logger,
  onFinished?: FinishedHook,
  observer: JobObserver = unobserved,
  events: EngineEvents = new EngineEvents(),
) {
  const run = processJob(store, handlers, logger, onFinished, observer, events);
  return async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
    try {
      await run(job, token, signal);
    } catch (thrown) {
      const handled = thrown instanceof HandlerFailure;
      const error = handled ? thrown.cause : thrown;
      // Domain errors (a peer refusing connections is an UpstreamError) keep their retry budget.
      if (!(error instanceof AppError) && !(error instanceof UnrecoverableError) && isDatabaseUnavailable(error)) {
        logger.warn({ queue: job.queueName, jobId: job.id, err: error }, 'database unavailable; job delayed without spending an attempt');
        await job.moveToDelayed(Date.now() + DATABASE_DOWN_DELAY_MS, token);
        throw new DelayedError();
      }
      // The handler's own failure was logged where it was recorded; anything else (a
      // write that failed, a hook) is logged here, as nobody else sees it whole.
      if (!handled && !(error instanceof UnrecoverableError)) {
        logger.error({ queue: job.queueName, jobId: job.id, err: error }, 'job attempt failed outside its handler');
      }
      throw queueFailure(error, handled ? thrown.permanent : error instanceof UnrecoverableError);
    }
  };
}

/** A handler's failure, already recorded and logged, on its way to BullMQ. */
class HandlerFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly permanent: boolean,
  ) {
    super('handler failed');
  }
}

/**
 * What BullMQ is given for a failed attempt: vcq's own message (the row's, see
 * describeError) and no stack frames; `permanent` makes it an UnrecoverableError.
 * BullMQ keeps `message` as the job's failedReason and `stack` in its stacktrace,
 * both shown on the dashboard and read back by the reconciler; driver text and
 * server file paths belong in the logs.
 */
export function queueFailure(error: unknown, permanent: boolean): Error {
  // An UnrecoverableError raised here already carries a message of vcq's making.
  const message = error instanceof UnrecoverableError ? error.message : describeError(error).message;
  const failure = permanent ? new UnrecoverableError(message) : new Error(message);
  failure.stack = `${failure.name}: ${message}`;
  return failure;
}

function processJob(store: JobStore, handlers: Handlers, logger: Logger, onFinished: FinishedHook | undefined, observer: JobObserver, events: EngineEvents) {
  return async (job: Job, _token?: string, signal?: AbortSignal): Promise<void> => {
    const id = job.id as string;
    const name = findJob(job.queueName, job.name);
    // attemptsStarted also counts restarts after a stall, so a stalled duplicate
    // carries an older number than the attempt that replaced it.
    const attempt = Math.max(job.attemptsStarted, 1);
    const finalIfFails = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const labels = { queue: job.queueName, name: job.name };
    const about = { ...labels, id, attempt };
    const observe = (report: () => void) => {
      // Metrics must never decide a job's fate.
      try {
        report();
      } catch (error) {
        logger.warn({ jobId: id, err: error }, 'job observer failed');
      }
    };
    // Only the first start measures queueing: a retry's wait is its own backoff.
    if (job.attemptsStarted <= 1) observe(() => observer.picked({ ...labels, waitMs: waitedMs(job) }));
    if (!name) {
      const error = { code: 'unknown_job', message: `no handler for ${job.queueName}/${job.name}` };
      await store.failed(id, attempt, error, true);
      events.safeEmit('job:failed', { ...about, error, final: true });
      observe(() => observer.finished({ ...labels, outcome: 'failed' }));
      throw new UnrecoverableError(`no handler for ${job.queueName}/${job.name}`);
    }
    const parsed = jobCatalog[name].schema.safeParse(job.data);
    if (!parsed.success) {
      const message = `invalid job data: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
      await store.failed(id, attempt, { code: 'invalid_job_data', message }, true);
      events.safeEmit('job:failed', { ...about, error: { code: 'invalid_job_data', message }, final: true });
      observe(() => observer.finished({ ...labels, outcome: 'failed' }));
      throw new UnrecoverableError(message);
    }
    // A retry (or a run after a stall) of a job cancelled meanwhile must not run
    // again. The first attempt skips this read: a cancelled waiting job is removed
    // from Redis, so only an already-started job can come back here cancelled.
    if (job.attemptsStarted > 1) {
      const row = await store.get(id);
      if (row?.status === 'cancelled') {
        logger.info({ queue: job.queueName, jobId: id }, 'job was cancelled; not running it again');
        return;
      }
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
      onProgress: (progress) => events.safeEmit('job:progress', { ...about, progress }),
    });
    events.safeEmit('job:started', about);
    void store.started(id, attempt).catch((error: unknown) => ctx.log.warn({ err: error }, 'start write failed'));
    const debug = logger.isLevelEnabled('debug');
    if (debug) ctx.log.debug('job started');
    let result: unknown;
    const startedAt = performance.now();
    try {
      result = await (handlers[name] as (d: unknown, c: JobContext) => Promise<unknown>)(parsed.data, ctx);
    } catch (error) {
      const permanent = isPermanent(error);
      const final = permanent || finalIfFails;
      observe(() => observer.finished({ ...labels, outcome: final ? 'failed' : 'retry', durationMs: performance.now() - startedAt }));
      const described = describeError(error);
      await store.failed(id, attempt, described, final);
      events.safeEmit('job:failed', { ...about, error: described, final, durationMs: performance.now() - startedAt });
      ctx.log.warn({ err: error, code: described.code, permanent, final }, final ? 'job failed' : 'job attempt failed; will retry');
      // A hook failure here surfaces as this attempt's error; the outcome stays committed.
      if (final) await onFinished?.({ id, name, data: parsed.data }, { status: 'failed', error: described });
      throw new HandlerFailure(error, permanent);
    }
    const durationMs = performance.now() - startedAt;
    // Awaited: BullMQ must not forget the job before Postgres has its outcome.
    await store.completed(id, attempt, result);
    events.safeEmit('job:completed', { ...about, durationMs });
    if (debug) ctx.log.debug('job completed');
    // If the hook fails, the job retries: the handler is idempotent, the row keeps its
    // first outcome, and the hook (idempotent too) runs again.
    try {
      await onFinished?.({ id, name, data: parsed.data }, { status: 'completed', result });
    } catch (error) {
      // Counted as BullMQ will see it, so the retry's completion is not counted twice.
      observe(() => observer.finished({ ...labels, outcome: finalIfFails ? 'failed' : 'retry', durationMs }));
      throw error;
    }
    observe(() => observer.finished({ ...labels, outcome: 'completed', durationMs }));
  };
}

/** How long a job waited for a worker: from its add (plus any requested delay) to its start. */
function waitedMs(job: Job): number {
  const due = job.timestamp + (job.opts.delay ?? 0);
  return (job.processedOn ?? Date.now()) - due;
}

export interface WorkerRuntime {
  workers: Worker[];
  /** Jobs started, progressing, completed, failed and stalled; workers ready and closed. */
  events: EngineEvents;
  /** Stops taking work and waits (up to `timeoutMs`) for active jobs to finish. */
  close(timeoutMs: number): Promise<void>;
}

/** Starts a Worker for every catalog queue (or the ones named). */
export function startWorkers(options: WorkerRuntimeOptions): WorkerRuntime {
  const events = options.events ?? new EngineEvents();
  const processor = createProcessor(options.store, options.handlers, options.logger, options.onFinished, options.observer, events);
  const schedule = options.webhookSchedule ?? [];
  const common = {
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    settings: {
      // Only the webhook schedule is custom; -1 tells BullMQ there is no further retry.
      backoffStrategy: (attemptsMade: number, type?: string) => (type === WEBHOOK_BACKOFF ? webhookRetryDelay(attemptsMade, schedule) : -1),
    },
  };
  const workers = (options.queues ?? queueNames).map((queue) => {
    const worker = options.postgres
      ? // The Worker API is the same on both backends; only the connection type parameter differs.
        (new Worker(queue, processor, { ...common, connection: options.postgres }, createPostgresBackend) as unknown as Worker)
      : new Worker(queue, processor, { ...common, connection: options.connection as Redis, prefix: options.prefix });
    worker.on('error', (error) => options.logger.error({ queue, err: error.message }, 'worker error'));
    worker.on('stalled', (jobId) => {
      options.logger.warn({ queue, jobId }, 'job stalled; it will run again');
      events.safeEmit('job:stalled', { queue, id: jobId });
    });
    worker.on('ready', () => events.safeEmit('worker:ready', { queue }));
    worker.on('closed', () => events.safeEmit('worker:closed', { queue }));
    return worker;
  });
  return {
    workers,
    events,
    close: (timeoutMs) => closeWorkers(workers, timeoutMs, () => options.logger.warn({ timeoutMs }, 'active jobs did not finish in time; forcing close (they will run again)')),
  };
}

/**
 * Closes BullMQ workers gracefully (they stop taking work and let active jobs finish),
 * and forcibly after `timeoutMs`, telling `onTimeout` first.
 */
export async function closeWorkers(workers: Worker[], timeoutMs: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([Promise.all(workers.map((w) => w.close())).then(() => 'closed' as const), deadline]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    onTimeout();
    await Promise.all(workers.map((w) => w.close(true).catch(() => {})));
  }
}

export type { JobName };
