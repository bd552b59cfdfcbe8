/**
 * The reconciler keeps invariant 2: a row that is open in Postgres but missing from
 * Redis (Redis restarted empty, an add failed after its commit) is added again under
 * its own id, numbered on from the attempts its row has made (see redelivery.ts),
 * whatever its status: a job waiting between retries is `processing`. A synchronous
 * run whose API process died (its lease expired) is taken over the same way. Re-adding
 * a job Redis still holds is a no-op, and handlers are idempotent, so racing another
 * reconciler or a finishing worker is harmless.
 *
 * It also closes a row whose job the queue failed without any handler reporting it:
 * BullMQ fails a job that stalled more often than allowed (its worker died or blocked
 * mid-job, twice) on its own, and the row would otherwise stay `processing` forever.
 *
 * And it closes a task run (an entry with a schedule) left `processing` by a runner
 * that is gone (a process of this host that no longer exists) while the queue still
 * holds its job: the job may sit on a paused queue or wait for a stall check that no
 * worker of its queue will make, and a task is never retried (its next run is the
 * retry), so the run is closed as failed (`runner_gone`) and its queue copy removed
 * unless a worker holds it (a late re-delivery finds the row finished and skips it).
 * Another host's runner cannot be told from here: its host's reconciler closes it,
 * and meanwhile BullMQ's stall recovery re-delivers the job.
 */
import { hostname } from 'node:os';
import type { JobRecord, JobStore } from '@vcq/db';
import type { Logger } from '@vcq/logger';
import { attemptsOf } from './catalog.js';
import type { FinishedHook } from './platform.js';
import type { QueueSet } from './queues.js';
import { addFromRow } from './redelivery.js';

export interface ReconcileOptions {
  store: JobStore;
  queues: QueueSet;
  logger: Logger;
  /** Rows younger than this are left alone: their own add may still be under way. */
  graceMs: number;
  batchSize?: number;
  /** Told about each re-added job (metrics); default: nothing. */
  observer?: ReconcileObserver;
  /** Runs for a row closed as failed here, as it would for a handler's final failure (webhook callbacks). */
  onFinished?: FinishedHook;
}

/** What the reconciler reports; `VcqMetrics['reconciler']` is one. */
export interface ReconcileObserver {
  readded(job: { queue: string; name: string }): void;
}

export interface ReconcileReport {
  checked: number;
  readded: number;
  /** Open rows whose job the queue had failed for good, and task runs whose runner is gone: now failed in Postgres too. */
  closed: number;
  /** Batch parents whose children had all ended but which nobody had settled: now completed. */
  batches?: number;
}

/**
 * Whether `runner` (`<host>:<pid>`) names a process of this host that no longer
 * exists. A runner of another host, or this process, is not gone as far as this
 * process can tell.
 */
export function runnerGone(runner: string | null, host = hostname()): boolean {
  if (!runner) return false;
  const at = runner.lastIndexOf(':');
  if (at <= 0 || runner.slice(0, at) !== host) return false;
  const pid = Number(runner.slice(at + 1));
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    // Signal 0 only asks whether the process exists (EPERM: it does, as another user's).
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** One pass over every open row no live process owns; returns how many were re-added. */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { store, queues, logger } = options;
  const report: ReconcileReport = { checked: 0, readded: 0, closed: 0 };
  let afterId: string | undefined;
  for (;;) {
    const rows = await store.findOpenAsync({ graceMs: options.graceMs, limit: options.batchSize ?? 500, ...(afterId ? { afterId } : {}) });
    if (rows.length === 0) break;
    afterId = rows[rows.length - 1]?.id;
    report.checked += rows.length;
    const states = await queues.states(rows.map((r) => ({ queue: r.queue, id: r.id })));
    const missing = rows.filter((_, i) => !states[i]?.present);
    const failedInQueue = rows.flatMap((row, i) => {
      const reason = states[i]?.failedReason;
      return reason ? [{ row, reason }] : [];
    });
    // Task runs still on the queue whose runner is gone (see the module comment).
    const orphaned = rows.flatMap((row, i) =>
      states[i]?.present && !states[i]?.failedReason && row.mode === 'async' && row.status === 'processing' && queues.catalog[row.kind]?.schedule && runnerGone(row.runner)
        ? [{ row, reason: `its runner ${row.runner} is gone; the task's next run starts afresh` }]
        : [],
    );
    // A job may have finished and left Redis after the rows were read. Its outcome is
    // committed before BullMQ drops it, so re-reading the rows tells the two apart; the
    // re-read is of whole rows, with the data a re-add and a finished-hook need.
    const open = await store.stillOpen([...missing, ...failedInQueue.map((f) => f.row), ...orphaned.map((o) => o.row)].map((r) => r.id));
    for (const { row: ref, reason } of orphaned) {
      const row = open.get(ref.id);
      if (!row) continue;
      const error = { code: 'runner_gone', message: reason };
      if (!(await store.failed(row.id, Math.max(row.attempt, 1), error, true))) continue;
      report.closed++;
      const queue = queues.queue(row.queue);
      const job = await queue.getJob(row.id);
      // One a worker holds now finishes or stalls there; either way it meets a closed row.
      if (job && (await job.getState()) !== 'active') await job.remove().catch(() => undefined);
      logger.warn({ jobId: row.id, queue: row.queue, kind: row.kind, runner: row.runner }, 'task run left running by a runner that is gone; closed as failed');
      await options.onFinished?.({ id: row.id, name: row.kind, data: row.data }, { status: 'failed', error }).catch((hookError: unknown) => {
        logger.warn({ jobId: row.id, err: hookError instanceof Error ? hookError.message : String(hookError) }, 'finished hook failed for a row closed by the reconciler');
      });
    }
    for (const { row: ref, reason } of failedInQueue) {
      const row = open.get(ref.id);
      if (!row) continue;
      const error = { code: 'failed_in_queue', message: reason };
      // The row's own attempt number: a newer attempt's write would still win.
      if (!(await store.failed(row.id, Math.max(row.attempt, 1), error, true))) continue;
      report.closed++;
      logger.warn({ jobId: row.id, queue: row.queue, jobName: row.name, reason }, 'the queue failed this job with no outcome recorded; row closed as failed');
      await options.onFinished?.({ id: row.id, name: row.kind, data: row.data }, { status: 'failed', error }).catch((hookError: unknown) => {
        logger.warn({ jobId: row.id, err: hookError instanceof Error ? hookError.message : String(hookError) }, 'finished hook failed for a row closed by the reconciler');
      });
    }
    for (const ref of missing) {
      const row = open.get(ref.id);
      if (!row) continue;
      if (!Object.hasOwn(queues.catalog, row.kind)) {
        logger.error({ jobId: row.id, queue: row.queue, kind: row.kind }, 'open row has no catalog entry; cannot re-add');
        continue;
      }
      const owned = await takeOver(store, queues, row);
      if (!owned) continue;
      await addFromRow(queues, owned);
      report.readded++;
      try {
        options.observer?.readded({ queue: row.queue, name: row.name });
      } catch (error) {
        // Metrics must not stop the pass: the rest of the missing jobs still need re-adding.
        logger.warn({ jobId: row.id, err: error instanceof Error ? error.message : String(error) }, 'reconcile observer failed');
      }
    }
  }
  report.batches = await settleBatches(options);
  if (report.readded > 0) logger.warn(report, 'reconciler re-added jobs missing from redis');
  else if (report.closed > 0) logger.warn(report, 'reconciler closed rows the queue had failed');
  return report;
}

/**
 * Completes the batch parents whose last child ended in a process that died before
 * settling the parent (see JobStore.settleBatch), and runs the finished-hook for each
 * (its webhook). Settling is guarded, so racing a child's own settle is harmless.
 */
async function settleBatches(options: ReconcileOptions): Promise<number> {
  const { store, logger } = options;
  let settled = 0;
  for (const parent of await store.findUnsettledBatches({ graceMs: options.graceMs, limit: options.batchSize ?? 500 })) {
    const pollBase = (parent.data as { pollBase?: unknown }).pollBase;
    const now = await store.settleBatch(parent.id, typeof pollBase === 'string' ? pollBase : '/api/jobs/');
    if (now?.status !== 'completed') continue;
    settled++;
    logger.warn({ jobId: parent.id }, 'batch parent settled by the reconciler: its children had all ended');
    await options.onFinished?.({ id: now.id, name: now.kind, data: now.data }, { status: 'completed', result: now.result }).catch((hookError: unknown) => {
      logger.warn({ jobId: now.id, err: hookError instanceof Error ? hookError.message : String(hookError) }, 'finished hook failed for a batch settled by the reconciler');
    });
  }
  return settled;
}

/**
 * The row to re-add, as the queue's from now on: an async row as it is; a sync row
 * whose run's lease expired (its API process died) becomes async, with the job type's
 * attempts after the one that was cut short. Null when a sync run renewed its lease
 * meanwhile, or the row closed.
 */
export async function takeOver(store: JobStore, queues: QueueSet, row: JobRecord): Promise<JobRecord | null> {
  if (row.mode !== 'sync') return row;
  const entry = queues.catalog[row.kind];
  return store.adopt(row.id, entry ? attemptsOf(entry) : 1);
}

export interface Reconciler {
  /** One pass now (or the one under way); null when the queue backend is down or the pass failed. */
  runNow(): Promise<ReconcileReport | null>;
  /**
   * After Redis came back (possibly empty): a pass now, and another once rows accepted
   * just before the outage are past the grace period, which the first pass leaves alone.
   */
  catchUp(): void;
  stop(): Promise<void>;
}

/**
 * Runs `reconcile` once now and then every `intervalMs` (never two passes at once)
 * until stopped; `intervalMs: null` runs only the start-up pass.
 */
export function startReconciler(options: ReconcileOptions & { intervalMs: number | null }): Reconciler {
  let running: Promise<ReconcileReport | null> | undefined;
  let stopped = false;
  let followUp: NodeJS.Timeout | undefined;
  const pass = (): Promise<ReconcileReport | null> => {
    if (stopped) return Promise.resolve(null);
    if (running) return running;
    if (!options.queues.isAvailable()) return Promise.resolve(null);
    running = reconcile(options)
      .catch((error: unknown) => {
        options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'reconcile pass failed');
        return null;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer =
    options.intervalMs === null
      ? undefined
      : setInterval(() => {
          if (!stopped) void pass();
        }, options.intervalMs);
  timer?.unref();
  // The start-up pass: Redis may have lost jobs while no worker was running.
  if (options.queues.isAvailable()) void pass();
  return {
    runNow: pass,
    catchUp() {
      // A pass under way may have read its rows before the outage ended: queue another.
      void (running ?? Promise.resolve(null)).then(pass);
      clearTimeout(followUp);
      followUp = setTimeout(() => void pass(), options.graceMs + 1000);
      followUp.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(followUp);
      await running;
    },
  };
}
