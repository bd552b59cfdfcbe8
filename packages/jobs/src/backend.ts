/**
 * A process's queue backend from config: Redis (QUEUE_BACKEND=redis) or BullMQ's
 * PostgreSQL backend in vcq's own database, for any catalog.
 */
import { quoteSchemaName, runMigrations } from 'bullmq';
import pg from 'pg';
import { type Config, redisClusterNodes, redisSentinelNodes } from '@vcq/config';
import type { Logger } from '@vcq/logger';
import { type Catalog, queuesOf } from './catalog.js';
import { QueueSet, type PostgresQueueConnection } from './queues.js';
import {
  checkEvictionPolicy,
  closeRedis,
  createClusterProducerConnection,
  createClusterWorkerConnection,
  createProducerConnection,
  createSentinelConnection,
  createWorkerConnection,
  onEveryReady,
  type RedisConnection,
  waitForReady,
} from './redis.js';

/** A process's queue backend: the producer side, the task queues, and what workers connect with. */
export interface QueueBackend<C extends Catalog = Catalog> {
  kind: 'redis' | 'postgres';
  queues: QueueSet<C>;
  /** The fail-fast producer connection (Redis backend only); rate limits share it. */
  producer: RedisConnection | null;
  /** What `startWorkers` connects with. */
  workerConnection: { connection?: RedisConnection; postgres?: PostgresQueueConnection };
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
export async function queueBackendFromConfig<C extends Catalog>(config: Config, logger: Logger, options: { consumer: boolean; catalog: C }): Promise<QueueBackend<C>> {
  const { catalog } = options;
  if (config.QUEUE_BACKEND === 'postgres') {
    const pool = await postgresQueuePool({ databaseUrl: config.DATABASE_URL, listeners: options.consumer ? queuesOf(catalog).length : 0, poolSize: config.DATABASE_POOL_SIZE });
    const queues = new QueueSet({ catalog, postgres: pool, prefix: config.QUEUE_PREFIX, timeoutMs: config.REDIS_TIMEOUT_MS });
    return {
      kind: 'postgres',
      queues,
      producer: null,
      workerConnection: { postgres: pool },
      ready: async () => true,
      // Its jobs are rows in vcq's own database: an outage loses none of them.
      onBackAfterOutage: () => () => {},
      async close() {
        await queues.close();
        await pool.end();
      },
    };
  }
  const producer = producerConnectionFromConfig(config, logger);
  await guardEvictionPolicy(producer, config, logger);
  const consumer = options.consumer ? workerConnectionFromConfig(config, logger) : undefined;
  const queues = new QueueSet({ catalog, connection: producer, prefix: config.QUEUE_PREFIX, timeoutMs: config.REDIS_TIMEOUT_MS });
  return {
    kind: 'redis',
    queues,
    producer,
    workerConnection: consumer ? { connection: consumer } : {},
    ready: () => waitForReady(producer, config.REDIS_TIMEOUT_MS),
    onBackAfterOutage: (listener) => onEveryReady(producer, listener),
    async close() {
      await queues.close();
      await closeRedis(producer);
      if (consumer) await closeRedis(consumer);
    },
  };
}

/** The fail-fast producer connection to REDIS_URL's server, or to the cluster of REDIS_MODE=cluster. */
export function producerConnectionFromConfig(config: Config, logger?: Logger): RedisConnection {
  if (config.REDIS_MODE === 'cluster') return createClusterProducerConnection(redisClusterNodes(config), config.REDIS_URL, config.REDIS_TIMEOUT_MS, logger);
  if (config.REDIS_MODE === 'sentinel') return createSentinelConnection(sentinelTarget(config), config.REDIS_URL, { worker: false, timeoutMs: config.REDIS_TIMEOUT_MS }, logger);
  return createProducerConnection(config.REDIS_URL, config.REDIS_TIMEOUT_MS, logger);
}

/** A retrying (worker) connection to REDIS_URL's server, or to the cluster or Sentinel master of REDIS_MODE. */
export function workerConnectionFromConfig(config: Config, logger?: Logger): RedisConnection {
  if (config.REDIS_MODE === 'cluster') return createClusterWorkerConnection(redisClusterNodes(config), config.REDIS_URL, logger);
  if (config.REDIS_MODE === 'sentinel') return createSentinelConnection(sentinelTarget(config), config.REDIS_URL, { worker: true, timeoutMs: config.REDIS_TIMEOUT_MS }, logger);
  return createWorkerConnection(config.REDIS_URL, logger);
}

const sentinelTarget = (config: Config) => ({
  sentinels: redisSentinelNodes(config),
  name: config.REDIS_SENTINEL_NAME as string,
  sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
});

/**
 * Refuses to start on a Redis that may evict keys (see checkEvictionPolicy). A Redis
 * down at start is checked when it first comes up; the process is serving by then,
 * so a bad policy is an error line rather than a refusal.
 */
async function guardEvictionPolicy(producer: RedisConnection, config: Config, logger: Logger): Promise<void> {
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
export async function postgresQueuePool(options: { databaseUrl: string; listeners: number; poolSize: number }): Promise<PostgresQueueConnection> {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.listeners + Math.max(2, Math.min(options.poolSize, 8)),
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
