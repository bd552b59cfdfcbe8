/**
 * The reconciler keeps invariant 2: a row that is open in Postgres but missing from
 * Redis (Redis restarted empty, an add failed after its commit) is added again under
 * its own id. Re-adding a job Redis still holds is a no-op, and handlers are
 * idempotent, so racing another reconciler or a finishing worker is harmless.
 */
import type { JobStore } from '@vcq/db';
import type { Logger } from '@vcq/logger';
import { findJob } from './catalog.js';
import type { QueueSet } from './queues.js';

export interface ReconcileOptions {
  store: JobStore;
  queues: QueueSet;
  logger: Logger;
  /** Rows younger than this are left alone: their own add may still be under way. */
  graceMs: number;
  batchSize?: number;
  /** Told about each re-added job (metrics); default: nothing. */
  observer?: ReconcileObserver;
}

/** What the reconciler reports; `VcqMetrics['reconciler']` is one. */
export interface ReconcileObserver {
  readded(job: { queue: string; name: string }): void;
}

export interface ReconcileReport {
  checked: number;
  readded: number;
}

/** One pass over every open async row; returns how many were re-added. */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { store, queues, logger } = options;
  const report: ReconcileReport = { checked: 0, readded: 0 };
  let afterId: string | undefined;
  for (;;) {
    const rows = await store.findOpenAsync({ graceMs: options.graceMs, limit: options.batchSize ?? 500, ...(afterId ? { afterId } : {}) });
    if (rows.length === 0) break;
    afterId = rows[rows.length - 1]?.id;
    report.checked += rows.length;
    const present = await queues.exists(rows.map((r) => ({ queue: r.queue, id: r.id })));
    const missing = rows.filter((_, i) => !present[i]);
    // A job may have finished and left Redis after the rows were read. Its outcome is
    // committed before BullMQ drops it, so re-reading the rows tells the two apart.
    const open = await store.stillOpen(missing.map((r) => r.id));
    for (const row of missing) {
      if (!open.has(row.id)) continue;
      const name = findJob(row.queue, row.name);
      if (!name) {
        logger.error({ jobId: row.id, queue: row.queue, jobName: row.name }, 'open row has no catalog entry; cannot re-add');
        continue;
      }
      await queues.add(name, row.id, row.data);
      report.readded++;
      try {
        options.observer?.readded({ queue: row.queue, name: row.name });
      } catch (error) {
        // Metrics must not stop the pass: the rest of the missing jobs still need re-adding.
        logger.warn({ jobId: row.id, err: error instanceof Error ? error.message : String(error) }, 'reconcile observer failed');
      }
    }
  }
  if (report.readded > 0) logger.warn(report, 'reconciler re-added jobs missing from redis');
  return report;
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
