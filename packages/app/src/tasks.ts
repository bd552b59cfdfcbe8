/**
 * vcq's periodic tasks as operators see them: each with its schedule, where the queue
 * has it, and its last run; runs of one task; a manual run. A task is an ordinary
 * catalog entry and each run an ordinary job row (`kind` = the task), so runs are
 * read from `jobs` and waited for with the job waiter.
 */
import { randomUUID } from 'node:crypto';
import type { JobRecord } from '@vcq/db';
import { type EffectiveSchedule, effectiveSchedule, ENDED, type JobWaiter, type Schedule, type ScheduleOverrides, type Schedules, type TickData } from '@vcq/jobs';
import { type JobPlatform, type TaskName, taskNames } from './catalog.js';

export type TaskRunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** One run of a task: its job row, read as a run. */
export interface TaskRun {
  id: string;
  task: TaskName;
  trigger: TickData['trigger'];
  /** The run's job (its row id). */
  jobId: string;
  /** The schedule tick it belongs to; null for a manual run. */
  scheduledFor: Date | null;
  /** `<host>:<pid>` of the process that ran it; null while it waits. */
  runner: string | null;
  status: TaskRunStatus;
  result: unknown;
  error: { code: string; message: string } | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
}

export function taskRunOf(row: JobRecord): TaskRun {
  const data = (row.data ?? {}) as Partial<TickData>;
  const finished = row.status === 'completed' || row.status === 'failed' || row.status === 'cancelled';
  return {
    id: row.id,
    task: row.kind as TaskName,
    trigger: data.trigger === 'schedule' ? 'schedule' : 'manual',
    jobId: row.id,
    scheduledFor: data.scheduledFor ? new Date(data.scheduledFor) : null,
    runner: row.runner,
    status: row.status === 'processing' ? 'running' : row.status,
    result: row.result ?? null,
    error: row.error,
    startedAt: row.startedAt,
    finishedAt: finished ? row.completedAt : null,
    durationMs: finished && row.startedAt && row.completedAt ? row.completedAt.getTime() - row.startedAt.getTime() : null,
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
  nextRunAt: Date | null;
  lastRun: TaskRun | null;
}

/** A task's schedule as it applies, where it comes from, and where the queue has it. */
export interface TaskScheduleView extends EffectiveSchedule {
  name: TaskName;
  /** ENABLE_TASK_SCHEDULING: off keeps every task unscheduled, whatever its schedule says. */
  schedulingEnabled: boolean;
  scheduled: boolean | null;
  nextRunAt: Date | null;
}

export type TriggerResult = { mode: 'async'; jobId: string } | { mode: 'sync'; run: TaskRun };

export class Tasks {
  constructor(
    private readonly options: {
      platform: JobPlatform;
      /** Null without a queue backend: nothing is scheduled. */
      schedules: Schedules | null;
      waiter: JobWaiter;
      /** Schedules set over the API; without it, the environment's always apply. */
      overrides?: ScheduleOverrides;
      /** ENABLE_TASK_SCHEDULING. */
      schedulingEnabled?: boolean;
    },
  ) {}

  private async effective(): Promise<Map<string, EffectiveSchedule>> {
    const overrides = (await this.options.overrides?.all()) ?? new Map();
    const enabled = this.options.schedulingEnabled ?? true;
    return new Map(taskNames.map((name) => [name, effectiveSchedule(this.options.platform.catalog[name], overrides.get(name), enabled)]));
  }

  /** A task's schedule: the one that applies, its source and defaults, and where the queue has it. */
  async schedule(name: TaskName): Promise<TaskScheduleView> {
    const effective = (await this.effective()).get(name) as EffectiveSchedule;
    const state = this.options.schedules ? await this.options.schedules.state(name) : { scheduled: null, nextRunAt: null };
    return { name, ...effective, schedulingEnabled: this.options.schedulingEnabled ?? true, ...state };
  }

  /**
   * Sets a task's schedule (kept in Postgres, winning over the environment's) and
   * applies it to the queue now; every worker applies it too within SETTINGS_POLL_MS.
   * `null` drops the override: the environment's schedule applies again.
   */
  async setSchedule(name: TaskName, schedule: Schedule | null): Promise<TaskScheduleView> {
    const { overrides, schedules } = this.options;
    if (!overrides) throw new Error('this process was not given the schedule overrides');
    if (schedule) await overrides.put(name, schedule);
    else await overrides.remove(name);
    // The queue may be down: the row is kept, and the workers apply it once it is back.
    if (schedules && this.options.platform.isQueueAvailable()) await schedules.sync().catch(() => undefined);
    return this.schedule(name);
  }

  /** Every task with its schedule, next tick and last run. */
  async describe(): Promise<TaskView[]> {
    const { platform, schedules } = this.options;
    const [latest, effective] = await Promise.all([platform.store.latestOfKinds([...taskNames]), this.effective()]);
    return Promise.all(
      taskNames.map(async (name): Promise<TaskView> => {
        const entry = platform.catalog[name];
        const state = schedules ? await schedules.state(name) : { scheduled: null, nextRunAt: null };
        const last = latest.get(name);
        const schedule = effective.get(name) as EffectiveSchedule;
        return {
          name,
          queue: entry.queue,
          jobName: entry.name,
          description: entry.description,
          cron: schedule.cron,
          timezone: schedule.timezone,
          enabled: schedule.enabled,
          ...state,
          lastRun: last ? taskRunOf(last) : null,
        };
      }),
    );
  }

  /** Runs of one task, newest first; `jobId` narrows to one. */
  async runs(task: TaskName, options: { limit: number; jobId?: string }): Promise<TaskRun[]> {
    const { store } = this.options.platform;
    if (options.jobId) {
      const row = await store.get(options.jobId).catch(() => null);
      return row && row.kind === task ? [taskRunOf(row)] : [];
    }
    const { items } = await store.list({ kind: task, limit: options.limit, offset: 0 });
    return items.map(taskRunOf);
  }

  /**
   * Runs a task now: as a job on its queue when the queue is up (a worker runs it),
   * else here, like the API's synchronous fallback for jobs.
   */
  async trigger(task: TaskName): Promise<TriggerResult> {
    return this.submit(task, { runHereIfDown: true });
  }

  /** Runs a task in this process now, whatever the queue, as a manual run. */
  async runHere(task: TaskName): Promise<TaskRun> {
    const triggered = await this.submit(task, { inline: true });
    if (triggered.mode === 'sync') return triggered.run;
    throw new Error(`task ${task} was queued although it was to run here`);
  }

  /** The run of `jobId` once it has ended; null after `timeoutMs`. */
  async waitForEnd(jobId: string, timeoutMs: number): Promise<TaskRun | null> {
    const row = await this.options.waiter.wait(jobId, ENDED, timeoutMs);
    return row ? taskRunOf(row) : null;
  }

  private async submit(task: TaskName, options: { inline?: boolean; runHereIfDown?: boolean }): Promise<TriggerResult> {
    const { platform } = this.options;
    const id = randomUUID();
    try {
      const submission = await platform.submit(task, { trigger: 'manual' }, { id, ...options });
      if (submission.mode === 'async') return { mode: 'async', jobId: submission.job.id };
      return { mode: 'sync', run: taskRunOf(submission.job) };
    } catch (error) {
      // A run that failed here is recorded on its row: it is the answer, not an error.
      const row = await platform.store.get(id).catch(() => null);
      if (row?.status === 'failed') return { mode: 'sync', run: taskRunOf(row) };
      throw error;
    }
  }
}
