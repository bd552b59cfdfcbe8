/** A producer for the worker's tests: it accepts jobs as the API does, without HTTP. */
import type { Config } from '@vcq/config';
import { catalogFromConfig, createServices, createStoreFromConfig } from '@vcq/app';
import { closeRedis, createProducerConnection, JobWaiter, QueueSet, waitForReady } from '@vcq/jobs';
import { createLogger } from '@vcq/logger';

/** Accepts jobs the way the API does (row first, then the queue), without HTTP. */
export async function startProducer(config: Config) {
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'test-producer' });
  const { db, store } = createStoreFromConfig(config, logger);
  const redis = createProducerConnection(config.REDIS_URL, config.REDIS_TIMEOUT_MS, logger);
  const queues = new QueueSet({ catalog: catalogFromConfig(config), connection: redis, prefix: config.QUEUE_PREFIX, timeoutMs: config.REDIS_TIMEOUT_MS });
  const { platform } = createServices(config, { db, store, queues, logger });
  const waiter = new JobWaiter({ store, connectionString: config.DATABASE_URL });
  await waitForReady(redis, config.REDIS_TIMEOUT_MS);
  return {
    platform,
    queues,
    waiter,
    async close() {
      await waiter.close();
      await store.close();
      await queues.close();
      await closeRedis(redis);
      await db.$disconnect();
    },
  };
}
export type Producer = Awaited<ReturnType<typeof startProducer>>;
