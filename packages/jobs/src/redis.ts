/**
 * Redis connections. The API's producer connection fails fast (no offline queue,
 * short timeouts) so a dead Redis is noticed within about a second and the API can
 * fall back to synchronous work (invariant 6). Workers use BullMQ's required
 * settings (`maxRetriesPerRequest: null`) and reconnect forever.
 */
import { Redis } from 'ioredis';
import type { Logger } from '@vcq/logger';

/** Reconnect quickly at first, then every second: Redis coming back is noticed fast. */
const retryStrategy = (times: number) => Math.min(times * 100, 1000);

/** A connection for enqueueing from request handlers: errors instead of waiting. */
export function createProducerConnection(redisUrl: string, timeoutMs: number, logger?: Logger): Redis {
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy,
    lazyConnect: false,
  });
  watch(redis, 'producer', logger);
  return redis;
}

/** A connection for BullMQ workers: commands wait for a reconnect instead of failing. */
export function createWorkerConnection(redisUrl: string, logger?: Logger): Redis {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy, connectTimeout: 2000 });
  watch(redis, 'worker', logger);
  return redis;
}

function watch(redis: Redis, role: string, logger?: Logger): void {
  let up = false;
  redis.on('ready', () => {
    if (!up) logger?.info({ role }, 'redis connection ready');
    up = true;
  });
  // Every connection needs an error listener, or a refused connect crashes the process.
  redis.on('error', (error: Error) => {
    if (up) logger?.warn({ role, err: error.message }, 'redis connection lost');
    up = false;
  });
  redis.on('end', () => {
    up = false;
  });
}

/**
 * Calls `listener` each time `redis` becomes ready from here on: after a lost
 * connection comes back (Redis may have restarted empty), or for the first time when
 * it was down at start. Returns the unsubscribe.
 */
export function onEveryReady(redis: Redis, listener: () => void): () => void {
  redis.on('ready', listener);
  return () => {
    redis.off('ready', listener);
  };
}

/** Closes a connection without waiting on a Redis that is gone. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}

/**
 * Waits up to `timeoutMs` for the connection's first `ready`; resolves false at the
 * first connection error, so a process with Redis down starts (in fallback) at once.
 */
export async function waitForReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      resolve(ok);
    };
    const onReady = () => done(true);
    const onError = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}
