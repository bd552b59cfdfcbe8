/**
 * Construction shared by the API and the worker, from config: the same store
 * settings, handlers and job-option overrides on both sides.
 */
import { quoteSchemaName, runMigrations } from 'bullmq';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { keyBytes, type Config } from '@vcq/config';
import { createCredentialsService, createVcApiIssuerBackend, type CredentialsService } from '@vcq/credentials';
import { createDb, JobStore, type Db } from '@vcq/db';
import { createEgressClient, type EgressClient } from '@vcq/egress';
import type { Logger } from '@vcq/logger';
import { createVcEventsService, type VcEventsService } from '@vcq/vc-events';
import { createVerifier, resolveManifestUrl } from '@vcq/verification';
import { checkCallbackUrl, createWebhookDeliverer, createWebhookStore, type WebhookDelivererDeps } from '@vcq/webhooks';
import { createCallbackHook } from './callbacks.js';
import { queueNames, type JobName, type JobOptions } from './catalog.js';
import { createHandlers } from './handlers.js';
import { JobPlatform } from './platform.js';
import type { Handlers } from './processor.js';
import { QueueSet, type PostgresQueueConnection } from './queues.js';
import { checkEvictionPolicy, closeRedis, createProducerConnection, createWorkerConnection, onEveryReady, waitForReady } from './redis.js';
import { postgresTaskBackend, redisTaskBackend, type TaskQueueBackend } from './task-runtime.js';
import type { ReconcileObserver } from './reconciler.js';
import { createTaskHandlers } from './task-handlers.js';
import { createTaskRunStore, type TaskRunStore } from './task-runs.js';
import { taskQueueNames, type TaskHandlers } from './tasks.js';

/** The Prisma client and the job store (with its write buffer) for a process. */
export function createStoreFromConfig(config: Config, logger: Logger): { db: Db; store: JobStore } {
  const db = createDb(config.DATABASE_URL, {
    poolSize: config.DATABASE_POOL_SIZE,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
  });
  const store = new JobStore(db, {
    flushMs: config.WRITE_FLUSH_MS,
    maxBatch: config.WRITE_BATCH_MAX,
    startDelayMs: config.WRITE_START_DELAY_MS,
    onError: (error, count) => logger.error({ err: error, count }, 'job write flush failed'),
  });
  return { db, store };
}

/**
 * The process's one egress client: every request made on a caller's behalf (manifests,
 * the IPFS gateway, did:web documents, status lists, webhooks, the remote VC API
 * issuer) goes through it. Only EGRESS_ALLOW_PRIVATE_HOSTS may be private.
 */
export function egressFromConfig(config: Config, logger?: Logger): EgressClient {
  return createEgressClient({
    allowPrivateHosts: config.EGRESS_ALLOW_PRIVATE_HOSTS,
    timeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
    maxBytes: config.MANIFEST_MAX_BYTES,
    ...(logger ? { log: logger } : {}),
  });
}

/** The credentials/DID service with the configured issuer backend; its fetches go through `egress`. */
export function credentialsFromConfig(config: Config, db: Db, egress: EgressClient): CredentialsService {
  return createCredentialsService({
    db,
    keyEncryptionKey: keyBytes(config.KEY_ENCRYPTION_KEY) as Buffer,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    didWebAllowHttpHosts: config.DID_WEB_ALLOW_HTTP_HOSTS,
    fetchTimeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
    egress,
    statusListTtlMs: config.STATUS_LIST_TTL,
    defaultFormat: config.CREDENTIAL_FORMAT,
    statusListValidityMs: config.STATUS_LIST_VALIDITY,
    ...(config.ISSUER_BACKEND === 'vc-api' && config.VC_API_URL
      ? {
          issuerBackend: createVcApiIssuerBackend({
            url: config.VC_API_URL,
            ...(config.VC_API_TOKEN ? { token: config.VC_API_TOKEN } : {}),
            fetchTimeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
            egress,
          }),
        }
      : {}),
  });
}

/**
 * The submit-time check of a job's outbound destinations: a callbackUrl or manifestUri
 * the egress policy refuses is a 400 naming the field, before any row is written. A
 * manifest host that does not resolve yet is left to the job (it retries); a callback
 * host that does not resolve is refused, as it is most likely a typo.
 */
export function destinationCheck(config: Config, egress: EgressClient): (data: Record<string, unknown>) => Promise<void> {
  return async (data) => {
    if (typeof data.callbackUrl === 'string') await checkCallbackUrl(data.callbackUrl, egress);
    if (typeof data.manifestUri === 'string') {
      // Throws the same 400 the route would for a malformed URI (an ipfs:// path escaping its CID included).
      const url = resolveManifestUrl(data.manifestUri, config.IPFS_GATEWAY_URL);
      await egress.checkDestination(url, { field: 'manifestURI', allowUnknownHost: true });
    }
  };
}

export interface Services {
  handlers: Handlers;
  credentials: CredentialsService;
  webhooks: ReturnType<typeof createWebhookStore>;
  platform: JobPlatform;
  vcEvents: VcEventsService;
  /** The handler of every scheduled task (see tasks.ts). */
  taskHandlers: TaskHandlers;
  taskRuns: TaskRunStore;
}

/** The VC-event service (window runs and single events) from config. */
export function vcEventsFromConfig(config: Config, deps: { db: Db; credentials: CredentialsService; logger: Logger }): VcEventsService {
  return createVcEventsService({
    db: deps.db,
    analytics: config.ANALYTICS_API_URL
      ? {
          baseUrl: config.ANALYTICS_API_URL,
          ...(config.ANALYTICS_API_KEY ? { apiKey: config.ANALYTICS_API_KEY } : {}),
          timeoutMs: config.ANALYTICS_API_TIMEOUT_MS,
          pageSize: config.ANALYTICS_API_PAGE_SIZE,
          maxPages: config.ANALYTICS_API_MAX_PAGES,
        }
      : null,
    revoke: (id) => deps.credentials.credentials.revoke(id),
    typeMap: config.VC_EVENTS_TYPE_MAP,
    lookbackMs: config.VC_EVENTS_LOOKBACK,
    maxWindowMs: config.VC_EVENTS_MAX_WINDOW,
    logger: deps.logger,
  });
}

/** Everything both processes run jobs and tasks with: handlers, domain services and the platform. */
export function createServices(
  config: Config,
  deps: {
    db: Db;
    store: JobStore;
    queues: QueueSet | null;
    logger: Logger;
    webhookObserver?: WebhookDelivererDeps['observer'];
    reconcileObserver?: ReconcileObserver;
  },
): Services {
  const egress = egressFromConfig(config, deps.logger);
  const credentials = credentialsFromConfig(config, deps.db, egress);
  const webhooks = createWebhookStore(deps.db);
  const deliverer = createWebhookDeliverer({
    db: deps.db,
    secret: config.WEBHOOK_SIGNING_SECRET,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    egress,
    schedule: config.WEBHOOK_RETRY_SCHEDULE_MS,
    log: deps.logger,
    ...(deps.webhookObserver ? { observer: deps.webhookObserver } : {}),
  });
  const handlers = createHandlers({
    verifier: createVerifier({
      egress,
      rpcUrl: config.RPC_URL,
      ipfsGatewayUrl: config.IPFS_GATEWAY_URL,
      fetchTimeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
      maxManifestBytes: config.MANIFEST_MAX_BYTES,
      registryFromBlock: BigInt(config.REGISTRY_FROM_BLOCK),
    }),
    credentials,
    webhooks: deliverer,
    deliveries: webhooks,
  });
  const platform: JobPlatform = new JobPlatform({
    store: deps.store,
    queues: deps.queues,
    handlers,
    logger: deps.logger,
    fallbackMode: config.FALLBACK_MODE,
    syncLeaseMs: config.SYNC_LEASE_MS,
    checkDestinations: destinationCheck(config, egress),
    onFinished: createCallbackHook({ webhooks, platform: () => platform, logger: deps.logger }),
  });
  const vcEvents = vcEventsFromConfig(config, { db: deps.db, credentials, logger: deps.logger });
  const taskHandlers = createTaskHandlers({
    db: deps.db,
    store: deps.store,
    queues: deps.queues,
    platform,
    webhooks,
    vcEvents,
    settings: {
      reconcileGraceMs: config.RECONCILE_GRACE_MS,
      sweepGraceMs: config.WEBHOOK_RETRY_SWEEP_GRACE_MS,
      jobRetentionDays: config.JOB_RETENTION_DAYS,
      webhookRetentionDays: config.WEBHOOK_CLEANUP_RETENTION_DAYS,
      cleanupBatchSize: config.CLEANUP_BATCH_SIZE,
    },
    ...(deps.reconcileObserver ? { reconcileObserver: deps.reconcileObserver } : {}),
  });
  return { handlers, credentials, webhooks, platform, vcEvents, taskHandlers, taskRuns: createTaskRunStore(deps.db) };
}

/**
 * The queues' option overrides: `JOB_ATTEMPTS` / `JOB_BACKOFF_MS`, when set, for every
 * job; webhook deliveries get one attempt more than their retry schedule has delays.
 */
export function queueOverridesFromConfig(config: Config): { overrides: Partial<JobOptions>; perJob: Partial<Record<JobName, Partial<JobOptions>>> } {
  return {
    overrides: {
      ...(config.JOB_ATTEMPTS !== undefined ? { attempts: config.JOB_ATTEMPTS } : {}),
      ...(config.JOB_BACKOFF_MS !== undefined ? { backoffMs: config.JOB_BACKOFF_MS } : {}),
    },
    perJob: { 'webhook-deliver': { attempts: config.WEBHOOK_RETRY_SCHEDULE_MS.length + 1 } },
  };
}

/** A process's queue backend: the producer side, the task queues, and what workers connect with. */
export interface QueueBackend {
  kind: 'redis' | 'postgres';
  queues: QueueSet;
  tasks: TaskQueueBackend;
  /** The fail-fast producer connection (Redis backend only); rate limits share it. */
  producer: Redis | null;
  /** What `startWorkers` connects with. */
  workerConnection: { connection?: Redis; postgres?: PostgresQueueConnection };
  /** Resolves true once the backend answers (bounded by REDIS_TIMEOUT_MS on Redis). */
  ready(): Promise<boolean>;
  /**
   * Calls `listener` whenever the backend is reachable again after an outage, when what
   * it held may be gone (Redis restarted empty); never on PostgreSQL. Returns the unsubscribe.
   */
  onBackAfterOutage(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * The queue backend of QUEUE_BACKEND: Redis (fail-fast producer connection, plus a
 * retrying one for workers when `consumer`), or BullMQ's PostgreSQL backend in
 * vcq's own database with no Redis connection at all.
 */
export async function queueBackendFromConfig(config: Config, logger: Logger, options: { consumer: boolean }): Promise<QueueBackend> {
  const overrides = queueOverridesFromConfig(config);
  if (config.QUEUE_BACKEND === 'postgres') {
    const pool = await postgresQueuePool(config, options.consumer);
    const queues = new QueueSet({ postgres: pool, prefix: config.QUEUE_PREFIX, timeoutMs: config.REDIS_TIMEOUT_MS, ...overrides });
    const tasks = postgresTaskBackend({ pool });
    return {
      kind: 'postgres',
      queues,
      tasks,
      producer: null,
      workerConnection: { postgres: pool },
      ready: async () => true,
      // Its jobs are rows in vcq's own database: an outage loses none of them.
      onBackAfterOutage: () => () => {},
      async close() {
        await tasks.close();
        await queues.close();
        await pool.end();
      },
    };
  }
  const producer = createProducerConnection(config.REDIS_URL, config.REDIS_TIMEOUT_MS, logger);
  await guardEvictionPolicy(producer, config, logger);
  const consumer = options.consumer ? createWorkerConnection(config.REDIS_URL, logger) : undefined;
  const queues = new QueueSet({ connection: producer, prefix: config.QUEUE_PREFIX, timeoutMs: config.REDIS_TIMEOUT_MS, ...overrides });
  const tasks = redisTaskBackend({ producer, ...(consumer ? { consumer } : {}), prefix: config.QUEUE_PREFIX });
  return {
    kind: 'redis',
    queues,
    tasks,
    producer,
    workerConnection: consumer ? { connection: consumer } : {},
    ready: () => waitForReady(producer, config.REDIS_TIMEOUT_MS),
    onBackAfterOutage: (listener) => onEveryReady(producer, listener),
    async close() {
      await tasks.close();
      await queues.close();
      await closeRedis(producer);
      if (consumer) await closeRedis(consumer);
    },
  };
}

/**
 * Refuses to start on a Redis that may evict keys (see checkEvictionPolicy). A Redis
 * down at start is checked when it first comes up; the process is serving by then,
 * so a bad policy is an error line rather than a refusal.
 */
async function guardEvictionPolicy(producer: Redis, config: Config, logger: Logger): Promise<void> {
  const check = { allowEviction: config.REDIS_ALLOW_EVICTION, logger };
  if (await waitForReady(producer, config.REDIS_TIMEOUT_MS)) {
    try {
      await checkEvictionPolicy(producer, check);
    } catch (error) {
      await closeRedis(producer);
      throw error;
    }
    return;
  }
  producer.once('ready', () => {
    checkEvictionPolicy(producer, check).catch((error: unknown) => logger.error({ err: error instanceof Error ? error.message : String(error) }, 'redis may evict job keys'));
  });
}

/** BullMQ's schema in vcq's database (QUEUE_BACKEND=postgres). */
const BULLMQ_SCHEMA = 'bullmq';

/**
 * One pg pool for every BullMQ Queue and Worker of the process, its search_path on
 * BullMQ's schema, which is migrated here (BullMQ serialises concurrent migrations
 * with an advisory lock). Each Worker keeps one LISTEN connection from this pool,
 * so a worker's pool has room for those plus the queries that claim jobs.
 */
async function postgresQueuePool(config: Config, consumer: boolean): Promise<PostgresQueueConnection> {
  const listeners = consumer ? queueNames.length + taskQueueNames.length : 0;
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: listeners + Math.max(2, Math.min(config.DATABASE_POOL_SIZE, 8)),
    options: `-c search_path=${quoteSchemaName(BULLMQ_SCHEMA)}`,
    connectionTimeoutMillis: 5000,
  });
  const client = await pool.connect();
  try {
    await runMigrations(client, BULLMQ_SCHEMA);
  } finally {
    client.release();
  }
  return pool as unknown as PostgresQueueConnection;
}
