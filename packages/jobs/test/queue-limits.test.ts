/**
 * Per-queue limits on both queue backends (real Redis, and BullMQ's PostgreSQL
 * backend), on queues of the test's own: a rate limit given at start holds job starts
 * to `max` per `duration`, and limits applied to a running runtime take effect
 * without restarting its Workers.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDb, type Db, JobStore } from '@vcq/db';
import { createLogger } from '@vcq/logger';
import { createTestDatabase, waitFor } from '@vcq/testing';
import { type Catalog, exponential, type Handlers, Priority } from '../src/catalog.js';
import { JobPlatform } from '../src/platform.js';
import { postgresQueuePool } from '../src/backend.js';
import { type PostgresQueueConnection, QueueSet } from '../src/queues.js';
import { startWorkers, type WorkerRuntime } from '../src/worker-runtime.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'silent' });
const payload = z.object({ n: z.number() });
const entry = (queue: string, name: string) => ({ queue, name, schema: payload, attempts: 1, retry: exponential(0), priority: Priority.NORMAL });

describe.each(['redis', 'postgres'] as const)('queue limits on the %s backend', (backend) => {
  const run = randomUUID().slice(0, 8);
  const prefix = `vcq-limits-${run}`;
  const catalog = { limited: entry(`toy-limited-${run}`, 'limited'), later: entry(`toy-later-${run}`, 'later') } satisfies Catalog;
  /** When each handler run started, by entry. */
  const starts = { limited: [] as number[], later: [] as number[] };
  const handlers: Handlers<typeof catalog> = {
    limited: async () => {
      starts.limited.push(Date.now());
      return {};
    },
    later: async () => {
      starts.later.push(Date.now());
      return {};
    },
  };
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let store: JobStore;
  const redis: Redis[] = [];
  let queues: QueueSet<typeof catalog>;
  let platform: JobPlatform<typeof catalog>;
  let runtime: WorkerRuntime;
  let pool: PostgresQueueConnection | undefined;
  const connection = () => {
    if (backend === 'postgres') return { postgres: pool as PostgresQueueConnection };
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    redis.push(r);
    return { connection: r };
  };

  beforeAll(async () => {
    database = await createTestDatabase('vcq_limits');
    db = createDb(database.url);
    store = new JobStore(db, { flushMs: 2, maxBatch: 500 });
    if (backend === 'postgres') pool = await postgresQueuePool({ databaseUrl: database.url, listeners: 4, poolSize: 8 });
    queues = new QueueSet({ catalog, ...connection(), prefix, timeoutMs: 5000 });
    platform = new JobPlatform({ catalog, store, queues, handlers, logger, fallbackMode: 'reject' });
    runtime = startWorkers({
      ...connection(),
      prefix,
      catalog,
      store,
      handlers,
      logger,
      concurrency: 10,
      limits: { [catalog.limited.queue]: { limiter: { max: 2, duration: 1000 } } },
    });
    await waitFor(async () => queues.isAvailable());
  });

  afterAll(async () => {
    await runtime?.close(5000);
    await queues?.close();
    const [first] = redis;
    if (first) {
      const keys = await first.keys(`${prefix}:*`);
      if (keys.length > 0) await first.del(...keys);
    }
    for (const r of redis) r.disconnect();
    await pool?.end();
    await store?.close();
    await db?.$disconnect();
    await database?.drop();
  });

  const completed = (ids: string[]) =>
    waitFor(async () => ((await store.getMany(ids)).every((r) => r.status === 'completed') ? true : undefined), { what: 'every job to complete', timeoutMs: 20_000 });

  it('when a queue is limited to 2 jobs per 1000 ms, then no third job starts within a second of the first of a window', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 6; n++) ids.push((await platform.submit('limited', { n })).job.id);
    await completed(ids);
    const t = [...starts.limited].sort((a, b) => a - b);
    expect(t).toHaveLength(6);
    // Windows of 1000 ms with at most 2 starts each: any 3 consecutive starts span a
    // window boundary, so starts i and i+2 are at least about a window apart, and 6
    // starts take three windows. (50 ms of slack for the window opening before the handler runs.)
    for (let i = 0; i + 2 < t.length; i += 2) expect((t[i + 2] as number) - (t[i] as number)).toBeGreaterThanOrEqual(950);
    expect((t[5] as number) - (t[0] as number)).toBeGreaterThanOrEqual(1950);
  });

  it('when limits are applied to a running runtime, then the new rate limit and concurrency hold without a restart', async () => {
    const queue = catalog.later.queue;
    expect(runtime.queueInfo().find((q) => q.name === queue)).toEqual({ name: queue, concurrency: 10, active: 0 });
    runtime.applyLimits({ [queue]: { concurrency: 1, limiter: { max: 1, duration: 1000 } } });
    expect(runtime.queueInfo().find((q) => q.name === queue)?.concurrency).toBe(1);
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await platform.submit('later', { n })).job.id);
    await completed(ids);
    const t = [...starts.later].sort((a, b) => a - b);
    expect(t).toHaveLength(3);
    for (let i = 0; i + 1 < t.length; i++) expect((t[i + 1] as number) - (t[i] as number)).toBeGreaterThanOrEqual(950);

    // Back to the defaults: the other queue's limits are dropped too, as the map no longer names them.
    runtime.applyLimits({});
    expect(runtime.queueInfo().map((q) => q.concurrency)).toEqual([10, 10]);
    expect(runtime.workers.every((w) => w.opts.limiter === undefined)).toBe(true);
  });
});
