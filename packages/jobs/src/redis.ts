/**
 * Redis connections. The API's producer connection fails fast (no offline queue,
 * short timeouts) so a dead Redis is noticed within about a second and the API can
 * fall back to synchronous work (invariant 6). Workers use BullMQ's required
 * settings (`maxRetriesPerRequest: null`) and reconnect forever.
 */
import { Cluster, type ClusterOptions, Redis } from 'ioredis';
import type { Logger } from '@vcq/logger';

/** A connection to one Redis server, or to a Redis Cluster (REDIS_MODE=cluster). */
export type RedisConnection = Redis | Cluster;

/** A cluster's seed node. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

/** Reconnect quickly at first, then every second: Redis coming back is noticed fast. */
const retryStrategy = (times: number) => Math.min(times * 100, 1000);

/**
 * A connection for enqueueing from request handlers: errors instead of waiting.
 * Commands issued in one turn of the event loop go out as one pipeline: the job
 * rows of a group commit resolve together, so their adds (and rate-limit counts)
 * share one write and one read instead of a round trip each.
 */
export function createProducerConnection(redisUrl: string, timeoutMs: number, logger?: Logger): Redis {
  const redis = new Redis(redisUrl, {
    enableAutoPipelining: true,
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

/**
 * A connection for BullMQ workers: commands wait for a reconnect instead of failing.
 * Not auto-pipelined: ioredis runs one pipeline at a time per connection, so a job's
 * `moveToFinished` (which also fetches its next job) would wait for the previous
 * batch's round trip. Measured against the same drain with it on (bench/worker-env-ab.ts
 * --b-root): 13-20 % fewer jobs per second, and no steady saving of worker CPU per job.
 */
export function createWorkerConnection(redisUrl: string, logger?: Logger): Redis {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy, connectTimeout: 2000 });
  watch(redis, 'worker', logger);
  return redis;
}

/**
 * The cluster counterpart of createProducerConnection: reaches the cluster through
 * `nodes` (any of its nodes; the rest are discovered), with the user, password and TLS
 * of `redisUrl`, and fails fast like the single-server connection.
 */
export function createClusterProducerConnection(nodes: RedisClusterNode[], redisUrl: string, timeoutMs: number, logger?: Logger): Cluster {
  const cluster = new Cluster(nodes, {
    ...clusterAuth(redisUrl),
    enableOfflineQueue: false,
    clusterRetryStrategy: retryStrategy,
    slotsRefreshTimeout: timeoutMs,
    redisOptions: { ...clusterAuth(redisUrl).redisOptions, maxRetriesPerRequest: 1, connectTimeout: timeoutMs, commandTimeout: timeoutMs },
  });
  watch(cluster, 'producer', logger);
  return cluster;
}

/** The cluster counterpart of createWorkerConnection: commands wait out a failover. */
export function createClusterWorkerConnection(nodes: RedisClusterNode[], redisUrl: string, logger?: Logger): Cluster {
  const cluster = new Cluster(nodes, {
    ...clusterAuth(redisUrl),
    clusterRetryStrategy: retryStrategy,
    redisOptions: { ...clusterAuth(redisUrl).redisOptions, maxRetriesPerRequest: null, connectTimeout: 2000 },
  });
  watch(cluster, 'worker', logger);
  return cluster;
}

/** A Redis behind Sentinel: the master the Sentinels name, found again after each failover. */
export interface RedisSentinelTarget {
  sentinels: RedisClusterNode[];
  name: string;
  /** The Sentinels' own password, when they have one. */
  sentinelPassword?: string | undefined;
}

/**
 * A connection to the master `target`'s Sentinels name, with the user, password and
 * TLS of `redisUrl`; `worker` picks the retrying settings of createWorkerConnection,
 * else the fail-fast ones of createProducerConnection. It is a plain Redis connection:
 * everything that works on one server works here.
 */
export function createSentinelConnection(target: RedisSentinelTarget, redisUrl: string, options: { worker: boolean; timeoutMs: number }, logger?: Logger): Redis {
  const redis = new Redis({
    ...clusterAuth(redisUrl).redisOptions,
    sentinels: target.sentinels,
    name: target.name,
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    sentinelRetryStrategy: retryStrategy,
    retryStrategy,
    ...(options.worker
      ? { maxRetriesPerRequest: null, connectTimeout: 2000 }
      : { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: options.timeoutMs, commandTimeout: options.timeoutMs }),
  });
  watch(redis, options.worker ? 'worker' : 'producer', logger);
  return redis;
}

/** The credentials and TLS of a `redis://` or `rediss://` URL, for every node of a cluster. */
function clusterAuth(redisUrl: string): Pick<ClusterOptions, 'redisOptions'> {
  const url = new URL(redisUrl);
  return {
    redisOptions: {
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}

/** The servers that hold data: the connection's server, or each master of a cluster. */
export function mastersOf(redis: RedisConnection): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

function watch(redis: RedisConnection, role: string, logger?: Logger): void {
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
export function onEveryReady(redis: RedisConnection, listener: () => void): () => void {
  redis.on('ready', listener);
  return () => {
    redis.off('ready', listener);
  };
}

/** Closes a connection without waiting on a Redis that is gone. */
export async function closeRedis(redis: RedisConnection): Promise<void> {
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
export async function waitForReady(redis: RedisConnection, timeoutMs: number): Promise<boolean> {
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

/** Redis's refusal of a write at `maxmemory` under `noeviction`: nothing of the command was applied. */
export function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && /\bOOM command not allowed\b/.test(error.message);
}

/** A Redis that may evict keys: it would drop job hashes, and with them accepted work. */
export class EvictionPolicyError extends Error {
  constructor(readonly policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}", so Redis may evict job keys and lose accepted work; ` +
        'set maxmemory-policy noeviction on the Redis server (or REDIS_ALLOW_EVICTION=true to start anyway)',
    );
    this.name = 'EvictionPolicyError';
  }
}

/**
 * Reads `maxmemory-policy` and refuses (throws EvictionPolicyError) anything but
 * `noeviction`, or only warns with `allowEviction`. A server that refuses CONFIG
 * (managed Redis often does) is warned about and accepted: its policy is unknown.
 */
export async function checkEvictionPolicy(redis: RedisConnection, options: { allowEviction: boolean; logger?: Logger }): Promise<void> {
  // On a cluster every master holds keys (a replica becomes one at failover, with its own config).
  for (const server of mastersOf(redis)) await checkServerEvictionPolicy(server, options);
}

async function checkServerEvictionPolicy(redis: Redis, options: { allowEviction: boolean; logger?: Logger }): Promise<void> {
  let policy: string | undefined;
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as unknown as string[];
    policy = reply[1];
  } catch (error) {
    options.logger?.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'could not read Redis maxmemory-policy (CONFIG refused); make sure it is noeviction, or evicted job keys lose accepted work',
    );
    return;
  }
  if (policy === undefined || policy === 'noeviction') return;
  const refusal = new EvictionPolicyError(policy);
  if (!options.allowEviction) throw refusal;
  options.logger?.error({ policy }, `${refusal.message}; starting anyway because REDIS_ALLOW_EVICTION=true`);
}

/**
 * Whether a Redis at its `maxmemory` has room again (INFO memory: used below the
 * limit, or no limit at all). An answer of "room" may still meet an OOM on the next
 * write; that write then marks it full again.
 */
export async function hasMemoryRoom(redis: RedisConnection): Promise<boolean> {
  // A cluster has room when each of its masters has: a queue's keys may sit on any of them.
  const rooms = await Promise.all(mastersOf(redis).map((server) => serverHasMemoryRoom(server)));
  return rooms.every(Boolean);
}

async function serverHasMemoryRoom(redis: Redis): Promise<boolean> {
  const info = await redis.info('memory');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  const max = field('maxmemory');
  return !(max > 0) || field('used_memory') < max;
}
