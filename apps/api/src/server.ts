/**
 * The API process's composition root: config in, a listening server out, and one
 * `close()` that shuts everything in order.
 */
import type { AddressInfo } from 'node:net';
import { parseApiKeys, type Config } from '@vcq/config';
import { backendFromConfig, createServices, createStoreFromConfig, type JobPlatform, QueueAdmin, QueueOperations, queueLimitsFromConfig, queueNames, Tasks } from '@vcq/app';
import { JobWaiter, LimitOverrides, ScheduleOverrides, Schedules, WorkerRegistry, workerConnectionFromConfig } from '@vcq/jobs';
import { createLogger, type Logger } from '@vcq/logger';
import { createMetrics, startMetricsServer, type VcqMetrics } from '@vcq/metrics';
import { createApp } from './app.js';
import { createAuthFailureLimiter } from './middleware/auth-failures.js';
import { answerClientError } from './middleware/problem.js';
import { createRateLimiter } from './middleware/rate-limit.js';
import { dashboardRouter } from './routes/dashboard.js';

export interface ApiServer {
  /** The Express app (tests walk its routes). */
  app: ReturnType<typeof createApp>;
  url: string;
  port: number;
  platform: JobPlatform;
  /** The API's one waiter on job rows (Prefer: wait, SSE, the VC API; tests wait with it too). */
  waiter: JobWaiter;
  metrics: VcqMetrics;
  /** Where `/metrics` is scraped: on the API's port, or on METRICS_PORT. */
  metricsUrl: string;
  close(): Promise<void>;
}

/** Builds the API from config and listens on `config.PORT` (0 picks a free port). */
export async function startApi(config: Config, logger: Logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'vcq-api' })): Promise<ApiServer> {
  const { db, store } = createStoreFromConfig(config, logger);
  // Redis (a fail-fast producer connection) or BullMQ's PostgreSQL backend (no Redis).
  const backend = await backendFromConfig(config, logger, { consumer: false });
  const { queues, producer: redis } = backend;
  const metrics = createMetrics({ onCollectError: (collector, err) => logger.warn({ collector, err }, 'metrics collector failed') });
  const { handlers, platform, credentials, vcEvents, emails } = createServices(config, {
    db,
    store,
    queues,
    logger,
    webhookObserver: metrics.webhooks,
    reconcileObserver: metrics.reconciler,
  });
  metrics.collectJobCounts(() => store.countByQueueAndStatus(), { queues: queueNames });
  metrics.collectFallback(() => !platform.isQueueAvailable());
  const workerRegistry = new WorkerRegistry(db);
  const operations = new QueueOperations({
    platform,
    admin: new QueueAdmin({ platform, queues }),
    workers: workerRegistry,
    deadAfterMs: config.WORKER_DEAD_AFTER_MS,
    limitOverrides: new LimitOverrides(db),
    configuredLimits: queueLimitsFromConfig(config),
    defaultConcurrency: config.QUEUE_CONCURRENCY,
  });
  metrics.collectWorkers(() => workerRegistry.countByQueue(config.WORKER_DEAD_AFTER_MS), { queues: queueNames });
  const watcher = new JobWaiter({ store, connectionString: config.DATABASE_URL, logger });
  // The API only triggers and describes tasks (and runs one in the request when the queue is down).
  const overrides = new ScheduleOverrides(db);
  const tasks = new Tasks({
    platform,
    schedules: new Schedules({ queues, logger, timeoutMs: config.REDIS_TIMEOUT_MS, overrides, schedulingEnabled: config.ENABLE_TASK_SCHEDULING }),
    waiter: watcher,
    overrides,
    schedulingEnabled: config.ENABLE_TASK_SCHEDULING,
  });
  const dashboard = dashboardRouter({
    ...(backend.kind === 'postgres' ? { queues } : { connect: () => workerConnectionFromConfig(config) }),
    prefix: config.QUEUE_PREFIX,
    basePath: '/admin/queues',
  });
  const app = createApp({
    db,
    platform,
    queues,
    handlers,
    logger,
    apiKeys: parseApiKeys(config.API_KEYS),
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    defaultRegistryAddress: config.REGISTRY_ADDRESS,
    probeTimeoutMs: config.REDIS_TIMEOUT_MS,
    credentials,
    emails,
    preferWaitMaxSeconds: config.PREFER_WAIT_MAX_SECONDS,
    batchMaxItems: config.BATCH_MAX_ITEMS,
    metrics,
    metricsToken: config.METRICS_TOKEN,
    metricsOnOwnPort: config.METRICS_PORT !== undefined,
    rateLimiter:
      config.RATE_LIMIT_POINTS > 0
        ? createRateLimiter({ redis, prefix: config.QUEUE_PREFIX, points: config.RATE_LIMIT_POINTS, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS })
        : null,
    authFailures: createAuthFailureLimiter({ points: config.AUTH_FAILURE_RATE_LIMIT_POINTS, windowSeconds: config.AUTH_FAILURE_RATE_LIMIT_WINDOW_SECONDS }),
    trustProxy: config.TRUST_PROXY,
    corsOrigins: config.CORS_ORIGINS,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    jsonBodyLimit: config.JSON_BODY_LIMIT,
    watcher,
    dashboard,
    tasks,
    operations,
    heartbeatMs: config.WORKER_HEARTBEAT_MS,
    schedulingEnabled: config.ENABLE_TASK_SCHEDULING,
    vcEvents,
  });

  // Start queueing from the first request when Redis is there; without it, start anyway (sync fallback).
  if (!(await backend.ready())) logger.warn('redis not reachable at start-up; serving in fallback mode until it is');
  // Before the API's port, so a taken metrics port fails start-up before anyone is served.
  const metricsServer =
    config.METRICS_PORT === undefined
      ? null
      : await startMetricsServer(metrics, { port: config.METRICS_PORT, host: config.HOST, token: config.METRICS_TOKEN, log: logger });
  const server = app.listen(config.PORT, config.HOST);
  // Requests Node cannot parse (oversized headers, a bad request line) never reach Express.
  server.on('clientError', (error: Error & { code?: string }, socket) => {
    const status = answerClientError(error, socket);
    logger.debug({ code: error.code, status }, 'unparseable request');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch(async (error: unknown) => {
    await metricsServer?.close();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'api listening');

  let closing: Promise<void> | undefined;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    platform,
    waiter: watcher,
    metrics,
    metricsUrl: metricsServer?.url ?? `http://127.0.0.1:${port}/metrics`,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => {
          server.close(() => resolve());
        });
        // Live event streams would hold the server open; end them so clients reconnect elsewhere.
        const waitsEnded = watcher.close();
        server.closeIdleConnections();
        await closed;
        await waitsEnded;
        await metricsServer?.close();
        await dashboard.close();
        await store.close();
        await backend.close();
        await db.$disconnect();
        logger.info('api stopped');
      })();
      return closing;
    },
  };
}
