/**
 * Task runs in Postgres: one `TaskRun` row per execution, written when it starts and
 * completed when it ends, so `GET /admin/tasks` can show each task's last run and
 * outcome whichever process ran it.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '@vcq/db';
import type { TaskName, TaskTrigger } from './tasks.js';

export type TaskRunStatus = 'running' | 'completed' | 'failed';

export interface TaskRunRecord {
  id: string;
  task: string;
  trigger: TaskTrigger;
  jobId: string | null;
  scheduledFor: Date | null;
  runner: string;
  status: TaskRunStatus;
  result: unknown;
  error: { code: string; message: string } | null;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
}

export interface TaskRunStore {
  /** Records a run as started. An earlier run of the same job still marked running died with its process; it is closed as interrupted. */
  start(run: { task: TaskName; trigger: TaskTrigger; jobId: string | null; scheduledFor: Date | null }): Promise<TaskRunRecord>;
  finish(id: string, outcome: { status: 'completed' | 'failed'; result: unknown; error: { code: string; message: string } | null; durationMs: number }): Promise<TaskRunRecord>;
  get(id: string): Promise<TaskRunRecord | null>;
  /** The most recent run of each task that has one. */
  latest(): Promise<Map<string, TaskRunRecord>>;
  /** Runs of one task, newest first; `jobId` narrows to the runs of one job. */
  list(task: TaskName, options: { limit: number; jobId?: string }): Promise<TaskRunRecord[]>;
}

/** `<host>:<pid>`, so a run says which process ran it. */
export const RUNNER = `${hostname()}:${process.pid}`;

type Row = NonNullable<Awaited<ReturnType<Db['taskRun']['findUnique']>>>;

export function createTaskRunStore(db: Db): TaskRunStore {
  return {
    async start(run) {
      if (run.jobId) {
        await db.taskRun.updateMany({
          where: { jobId: run.jobId, status: 'running' },
          data: { status: 'failed', error: { code: 'interrupted', message: 'the process running it stopped before it finished; the job ran again' }, finishedAt: new Date() },
        });
      }
      const row = await db.taskRun.create({
        data: { id: randomUUID(), task: run.task, trigger: run.trigger, jobId: run.jobId, scheduledFor: run.scheduledFor, runner: RUNNER, status: 'running' },
      });
      return toRecord(row);
    },

    async finish(id, outcome) {
      const row = await db.taskRun.update({
        where: { id },
        data: {
          status: outcome.status,
          result: outcome.result === null || outcome.result === undefined ? undefined : (JSON.parse(JSON.stringify(outcome.result)) as object),
          error: outcome.error ?? undefined,
          durationMs: Math.round(outcome.durationMs),
          finishedAt: new Date(),
        },
      });
      return toRecord(row);
    },

    async get(id) {
      const row = await db.taskRun.findUnique({ where: { id } });
      return row ? toRecord(row) : null;
    },

    async latest() {
      const rows = await db.$queryRaw<Array<{ id: string }>>`SELECT DISTINCT ON (task) id FROM task_runs ORDER BY task, started_at DESC, id DESC`;
      if (rows.length === 0) return new Map();
      const full = await db.taskRun.findMany({ where: { id: { in: rows.map((r) => r.id) } } });
      return new Map(full.map((r) => [r.task, toRecord(r)]));
    },

    async list(task, options) {
      const rows = await db.taskRun.findMany({
        where: { task, ...(options.jobId ? { jobId: options.jobId } : {}) },
        orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
        take: options.limit,
      });
      return rows.map(toRecord);
    },
  };
}

function toRecord(row: Row): TaskRunRecord {
  return {
    id: row.id,
    task: row.task,
    trigger: row.trigger,
    jobId: row.jobId,
    scheduledFor: row.scheduledFor,
    runner: row.runner,
    status: row.status,
    result: row.result ?? null,
    error: (row.error as TaskRunRecord['error']) ?? null,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    durationMs: row.durationMs,
  };
}
