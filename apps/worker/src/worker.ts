/**
 * The worker process's composition root: BullMQ workers for every queue, the
 * reconciler, and one shutdown routine (invariant 8).
 */
import type { Config } from '@vcq/config';
import {
  closeRedis,
  createProducerConnection,
  createStoreFromConfig,
  createWorkerConnection,
  createServices,
  QueueSet,
  queueOverridesFromConfig,
  startReconciler,
  startWorkers,
  waitForReady,
} from '@vcq/jobs';
import { createLogger, type Logger } from '@vcq/logger';
import { createMetrics, type VcqMetrics } from '@vcq/metrics';
import { startMetricsServer } from './metrics-server.js';

export interface WorkerProcess {
  /** Runs one reconcile pass now (tests; ops). */
  reconcile(): Promise<unknown>;
  /** This process's instruments (tests read them without HTTP). */
  metrics: VcqMetrics;
  /** Where `/metrics` is served; null when WORKER_METRICS_PORT is unset. */
  metricsUrl: string | null;
  close(): Promise<void>;
}

/** Starts consuming every queue in the catalog. */
export async function startWorker(config: Config, logger: Logger = createLogger({ level: config.LOG_LEVEL, name: 'vcq-worker' })): Promise<WorkerProcess> {
  if (config.QUEUE_BACKEND !== 'redis') {
    throw new Error(`QUEUE_BACKEND=${config.QUEUE_BACKEND} is not supported by this release; use redis`);
  }
  const metrics = createMetrics();
  // First, so a taken port fails start-up before any connection is opened.
  const metricsServer =
    config.WORKER_METRICS_PORT === undefined ? null : await startMetricsServer(metrics, { port: config.WORKER_METRICS_PORT, host: config.HOST, logger });
  const { db, store } = createStoreFromConfig(config, logger);
  const workerConnection = createWorkerConnection(config.REDIS_URL, logger);
  // The reconciler adds jobs like the API does, on its own fail-fast connection.
  const producer = createProducerConnection(config.REDIS_URL, config.REDIS_TIMEOUT_MS, logger);
  const queues = new QueueSet({
    connection: producer,
    prefix: config.QUEUE_PREFIX,
    timeoutMs: config.REDIS_TIMEOUT_MS,
    ...queueOverridesFromConfig(config),
  });
  const serviceDeps = { db, store, queues, logger, webhookObserver: metrics.webhooks };
  const { handlers, platform } = createServices(config, serviceDeps);

  const runtime = startWorkers({
    connection: workerConnection,
    prefix: config.QUEUE_PREFIX,
    store,
    handlers,
    onFinished: platform.finishedHook,
    webhookSchedule: config.WEBHOOK_RETRY_SCHEDULE_MS,
    logger,
    concurrency: config.QUEUE_CONCURRENCY,
    lockDurationMs: config.WORKER_LOCK_MS,
    stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
    observer: metrics.jobs,
  });
  await waitForReady(producer, config.REDIS_TIMEOUT_MS);
  const reconciler = startReconciler({
    store,
    queues,
    logger,
    graceMs: config.RECONCILE_GRACE_MS,
    intervalMs: config.ENABLE_TASK_SCHEDULING ? config.RECONCILE_INTERVAL_MS : null,
    observer: metrics.reconciler,
  });
  logger.info({ queues: runtime.workers.map((w) => w.name), concurrency: config.QUEUE_CONCURRENCY }, 'worker started');

  let closing: Promise<void> | undefined;
  return {
    reconcile: () => reconciler.runNow(),
    metrics,
    metricsUrl: metricsServer?.url ?? null,
    close() {
      closing ??= (async () => {
        await reconciler.stop();
        await runtime.close(config.SHUTDOWN_TIMEOUT_MS);
        await store.close();
        await queues.close();
        await closeRedis(producer);
        await closeRedis(workerConnection);
        await db.$disconnect();
        // Last, so the drain above can still be watched.
        await metricsServer?.close();
        logger.info('worker stopped');
      })();
      return closing;
    },
  };
}
