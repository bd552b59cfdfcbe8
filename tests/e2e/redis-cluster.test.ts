/**
 * vcq on a Redis Cluster (REDIS_MODE=cluster): three masters with a replica each,
 * started from redis-server binaries. The API and workers run in process; the queue
 * prefix is hash-tagged ({prefix}) so every BullMQ key of the deployment sits in one
 * slot. Jobs complete end to end, the dashboard reads the cluster, the reconciler
 * puts back a job the cluster lost, a schedule ticks once per tick with two workers,
 * rate limits are shared, the eviction and memory checks ask every master, and a
 * master SIGKILLed under load loses no accepted job and runs none twice.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { tickJobId } from '@vcq/jobs';
import { auth, freePort, jsonClient, redisCliAvailable, type RedisCluster, startRedisCluster, startWorld, submitUntilSomeOpen, waitFor, type World } from '@vcq/testing';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';

const hasCli = await redisCliAvailable();

describe.skipIf(!hasCli)('vcq on a Redis Cluster', () => {
  let world: World;
  let cluster: RedisCluster;
  let clusterEnv: Record<string, string>;
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    [world, cluster] = await Promise.all([startWorld(), startRedisCluster()]);
    // REDIS_URL only names a seed here; REDIS_CLUSTER_NODES lists all six, as a deployment would.
    clusterEnv = { REDIS_MODE: 'cluster', REDIS_URL: cluster.url, REDIS_CLUSTER_NODES: cluster.seeds, ENABLE_TASK_SCHEDULING: 'false' };
  }, 60_000);

  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
    await cluster?.stop();
    await world?.close();
  });

  const api = async (env: Record<string, string> = {}): Promise<ApiServer> => {
    const server = await startApi(world.config({ ...clusterEnv, ...env }));
    cleanup.push(() => server.close());
    return server;
  };
  const worker = async (env: Record<string, string> = {}): Promise<WorkerProcess> => {
    const proc = await startWorker(world.config({ ...clusterEnv, ...env }));
    cleanup.push(() => proc.close());
    return proc;
  };

  const statuses = async (ids: string[]) =>
    new Map((await world.sql<{ id: string; status: string }>('SELECT id::text AS id, status::text AS status FROM jobs WHERE id = ANY($1::uuid[])', [ids])).map((r) => [r.id, r.status]));
  const allCompleted = (ids: string[], what: string, poke?: () => Promise<unknown>) =>
    waitFor(
      async () => {
        await poke?.();
        const s = await statuses(ids);
        return ids.every((id) => s.get(id) === 'completed');
      },
      { what, timeoutMs: 45_000, intervalMs: 100 },
    );

  const importIssuer = async (server: ApiServer) => {
    const res = await fetch(`${server.url}/api/dids`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'key', seedHex: randomBytes(32).toString('hex') }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { result: { did: string } }).result.did;
  };

  it('when the API and a worker run on the cluster, then the prefix is hash-tagged, readiness is up and DID creations and issuances all complete with their rows', async () => {
    const server = await api();
    const proc = await worker();
    expect(world.config(clusterEnv).QUEUE_PREFIX).toBe(`{${world.prefix}}`);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(server.platform.isQueueAvailable()).toBe(true);

    const call = jsonClient(() => server.url);
    const issuer = await importIssuer(server);
    const dids: string[] = [];
    const credentials: string[] = [];
    for (let i = 0; i < 20; i++) {
      const did = await call('POST', '/api/dids', { method: 'key' });
      expect(did.status).toBe(202);
      expect(did.body.mode).toBe('async');
      dids.push(did.body.jobId);
      const vc = await call('POST', '/api/credentials/issue', { issuerDid: issuer, subjectDid: issuer, credentialType: 'ClusterCheck', claims: { i } });
      expect(vc.status).toBe(202);
      expect(vc.body.mode).toBe('async');
      credentials.push(vc.body.jobId);
    }
    await allCompleted([...dids, ...credentials], 'the 40 jobs to complete on the cluster');

    const stored = await world.sql<{ job_id: string }>('SELECT job_id::text AS job_id FROM dids WHERE job_id = ANY($1::uuid[])', [dids]);
    expect(stored.map((d) => d.job_id).sort()).toEqual([...dids].sort());
    const issued = await world.sql<{ id: string }>('SELECT id::text AS id FROM credentials WHERE issuer = $1', [issuer]);
    expect(new Set(issued.map((c) => c.id))).toEqual(new Set(credentials));
    const modes = await world.sql<{ mode: string }>('SELECT DISTINCT mode::text AS mode FROM jobs WHERE id = ANY($1::uuid[])', [[...dids, ...credentials]]);
    expect(modes).toEqual([{ mode: 'async' }]);
    // The keys really are on the cluster, under the hash tag: the finished jobs left, the queue's meta stays.
    const queues = server.platform.queues;
    expect((await queues?.states(dids.slice(0, 3).map((id) => ({ queue: 'did-operations', id }))))?.map((s) => s.present)).toEqual([false, false, false]);
    await proc.close();
  });

  it('when no seed node answers at start, then the API starts at once in fallback and runs jobs in the request', async () => {
    const port = await freePort();
    const started = Date.now();
    const server = await api({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_CLUSTER_NODES: `127.0.0.1:${port}` });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.platform.isQueueAvailable()).toBe(false);
    const submission = await server.platform.submit('did-create', { method: 'key' });
    expect(submission.mode).toBe('sync');
    expect(submission.job.status).toBe('completed');
  });

  it('when a queued job is deleted from the cluster, then the reconciler adds it again and it completes', async () => {
    const server = await api();
    const queues = server.platform.queues;
    if (!queues) throw new Error('no queues');
    const id = (await server.platform.submit('did-create', { method: 'key' })).job.id;
    expect(await queues.states([{ queue: 'did-operations', id }])).toEqual([{ present: true, failedReason: null }]);
    // The dashboard reads the same cluster through its own connection: the job waits there.
    const board = await fetch(`${server.url}/admin/queues/api/queues`, { headers: auth });
    expect(board.status).toBe(200);
    const listed = ((await board.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> }).queues.find((q) => q.name === 'did-operations');
    expect((listed?.counts.waiting ?? 0) + (listed?.counts.prioritized ?? 0)).toBe(1);
    expect(await queues.queue('did-operations').remove(id)).toBe(1);
    expect(await queues.states([{ queue: 'did-operations', id }])).toEqual([{ present: false, failedReason: null }]);

    // The worker's start-up pass (or the explicit one, whichever reads the row first) adds it back.
    const proc = await worker();
    await allCompleted([id], 'the re-added job to complete', () => proc.reconcile());
    const [row] = await world.sql<{ attempt: number; n: string }>('SELECT j.attempt, (SELECT count(*) FROM dids d WHERE d.job_id = j.id) AS n FROM jobs j WHERE j.id = $1', [id]);
    expect(row).toMatchObject({ attempt: 1, n: '1' });
    await proc.close();
  });

  it('when the reconcile task ticks every second with two workers, then each tick runs once', async () => {
    const env = { ENABLE_TASK_SCHEDULING: 'true', RECONCILE_CRON: '* * * * * *', WEBHOOK_RETRY_SWEEP_ENABLED: 'false', CLEANUP_ENABLED: 'false' };
    await world.sql("DELETE FROM jobs WHERE kind = 'reconcile'");
    const [a, b] = await Promise.all([worker(env), worker(env)]);
    const RUNS = "SELECT id::text AS job_id, (data->>'scheduledFor')::timestamptz AS scheduled_for, status::text AS status FROM jobs WHERE kind = 'reconcile' AND data->>'trigger' = 'schedule'";
    await waitFor(async () => (await world.sql(`${RUNS} AND status = 'completed'`)).length >= 4, { what: 'four reconcile ticks', timeoutMs: 30_000, intervalMs: 100 });
    await Promise.all([a.close(), b.close()]);
    const all = await world.sql<{ job_id: string; scheduled_for: Date; status: string }>(`${RUNS} ORDER BY scheduled_for`);
    expect(all.length).toBeGreaterThanOrEqual(4);
    const ticks = all.map((r) => r.scheduled_for.getTime());
    expect(new Set(ticks).size).toBe(all.length);
    for (const r of all) {
      expect(r.job_id).toBe(tickJobId('reconcile', r.scheduled_for));
      expect(r.scheduled_for.getTime() % 1000).toBe(0);
    }
    // Switched off again, so the next test's workers see no ticks.
    await (await worker()).close();
  });

  it('when rate limiting is on, then the counters live on the cluster and the third request in the window is refused', async () => {
    const server = await api({ RATE_LIMIT_POINTS: '2', RATE_LIMIT_WINDOW_SECONDS: '60' });
    const codes: number[] = [];
    for (let n = 0; n < 3; n++) codes.push((await fetch(`${server.url}/api/jobs/00000000-0000-4000-8000-000000000000`, { headers: auth })).status);
    expect(codes[2]).toBe(429);
    expect(codes.slice(0, 2)).not.toContain(429);
    // A second API shares them: the cluster's counter is spent for this key already.
    const other = await api({ RATE_LIMIT_POINTS: '2', RATE_LIMIT_WINDOW_SECONDS: '60' });
    expect((await fetch(`${other.url}/api/jobs/00000000-0000-4000-8000-000000000000`, { headers: auth })).status).toBe(429);
  });

  it('when one master may evict keys, then the API refuses to start and names the policy', async () => {
    const [master] = await cluster.masters();
    const node = new Redis({ host: '127.0.0.1', port: master as number });
    try {
      await node.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await expect(startApi(world.config(clusterEnv))).rejects.toThrow(/maxmemory-policy is "allkeys-lru"/);
    } finally {
      await node.config('SET', 'maxmemory-policy', 'noeviction');
      node.disconnect();
    }
  });

  it('when the master holding the queues is full, then submissions run in the request, and queueing resumes once it has room', async () => {
    const server = await api();
    const node = new Redis({ host: '127.0.0.1', port: await cluster.masterOf(`{${world.prefix}}`) });
    try {
      // Below what it holds already, under noeviction: every write is refused with OOM.
      await node.config('SET', 'maxmemory', '1');
      const refused = await server.platform.submit('did-create', { method: 'key' });
      expect(refused.mode).toBe('sync');
      expect(refused.job.status).toBe('completed');
      expect(server.platform.isQueueAvailable()).toBe(false);
      await node.config('SET', 'maxmemory', '0');
      // The memory probe (INFO on every master) sees room again by itself.
      await waitFor(() => server.platform.isQueueAvailable(), { what: 'the queue to count as available again', timeoutMs: 10_000 });
      const queued = await server.platform.submit('did-create', { method: 'key' });
      expect(queued.mode).toBe('async');
      expect(await server.platform.queues?.states([{ queue: 'did-operations', id: queued.job.id }])).toEqual([{ present: true, failedReason: null }]);
    } finally {
      await node.config('SET', 'maxmemory', '0');
      node.disconnect();
    }
  });

  it('when the master holding the queues is SIGKILLed mid-load, then after the failover every accepted job completes exactly once', async () => {
    const server = await api();
    const proc = await worker({ QUEUE_CONCURRENCY: '8' });
    const issuer = await importIssuer(server);
    const victim = await cluster.masterOf(`{${world.prefix}}`);
    const ids: string[] = [];
    const kinds = new Map<string, 'did' | 'vc'>();
    const submitOne = async (i: number) => {
      const kind = i % 2 === 0 ? 'did' : 'vc';
      const submission =
        kind === 'did'
          ? await server.platform.submit('did-create', { method: 'key' })
          : await server.platform.submit('issue-credential', { issuerDid: issuer, subjectDid: issuer, credentialType: 'FailoverCheck', claims: { i } });
      ids.push(submission.job.id);
      kinds.set(submission.job.id, kind);
    };
    // Mid-load: jobs still queued or running when the master dies.
    const open = await submitUntilSomeOpen(submitOne, async () => {
      const now = await statuses(ids);
      return ids.filter((id) => now.get(id) !== 'completed').length;
    });
    expect(open).toBeGreaterThan(0);
    // Killed with jobs queued and running; submissions go on through the failover
    // (refused adds fall back to running in the request).
    const failover = cluster.killMasterAndWaitForFailover(victim);
    let i = ids.length;
    let failedOver = false;
    void failover.then(() => {
      failedOver = true;
    });
    while (!failedOver) await submitOne(i++);
    await failover;
    for (const end = i + 40; i < end; ) await submitOne(i++);
    expect(await cluster.masters()).not.toContain(victim);

    // A write the dead master had not replicated yet is gone from the cluster; the
    // rows in Postgres bring it back through the reconciler.
    await allCompleted(ids, `all ${ids.length} jobs to complete after the failover`, () => proc.reconcile());
    const didJobs = ids.filter((id) => kinds.get(id) === 'did');
    const vcJobs = ids.filter((id) => kinds.get(id) === 'vc');
    const dids = await world.sql<{ job_id: string; n: string; did: string }>(
      'SELECT job_id::text AS job_id, count(*) AS n, min(did) AS did FROM dids WHERE job_id = ANY($1::uuid[]) GROUP BY job_id',
      [didJobs],
    );
    expect(dids).toHaveLength(didJobs.length);
    expect(dids.every((d) => d.n === '1')).toBe(true);
    const vcs = await world.sql<{ id: string }>('SELECT id::text AS id FROM credentials WHERE issuer = $1', [issuer]);
    expect(vcs.map((c) => c.id).sort()).toEqual([...vcJobs].sort());
    const results = await world.sql<{ id: string; did: string | null; credential: string | null }>(
      "SELECT id::text AS id, result->>'did' AS did, result->>'credentialId' AS credential FROM jobs WHERE id = ANY($1::uuid[])",
      [ids],
    );
    const didOf = new Map(dids.map((d) => [d.job_id, d]));
    for (const r of results) {
      if (kinds.get(r.id) === 'vc') expect(r.credential).toBe(r.id);
      else expect(r.did).toBe(didOf.get(r.id)?.did);
    }
    await proc.close();
  });
});
