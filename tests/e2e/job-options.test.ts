/**
 * A job's own options over HTTP (`priority`, `delay`/`runAt`, `attempts`), on both
 * queue backends, against a real API and worker: they are stored on the row, shown in
 * the job view, and take effect; a job the reconciler re-adds from its row keeps them;
 * and members a route does not take are refused, naming them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDED } from '@vcq/jobs';
import { freePort, startWorld, uploadForm, type World } from '@vcq/testing';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';

type Json = Record<string, any>;
const ADMIN = { 'x-api-key': 'test-key' };

describe.each(['redis', 'postgres'] as const)('on the %s backend', (backend) => {
  let world: World;
  let api: ApiServer;
  let worker: WorkerProcess;

  beforeAll(async () => {
    world = await startWorld();
    // On the PostgreSQL backend Redis points at a closed port: nothing may need it.
    const env: Record<string, string> = backend === 'postgres' ? { QUEUE_BACKEND: 'postgres', REDIS_URL: `redis://127.0.0.1:${await freePort()}` } : {};
    // One job at a time per queue, so the order jobs start in is the order the queue hands them out.
    const config = world.config({ ...env, QUEUE_CONCURRENCY: '1', MAX_JOB_ATTEMPTS: '5' });
    [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
  });

  afterAll(async () => {
    await Promise.allSettled([api?.close(), worker?.close()]);
    await world?.close();
  });

  const http = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { ...ADMIN, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const createDid = async (options: Json = {}) => {
    const res = await http('POST', '/api/dids', { method: 'key', ...options });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.jobId as string;
  };
  const settled = async (id: string) => {
    if (!(await api.waiter.wait(id, ENDED, 30_000))) throw new Error(`job ${id} did not settle`);
    return (await http('GET', `/api/jobs/${id}`)).body;
  };

  it('when a critical job is submitted behind normal ones, then it starts first', async () => {
    expect((await http('POST', '/queue/did-operations/pause')).status).toBe(200);
    let normal: string[];
    let critical: string;
    try {
      normal = [await createDid({ priority: 'normal' }), await createDid({ priority: 5 }), await createDid({ priority: 'normal' })];
      critical = await createDid({ priority: 'critical' });
    } finally {
      await http('POST', '/queue/did-operations/resume');
    }
    const first = await settled(critical);
    const others = await Promise.all(normal.map(settled));
    expect(first).toMatchObject({ status: 'completed', priority: 0 });
    for (const other of others) {
      expect(other).toMatchObject({ status: 'completed', priority: 5 });
      // One at a time: the critical job had finished before any normal one started.
      expect(Date.parse(first.completedAt)).toBeLessThanOrEqual(Date.parse(other.startedAt));
    }
  });

  it('when a job is delayed, then it does not start before its time, while an undelayed one runs meanwhile', async () => {
    const delayed = await createDid({ delay: 1500 });
    const viewed = (await http('GET', `/api/jobs/${delayed}`)).body;
    expect(viewed.status).toBe('queued');
    const runAt = Date.parse(viewed.runAt);
    expect(runAt - Date.parse(viewed.createdAt)).toBeGreaterThanOrEqual(1490);
    expect(runAt - Date.parse(viewed.createdAt)).toBeLessThanOrEqual(1600);
    expect((await settled(await createDid())).status).toBe('completed');
    expect((await http('GET', `/api/jobs/${delayed}`)).body.status).toBe('queued');
    const done = await settled(delayed);
    expect(done.status).toBe('completed');
    expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(runAt);
  });

  it('when runAt is given, then the job starts no earlier, and the view shows the time asked for', async () => {
    const at = new Date(Date.now() + 1200);
    const id = await createDid({ runAt: at.toISOString(), priority: 'low' });
    const viewed = (await http('GET', `/api/jobs/${id}`)).body;
    expect(viewed).toMatchObject({ runAt: at.toISOString(), priority: 10, status: 'queued' });
    const done = await settled(id);
    expect(done.status).toBe('completed');
    expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(at.getTime());
  });

  it('when attempts is given on a multipart upload, then the job fails after that many attempts, with priority and delay as form fields', async () => {
    const c = await world.content();
    world.manifests.put(c.path, 'down', { status: 500 });
    const res = await fetch(`${api.url}/api/verification-jobs/verify`, {
      method: 'POST',
      headers: ADMIN,
      body: uploadForm(c.bytes, { manifestURI: c.manifestUri, attempts: '2', priority: 'HIGH', delay: '10' }),
    });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as Json).jobId as string;
    const queued = (await http('GET', `/api/verification-jobs/${id}`)).body;
    expect(queued).toMatchObject({ maxAttempts: 2, priority: 1 });
    expect(queued.runAt).not.toBeNull();
    const failed = await settled(id);
    // The catalog's default is 3 attempts: 2 means the option took effect.
    expect(failed).toMatchObject({ status: 'failed', attempt: 2, maxAttempts: 2 });
    expect(world.manifests.hits(c.path)).toBe(2);
  });

  it('when options are out of bounds or unknown members are sent, then 400 names each field and nothing is queued', async () => {
    const before = (await http('GET', '/api/verification-jobs?limit=1')).body.total;
    const tooMany = await http('POST', '/api/dids', { method: 'key', attempts: 6 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([{ field: 'attempts', message: 'must be at most 5 (MAX_JOB_ATTEMPTS)' }]);
    const bad = await http('POST', '/api/dids', { method: 'key', priority: 'urgent', delay: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: Json) => e.field).sort()).toEqual(['delay', 'priority']);
    const both = await http('POST', '/api/dids', { method: 'key', delay: 10, runAt: new Date().toISOString() });
    expect(both.body.errors).toEqual([{ field: 'runAt', message: 'give delay or runAt, not both' }]);
    const unknown = await http('POST', '/api/dids', { method: 'key', prio: 1, colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { field: 'prio', message: 'is not a field of this request' },
      { field: 'colour', message: 'is not a field of this request' },
    ]);
    const c = await world.content();
    const form = uploadForm(c.bytes, { manifestURI: c.manifestUri, note: 'hello' });
    const upload = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: ADMIN, body: form });
    expect(upload.status).toBe(400);
    expect(((await upload.json()) as Json).errors).toEqual([{ field: 'note', message: 'is not a field of this request' }]);
    expect((await http('GET', '/api/verification-jobs?limit=1')).body.total).toBe(before);
  });

  it('when a VC API request carries an unknown envelope member, then 400 names it; the credential’s own members are kept', async () => {
    const issuer = (await http('POST', '/api/dids', { method: 'key', seedHex: 'ab'.repeat(32) })).body.result.did as string;
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential'],
      issuer,
      credentialSubject: { id: issuer, anyMember: 'kept' },
    };
    const refused = await http('POST', '/credentials/issue', { credential, options: {}, extra: true });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'extra', message: 'is not a field of this request' }]);
    const issued = await http('POST', '/credentials/issue', { credential, options: {}, priority: 'critical' });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    expect(issued.body.verifiableCredential.type).toBe('EnvelopedVerifiableCredential');
  });

  it('when the reconciler re-adds a lost delayed job, then it keeps its priority and its time', async () => {
    const id = await createDid({ delay: 4000, priority: 'low' });
    const row = (await http('GET', `/api/jobs/${id}`)).body;
    const queue = api.platform.queues?.queue('did-operations');
    if (!queue) throw new Error('no queue');
    expect(await queue.getJobState(id)).toBe('delayed');
    await (await queue.getJob(id))?.remove();
    expect(await queue.getJobState(id)).toBe('unknown');

    const report = (await worker.reconcile()) as Json;
    expect(report.readded).toBeGreaterThanOrEqual(1);
    expect(await queue.getJobState(id)).toBe('delayed');
    const readded = await queue.getJob(id);
    expect(readded?.opts.priority).toBe(10);
    // What is left of the delay, not the whole of it again, nor none.
    const due = (readded?.timestamp ?? 0) + (readded?.opts.delay ?? 0);
    expect(Math.abs(due - Date.parse(row.runAt))).toBeLessThanOrEqual(250);
    const done = await settled(id);
    expect(done.status).toBe('completed');
    expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(Date.parse(row.runAt));
  });
});

describe('with Redis unreachable (sync fallback)', () => {
  let world: World;
  let api: ApiServer;

  beforeAll(async () => {
    world = await startWorld();
    api = await startApi(world.config({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_TIMEOUT_MS: '300' }));
  });

  afterAll(async () => {
    await api?.close();
    await world?.close();
  });

  const post = async (body: unknown) => {
    const res = await fetch(`${api.url}/api/dids`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Json };
  };

  it('when a delayed job is submitted, then it is accepted for later (never run in the request), while an undelayed one runs now', async () => {
    const now = await post({ method: 'key', priority: 'low' });
    expect(now.status).toBe(200);
    expect(now.body.mode).toBe('sync');
    const later = await post({ method: 'key', delay: 60_000 });
    expect(later.status).toBe(202);
    const row = await api.platform.store.get(later.body.jobId as string);
    // Committed, for the reconciler to queue once Redis is back.
    expect(row).toMatchObject({ status: 'queued', mode: 'async', startedAt: null });
    expect((row?.runAt?.getTime() ?? 0) - (row?.createdAt.getTime() ?? 0)).toBeGreaterThanOrEqual(59_900);
    expect((await api.platform.store.get(now.body.jobId as string))?.priority).toBe(10);
  });
});
