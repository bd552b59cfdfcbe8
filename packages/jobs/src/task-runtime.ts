/**
 * Running tasks: their BullMQ job schedulers (one per task, so each tick is one job
 * however many workers are up), the workers that consume task queues, manual
 * triggers, and the bookkeeping of every run in Postgres.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createPostgresBackend, type Job, type Processor, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { describeError } from '@vcq/errors';
import type { Logger } from '@vcq/logger';
import { type PostgresQueueConnection, withTimeout } from './queues.js';
import type { TaskRunRecord, TaskRunStore } from './task-runs.js';
import { closeWorkers, queueFailure } from './worker-runtime.js';
import {
  findTask,
  partialResult,
  type TaskContext,
  type TaskHandlers,
  TaskJobSchema,
  type TaskName,
  type TaskSchedule,
  type TaskTrigger,
  taskCatalog,
  taskNames,
  taskQueueNames,
} from './tasks.js';

/**
 * Where task queues live: the same backend and prefix as the job queues. A small
 * interface, so the API and the worker (and another backend) supply their own.
 */
export interface TaskQueueBackend {
  /** The producer-side Queue of a task queue. */
  queue(name: string): Queue;
  /** A Worker consuming a task queue. */
  worker(name: string, processor: Processor, options: { concurrency: number; lockDuration: number; stalledInterval: number }): Worker;
  /** Whether the backend can take work now (cheap, no round trip). */
  isAvailable(): boolean;
  close(): Promise<void>;
}

/** Task queues on Redis: Queues on the producer connection, Workers on the worker one. */
export function redisTaskBackend(options: { producer: Redis; consumer?: Redis; prefix: string }): TaskQueueBackend {
  return lazyTaskBackend({
    makeQueue: (name) => new Queue(name, { connection: options.producer, prefix: options.prefix, skipWaitingForReady: true }),
    makeWorker: (name, processor, workerOptions) => {
      if (!options.consumer) throw new Error('this task backend has no consumer connection');
      return new Worker(name, processor, { ...workerOptions, connection: options.consumer, prefix: options.prefix });
    },
    isAvailable: () => options.producer.status === 'ready',
  });
}

/** Task queues on BullMQ's PostgreSQL backend (QUEUE_BACKEND=postgres), on the process's shared pool. */
export function postgresTaskBackend(options: { pool: PostgresQueueConnection }): TaskQueueBackend {
  // The Queue/Worker API is the same on both backends; only the connection type parameter differs.
  return lazyTaskBackend({
    makeQueue: (name) => new Queue(name, { connection: options.pool }, createPostgresBackend) as unknown as Queue,
    makeWorker: (name, processor, workerOptions) =>
      new Worker(name, processor, { ...workerOptions, connection: options.pool }, createPostgresBackend) as unknown as Worker,
    isAvailable: () => true,
  });
}

/** The part both backends share: task Queues made on first use, closed together. */
function lazyTaskBackend(make: {
  makeQueue(name: string): Queue;
  makeWorker: TaskQueueBackend['worker'];
  isAvailable(): boolean;
}): TaskQueueBackend {
  const queues = new Map<string, Queue>();
  return {
    queue(name) {
      if (!taskQueueNames.includes(name)) throw new Error(`unknown task queue ${name}`);
      let queue = queues.get(name);
      if (!queue) {
        queue = make.makeQueue(name);
        // A down backend is expected (the connection logs it); callers see their own errors.
        queue.on('error', () => {});
        queues.set(name, queue);
      }
      return queue;
    },
    worker: make.makeWorker,
    isAvailable: make.isAvailable,
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => {})));
      queues.clear();
    },
  };
}

// Postgres keeps every run; Redis only what is in flight, and a little failure history for the dashboard.
const TASK_JOB_OPTIONS = { attempts: 1, removeOnComplete: true, removeOnFail: { age: 24 * 3600, count: 100 } };

export interface TaskRunnerDeps {
  handlers: TaskHandlers;
  runs: TaskRunStore;
  logger: Logger;
}

/**
 * Runs one task and records it: a `running` row first, then its outcome. The task's
 * failure is recorded, not thrown; only a failure to record throws.
 */
export async function executeTask(
  deps: TaskRunnerDeps,
  task: TaskName,
  run: { trigger: TaskTrigger; jobId: string | null; scheduledFor: Date | null; signal?: AbortSignal },
): Promise<TaskRunRecord> {
  const record = await deps.runs.start({ task, trigger: run.trigger, jobId: run.jobId, scheduledFor: run.scheduledFor });
  const log = deps.logger.child({ task, runId: record.id, trigger: run.trigger, ...(run.jobId ? { jobId: run.jobId } : {}) });
  const ctx: TaskContext = { runId: record.id, trigger: run.trigger, log, signal: run.signal ?? new AbortController().signal };
  log.info('task started');
  const started = performance.now();
  let outcome: Parameters<TaskRunStore['finish']>[1];
  try {
    const result = await (deps.handlers[task] as (c: TaskContext) => Promise<unknown>)(ctx);
    outcome = { status: 'completed', result, error: null, durationMs: performance.now() - started };
    log.info({ durationMs: Math.round(outcome.durationMs) }, 'task completed');
  } catch (error) {
    outcome = { status: 'failed', result: partialResult(error), error: describeError(error), durationMs: performance.now() - started };
    log.error({ durationMs: Math.round(outcome.durationMs), err: error }, 'task failed');
  }
  return deps.runs.finish(record.id, outcome);
}

/** Turns a task job (a tick or a manual trigger) into an executed, recorded run. */
export function createTaskProcessor(deps: TaskRunnerDeps): Processor {
  const process = async (job: Job, signal?: AbortSignal) => {
    const task = findTask(job.queueName, job.name);
    if (!task) throw new UnrecoverableError(`no task for ${job.queueName}/${job.name}`);
    const data = TaskJobSchema.safeParse(job.data);
    const trigger: TaskTrigger = data.success ? data.data.trigger : 'schedule';
    // A tick's job carries its tick time; a manual job runs as soon as it is added.
    const tick = (job.opts as { prevMillis?: number }).prevMillis;
    const run = await executeTask(deps, task, {
      trigger,
      jobId: job.id ?? null,
      scheduledFor: trigger === 'schedule' && tick ? new Date(tick) : null,
      ...(signal ? { signal } : {}),
    });
    // Failed in BullMQ too, so the dashboard shows it; never retried (the next tick is the retry).
    if (run.status === 'failed') throw new UnrecoverableError(run.error?.message ?? 'task failed');
    return { runId: run.id };
  };
  return async (job: Job, _token?: string, signal?: AbortSignal) => {
    try {
      return await process(job, signal);
    } catch (error) {
      const permanent = error instanceof UnrecoverableError;
      // A failed run was logged as it was recorded; a run that could not even be recorded was not.
      if (!permanent) deps.logger.error({ queue: job.queueName, jobId: job.id, err: error }, 'task job failed before its run was recorded');
      throw queueFailure(error, permanent);
    }
  };
}

export interface TaskWorkerOptions extends TaskRunnerDeps {
  backend: TaskQueueBackend;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

export interface TaskWorkers {
  workers: Worker[];
  /** Stops taking ticks and waits (up to `timeoutMs`) for running tasks. */
  close(timeoutMs: number): Promise<void>;
}

/** A Worker on every task queue; as many concurrent runs per queue as it has tasks. */
export function startTaskWorkers(options: TaskWorkerOptions): TaskWorkers {
  const processor = createTaskProcessor(options);
  const workers = taskQueueNames.map((queue) => {
    const worker = options.backend.worker(queue, processor, {
      concurrency: taskNames.filter((t) => taskCatalog[t].queue === queue).length,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
    });
    worker.on('error', (error) => options.logger.error({ queue, err: error.message }, 'task worker error'));
    worker.on('stalled', (jobId) => options.logger.warn({ queue, jobId }, 'task stalled; it will run again'));
    return worker;
  });
  return {
    workers,
    close: (timeoutMs) => closeWorkers(workers, timeoutMs, () => options.logger.warn({ timeoutMs }, 'running tasks did not finish in time; forcing close')),
  };
}

export interface TaskView {
  name: TaskName;
  queue: string;
  jobName: string;
  description: string;
  cron: string;
  timezone: string;
  /** Scheduled: ENABLE_TASK_SCHEDULING and the task's own switch. */
  enabled: boolean;
  /** Whether the queue holds its schedule; null when the queue cannot be asked. */
  scheduled: boolean | null;
  nextRunAt: string | null;
  lastRun: TaskRunRecord | null;
}

export type TriggerResult = { mode: 'async'; jobId: string } | { mode: 'sync'; run: TaskRunRecord };

export interface TaskControlOptions extends TaskRunnerDeps {
  backend: TaskQueueBackend;
  schedules: TaskSchedule[];
  /** How long a queue call may take before it counts as failed. */
  timeoutMs: number;
}

/**
 * Schedules, triggers and describes tasks; the API and the worker each have one.
 * Schedules are BullMQ job schedulers keyed by task name: upserting one is idempotent,
 * so every worker syncs them at start, and a disabled task's scheduler is removed.
 */
export class TaskControl {
  constructor(private readonly options: TaskControlOptions) {}

  get runs(): TaskRunStore {
    return this.options.runs;
  }

  schedule(task: TaskName): TaskSchedule {
    return this.options.schedules.find((s) => s.task === task) as TaskSchedule;
  }

  /** Makes the queue's schedulers match the configuration; returns what changed. */
  async syncSchedules(): Promise<{ upserted: TaskName[]; removed: TaskName[] }> {
    const changed = { upserted: [] as TaskName[], removed: [] as TaskName[] };
    for (const schedule of this.options.schedules) {
      const def = taskCatalog[schedule.task];
      const queue = this.options.backend.queue(def.queue);
      const existing = await withTimeout(queue.getJobScheduler(schedule.task), this.options.timeoutMs, `reading the ${schedule.task} schedule`);
      if (!schedule.enabled) {
        if (existing) {
          await queue.removeJobScheduler(schedule.task);
          changed.removed.push(schedule.task);
        }
        continue;
      }
      if (existing && existing.pattern === schedule.cron && existing.tz === schedule.timezone && existing.name === def.name) continue;
      await withTimeout(
        queue.upsertJobScheduler(schedule.task, { pattern: schedule.cron, tz: schedule.timezone }, { name: def.name, data: { trigger: 'schedule' }, opts: TASK_JOB_OPTIONS }),
        this.options.timeoutMs,
        `scheduling ${schedule.task}`,
      );
      changed.upserted.push(schedule.task);
    }
    if (changed.upserted.length + changed.removed.length > 0) this.options.logger.info(changed, 'task schedules updated');
    return changed;
  }

  /**
   * Keeps the schedulers in place: Redis may restart empty or be flushed, taking them
   * along. Checks every `intervalMs` (never two checks at once) until stopped.
   */
  keepSchedulesInSync(intervalMs: number): { stop(): void } {
    let running = false;
    const timer = setInterval(() => {
      if (running || !this.options.backend.isAvailable()) return;
      running = true;
      this.syncSchedules()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'task schedule check failed'))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  /** Every task with its schedule, next tick and last run. */
  async describe(): Promise<TaskView[]> {
    const latest = await this.options.runs.latest();
    const available = this.options.backend.isAvailable();
    return Promise.all(
      taskNames.map(async (name): Promise<TaskView> => {
        const def = taskCatalog[name];
        const schedule = this.schedule(name);
        let scheduler: { next?: number } | undefined | null = null;
        if (available) {
          scheduler = await withTimeout(this.options.backend.queue(def.queue).getJobScheduler(name), this.options.timeoutMs, `reading the ${name} schedule`).catch(
            () => null,
          );
        }
        return {
          name,
          queue: def.queue,
          jobName: def.name,
          description: def.description,
          cron: schedule.cron,
          timezone: schedule.timezone,
          enabled: schedule.enabled,
          scheduled: scheduler === null ? null : scheduler !== undefined,
          nextRunAt: scheduler?.next ? new Date(scheduler.next).toISOString() : null,
          lastRun: latest.get(name) ?? null,
        };
      }),
    );
  }

  /**
   * Runs a task now: as a job on its queue when the queue is up (a worker runs it),
   * else inside the caller, like the API's synchronous fallback for jobs.
   */
  async trigger(task: TaskName): Promise<TriggerResult> {
    const def = taskCatalog[task];
    if (this.options.backend.isAvailable()) {
      const jobId = `manual-${randomUUID()}`;
      try {
        await withTimeout(
          this.options.backend.queue(def.queue).add(def.name, { trigger: 'manual' }, { ...TASK_JOB_OPTIONS, jobId }),
          this.options.timeoutMs,
          `queueing task ${task}`,
        );
        return { mode: 'async', jobId };
      } catch (error) {
        this.options.logger.warn({ task, err: error }, 'could not queue the task; running it here instead');
      }
    }
    return { mode: 'sync', run: await this.runHere(task) };
  }

  /** Runs a task in this process now, recorded as a manual run. */
  runHere(task: TaskName, signal?: AbortSignal): Promise<TaskRunRecord> {
    return executeTask(this.options, task, { trigger: 'manual', jobId: null, scheduledFor: null, ...(signal ? { signal } : {}) });
  }

  /** The finished run of a job, once there is one; null after `timeoutMs`. */
  async waitForRun(task: TaskName, jobId: string, timeoutMs: number, pollMs = 25): Promise<TaskRunRecord | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [run] = await this.options.runs.list(task, { limit: 1, jobId });
      if (run && run.status !== 'running') return run;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
    }
  }

  async close(): Promise<void> {
    await this.options.backend.close();
  }
}
