/**
 * Nothing accepted is lost: end to end with the worker as its own process, Redis
 * emptied under queued jobs, a worker killed mid-job, and a graceful SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, listenOnLoopback, startApp, startRedisServer, waitFor, type VcqProcess, auth, startWorld, uploadForm, type World } from '@vcq/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

let world: World;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  await world?.close();
});

async function api(env: Record<string, string> = {}): Promise<ApiServer> {
  const server = await startApi(world.config(env));
  cleanup.push(() => server.close());
  return server;
}

async function worker(env: Record<string, string> = {}): Promise<VcqProcess> {
  const proc = await startApp('worker', world.env(env));
  cleanup.push(() => proc.stop());
  return proc;
}

const submit = async (server: ApiServer, c: Awaited<ReturnType<World['content']>>) => {
  const res = await fetch(`${server.url}/api/verification-jobs/verify`, { method: 'POST', headers: auth, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { jobId: string }).jobId;
};

const read = async (server: ApiServer, id: string) =>
  (await (await fetch(`${server.url}/api/verification-jobs/${id}`, { headers: auth })).json()) as { status: string; progress: number; attempt: number; result: { status: string } | null };

const completed = (server: ApiServer, id: string) =>
  waitFor(
    async () => {
      const job = await read(server, id);
      return job.status === 'completed' ? job : undefined;
    },
    { what: `job ${id} to complete`, timeoutMs: 45_000 },
  );

describe('end to end with a separate worker process', () => {
  it('when a job is submitted, then progress is observed and the result is as specified', async () => {
    const server = await api();
    const proc = await worker();
    const c = await world.content();
    // A slow manifest host holds the job at progress 10 long enough to be seen.
    world.manifests.put(c.path, c.manifest, { delayMs: 600 });
    const id = await submit(server, c);
    const seen: number[] = [];
    const job = await waitFor(
      async () => {
        const j = await read(server, id);
        if (seen.at(-1) !== j.progress) seen.push(j.progress);
        return j.status === 'completed' ? j : undefined;
      },
      { what: 'job to complete', intervalMs: 10 },
    );
    expect(job.result?.status).toBe('OK');
    expect(seen).toContain(10);
    expect(seen.at(-1)).toBe(100);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});

describe('Redis emptied with jobs queued', () => {
  it('when Redis loses every queued job, then the reconciler re-adds them and they complete', async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.stop());
    const server = await api({ REDIS_URL: redis.url });
    const contents = await Promise.all(Array.from({ length: 5 }, () => world.content()));
    const ids: string[] = [];
    for (const c of contents) ids.push(await submit(server, c));

    const admin = new Redis(redis.url);
    expect(await admin.keys('*')).not.toHaveLength(0);
    await admin.flushall();
    expect(await admin.keys('*')).toHaveLength(0);
    await admin.quit();

    const proc = await worker({ REDIS_URL: redis.url });
    for (const id of ids) expect((await completed(server, id)).result?.status).toBe('OK');
    // The pass logs its report once it has gone through every row, which may be after the re-added jobs finished.
    expect(await proc.waitForLine(/reconciler re-added jobs/)).toMatch(/"readded":[1-9]/);
    // This worker's Redis is private but the database is shared with the next tests:
    // a live reconciler here would re-add their jobs into this Redis.
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    await redis.stop();
  });
});

describe('Redis restarted empty under a running worker', () => {
  it('when Redis comes back empty, then the worker re-adds the queued jobs at once, without waiting for a reconcile tick', async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.stop());
    // No reconcile ticks at all: only the worker noticing Redis is back can re-add.
    const env = { REDIS_URL: redis.url, RECONCILE_ENABLED: 'false', RECONCILE_GRACE_MS: '1000', QUEUE_CONCURRENCY: '1' };
    const server = await api(env);
    const proc = await worker(env);
    const contents = await Promise.all(Array.from({ length: 4 }, () => world.content()));
    // The first job holds the only slot, so the other three wait in Redis.
    world.manifests.put(contents[0]!.path, contents[0]!.manifest, { delayMs: 1500 });
    const ids: string[] = [];
    for (const c of contents) ids.push(await submit(server, c));
    await waitFor(async () => (await read(server, ids[0]!)).status === 'processing', { what: 'the first job to start' });
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue('verification', { connection, prefix: world.config().QUEUE_PREFIX });
    const counts = await queue.getJobCounts('wait', 'prioritized');
    expect((counts.wait ?? 0) + (counts.prioritized ?? 0)).toBe(3);
    await queue.close();
    connection.disconnect();

    await redis.stop();
    await redis.start();
    for (const id of ids) expect((await completed(server, id)).result?.status).toBe('OK');
    expect(proc.lines.some((l) => /queue backend reachable again/.test(l))).toBe(true);
    // The pass logs its report once it has gone through every row, which may be after the re-added jobs finished.
    expect(await proc.waitForLine(/reconciler re-added jobs/)).toMatch(/"readded":[1-9]/);
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});

// Jobs survive a killed worker and drain on SIGTERM on both queue backends; on
// PostgreSQL, Redis is a closed port.
describe.each(['redis', 'postgres'] as const)('on the %s backend', (backend) => {
  let backendEnv: Record<string, string> = {};
  beforeAll(async () => {
    backendEnv = backend === 'postgres' ? { QUEUE_BACKEND: 'postgres', REDIS_URL: `redis://127.0.0.1:${await freePort()}` } : {};
  });

describe('worker killed mid-job', () => {
  it('when the worker gets SIGKILL during a job, then after a restart the job completes once', async () => {
    const server = await api(backendEnv);
    const first = await worker(backendEnv);
    const c = await world.content();
    world.manifests.put(c.path, c.manifest, { delayMs: 60_000 });
    const id = await submit(server, c);
    await waitFor(async () => (await read(server, id)).status === 'processing', { what: 'job to start' });
    await waitFor(() => world.manifests.hits(c.path) === 1, { what: 'manifest request in flight' });
    first.kill('SIGKILL');
    await first.exited;

    world.manifests.put(c.path, c.manifest);
    const second = await worker(backendEnv);
    const job = await completed(server, id);
    expect(job.result?.status).toBe('OK');
    expect(job.attempt).toBe(2);
    expect(world.manifests.hits(c.path)).toBe(2);
    // The outcome is committed before the worker logs it; wait for the line, then count.
    await second.waitForLine(new RegExp(`"jobId":"${id}".*"msg":"job completed"`));
    const completions = second.lines.filter((l) => l.includes(id) && /job completed/.test(l));
    expect(completions).toHaveLength(1);
    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

describe('worker killed mid-job, twice', () => {
  it('when a job stalls more often than allowed, then the queue fails it, the reconciler closes its row as failed, and its webhook says so', async () => {
    const hooks: string[] = [];
    const receiver = await listenOnLoopback((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        hooks.push(body);
        res.writeHead(204).end();
      });
    });
    cleanup.push(() => receiver.close());
    const server = await api(backendEnv);
    const c = await world.content();
    world.manifests.put(c.path, c.manifest, { delayMs: 60_000 });
    const submitted = await fetch(`${server.url}/api/verification-jobs/verify`, {
      method: 'POST',
      headers: auth,
      body: uploadForm(c.bytes, { manifestURI: c.manifestUri, callbackUrl: `${receiver.url}/hook` }),
    });
    expect(submitted.status).toBe(202);
    const id = ((await submitted.json()) as { jobId: string }).jobId;
    // BullMQ allows one stall: the second is the queue's own final failure, which no
    // handler reports, so only the reconciler can close the row.
    for (const run of [1, 2]) {
      const doomed = await worker(backendEnv);
      // A fresh worker process, then (for the second) the lock's expiry and a stall check: slow on a loaded machine.
      await waitFor(() => world.manifests.hits(c.path) === run, { what: `attempt ${run}'s manifest request in flight`, timeoutMs: 45_000 });
      doomed.kill('SIGKILL');
      await doomed.exited;
    }
    const last = await worker({ ...backendEnv, RECONCILE_CRON: '* * * * * *', RECONCILE_GRACE_MS: '0' });
    try {
      const row = await waitFor(
        async () => {
          const res = await fetch(`${server.url}/api/verification-jobs/${id}`, { headers: auth });
          const job = (await res.json()) as { status: string; error: string | null; errorCode: string | null };
          return job.status === 'failed' ? job : undefined;
        },
        { what: 'the stalled job to be failed in Postgres', timeoutMs: 30_000 },
      );
      expect(row.errorCode).toBe('failed_in_queue');
      expect(row.error).toMatch(/stalled/);
      expect(world.manifests.hits(c.path)).toBe(2);
      await last.waitForLine(/reconciler closed rows the queue had failed|row closed as failed/);
      // The job's webhook carries the failure, as it would for a handler's final one.
      const hook = await waitFor(() => hooks.map((h) => JSON.parse(h) as Record<string, unknown>).find((h) => JSON.stringify(h).includes(id)), { what: 'the failed job webhook' });
      expect(JSON.stringify(hook)).toMatch(/failed_in_queue|stalled/);
      last.kill('SIGTERM');
      expect(await last.exited).toBe(0);
    } finally {
      // A worker reconciling every second must not outlive a failed assertion into the next test.
      if (last.child.exitCode === null && last.child.signalCode === null) last.kill('SIGKILL');
    }
  }, 150_000);
});

describe('graceful shutdown', () => {
  it('when the worker gets SIGTERM with jobs active, then they finish and it exits 0', async () => {
    const server = await api(backendEnv);
    const proc = await worker(backendEnv);
    const contents = await Promise.all(Array.from({ length: 3 }, () => world.content()));
    for (const c of contents) world.manifests.put(c.path, c.manifest, { delayMs: 1500 });
    const ids: string[] = [];
    for (const c of contents) ids.push(await submit(server, c));
    await waitFor(async () => (await Promise.all(ids.map((id) => read(server, id)))).every((j) => j.status === 'processing' && j.progress >= 10), {
      what: 'all jobs active',
    });
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.lines.some((l) => /shutting down: draining/.test(l))).toBe(true);
    for (const id of ids) {
      const job = await read(server, id);
      expect(job.status).toBe('completed');
      expect(job.result?.status).toBe('OK');
    }
  });
});
});
