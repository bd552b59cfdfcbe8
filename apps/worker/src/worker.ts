/**
 * The worker process's composition root: BullMQ workers for every queue of vcq's
 * catalog, the schedules of its periodic entries (reconcile, webhook-retry-sweep,
 * cleanup, vc-events), the start-up reconcile pass, and one shutdown routine
 * (invariant 8).
 */
import { backendFromConfig, createServices, createStoreFromConfig, queueLimitsFromConfig, type VcqCatalog } from '@vcq/app';
import type { Config } from '@vcq/config';
import { type Catalog, type EngineEvents, followLimits, type Heartbeat, LimitOverrides, ScheduleOverrides, Schedules, scheduledEntries, startHeartbeat, startReconciler, startWorkers, tickSubmitter, WorkerRegistry } from '@vcq/jobs';
import { createLogger, type Logger } from '@vcq/logger';
import { createMetrics, startMetricsServer, type VcqMetrics } from '@vcq/metrics';

/** How often a worker checks that the task schedules are still in Redis (it may restart empty). */
const SCHEDULE_CHECK_MS = 60_000;

export interface WorkerProcess {
  /** Runs one reconcile pass now (tests; ops). */
  reconcile(): Promise<unknown>;
  /** The schedules of the catalog's periodic entries. */
  schedules: Schedules<VcqCatalog>;
  /** This process's instruments (tests read them without HTTP). */
  metrics: VcqMetrics;
  /** The engine's typed events: jobs started, progressing, completed, failed, stalled; workers ready and closed. */
  events: EngineEvents;
  /** This process's heartbeat row in `workers` (GET /queue/workers). */
  heartbeat: Heartbeat;
  /** Where `/metrics` is served; null when WORKER_METRICS_PORT is unset. */
  metricsUrl: string | null;
  close(): Promise<void>;
}

/** How long one shutdown step after the drain may take before the next one goes ahead. */
const CLOSE_STEP_MS = 1000;

/** Waits for a close step up to CLOSE_STEP_MS; one that fails or takes longer is logged and left behind. */
async function bounded(step: Promise<unknown> | undefined, what: string, logger: Logger): Promise<void> {
  if (!step) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), CLOSE_STEP_MS);
  });
  try {
    if ((await Promise.race([step, late])) === 'late') logger.warn({ step: what, afterMs: CLOSE_STEP_MS }, 'shutdown step is taking too long; going on without it');
  } catch (error) {
    logger.warn({ step: what, err: error instanceof Error ? error.message : String(error) }, 'shutdown step failed');
  } finally {
    clearTimeout(timer);
  }
}

/** Starts consuming every queue in the catalog. */
export async function startWorker(config: Config, logger: Logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'vcq-worker' })): Promise<WorkerProcess> {
  const configuredLimits = queueLimitsFromConfig(config);
  const metrics = createMetrics();
  // First, so a taken port fails start-up before any connection is opened.
  const metricsServer =
    config.WORKER_METRICS_PORT === undefined ? null : await startMetricsServer(metrics, { port: config.WORKER_METRICS_PORT, host: config.HOST, token: config.METRICS_TOKEN, log: logger });
  const { db, store } = createStoreFromConfig(config, logger);
  // Redis (the reconciler adds jobs on a fail-fast connection, workers consume on a
  // retrying one) or BullMQ's PostgreSQL backend with no Redis at all.
  const backend = await backendFromConfig(config, logger, { consumer: true });
  const { queues } = backend;
  const serviceDeps = { db, store, queues, logger, webhookObserver: metrics.webhooks, reconcileObserver: metrics.reconciler };
  const { catalog, handlers, platform } = createServices(config, serviceDeps);
  // Every job type's series exist from the first scrape, at zero (see declareJobs).
  metrics.declareJobs(Object.values(catalog).map(({ queue, name }) => ({ queue, name })));
  const schedules = new Schedules({
    queues,
    logger,
    timeoutMs: config.REDIS_TIMEOUT_MS,
    // Schedules set over the API win over the environment's; followed below.
    overrides: new ScheduleOverrides(db),
    schedulingEnabled: config.ENABLE_TASK_SCHEDULING,
  });

  const runtime = startWorkers({
    ...backend.workerConnection,
    prefix: config.QUEUE_PREFIX,
    catalog,
    store,
    handlers,
    ...(platform.finishedHook ? { onFinished: platform.finishedHook } : {}),
    onTick: tickSubmitter(platform),
    logger,
    concurrency: config.QUEUE_CONCURRENCY,
    limits: configuredLimits,
    lockDurationMs: config.WORKER_LOCK_MS,
    stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
    observer: metrics.jobs,
  });
  // A row in Postgres, on either backend: GET /queue/workers and the vcq_workers gauge read it.
  const heartbeat = startHeartbeat({
    registry: new WorkerRegistry(db),
    intervalMs: config.WORKER_HEARTBEAT_MS,
    deadAfterMs: config.WORKER_DEAD_AFTER_MS,
    version: config.VCQ_VERSION,
    backend: config.QUEUE_BACKEND,
    queues: () => runtime.queueInfo(),
    logger,
  });
  // Limits set over the API win over QUEUE_LIMITS; applied to the running Workers as they change.
  const limitsFollowed = followLimits({
    overrides: new LimitOverrides(db),
    configured: configuredLimits,
    pollMs: config.SETTINGS_POLL_MS,
    apply: (limits) => runtime.applyLimits(limits),
    logger,
  });
  const ready = await backend.ready();
  // Only the start-up pass here: Redis may have lost jobs while no worker ran. The
  // periodic passes are the `reconcile` task's ticks, one per tick across all workers.
  const reconciler = startReconciler({
    store,
    queues,
    logger,
    graceMs: config.RECONCILE_GRACE_MS,
    intervalMs: null,
    observer: metrics.reconciler,
    ...(platform.finishedHook ? { onFinished: platform.finishedHook } : {}),
  });
  // Every worker syncs the schedules (upserts are idempotent); with Redis down at
  // start, they are installed as soon as it is up (below).
  const syncSchedules = () =>
    schedules.sync().then(
      () => true,
      (error: unknown) => {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'task schedules not synced yet; trying again shortly');
        return false;
      },
    );
  const synced = ready && (await syncSchedules());
  const scheduleCheck = schedules.keepInSync(SCHEDULE_CHECK_MS, { failedFirst: !synced });
  const overridesFollowed = schedules.followOverrides(config.SETTINGS_POLL_MS);
  // Redis back after an outage (or up for the first time since start): it may have
  // restarted empty, taking queued jobs and the task schedulers with it. Both are put
  // back now rather than at the next schedule check and reconcile tick, a minute or two away.
  const stopWatchingBackend = backend.onBackAfterOutage(() => {
    logger.info('queue backend reachable again; re-syncing task schedules and reconciling');
    void syncSchedules();
    reconciler.catchUp();
  });
  logger.info(
    {
      queues: runtime.workers.map((w) => w.name),
      concurrency: config.QUEUE_CONCURRENCY,
      scheduledTasks: scheduledEntries(catalog)
        .filter((key) => (catalog as Catalog)[key]?.schedule?.enabled)
        .map((key) => `${key} ${(catalog as Catalog)[key]?.schedule?.cron}`),
    },
    'worker started',
  );

  let closing: Promise<void> | undefined;
  return {
    reconcile: () => reconciler.runNow(),
    schedules,
    metrics,
    events: runtime.events,
    heartbeat,
    metricsUrl: metricsServer?.url ?? null,
    close() {
      closing ??= (async () => {
        scheduleCheck.stop();
        overridesFollowed.stop();
        limitsFollowed.stop();
        stopWatchingBackend();
        await reconciler.stop();
        await runtime.close(config.SHUTDOWN_TIMEOUT_MS);
        // Off the list at once rather than WORKER_DEAD_AFTER_MS later.
        await bounded(heartbeat.stop(), 'removing the heartbeat row', logger);
        // Each step is bounded, so one that hangs (a Redis that never answers) leaves
        // the others their turn within the shutdown grace; the flush comes first.
        await bounded(store.close(), 'flushing job writes', logger);
        await bounded(backend.close(), 'closing the queue backend', logger);
        await bounded(db.$disconnect(), 'closing the database', logger);
        // Last, so the drain above can still be watched.
        await bounded(metricsServer?.close(), 'closing the metrics server', logger);
        logger.info('worker stopped');
      })();
      return closing;
    },
  };
}
