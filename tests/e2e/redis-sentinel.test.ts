/**
 * vcq behind Redis Sentinel (REDIS_MODE=sentinel): a master, its replica and three
 * Sentinels. Jobs complete end to end, and a master SIGKILLed under load, replaced by
 * its replica through the Sentinels, loses no accepted job and runs none twice.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, redisCliAvailable, type RedisSentinelSet, startRedisSentinel, startWorld, submitUntilSomeOpen, waitFor, type World } from '@vcq/testing';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';

const hasCli = await redisCliAvailable();

describe.skipIf(!hasCli)('vcq behind Redis Sentinel', () => {
  let world: World;
  let sentinel: RedisSentinelSet;
  let env: Record<string, string>;
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    [world, sentinel] = await Promise.all([startWorld(), startRedisSentinel()]);
    env = { REDIS_MODE: 'sentinel', REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_NAME: sentinel.name, ENABLE_TASK_SCHEDULING: 'false' };
  }, 60_000);

  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
    await sentinel?.stop();
    await world?.close();
  });

  const api = async (): Promise<ApiServer> => {
    const server = await startApi(world.config(env));
    cleanup.push(() => server.close());
    return server;
  };
  const worker = async (): Promise<WorkerProcess> => {
    const proc = await startWorker(world.config({ ...env, QUEUE_CONCURRENCY: '8' }));
    cleanup.push(() => proc.close());
    return proc;
  };
  const statuses = async (ids: string[]) =>
    new Map((await world.sql<{ id: string; status: string }>('SELECT id::text AS id, status::text AS status FROM jobs WHERE id = ANY($1::uuid[])', [ids])).map((r) => [r.id, r.status]));

  it('when the master is SIGKILLed mid-load and a replica takes over, then every accepted job completes exactly once', async () => {
    const server = await api();
    const proc = await worker();
    expect(server.platform.isQueueAvailable()).toBe(true);
    const imported = await fetch(`${server.url}/api/dids`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'key', seedHex: randomBytes(32).toString('hex') }),
    });
    expect(imported.status).toBe(201);
    const issuer = ((await imported.json()) as { result: { did: string } }).result.did;
    const ids: string[] = [];
    const kinds = new Map<string, 'did' | 'vc'>();
    const submitOne = async (i: number) => {
      const kind = i % 2 === 0 ? 'did' : 'vc';
      const submission =
        kind === 'did'
          ? await server.platform.submit('did-create', { method: 'key' })
          : await server.platform.submit('issue-credential', { issuerDid: issuer, subjectDid: issuer, credentialType: 'SentinelCheck', claims: { i } });
      ids.push(submission.job.id);
      kinds.set(submission.job.id, kind);
    };
    // Before the kill, the jobs go through the queue; some are still open when it comes.
    const open = await submitUntilSomeOpen(submitOne, async () => {
      const now = await statuses(ids);
      return ids.filter((id) => now.get(id) !== 'completed').length;
    });
    expect(new Set((await world.sql<{ mode: string }>('SELECT mode::text AS mode FROM jobs WHERE id = ANY($1::uuid[])', [ids])).map((r) => r.mode))).toEqual(new Set(['async']));
    expect(open).toBeGreaterThan(0);
    const before = await sentinel.master();
    let failedOver = false;
    const failover = sentinel.killMasterAndWaitForFailover().then(() => {
      failedOver = true;
    });
    let i = ids.length;
    while (!failedOver) await submitOne(i++);
    await failover;
    expect(await sentinel.master()).not.toBe(before);
    // The connections find the new master through the Sentinels and queue again.
    await waitFor(() => server.platform.isQueueAvailable(), { what: 'the API to reach the new master', timeoutMs: 15_000 });
    for (const end = i + 40; i < end; ) await submitOne(i++);

    await waitFor(
      async () => {
        await proc.reconcile();
        const s = await statuses(ids);
        return ids.every((id) => s.get(id) === 'completed');
      },
      { what: `all ${ids.length} jobs to complete after the failover`, timeoutMs: 45_000, intervalMs: 100 },
    );
    const didJobs = ids.filter((id) => kinds.get(id) === 'did');
    const vcJobs = ids.filter((id) => kinds.get(id) === 'vc');
    const dids = await world.sql<{ job_id: string; n: string }>('SELECT job_id::text AS job_id, count(*) AS n FROM dids WHERE job_id = ANY($1::uuid[]) GROUP BY job_id', [didJobs]);
    expect(dids).toHaveLength(didJobs.length);
    expect(dids.every((d) => d.n === '1')).toBe(true);
    const vcs = await world.sql<{ id: string }>('SELECT id::text AS id FROM credentials WHERE issuer = $1', [issuer]);
    expect(vcs.map((c) => c.id).sort()).toEqual([...vcJobs].sort());
    const late = await world.sql<{ mode: string }>('SELECT mode::text AS mode FROM jobs WHERE id = ANY($1::uuid[])', [ids.slice(-40)]);
    expect(late.filter((r) => r.mode === 'async').length).toBeGreaterThan(0);
    await proc.close();
  });
});
