/**
 * Invariant 6: with Redis gone the API works synchronously, noticing within about a
 * second, and goes back to queueing by itself when Redis returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedisServer, waitFor, type RedisServer, auth, startWorld, uploadForm, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

let world: World;
const opened: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await Promise.allSettled(opened.map((o) => o.close()));
  await world?.close();
});

async function api(env: Record<string, string>): Promise<ApiServer> {
  const server = await startApi(world.config(env));
  opened.push(server);
  return server;
}

const verify = async (server: ApiServer, c: Awaited<ReturnType<World['content']>>) => {
  const started = performance.now();
  const res = await fetch(`${server.url}/api/verification-jobs/verify`, { method: 'POST', headers: auth, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
  return { res, ms: performance.now() - started, body: (await res.json()) as Record<string, any> };
};

const stats = async (server: ApiServer) => (await (await fetch(`${server.url}/api/verification-jobs/stats`, { headers: auth })).json()) as { available: boolean };

describe('Redis unavailable', () => {
  it('when Redis is a closed port, then the API answers in sync mode at once and stores the row', async () => {
    const server = await api({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const c = await world.content();
    const { res, ms, body } = await verify(server, c);
    expect(res.status).toBe(200);
    expect(body.mode).toBe('sync');
    expect(body.result).toMatchObject({ status: 'OK', fileHash: c.hash });
    // No hanging on an offline command queue: the whole request, verification included.
    expect(ms).toBeLessThan(3000);
    const job = (await (await fetch(`${server.url}/api/verification-jobs/${body.jobId}`, { headers: auth })).json()) as Record<string, unknown>;
    expect(job).toMatchObject({ mode: 'sync', status: 'completed', progress: 100, contentHash: c.hash });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { database: 'up', queue: 'down' } });
  });

  it('when FALLBACK_MODE=reject and Redis is down, then 503 problem+json with Retry-After', async () => {
    const server = await api({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, FALLBACK_MODE: 'reject' });
    const c = await world.content();
    const { res, body } = await verify(server, c);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(body.status).toBe(503);
  });

  it('when a sync job fails upstream, then 502 problem+json and the row is failed', async () => {
    const server = await api({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const c = await world.content();
    world.manifests.put(c.path, 'nope', { status: 500 });
    const { res, body } = await verify(server, c);
    expect(res.status).toBe(502);
    expect(body.detail).toMatch(/500/);
    const list = (await (await fetch(`${server.url}/api/verification-jobs?status=failed&limit=100`, { headers: auth })).json()) as { items: Array<{ contentHash: string; mode: string }> };
    expect(list.items.find((i) => i.contentHash === c.hash)?.mode).toBe('sync');
  });

  describe('when Redis stops and starts again', () => {
    let redis: RedisServer;
    let server: ApiServer;
    let worker: WorkerProcess;

    beforeAll(async () => {
      redis = await startRedisServer();
      opened.push({ close: () => redis.stop() });
      const env = { REDIS_URL: redis.url };
      server = await api(env);
      worker = await startWorker(world.config(env));
      opened.unshift(worker);
      await waitFor(async () => (await stats(server)).available, { what: 'redis to be available' });
    });

    it('then jobs are queued, run synchronously while it is down, and queued again after', async () => {
      const first = await verify(server, await world.content());
      expect(first.res.status).toBe(202);

      await redis.stop();
      await waitFor(async () => !(await stats(server)).available, { what: 'the API to notice redis is down', timeoutMs: 5000 });
      const during = await verify(server, await world.content());
      expect(during.res.status).toBe(200);
      expect(during.body.mode).toBe('sync');
      expect(during.ms).toBeLessThan(3000);

      await redis.start();
      await waitFor(async () => (await stats(server)).available, { what: 'the API to notice redis is back', timeoutMs: 10_000 });
      const after = await verify(server, await world.content());
      expect(after.res.status).toBe(202);
      const done = await waitFor(
        async () => {
          const job = (await (await fetch(`${server.url}/api/verification-jobs/${after.body.jobId}`, { headers: auth })).json()) as { status: string };
          return job.status === 'completed' ? job : undefined;
        },
        { what: 'the job queued after redis returned to complete' },
      );
      expect(done.status).toBe('completed');
    });
  });
});
