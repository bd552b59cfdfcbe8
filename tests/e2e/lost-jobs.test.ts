/**
 * Nothing accepted is lost in the states the plain re-add did not cover: a job
 * waiting between retries when Redis restarts empty, a synchronous run whose API
 * process dies, and a job whose hash Redis dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startApp, startRedisServer, waitFor, auth, startWorld, uploadForm, type World } from '@vcq/testing';
import { Redis } from 'ioredis';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';

let world: World;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  await world?.close();
});

// Periodic tasks off: each test decides when a reconcile pass runs.
const quiet = { ENABLE_TASK_SCHEDULING: 'false' };

async function api(env: Record<string, string>): Promise<ApiServer> {
  const server = await startApi(world.config({ ...quiet, ...env }));
  cleanup.push(() => server.close());
  return server;
}

async function worker(env: Record<string, string>): Promise<WorkerProcess> {
  const proc = await startWorker(world.config({ ...quiet, ...env }));
  cleanup.push(() => proc.close());
  return proc;
}

interface Row {
  status: string;
  mode: string;
  attempt: number;
  error: unknown;
  result: { status: string } | null;
}

const row = async (id: string): Promise<Row | undefined> =>
  (await world.sql<Row & Record<string, unknown>>('SELECT status, mode, attempt, error, result FROM jobs WHERE id = $1', [id]))[0];

const completedRow = (id: string, poke?: () => Promise<unknown>) =>
  waitFor(
    async () => {
      await poke?.();
      const r = await row(id);
      return r?.status === 'completed' ? r : undefined;
    },
    { what: `job ${id} to complete`, timeoutMs: 45_000, intervalMs: 100 },
  );

const submit = async (server: ApiServer, c: Awaited<ReturnType<World['content']>>, headers: Record<string, string> = {}) => {
  const res = await fetch(`${server.url}/api/verification-jobs/verify`, { method: 'POST', headers: { ...auth, ...headers }, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { jobId: string }).jobId;
};

describe('a job waiting between retries when Redis restarts empty', () => {
  it('when its row is processing at attempt 2 and Redis loses the delayed job, then the reconciler re-adds it counting on and it completes', async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.stop());
    // Retries wait 1.5 s, then 3 s: long enough to restart Redis under the delayed job.
    const env = { REDIS_URL: redis.url, JOB_BACKOFF_MS: '1500' };
    const server = await api(env);
    const proc = await worker(env);
    const c = await world.content();
    world.manifests.fail(c.path, 503);
    const id = await submit(server, c);
    await waitFor(async () => (await row(id))?.attempt === 2 && (await row(id))?.error !== null, { what: 'the second attempt to fail', timeoutMs: 20_000 });
    expect((await row(id))?.status).toBe('processing');

    world.manifests.put(c.path, c.manifest);
    await redis.stop();
    await redis.start();
    const done = await completedRow(id, () => proc.reconcile());
    expect(done.result?.status).toBe('OK');
    // Counted on from the row's two attempts: a re-added job numbered 1 again could write nothing.
    expect(done.attempt).toBe(3);
    expect(world.manifests.hits(c.path)).toBe(3);
    await proc.close();
  });
});

describe('a job whose hash Redis dropped', () => {
  it('when the job hash is deleted while it waits, then the worker runs it from its row', async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.stop());
    const env = { REDIS_URL: redis.url };
    const server = await api(env);
    const c = await world.content();
    const id = await submit(server, c);
    const admin = new Redis(redis.url);
    cleanup.push(async () => admin.disconnect());
    const key = `${world.prefix}:verification:${id}`;
    expect(await admin.exists(key)).toBe(1);
    // What eviction does to a job: its hash goes, its id stays in the wait list.
    expect(await admin.del(key)).toBe(1);

    const proc = await worker(env);
    const done = await completedRow(id);
    expect(done.result?.status).toBe('OK');
    expect(done.error).toBeNull();
    expect(done.attempt).toBe(1);
    await proc.close();
  });
});

describe('a synchronous run whose API process dies', () => {
  it('when the API is killed mid-run, then once its lease expires the reconciler finishes the job, and the Idempotency-Key retry returns it', async () => {
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    const c = await world.content();
    // The run stalls on the manifest host until the process is gone.
    world.manifests.put(c.path, c.manifest, { delayMs: 60_000 });
    const doomed = await startApp('api', world.env({ ...quiet, REDIS_URL: redisUrl, SYNC_LEASE_MS: '1000', PORT: String(await freePort()) }));
    cleanup.push(() => doomed.stop());
    const listening = await doomed.waitForLine(/api listening/);
    const url = (JSON.parse(listening) as { url?: string }).url ?? `http://127.0.0.1:${(JSON.parse(listening) as { port: number }).port}`;
    const headers = { ...auth, 'idempotency-key': `sync-${c.hash}` };
    const pending = fetch(`${url}/api/verification-jobs/verify`, { method: 'POST', headers, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) }).catch(
      (error: unknown) => error,
    );
    await waitFor(() => world.manifests.hits(c.path) === 1, { what: 'the synchronous run to reach the manifest host' });
    const [orphan] = await world.sql<{ id: string; mode: string; status: string; lease_until: Date | null }>(
      "SELECT id, mode, status, lease_until FROM jobs WHERE data->>'contentHash' = $1",
      [c.hash],
    );
    expect(orphan).toMatchObject({ mode: 'sync', status: 'processing' });
    expect(orphan?.lease_until).not.toBeNull();
    doomed.kill('SIGKILL');
    await doomed.exited;
    expect(await pending).toBeInstanceOf(Error);

    world.manifests.put(c.path, c.manifest);
    const redis = await startRedisServer(port);
    cleanup.push(() => redis.stop());
    const proc = await worker({ REDIS_URL: redisUrl, RECONCILE_GRACE_MS: '0' });
    const id = orphan?.id as string;
    const done = await completedRow(id, () => proc.reconcile());
    expect(done.result?.status).toBe('OK');
    expect(done.mode).toBe('async');
    expect(done.attempt).toBe(2);

    const server = await api({ REDIS_URL: redisUrl });
    const retry = await fetch(`${server.url}/api/verification-jobs/verify`, { method: 'POST', headers, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
    expect(retry.status).toBe(202);
    const body = (await retry.json()) as { jobId: string };
    expect(body.jobId).toBe(id);
    // The retry returned the job; it did not run it again.
    expect(world.manifests.hits(c.path)).toBe(2);
    await proc.close();
  });
});
