/**
 * The task catalog: periodic work the worker runs on BullMQ job schedulers, beside
 * the job catalog (catalog.ts).
 *
 * Terminology:
 * - task: a named piece of periodic work (`cleanup`, `reconcile`, ...) with no input;
 *   its handler is a plain function `(ctx) => report`.
 * - tick: one firing of a task's schedule. BullMQ's job scheduler turns each tick into
 *   exactly one job on the task's queue, so a tick runs once however many worker
 *   processes are up.
 * - run: one execution of a task, by a tick or a manual trigger, recorded as a
 *   `TaskRun` row (status, result, error, duration).
 *
 * Tasks are not catalog jobs: a tick has no job row and nothing to poll, retry or send
 * a webhook for; its record is the `TaskRun`. They live on their own queues, which the
 * job workers never consume.
 */
import { z } from 'zod';
import type { Config } from '@vcq/config';
import type { Logger } from '@vcq/logger';
import type { RunReport } from '@vcq/vc-events';
import type { CleanupReport, SweepReport } from './maintenance.js';
import type { ReconcileReport } from './reconciler.js';

export interface TaskDefinition {
  queue: string;
  /** The BullMQ job name of its ticks. */
  name: string;
  description: string;
}

export const taskCatalog = {
  'vc-events': {
    queue: 'vc-events',
    name: 'process-window',
    description: 'Reads VC summary records from the analytics API for every window since the last run and applies them to credentials.',
  },
  'webhook-retry-sweep': {
    queue: 'maintenance',
    name: 'webhook-retry-sweep',
    description: 'Queues again the webhook deliveries whose next attempt is due but which are not on the queue.',
  },
  cleanup: {
    queue: 'maintenance',
    name: 'cleanup',
    description: 'Deletes finished jobs, webhook deliveries, VC-event logs and task runs older than their retention, in bounded batches.',
  },
  reconcile: {
    queue: 'maintenance',
    name: 'reconcile',
    description: 'Re-adds jobs that are open in Postgres but missing from the queue.',
  },
} as const satisfies Record<string, TaskDefinition>;

export type TaskName = keyof typeof taskCatalog;
export const taskNames = Object.keys(taskCatalog) as TaskName[];

/** Every queue a task uses, each once. */
export const taskQueueNames: string[] = [...new Set(Object.values(taskCatalog).map((t) => t.queue))];

export function isTaskName(value: string): value is TaskName {
  return Object.hasOwn(taskCatalog, value);
}

/** The task a BullMQ (queue, job name) pair stands for, if any. */
export function findTask(queue: string, name: string): TaskName | undefined {
  return taskNames.find((t) => taskCatalog[t].queue === queue && taskCatalog[t].name === name);
}

export type TaskTrigger = 'schedule' | 'manual';

/** A task job's data: only who asked for it (tasks take no input). */
export const TaskJobSchema = z.object({ trigger: z.enum(['schedule', 'manual']) });

export interface TaskContext {
  runId: string;
  trigger: TaskTrigger;
  /** A logger bound to the task and run. */
  log: Logger;
  /** Aborted when the run should stop (shutdown). */
  signal: AbortSignal;
}

/** What each task's handler returns; stored as the run's `result`. */
export interface TaskResults {
  'vc-events': RunReport;
  'webhook-retry-sweep': SweepReport;
  cleanup: CleanupReport;
  reconcile: ReconcileReport & { skipped?: string };
}

/** One handler per task: a missing one is a compile error. */
export type TaskHandlers = { [N in TaskName]: (ctx: TaskContext) => Promise<TaskResults[N]> };

/** A failed run may still say how far it got (a VC-events run stopped by an API error). */
export function partialResult(error: unknown): unknown {
  return error && typeof error === 'object' && 'report' in error ? (error as { report: unknown }).report : null;
}

export interface TaskSchedule {
  task: TaskName;
  /** Cron expression (5 fields, or 6 with seconds first). */
  cron: string;
  timezone: string;
  /** The task's own switch. */
  switchedOn: boolean;
  /** Whether it is scheduled: ENABLE_TASK_SCHEDULING and its own switch. */
  enabled: boolean;
}

/** Each task's schedule as the environment sets it. */
export function taskSchedulesFromConfig(config: Config): TaskSchedule[] {
  const own: Record<TaskName, { cron: string; on: boolean }> = {
    'vc-events': { cron: config.VC_EVENTS_CRON, on: config.VC_EVENTS_ENABLED },
    'webhook-retry-sweep': { cron: config.WEBHOOK_RETRY_SWEEP_CRON, on: config.WEBHOOK_RETRY_SWEEP_ENABLED },
    cleanup: { cron: config.CLEANUP_CRON, on: config.CLEANUP_ENABLED },
    reconcile: { cron: config.RECONCILE_CRON, on: config.RECONCILE_ENABLED },
  };
  return taskNames.map((task) => ({
    task,
    cron: own[task].cron,
    timezone: config.TASK_TIMEZONE,
    switchedOn: own[task].on,
    enabled: config.ENABLE_TASK_SCHEDULING && own[task].on,
  }));
}
