/**
 * vcq's Prometheus instruments. Each `createMetrics()` owns its own Registry (not
 * prom-client's global one), so several apps or tests in one process never collide.
 * The rest of vcq only sees plain observer methods; prom-client stays in here.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsSnapshot } from './aggregate.js';

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop, GC); default true. */
  defaultMetrics?: boolean;
  /** Prefix of vcq's own metric names; default `vcq_`. Process metrics keep their standard names. */
  prefix?: string;
  /** Told when a scrape-time collector (Postgres counts, fallback probe) throws. */
  onCollectError?: (collector: string, error: unknown) => void;
}

/** How one handler run ended: `retry` means BullMQ will run the job again. */
export type JobAttemptOutcome = 'completed' | 'retry' | 'failed';

export type WebhookDeliveryOutcome = 'delivered' | 'retry' | 'failed';

/** One row of `JobStore.countByQueueAndStatus()`. */
export interface JobCount {
  queue: string;
  status: string;
  count: number;
}

export interface VcqMetrics {
  /** Every instrument below and the process metrics; scrape through render(), which refreshes the Postgres and fallback gauges first. */
  readonly registry: Registry;
  /** The Content-Type of `render()`'s output. */
  readonly contentType: string;
  /** The registry in Prometheus text format; runs the scrape-time collectors. */
  render(): Promise<string>;
  /** The registry as JSON, for a supervisor to sum with other processes'; runs the scrape-time collectors too. */
  snapshot(): Promise<MetricsSnapshot>;
  /** Observer for the worker runtime (`WorkerRuntimeOptions.observer`). */
  readonly jobs: {
    picked(job: { queue: string; name: string; waitMs: number }): void;
    finished(job: { queue: string; name: string; outcome: JobAttemptOutcome; durationMs?: number }): void;
  };
  /**
   * Creates every job series at zero for these job types (a catalog's queue and name
   * pairs): a counter that first appears at 1 has no earlier sample, so `increase()`
   * and `rate()` miss that first completion, retry or failure after a worker start.
   */
  declareJobs(jobs: ReadonlyArray<{ queue: string; name: string }>): void;
  /** Observer for the reconciler (`ReconcileOptions.observer`). */
  readonly reconciler: {
    readded(job: { queue: string; name: string }): void;
  };
  /** Observer for the webhook deliverer (`WebhookDelivererDeps.observer`). */
  readonly webhooks: {
    attempted(attempt: { outcome: WebhookDeliveryOutcome }): void;
  };
  /** Used by the API's HTTP middleware; `route` must be a template, never a raw path. */
  readonly http: {
    observe(request: { method: string; route: string; status: string }, seconds: number): void;
  };
  /** Reports jobs by queue and state from `read()` (Postgres) at every scrape. */
  collectJobCounts(read: () => Promise<JobCount[]>, options?: { queues?: readonly string[] }): void;
  /** Reports 1 while `isFallback()` says jobs run inside requests instead of on queues. */
  collectFallback(isFallback: () => boolean): void;
  /** Reports live worker processes per queue from `read()` (the heartbeat rows) at every scrape; every queue in `queues` is reported, 0 included. */
  collectWorkers(read: () => Promise<Array<{ queue: string; count: number }>>, options?: { queues?: readonly string[] }): void;
}

/** Every state a job row can be in; each is reported, 0 included, so series never vanish. */
export const JOB_STATES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const;

// Jobs run from milliseconds (a cached check) to minutes (slow chains, webhook timeouts).
const JOB_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
// Waits stretch further than runs: a backlog or a paused queue holds jobs for long.
const WAIT_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600];
const HTTP_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A fresh registry with every vcq instrument on it. */
export function createMetrics(options: MetricsOptions = {}): VcqMetrics {
  const prefix = options.prefix ?? 'vcq_';
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const collectErrors = new Counter({
    name: `${prefix}metrics_collect_errors_total`,
    help: 'Scrapes in which a collector failed; its gauge is left empty for that scrape rather than stale.',
    labelNames: ['collector'] as const,
    registers,
  });
  const collectFailed = (collector: string, error: unknown) => {
    collectErrors.inc({ collector });
    options.onCollectError?.(collector, error);
  };

  const completed = new Counter({
    name: `${prefix}jobs_completed_total`,
    help: 'Jobs that completed, by queue and job name.',
    labelNames: ['queue', 'name'] as const,
    registers,
  });
  const failed = new Counter({
    name: `${prefix}jobs_failed_total`,
    help: 'Jobs that failed for good (permanent error or last attempt), by queue and job name.',
    labelNames: ['queue', 'name'] as const,
    registers,
  });
  const retried = new Counter({
    name: `${prefix}job_retries_total`,
    help: 'Job attempts that failed with a retry to follow, by queue and job name.',
    labelNames: ['queue', 'name'] as const,
    registers,
  });
  const duration = new Histogram({
    name: `${prefix}job_duration_seconds`,
    help: 'How long one handler run took (every attempt), by queue and job name.',
    labelNames: ['queue', 'name'] as const,
    buckets: JOB_SECONDS,
    registers,
  });
  const wait = new Histogram({
    name: `${prefix}job_wait_seconds`,
    help: 'From enqueue (or the end of a requested delay) to the first start, by queue.',
    labelNames: ['queue'] as const,
    buckets: WAIT_SECONDS,
    registers,
  });
  const readded = new Counter({
    name: `${prefix}reconciler_readded_total`,
    help: 'Open jobs missing from Redis that the reconciler added again, by queue.',
    labelNames: ['queue'] as const,
    registers,
  });
  const webhookAttempts = new Counter({
    name: `${prefix}webhook_deliveries_total`,
    help: 'Webhook delivery attempts by outcome: delivered, retry (another attempt is scheduled) or failed (no more).',
    labelNames: ['outcome'] as const,
    registers,
  });
  // Zero series up front, so a rate() over an outcome that has not happened yet reads 0, not nothing.
  for (const outcome of ['delivered', 'retry', 'failed'] as const) webhookAttempts.inc({ outcome }, 0);
  const http = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'HTTP request duration by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_SECONDS,
    registers,
  });

  // Scrape-time gauges are made on registration, so a process that has no such source
  // (the worker has no fallback mode) does not expose an always-empty family. They are
  // refreshed by render() before serialising rather than by prom-client's collect
  // hooks, which run in parallel with the rest of the registry: a failure would only
  // show in the error counter one scrape late.
  const refreshers = new Map<string, () => Promise<void>>();
  const refresh = async (collector: string, set: () => Promise<void>) => {
    try {
      await set();
    } catch (error) {
      collectFailed(collector, error);
    }
  };
  const refreshAll = () => Promise.all([...refreshers].map(([collector, set]) => refresh(collector, set)));
  let jobsGauge: Gauge<'queue' | 'state'> | undefined;
  let fallbackGauge: Gauge | undefined;
  let workersGauge: Gauge<'queue'> | undefined;

  return {
    registry,
    contentType: registry.contentType,
    async render() {
      await refreshAll();
      return registry.metrics();
    },
    async snapshot() {
      await refreshAll();
      return registry.getMetricsAsJSON();
    },
    jobs: {
      picked({ queue, waitMs }) {
        wait.observe({ queue }, seconds(waitMs));
      },
      finished({ queue, name, outcome, durationMs }) {
        if (durationMs !== undefined) duration.observe({ queue, name }, seconds(durationMs));
        if (outcome === 'completed') completed.inc({ queue, name });
        else if (outcome === 'failed') failed.inc({ queue, name });
        else retried.inc({ queue, name });
      },
    },
    declareJobs(jobs) {
      for (const { queue, name } of jobs) {
        for (const counter of [completed, failed, retried]) counter.inc({ queue, name }, 0);
        duration.zero({ queue, name });
        wait.zero({ queue });
        readded.inc({ queue }, 0);
      }
    },
    reconciler: {
      readded({ queue }) {
        readded.inc({ queue });
      },
    },
    webhooks: {
      attempted({ outcome }) {
        webhookAttempts.inc({ outcome });
      },
    },
    http: {
      observe(labels, secs) {
        http.observe(labels, Math.max(secs, 0));
      },
    },
    collectJobCounts(read, countOptions = {}) {
      jobsGauge ??= new Gauge({
        name: `${prefix}jobs`,
        help: 'Jobs by queue and state, as Postgres (the source of truth) has them at scrape time.',
        labelNames: ['queue', 'state'] as const,
        registers,
      });
      const gauge = jobsGauge;
      refreshers.set(
        'jobs',
        refilled(gauge, read, (rows) => {
          const queues = new Set([...(countOptions.queues ?? []), ...rows.map((r) => r.queue)]);
          for (const queue of queues) for (const state of JOB_STATES) gauge.set({ queue, state }, 0);
          for (const row of rows) gauge.set({ queue: row.queue, state: row.status }, row.count);
        }),
      );
    },
    collectFallback(isFallback) {
      fallbackGauge ??= new Gauge({
        name: `${prefix}sync_fallback`,
        help: '1 while the job queue is unavailable and the API runs jobs inside requests (or refuses them with FALLBACK_MODE=reject), else 0.',
        registers,
      });
      const gauge = fallbackGauge;
      refreshers.set('sync_fallback', async () => {
        gauge.set(isFallback() ? 1 : 0);
      });
    },
    collectWorkers(read, workerOptions = {}) {
      workersGauge ??= new Gauge({
        name: `${prefix}workers`,
        help: 'Live worker processes consuming each queue (a heartbeat within WORKER_DEAD_AFTER_MS), as Postgres has them at scrape time.',
        labelNames: ['queue'] as const,
        registers,
      });
      const gauge = workersGauge;
      refreshers.set(
        'workers',
        refilled(gauge, read, (rows) => {
          for (const queue of workerOptions.queues ?? []) gauge.set({ queue }, 0);
          for (const row of rows) gauge.set({ queue: row.queue }, row.count);
        }),
      );
    },
  };
}

/** Milliseconds to seconds; clock skew between Redis and this host can make a wait negative. */
function seconds(ms: number): number {
  return Math.max(ms, 0) / 1000;
}

/**
 * A scrape's refresh of a gauge from Postgres rows. A failed read empties it rather than
 * leaving it stale (old job counts look like a healthy idle system, an old worker count
 * hides dead workers); a good one resets and refills it with no await between, so a
 * concurrent scrape never sees it half done.
 */
function refilled<R>(gauge: Gauge<string>, read: () => Promise<R[]>, fill: (rows: R[]) => void): () => Promise<void> {
  return async () => {
    let rows: R[];
    try {
      rows = await read();
    } catch (error) {
      gauge.reset();
      throw error;
    }
    gauge.reset();
    fill(rows);
  };
}
