/**
 * The consumer side: one BullMQ Worker per queue, and the adapter that turns a
 * BullMQ job into a plain handler call with Postgres bookkeeping around it.
 */
import { performance } from 'node:perf_hooks';
import { createPostgresBackend, DelayedError, Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { isDatabaseUnavailable, type JobStore } from '@vcq/db';
import { AppError, describeError, fieldErrorsFromZod, isPermanent } from '@vcq/errors';
import type { Logger } from '@vcq/logger';
import { type Catalog, dispatchTable, type Handlers, queuesOf } from './catalog.js';
import { createJobContext } from './context.js';
import { EngineEvents } from './events.js';
import { type FinishedHook, type JobOutcome, reportOf } from './platform.js';
import type { JobContext } from './processor.js';
import { SCHEDULE_BACKOFF, type PostgresQueueConnection, withTimeout } from './queues.js';
import { runnableJob } from './redelivery.js';
import { isOutOfMemory, type RedisConnection } from './redis.js';

export interface WorkerRuntimeOptions<C extends Catalog = Catalog> {
  /** The Redis backend's worker connection. */
  connection?: RedisConnection;
  /** The PostgreSQL backend instead of Redis. */
  postgres?: PostgresQueueConnection;
  prefix: string;
  catalog: C;
  store: JobStore;
  // biome-ignore lint/suspicious/noExplicitAny: each entry's result type is the handler's own business here.
  handlers: Handlers<C, any>;
  logger: Logger;
  concurrency: number;
  /** Per-queue concurrency and rate limit (QUEUE_LIMITS); a queue not named runs at `concurrency`, unlimited. */
  limits?: Readonly<Record<string, QueueLimits>>;
  /** How long a job's lock lives without renewal; a killed worker's jobs return after it. */
  lockDurationMs?: number;
  /** How often stalled (lock-expired) jobs are looked for. */
  stalledIntervalMs?: number;
  queues?: string[];
  /** Runs after a job's outcome is committed (webhook callbacks); see FinishedHook. */
  onFinished?: FinishedHook;
  /**
   * Submits the job of a scheduled entry's tick (see tickSubmitter); a tick's queue job
   * only carries the tick, and its run is an ordinary job with a row of its own.
   */
  onTick?: (kind: string, scheduledFor: Date) => Promise<void>;
  /** Told when jobs are picked up and how each attempt ends (metrics); default: nothing. */
  observer?: JobObserver;
  /** Where the runtime's typed events go; one is made when not given (`WorkerRuntime.events`). */
  events?: EngineEvents;
}

/** One queue's limits in BullMQ's terms: jobs at once per worker process, and at most `limiter.max` starts per `limiter.duration` ms across all workers. */
export interface QueueLimits {
  concurrency?: number;
  limiter?: { max: number; duration: number } | null;
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
export function createProcessor<C extends Catalog>(options: ProcessorOptions<C>) {
  const run = processJob(options);
  const { logger } = options;
  return async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
    try {
      await run(job, token, signal);
    } catch (thrown) {
      // Handed back to the queue by a shutdown past its timeout (see closeWorkers):
      // not a failure, and BullMQ must not count it as one.
      if (thrown instanceof ShutdownInterrupt) {
        logger.info({ queue: job.queueName, jobId: job.id }, 'job interrupted by shutdown; it will run again');
        throw new WaitingError();
      }
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

/** The abort reason handlers see when a shutdown's timeout passed while they ran. */
export const SHUTDOWN_ABORT = 'worker shutting down';

/** A handler that ended because shutdown aborted it; its row is left open for the next run. */
class ShutdownInterrupt extends Error {
  constructor() {
    super('interrupted by shutdown');
  }
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

/** What the processor runs jobs with. */
export type ProcessorOptions<C extends Catalog = Catalog> = Pick<WorkerRuntimeOptions<C>, 'catalog' | 'store' | 'handlers' | 'logger' | 'onFinished' | 'onTick'> & {
  observer?: JobObserver;
  events?: EngineEvents;
  lockMs?: number;
};

function processJob<C extends Catalog>(options: ProcessorOptions<C>) {
  const { catalog, store, handlers, logger, onFinished } = options;
  const observer = options.observer ?? unobserved;
  const events = options.events ?? new EngineEvents();
  const lockMs = options.lockMs ?? 30_000;
  const dispatch = dispatchTable(catalog);
  return async (job: Job, _token?: string, signal?: AbortSignal): Promise<void> => {
    const id = job.id as string;
    if (job.repeatJobKey) {
      // A schedule's tick: its run is the entry's own job, submitted under the tick's id.
      const kind = dispatch.get(job.queueName)?.get(job.name);
      if (!kind || !options.onTick) throw new UnrecoverableError(`no scheduled entry for ${job.queueName}/${job.name}`);
      await options.onTick(kind, new Date((job.opts as { prevMillis?: number }).prevMillis ?? job.timestamp));
      return;
    }
    // Its entry and data, or its row's when Redis lost them; see runnableJob.
    const { kind: name, data, attempt, finalIfFails } = await runnableJob(job, store, catalog, dispatch.get(job.queueName));
    // Metrics and events carry the BullMQ job name (`deliver`); runnableJob restores it for a job run from its row.
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
      // A job with no name is one Redis lost the contents of, and no row holds it either.
      const message = job.name ? `no handler for ${job.queueName}/${job.name}` : `job ${id} lost its data in the queue and has no row to run from`;
      const error = { code: 'unknown_job', message };
      await store.failed(id, attempt, error, true);
      events.safeEmit('job:failed', { ...about, error, final: true });
      observe(() => observer.finished({ ...labels, outcome: 'failed' }));
      throw new UnrecoverableError(message);
    }
    const parsed = (catalog[name] as Catalog[string]).schema.safeParse(data);
    if (!parsed.success) {
      const message = `invalid job data: ${fieldErrorsFromZod(parsed.error, { fallbackField: '' })
        .map((e) => `${e.field}: ${e.message}`)
        .join('; ')}`;
      await store.failed(id, attempt, { code: 'invalid_job_data', message }, true);
      events.safeEmit('job:failed', { ...about, error: { code: 'invalid_job_data', message }, final: true });
      observe(() => observer.finished({ ...labels, outcome: 'failed' }));
      throw new UnrecoverableError(message);
    }
    const finished = await finishedAlready(store, job);
    if (finished) {
      logger.info({ queue: job.queueName, jobId: id, status: finished.status }, 'job is finished already; not running it again');
      // Its first run may have died between the commit and the hook; the hook is idempotent.
      if (finished.outcome) await onFinished?.({ id, name, data: parsed.data }, finished.outcome);
      return;
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
      if (signal?.aborted && signal.reason === SHUTDOWN_ABORT) throw new ShutdownInterrupt();
      const permanent = isPermanent(error);
      const final = permanent || finalIfFails;
      observe(() => observer.finished({ ...labels, outcome: final ? 'failed' : 'retry', durationMs: performance.now() - startedAt }));
      const described = describeError(error);
      if (final && (await supersededBy(job, lockMs))) {
        ctx.log.warn({ err: error }, 'job attempt failed after it lost its lock; the run that took it over records the outcome');
        throw new HandlerFailure(error, permanent);
      }
      const recorded = await store.failed(id, attempt, described, final, reportOf(error));
      events.safeEmit('job:failed', { ...about, error: described, final, durationMs: performance.now() - startedAt });
      ctx.log.warn({ err: error, code: described.code, permanent, final, recorded }, final ? 'job failed' : 'job attempt failed; will retry');
      // A hook failure here surfaces as this attempt's error; the outcome stays committed.
      // A failure the row refused (another run owns it) is not this job's outcome.
      if (final && recorded) await onFinished?.({ id, name, data: parsed.data }, { status: 'failed', error: described });
      throw new HandlerFailure(error, permanent);
    }
    const durationMs = performance.now() - startedAt;
    // Awaited: BullMQ must not forget the job before Postgres has its outcome.
    // A completion is recorded even after a lost lock: it is a valid outcome (the handler is
    // idempotent), and the run that took over may itself never finish.
    if (!(await store.completed(id, attempt, result))) {
      // Another run of this job (a newer attempt, or one that finished first) owns the
      // row: its outcome stands, and its hook and events report it, not this run's.
      ctx.log.warn('job completed, but another run of it already recorded an outcome; this one is dropped');
      observe(() => observer.finished({ ...labels, outcome: 'completed', durationMs }));
      return;
    }
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

/**
 * The row of a job that must not run again, with the outcome its hook reports, or
 * null. Every pick-up reads the row's status, first attempts too: besides retries
 * and restarts after a stall, a job the reconciler re-added (Redis lost it while a
 * worker ran it) starts as attempt 1 although another run may have finished it.
 * Jobs picked up together share the query (JobStore.status).
 */
async function finishedAlready(store: JobStore, job: Job): Promise<{ status: string; outcome: JobOutcome | null } | null> {
  const id = job.id as string;
  const status = await store.status(id);
  if (status !== 'completed' && status !== 'failed' && status !== 'cancelled') return null;
  if (status === 'cancelled') return { status, outcome: null };
  const row = await store.get(id);
  if (!row) return { status, outcome: null };
  return {
    status,
    outcome: status === 'completed' ? { status, result: row.result } : { status, error: row.error ?? { code: 'failed', message: 'failed' } },
  };
}

/**
 * Whether a newer run of this job has started since this one did: its lock expired
 * while it ran (an event-loop stall outlived the renewals) and the stalled check handed
 * the job out again. Its failure is then not recorded: a stale final failure would close
 * a row the live run may complete. Free while the lock surely holds: it lives `lockMs` from the pick-up, and
 * renewals only extend it; past half of that, one read of the job from the backend.
 */
async function supersededBy(job: Job, lockMs: number): Promise<boolean> {
  if (Date.now() - (job.processedOn ?? Date.now()) < lockMs / 2) return false;
  // The job's own queue handle (its Worker) reads it on either backend; BullMQ keeps it protected.
  const queue = (job as unknown as { queue: Parameters<typeof Job.fromId>[0] }).queue;
  const current = await Job.fromId(queue, job.id as string).catch(() => undefined);
  return current !== undefined && current.attemptsStarted > job.attemptsStarted;
}

/** How long a job waited for a worker: from its add (plus any requested delay) to its start. */
function waitedMs(job: Job): number {
  const due = job.timestamp + (job.opts.delay ?? 0);
  return (job.processedOn ?? Date.now()) - due;
}

export interface WorkerRuntime {
  workers: Worker[];
  /** Each queue with its concurrency and jobs running now (the heartbeat's report). */
  queueInfo(): Array<{ name: string; concurrency: number; active: number }>;
  /**
   * Applies limits at run time: concurrency and the rate limit are read by BullMQ at
   * each fetch, so no Worker restarts. A queue not named goes back to the defaults.
   */
  applyLimits(limits: Readonly<Record<string, QueueLimits>>): void;
  /** Jobs started, progressing, completed, failed and stalled; workers ready and closed. */
  events: EngineEvents;
  /** Stops taking work and waits (up to `timeoutMs`) for active jobs to finish. */
  close(timeoutMs: number): Promise<void>;
}

/** Starts a Worker for every catalog queue (or the ones named). */
export function startWorkers<C extends Catalog>(options: WorkerRuntimeOptions<C>): WorkerRuntime {
  const events = options.events ?? new EngineEvents();
  const lockMs = options.lockDurationMs ?? 30_000;
  const run = createProcessor({ ...options, events, lockMs });
  // What is running now, so a shutdown past its timeout can hand it back to the queue.
  const active = new Map<string, { job: Job; token: string | undefined }>();
  const activeByQueue = new Map<string, number>();
  const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
    const key = `${job.queueName}/${job.id}`;
    active.set(key, { job, token });
    activeByQueue.set(job.queueName, (activeByQueue.get(job.queueName) ?? 0) + 1);
    try {
      await run(job, token, signal);
    } finally {
      active.delete(key);
      activeByQueue.set(job.queueName, (activeByQueue.get(job.queueName) ?? 1) - 1);
    }
  };
  const dispatch = dispatchTable(options.catalog);
  const common = {
    concurrency: options.concurrency,
    lockDuration: lockMs,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    settings: {
      // An entry's retry schedule: the delay before retry number `attemptsMade`; -1 tells BullMQ there is none.
      backoffStrategy: (attemptsMade: number, type?: string, _error?: Error, job?: { queueName: string; name: string }) => {
        if (type !== SCHEDULE_BACKOFF || !job) return -1;
        const entry = options.catalog[dispatch.get(job.queueName)?.get(job.name) ?? ''];
        return entry?.retry.kind === 'schedule' ? (entry.retry.delaysMs[attemptsMade - 1] ?? -1) : -1;
      },
    },
  };
  const limitsOf = (queue: string, limits: Readonly<Record<string, QueueLimits>> | undefined) => ({
    concurrency: limits?.[queue]?.concurrency ?? options.concurrency,
    ...(limits?.[queue]?.limiter ? { limiter: { ...(limits[queue].limiter as { max: number; duration: number }) } } : {}),
  });
  const workers = (options.queues ?? queuesOf(options.catalog)).map((queue) => {
    const own = { ...common, ...limitsOf(queue, options.limits) };
    const worker = options.postgres
      ? // The Worker API is the same on both backends; only the connection type parameter differs.
        (new Worker(queue, processor, { ...own, connection: options.postgres }, createPostgresBackend) as unknown as Worker)
      : new Worker(queue, processor, { ...own, connection: options.connection as RedisConnection, prefix: options.prefix });
    worker.on('error', (error) => {
      // A full Redis refuses BullMQ's moves: jobs would stall silently, so it is named.
      if (isOutOfMemory(error)) options.logger.error({ queue, err: error.message }, 'redis is full (maxmemory reached, noeviction): jobs cannot be moved; free memory or raise maxmemory');
      else options.logger.error({ queue, err: error.message }, 'worker error');
    });
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
    queueInfo: () => workers.map((w) => ({ name: w.name, concurrency: w.concurrency, active: activeByQueue.get(w.name) ?? 0 })),
    applyLimits(limits) {
      for (const worker of workers) {
        const wanted = limitsOf(worker.name, limits);
        if (worker.concurrency !== wanted.concurrency) worker.concurrency = wanted.concurrency;
        // Both backends read `opts.limiter` from the Worker's own options at every fetch.
        if ('limiter' in wanted) worker.opts.limiter = wanted.limiter;
        else delete worker.opts.limiter;
      }
    },
    close: (timeoutMs) =>
      closeWorkers(workers, timeoutMs, async () => {
        options.logger.warn({ timeoutMs, active: active.size }, 'active jobs did not finish in time; handing them back to the queue (they will run again)');
        await handBack([...active.values()], options.logger);
      }),
  };
}

/** How long a hand-back of active jobs may take (Redis may be slow or gone). */
const HAND_BACK_TIMEOUT_MS = 1000;

/**
 * Moves jobs still running at the shutdown deadline back to waiting, releasing their
 * locks: the next worker runs them at once, without spending an attempt or counting a
 * stall. A job whose move fails (Redis gone) keeps its lock and returns when it expires.
 */
async function handBack(jobs: Array<{ job: Job; token: string | undefined }>, logger: Logger): Promise<void> {
  await Promise.all(
    jobs.map(async ({ job, token }) => {
      try {
        await withTimeout(job.moveToWait(token), HAND_BACK_TIMEOUT_MS, `handing job ${job.id} back`);
      } catch (error) {
        logger.warn({ queue: job.queueName, jobId: job.id, err: error instanceof Error ? error.message : String(error) }, 'could not hand a job back; it runs again once its lock expires');
      }
    }),
  );
}

/** How long aborted handlers get to settle once a shutdown's timeout has passed. */
const ABORT_SETTLE_MS = 500;

/**
 * Closes BullMQ workers gracefully (they stop taking work and let active jobs finish),
 * bounded by `timeoutMs`: then `onTimeout` runs (hand the jobs back), active handlers
 * are aborted with SHUTDOWN_ABORT, and after a short settle this returns whether or
 * not they ended. BullMQ's `close(true)` cannot be used for that: once a graceful
 * close has begun it returns that same pending close.
 */
export async function closeWorkers(workers: Worker[], timeoutMs: number, onTimeout: () => void | Promise<void>): Promise<void> {
  const closed = Promise.all(workers.map((w) => w.close().catch(() => {}))).then(() => 'closed' as const);
  if ((await raceTimer(closed, timeoutMs)) === 'closed') return;
  await onTimeout();
  for (const w of workers) w.cancelAllJobs(SHUTDOWN_ABORT);
  await raceTimer(closed, ABORT_SETTLE_MS);
}

/** `promise`'s value, or 'timeout' after `ms`. */
async function raceTimer<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

