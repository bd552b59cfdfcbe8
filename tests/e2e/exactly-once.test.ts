/**
 * Effects exactly once (invariant 9) under real crashes: a worker process SIGKILLed in
 * the middle of a burst, on both queue backends. Its jobs come back to a new worker;
 * those whose rows were finished must not run again, and those that ran again must
 * return what their first run made: one DID, one credential per job.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startApp, waitFor, type VcqProcess, auth, startWorld, type World } from '@vcq/testing';
import type { JobName } from '@vcq/app';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

const BURST = 300;

describe.each(['redis', 'postgres'] as const)('on the %s backend', (backend) => {
  let world: World;
  let env: Record<string, string>;
  let api: ApiServer;
  const workers: VcqProcess[] = [];

  beforeAll(async () => {
    world = await startWorld();
    env = backend === 'postgres' ? { QUEUE_BACKEND: 'postgres', REDIS_URL: `redis://127.0.0.1:${await freePort()}` } : {};
    api = await startApi(world.config(env));
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await api?.close();
    await world?.close();
  });

  const worker = async () => {
    const proc = await startApp('worker', world.env({ ...env, QUEUE_CONCURRENCY: '16', LOG_LEVEL: 'debug' }));
    workers.push(proc);
    return proc;
  };

  const statuses = async (ids: string[]) =>
    new Map((await world.sql<{ id: string; status: string }>('SELECT id::text AS id, status::text AS status FROM jobs WHERE id = ANY($1::uuid[])', [ids])).map((r) => [r.id, r.status]));

  /**
   * Submits the burst, lets a worker start on it, SIGKILLs it mid-burst, restarts a
   * worker and waits for every row to finish. Returns the ids, the ids whose rows were
   * already finished when the second worker started, and the second worker.
   */
  async function killMidBurst(name: JobName, data: unknown) {
    const ids: string[] = [];
    for (let i = 0; i < BURST; i++) ids.push((await api.platform.submit(name, data)).job.id);
    const first = await worker();
    // Killed as soon as it reports a tenth done (counted as its output arrives, so a fast
    // burst cannot finish while the test looks): the rest are running or waiting.
    let done = 0;
    first.child.stdout?.on('data', (chunk: Buffer) => {
      done += chunk.toString('utf8').split('"msg":"job completed"').length - 1;
      if (done >= BURST / 10) first.child.kill('SIGKILL');
    });
    await first.exited;
    const atKill = await statuses(ids);
    const finishedBefore = new Set(ids.filter((id) => atKill.get(id) === 'completed'));
    // The kill really was mid-burst.
    expect(finishedBefore.size).toBeLessThan(BURST);
    const second = await worker();
    await waitFor(async () => [...(await statuses(ids)).values()].every((s) => s === 'completed'), {
      what: `all ${BURST} ${name} jobs to complete after the restart`,
      timeoutMs: 90_000,
      intervalMs: 100,
    });
    // Handler entries of the second worker, by job id ("job started" is logged as the handler is called).
    const started = second.lines.filter((l) => l.includes('"msg":"job started"')).map((l) => (JSON.parse(l) as { jobId: string }).jobId);
    return { ids, finishedBefore, started, second };
  }

  it('when a job is delivered for its first time but its row is finished already (re-added after another run finished it), then its handler does not run', async () => {
    const [{ n: before }] = (await world.sql<{ n: string }>('SELECT count(*) AS n FROM dids')) as [{ n: string }];
    const id = (await api.platform.submit('did-create', { method: 'key' })).job.id;
    // Another run finished it while this delivery waited in the queue.
    await world.sql(`UPDATE jobs SET status = 'completed', attempt = 1, progress = 100, result = '{"did":"did:key:elsewhere"}', completed_at = now() WHERE id = $1`, [id]);
    const proc = await worker();
    await proc.waitForLine(new RegExp(`"jobId":"${id}".*finished already; not running it again`));
    expect(proc.lines.some((l) => l.includes(id) && l.includes('"msg":"job started"'))).toBe(false);
    const [{ n: after }] = (await world.sql<{ n: string }>('SELECT count(*) AS n FROM dids')) as [{ n: string }];
    expect(Number(after)).toBe(Number(before));
    const [row] = await world.sql<{ did: string }>("SELECT result->>'did' AS did FROM jobs WHERE id = $1", [id]);
    expect(row?.did).toBe('did:key:elsewhere');
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });

  it('when the worker is SIGKILLed during a burst of DID creations, then each job stored exactly one DID and no finished job ran again', async () => {
    const [{ n: before }] = (await world.sql<{ n: string }>('SELECT count(*) AS n FROM dids')) as [{ n: string }];
    const { ids, finishedBefore, started, second } = await killMidBurst('did-create', { method: 'key' });
    const stored = await world.sql<{ did: string; job_id: string | null }>('SELECT did, job_id::text AS job_id FROM dids');
    expect(stored.length - Number(before)).toBe(BURST);
    const results = await world.sql<{ id: string; did: string }>("SELECT id::text AS id, result->>'did' AS did FROM jobs WHERE id = ANY($1::uuid[])", [ids]);
    // Every stored DID of the burst is named by exactly one job's result, and is that job's.
    const namedBy = new Map<string, string[]>();
    for (const r of results) namedBy.set(r.did, [...(namedBy.get(r.did) ?? []), r.id]);
    const burstDids = stored.filter((d) => d.job_id !== null && ids.includes(d.job_id));
    expect(burstDids).toHaveLength(BURST);
    for (const d of burstDids) expect(namedBy.get(d.did)).toEqual([d.job_id]);
    expect(started.filter((id) => finishedBefore.has(id))).toEqual([]);
    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('when the worker is SIGKILLed during a burst of issuances, then each job stored exactly one credential and no finished job ran again', async () => {
    const imported = await fetch(`${api.url}/api/dids`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'key', seedHex: randomBytes(32).toString('hex') }),
    });
    expect(imported.status).toBe(201);
    const issuer = ((await imported.json()) as { result: { did: string } }).result.did;
    const { ids, finishedBefore, started, second } = await killMidBurst('issue-credential', {
      issuerDid: issuer,
      subjectDid: issuer,
      credentialType: 'CrashCheck',
      claims: { backend },
    });
    const stored = await world.sql<{ id: string }>('SELECT id::text AS id FROM credentials WHERE issuer = $1', [issuer]);
    expect(stored).toHaveLength(BURST);
    expect(new Set(stored.map((c) => c.id))).toEqual(new Set(ids));
    const results = await world.sql<{ id: string; credential: string }>("SELECT id::text AS id, result->>'credentialId' AS credential FROM jobs WHERE id = ANY($1::uuid[])", [
      ids,
    ]);
    for (const r of results) expect(r.credential).toBe(r.id);
    expect(started.filter((id) => finishedBefore.has(id))).toEqual([]);
    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
