/**
 * Redis's memory limit: a Redis that may evict keys is refused at start (it would
 * drop job hashes), and a full one (maxmemory under noeviction) counts as down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApp, startApp, startRedisServer, waitFor, type RedisServer, auth, startWorld, uploadForm, type World } from '@vcq/testing';
import { Redis } from 'ioredis';
import { startApi, type ApiServer } from '../src/server.js';

let world: World;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  await world?.close();
});

async function redisServer(options: Parameters<typeof startRedisServer>[1]): Promise<RedisServer> {
  const redis = await startRedisServer(undefined, options);
  cleanup.push(() => redis.stop());
  return redis;
}

describe('a Redis that may evict keys', () => {
  it.each(['worker', 'api'] as const)('when the %s starts on a Redis with allkeys-lru, then it refuses with one line naming the policy and exits 1', async (app) => {
    const redis = await redisServer({ maxmemory: '64mb', maxmemoryPolicy: 'allkeys-lru' });
    const proc = spawnApp(app, world.env({ REDIS_URL: redis.url }));
    cleanup.push(() => proc.stop());
    expect(await proc.exited).toBe(1);
    const refusals = proc.lines.filter((l) => /maxmemory-policy is \\"allkeys-lru\\".*noeviction/.test(l));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/"level":60/);
    expect(proc.lines.some((l) => /worker started|api listening/.test(l))).toBe(false);
  });

  it('when REDIS_ALLOW_EVICTION=true, then the worker starts anyway with an error line', async () => {
    const redis = await redisServer({ maxmemory: '64mb', maxmemoryPolicy: 'volatile-lru' });
    const proc = await startApp('worker', world.env({ REDIS_URL: redis.url, REDIS_ALLOW_EVICTION: 'true' }));
    cleanup.push(() => proc.stop());
    expect(proc.lines.some((l) => /"level":50.*maxmemory-policy is \\"volatile-lru\\".*starting anyway/.test(l))).toBe(true);
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});

/**
 * Fills `redis` until it refuses a write for want of memory, then lowers its limit
 * under what it holds: right at the limit, freed buffers would let some writes in.
 */
async function fill(redis: Redis): Promise<void> {
  const value = 'x'.repeat(64 * 1024);
  for (let i = 0; ; i++) {
    try {
      await redis.set(`filler:${i}`, value);
    } catch (error) {
      if (!/OOM/.test((error as Error).message)) throw error;
      break;
    }
  }
  const used = Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
  await redis.config('SET', 'maxmemory', String(used - 1024 * 1024));
}

const submit = (server: ApiServer, c: Awaited<ReturnType<World['content']>>) =>
  fetch(`${server.url}/api/verification-jobs/verify`, { method: 'POST', headers: auth, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });

describe('a full Redis (maxmemory reached, noeviction)', () => {
  it.each([
    ['sync', 200],
    ['reject', 503],
  ] as const)('when FALLBACK_MODE=%s and Redis is full, then submissions answer %i, no row stays queued, and queueing resumes once it has room', async (mode, status) => {
    const redis = await redisServer({ maxmemory: '8mb', maxmemoryPolicy: 'noeviction' });
    const server = await startApi(world.config({ REDIS_URL: redis.url, FALLBACK_MODE: mode }));
    cleanup.push(() => server.close());
    const admin = new Redis(redis.url);
    cleanup.push(async () => admin.disconnect());
    await fill(admin);

    // The first submission commits its row and meets the refused add; the others find the queue marked full.
    expect(server.platform.isQueueAvailable()).toBe(true);
    for (let i = 0; i < 3; i++) {
      const res = await submit(server, await world.content());
      const body = (await res.json()) as { mode?: string; result?: { status: string }; jobId?: string };
      expect(res.status).toBe(status);
      if (mode === 'sync') {
        expect(body.mode).toBe('sync');
        expect(body.result?.status).toBe('OK');
      } else {
        expect(res.headers.get('retry-after')).toBeTruthy();
      }
      expect(server.platform.isQueueAvailable()).toBe(false);
    }
    const open = await world.sql<{ n: string }>("SELECT count(*)::text AS n FROM jobs WHERE status = 'queued'");
    expect(open[0]?.n).toBe('0');
    const ran = await world.sql<{ n: string }>("SELECT count(*)::text AS n FROM jobs WHERE mode = 'sync' AND status = 'completed'");
    expect(ran[0]?.n).toBe(mode === 'sync' ? '3' : '0');

    // Room again: the API notices by itself and queues the next submission.
    await admin.flushall();
    await admin.config('SET', 'maxmemory', '64mb');
    const queued = await waitFor(
      async () => {
        const res = await submit(server, await world.content());
        return res.status === 202 ? ((await res.json()) as { jobId: string }) : undefined;
      },
      { what: 'a submission to be queued again', intervalMs: 200, timeoutMs: 10_000 },
    );
    const connection = new Redis(redis.url);
    cleanup.push(async () => connection.disconnect());
    expect(await connection.exists(`${world.prefix}:verification:${queued.jobId}`)).toBe(1);
    // The rows are this test's own; the next test counts its own.
    await world.sql('DELETE FROM jobs');
  });
});

describe('a worker whose Redis fills up', () => {
  it('when Redis becomes full while a job runs, then the worker says so at error level and the job row still ends completed', async () => {
    const redis = await redisServer({ maxmemory: '64mb', maxmemoryPolicy: 'noeviction' });
    const env = { REDIS_URL: redis.url };
    const server = await startApi(world.config(env));
    cleanup.push(() => server.close());
    const proc = await startApp('worker', world.env(env));
    cleanup.push(() => proc.stop());
    const c = await world.content();
    world.manifests.put(c.path, c.manifest, { delayMs: 1500 });
    // A loaded machine may start the API before its Redis connection is ready.
    await waitFor(() => server.platform.isQueueAvailable(), { what: 'the API to reach Redis' });
    const res = await submit(server, c);
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    await waitFor(() => world.manifests.hits(c.path) === 1, { what: 'the job to be running' });
    const admin = new Redis(redis.url);
    cleanup.push(async () => admin.disconnect());
    await admin.config('SET', 'maxmemory', '8mb');
    await fill(admin);

    await proc.waitForLine(/"level":50.*redis is full/, 15_000);
    // The outcome is Postgres's: committed before BullMQ is told, whatever Redis refuses.
    const row = await waitFor(async () => {
      const rows = await world.sql<{ status: string }>('SELECT status FROM jobs WHERE id = $1', [jobId]);
      return rows[0]?.status === 'completed' ? rows[0] : undefined;
    }, { what: 'the job row to be completed' });
    expect(row.status).toBe('completed');
    await admin.flushall();
    await admin.config('SET', 'maxmemory', '64mb');
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    await world.sql('DELETE FROM jobs');
  });
});
