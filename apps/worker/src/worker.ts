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

export interface WorkerProcess {
  /** Runs one reconcile pass now (tests; ops). */
  reconcile(): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts consuming every queue in the catalog. */
export async function startWorker(config: Config, logger: Logger = createLogger({ level: config.LOG_LEVEL, name: 'vcq-worker' })): Promise<WorkerProcess> {
  if (config.QUEUE_BACKEND !== 'redis') {
    throw new Error(`QUEUE_BACKEND=${config.QUEUE_BACKEND} is not supported by this release; use redis`);
  }
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
  const { handlers, platform } = createServices(config, { db, store, queues, logger });

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
  });
  await waitForReady(producer, config.REDIS_TIMEOUT_MS);
  const reconciler = startReconciler({
    store,
    queues,
    logger,
    graceMs: config.RECONCILE_GRACE_MS,
    intervalMs: config.ENABLE_TASK_SCHEDULING ? config.RECONCILE_INTERVAL_MS : null,
  });
  logger.info({ queues: runtime.workers.map((w) => w.name), concurrency: config.QUEUE_CONCURRENCY }, 'worker started');

  let closing: Promise<void> | undefined;
  return {
    reconcile: () => reconciler.runNow(),
    close() {
      closing ??= (async () => {
        await reconciler.stop();
        await runtime.close(config.SHUTDOWN_TIMEOUT_MS);
        await store.close();
        await queues.close();
        await closeRedis(producer);
        await closeRedis(workerConnection);
        await db.$disconnect();
        logger.info('worker stopped');
      })();
      return closing;
    },
  };
}
