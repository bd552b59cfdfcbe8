/**
 * The same platform on both queue backends: Redis, and BullMQ's PostgreSQL backend
 * with no Redis at all (QUEUE_BACKEND=postgres). End to end jobs, and several worker
 * processes sharing one queue with every job executed exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnApp, waitFor, type VcqProcess, auth, startWorld, uploadForm, type World } from '@vcq/testing';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';

type Json = Record<string, any>;

describe.each(['redis', 'postgres'] as const)('on the %s backend', (backend) => {
  let world: World;
  let env: Record<string, string>;

  beforeAll(async () => {
    world = await startWorld();
    // On the PostgreSQL backend Redis points at a closed port: nothing may need it.
    env = backend === 'postgres' ? { QUEUE_BACKEND: 'postgres', REDIS_URL: `redis://127.0.0.1:${await freePort()}` } : {};
  });

  afterAll(async () => {
    await world?.close();
  });

  describe('end to end', () => {
    let api: ApiServer;
    let worker: WorkerProcess;

    beforeAll(async () => {
      // Backoff from 300 ms: long enough for the test to fix the host between attempts.
      const config = world.config({ ...env, JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '300' });
      [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
    });

    afterAll(async () => {
      await Promise.allSettled([api?.close(), worker?.close()]);
    });

    const get = async (path: string) => (await (await fetch(`${api.url}${path}`, { headers: auth })).json()) as Json;
    const finished = (path: string) => waitFor(async () => ((await get(path)).status === 'completed' ? get(path) : undefined), { what: `${path} to complete` });

    it('when a file is verified, then the job is queued (not run in the request) and completes', async () => {
      const c = await world.content();
      const res = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: auth, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
      expect(res.status).toBe(202);
      const { jobId, mode } = (await res.json()) as Json;
      expect(mode).toBe('async');
      const job = await finished(`/api/verification-jobs/${jobId}`);
      expect(job).toMatchObject({ mode: 'async', progress: 100, result: { status: 'OK', fileHash: c.hash } });
      const ready = await fetch(`${api.url}/readyz`);
      expect(ready.status).toBe(200);
    });

    it('when the manifest host fails twice, then the job retries with backoff and completes on its third attempt', async () => {
      const c = await world.content();
      world.manifests.put(c.path, 'down for now', { status: 503 });
      const res = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: auth, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
      const { jobId } = (await res.json()) as Json;
      // After the second failed attempt the host recovers; the third attempt succeeds.
      await waitFor(() => world.manifests.hits(c.path) >= 2, { what: 'two failed attempts' });
      world.manifests.put(c.path, c.manifest);
      const job = await finished(`/api/verification-jobs/${jobId}`);
      expect(job).toMatchObject({ attempt: 3, retryCount: 2, error: null, result: { status: 'OK' } });
      expect(world.manifests.hits(c.path)).toBe(3);
    });

    it('when a credential is issued, then it is queued, signed and verifies', async () => {
      const post = (path: string, body: unknown) =>
        fetch(`${api.url}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Json }));
      const did = await post('/api/dids', { method: 'key' });
      expect(did.status).toBe(202);
      const issuer = (await finished(did.body.pollUrl)).result.did as string;
      const issued = await post('/api/credentials/issue', { issuerDid: issuer, subjectDid: issuer, credentialType: 'BackendCheck', claims: { backend } });
      expect(issued.body.mode).toBe('async');
      const vcJwt = (await finished(issued.body.pollUrl)).result.vcJwt as string;
      const verified = await post('/api/credentials/verify', { vcJwt });
      expect((await finished(verified.body.pollUrl)).result).toMatchObject({ valid: true, issuer });
    });
  });

  describe('several worker processes', () => {
    const workers: VcqProcess[] = [];
    let api: ApiServer;

    afterAll(async () => {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      await api?.close();
    });

    it('when three workers share 1,000 jobs, then each job is executed exactly once', async () => {
      api = await startApi(world.config(env));
      const countDids = async () => Number((await world.sql<{ n: string }>('SELECT count(*) AS n FROM dids'))[0]?.n);
      const before = await countDids();
      const ids: string[] = [];
      for (let i = 0; i < 1000; i++) ids.push((await api.platform.submit('did-create', { method: 'key' })).job.id);
      // Production lock settings: the suite's 2 s lock (for the SIGKILL test) would let
      // three busy workers on two cores miss renewals and re-run jobs as stalled.
      const lock = { WORKER_LOCK_MS: '30000', WORKER_STALLED_INTERVAL_MS: '30000' };
      for (let i = 0; i < 3; i++) workers.push(spawnApp('worker', world.env({ ...env, ...lock, QUEUE_CONCURRENCY: '20', LOG_LEVEL: 'debug' })));
      await Promise.all(workers.map((w) => w.waitForLine(/worker started/)));
      await waitFor(
        async () => {
          const [row] = await world.sql<{ open: string }>("SELECT count(*) AS open FROM jobs WHERE id = ANY($1::uuid[]) AND status <> 'completed'", [ids]);
          return Number(row?.open) === 0;
        },
        { what: 'all 1,000 jobs to complete', timeoutMs: 120_000, intervalMs: 200 },
      );
      // Every execution of did-create makes a new DID: more new DIDs than jobs means a job ran twice.
      const [distinct] = await world.sql<{ n: string }>("SELECT count(DISTINCT result->>'did') AS n FROM jobs WHERE id = ANY($1::uuid[])", [ids]);
      expect(Number(distinct?.n)).toBe(1000);
      expect((await countDids()) - before).toBe(1000);
      // The work was shared: every worker process ran some of it.
      for (const w of workers) expect(w.lines.some((l) => l.includes('"jobName":"did-create"'))).toBe(true);
    });
  });
});
