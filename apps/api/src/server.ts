/**
 * The API process's composition root: config in, a listening server out, and one
 * `close()` that shuts everything in order.
 */
import type { AddressInfo } from 'node:net';
import type { Config } from '@vcq/config';
import {
  closeRedis,
  createProducerConnection,
  createServices,
  type JobPlatform,
  createStoreFromConfig,
  QueueSet,
  queueOverridesFromConfig,
  waitForReady,
} from '@vcq/jobs';
import { createLogger, type Logger } from '@vcq/logger';
import { createApp } from './app.js';

export interface ApiServer {
  url: string;
  port: number;
  platform: JobPlatform;
  close(): Promise<void>;
}

/** Builds the API from config and listens on `config.PORT` (0 picks a free port). */
export async function startApi(config: Config, logger: Logger = createLogger({ level: config.LOG_LEVEL, name: 'vcq-api' })): Promise<ApiServer> {
  if (config.QUEUE_BACKEND !== 'redis') {
    throw new Error(`QUEUE_BACKEND=${config.QUEUE_BACKEND} is not supported by this release; use redis`);
  }
  const { db, store } = createStoreFromConfig(config, logger);
  const redis = createProducerConnection(config.REDIS_URL, config.REDIS_TIMEOUT_MS, logger);
  const queues = new QueueSet({ connection: redis, prefix: config.QUEUE_PREFIX, timeoutMs: config.REDIS_TIMEOUT_MS, ...queueOverridesFromConfig(config) });
  const { handlers, platform, credentials } = createServices(config, { db, store, queues, logger });
  const app = createApp({
    db,
    platform,
    queues,
    handlers,
    logger,
    apiKeys: config.API_KEYS,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    defaultRegistryAddress: config.REGISTRY_ADDRESS,
    probeTimeoutMs: config.REDIS_TIMEOUT_MS,
    credentials,
    preferWaitMaxSeconds: config.PREFER_WAIT_MAX_SECONDS,
  });

  // Start queueing from the first request when Redis is there; without it, start anyway (sync fallback).
  if (!(await waitForReady(redis, config.REDIS_TIMEOUT_MS))) logger.warn('redis not reachable at start-up; serving in fallback mode until it is');
  const server = app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'api listening');

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    platform,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await store.close();
        await queues.close();
        await closeRedis(redis);
        await db.$disconnect();
        logger.info('api stopped');
      })();
      return closing;
    },
  };
}
