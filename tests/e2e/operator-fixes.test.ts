/**
 * What operators expect of the running service, against a real API, worker, Postgres
 * and Redis: cleaning waiting jobs reaches prioritized ones, deleting a finished job
 * keeps its outcome, listings carry `queueState`, the pages' CSP does not force
 * https, the dashboard lists every catalog queue, and `/readyz` on the PostgreSQL
 * backend checks the queue backend's own tables.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNames } from '@vcq/app';
import { ENDED } from '@vcq/jobs';
import { freePort, startWorld, uploadForm, type World } from '@vcq/testing';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';

type Json = Record<string, any>;
const ADMIN = { 'x-api-key': 'test-key' };

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.close();
});

const client = (api: () => ApiServer) => async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${api().url}${path}`, {
    method,
    headers: { ...ADMIN, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Json };
};

describe('on the Redis backend', () => {
  let api: ApiServer;
  let worker: WorkerProcess;
  const http = client(() => api);

  beforeAll(async () => {
    const config = world.config({ JOB_ATTEMPTS: '1' });
    [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
  });

  afterAll(async () => {
    await Promise.allSettled([api?.close(), worker?.close()]);
  });

  const submitVerify = async () => {
    const c = await world.content();
    const res = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: ADMIN, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
    expect(res.status).toBe(202);
    return { id: ((await res.json()) as Json).jobId as string, content: c };
  };
  const settled = async (id: string) => {
    const row = await api.waiter.wait(id, ENDED, 30_000);
    if (!row) throw new Error(`job ${id} did not settle`);
    return row;
  };

  it('when waiting jobs with a priority are cleaned, then they are removed, their rows cancelled, and they never run', async () => {
    await http('POST', '/queue/verification/pause');
    try {
      const { id, content } = await submitVerify();
      // Verification jobs have priority NORMAL (5): BullMQ keeps them in `prioritized`, not `wait`.
      const listed = await http('GET', '/queue/verification/jobs?status=waiting');
      expect(listed.body.data.jobs.map((j: Json) => j.id)).toContain(id);
      const cleaned = await http('POST', '/queue/verification/clean', { grace: 0, status: 'waiting' });
      expect(cleaned.status).toBe(200);
      expect(cleaned.body.data.ids).toContain(id);
      expect(cleaned.body.data.cancelled).toBeGreaterThanOrEqual(1);
      expect((await http('GET', `/api/jobs/${id}`)).body.status).toBe('cancelled');
      expect((await http('GET', '/queue/verification/stats')).body.data.waiting).toBe(0);
      await http('POST', '/queue/verification/resume');
      // A later job of the queue completing means the cleaned one would have run by now.
      expect((await settled((await submitVerify()).id)).status).toBe('completed');
      expect(world.manifests.hits(content.path)).toBe(0);
    } finally {
      await http('POST', '/queue/verification/resume');
    }
  });

  it('when a failed job is deleted, then the queue copy goes and its row keeps its failed outcome', async () => {
    const c = await world.content();
    world.manifests.put(c.path, 'down', { status: 500 });
    const res = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: ADMIN, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
    const id = ((await res.json()) as Json).jobId as string;
    const failed = await settled(id);
    expect(failed.status).toBe('failed');
    expect((await http('GET', `/queue/verification/job/${id}`)).body.data.queueState).toBe('failed');
    const deleted = await http('DELETE', `/queue/verification/job/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toMatchObject({ id, cancelled: false, removed: true, queueState: 'failed' });
    const after = (await http('GET', `/api/jobs/${id}`)).body;
    expect(after.status).toBe('failed');
    expect(after.errorCode).not.toBeNull();
    expect((await http('GET', `/queue/verification/job/${id}`)).body.data.queueState).toBeNull();
  });

  it('when completed and failed jobs are listed, then each entry carries queueState', async () => {
    const done = await submitVerify();
    expect((await settled(done.id)).status).toBe('completed');
    const c = await world.content();
    world.manifests.put(c.path, 'down', { status: 500 });
    const res = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: ADMIN, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
    const failedId = ((await res.json()) as Json).jobId as string;
    expect((await settled(failedId)).status).toBe('failed');

    const completed = (await http('GET', '/queue/verification/jobs?status=completed&start=0&end=99')).body.data.jobs as Json[];
    const entry = completed.find((j) => j.id === done.id);
    // Completed jobs leave the queue at once (removeOnComplete): the row is all there is.
    expect(entry).toHaveProperty('queueState', null);
    const failed = (await http('GET', '/queue/verification/jobs?status=failed&start=0&end=99')).body.data.jobs as Json[];
    expect(failed.find((j) => j.id === failedId)).toHaveProperty('queueState', 'failed');
    for (const j of [...completed, ...failed]) expect(j).toHaveProperty('queueState');
  });

  it('when /docs, /admin/queues or an API route answers, then its CSP does not carry upgrade-insecure-requests', async () => {
    for (const path of ['/docs', '/admin/queues', '/healthz', '/openapi.json']) {
      const res = await fetch(`${api.url}${path}`, { headers: ADMIN });
      const csp = res.headers.get('content-security-policy');
      expect(csp, path).toBeTruthy();
      expect(csp, path).not.toMatch(/upgrade-insecure-requests/);
      expect(csp, path).toMatch(/default-src 'self'/);
    }
  });

  it('when the dashboard’s data API is read, then every catalog queue is on it, maintenance and vc-events too', async () => {
    const res = await http('GET', '/admin/queues/api/queues');
    expect(res.status).toBe(200);
    const names = (res.body.queues as Json[]).map((q) => q.name).sort();
    expect(names).toEqual([...queueNames].sort());
    expect(names).toEqual(expect.arrayContaining(['maintenance', 'vc-events']));
  });

  it('when a job reports progress steps faster than a write flush, then its SSE stream has an event for every step', async () => {
    const c = await world.content();
    // The manifest fetch holds the job after 10; 30 and 50, then 70, 90 and the outcome, follow each other within a flush.
    world.manifests.put(c.path, c.manifest, { delayMs: 300 });
    const res = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: ADMIN, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
    const id = ((await res.json()) as Json).jobId as string;
    const stream = await fetch(`${api.url}/api/jobs/${id}/events`, { headers: ADMIN });
    const events = (await stream.text())
      .split('\n\n')
      .filter((block) => block.includes('event:'))
      .map((block) => ({ event: block.match(/^event: (.+)$/m)?.[1] as string, data: JSON.parse(block.match(/^data: (.+)$/m)?.[1] as string) as Json }));
    const steps = events.map((e) => e.data.progress as number).filter((p) => p > 0);
    expect(steps).toEqual([10, 30, 50, 70, 90, 100]);
    expect(events.at(-1)).toMatchObject({ event: 'completed', data: { status: 'completed', progress: 100 } });
    expect(events.filter((e) => e.event === 'progress').every((e) => e.data.status === 'processing')).toBe(true);
  });

  it('when a task run is left running by a runner that is gone, then the reconciler closes it and drops its queue copy', async () => {
    // A pid of this host that no longer exists: a process that has exited.
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    const gone = `${hostname()}:${child.pid}`;
    const runs = { orphaned: randomUUID(), live: randomUUID(), elsewhere: randomUUID() };
    const runners = { orphaned: gone, live: `${hostname()}:${process.pid}`, elsewhere: 'another-host:4242' };
    const queues = api.platform.queues;
    if (!queues) throw new Error('no queues');
    // Paused: no worker will take (and so finish) the runs' queue copies.
    await http('POST', '/queue/maintenance/pause');
    try {
      for (const [which, id] of Object.entries(runs) as Array<[keyof typeof runs, string]>) {
        await api.platform.store.create({ id, kind: 'cleanup', queue: 'maintenance', name: 'cleanup', data: { trigger: 'manual' }, mode: 'async', maxAttempts: 1 });
        await world.sql(
          `UPDATE jobs SET status = 'processing', attempt = 1, runner = $2, started_at = now() - interval '1 minute', updated_at = now() - interval '1 minute' WHERE id = $1::uuid`,
          [id, runners[which]],
        );
        await queues.add('cleanup', id, { trigger: 'manual' });
      }
      const report = (await worker.reconcile()) as Json;
      expect(report.closed).toBeGreaterThanOrEqual(1);

      const orphaned = (await http('GET', `/admin/tasks/cleanup/runs?jobId=${runs.orphaned}`)).body.data.runs[0];
      expect(orphaned).toMatchObject({ status: 'failed', runner: gone, error: { code: 'runner_gone' } });
      expect(await queues.queue('maintenance').getJobState(runs.orphaned)).toBe('unknown');
      // A live runner's run, and one of a host this process cannot see, are left to their runners and BullMQ.
      for (const id of [runs.live, runs.elsewhere]) {
        expect((await http('GET', `/admin/tasks/cleanup/runs?jobId=${id}`)).body.data.runs[0].status, id).toBe('running');
        expect(await queues.queue('maintenance').getJobState(id)).not.toBe('unknown');
      }
    } finally {
      for (const id of Object.values(runs)) await (await queues.queue('maintenance').getJob(id))?.remove().catch(() => undefined);
      await api.platform.store.cancel(Object.values(runs));
      await http('POST', '/queue/maintenance/resume');
    }
  });

  it('when /readyz answers, then it names the backend its queue check tested', async () => {
    const res = await http('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ database: 'up', queue: 'up', queueBackend: 'redis' });
  });
});

describe('on the PostgreSQL backend', () => {
  let api: ApiServer;
  const http = client(() => api);

  beforeAll(async () => {
    // Redis points at a closed port: nothing here may need it.
    api = await startApi(world.config({ QUEUE_BACKEND: 'postgres', REDIS_URL: `redis://127.0.0.1:${await freePort()}` }));
  });

  afterAll(async () => {
    await api?.close();
  });

  it('when BullMQ’s own table is unreadable, then /readyz says queue down while the database is up', async () => {
    const ready = await http('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'up', queue: 'up', queueBackend: 'postgres' });
    await world.sql('ALTER TABLE bullmq.job RENAME TO job_away');
    try {
      const down = await http('GET', '/readyz');
      expect(down.status).toBe(503);
      expect(down.body.checks).toEqual({ database: 'up', queue: 'down', queueBackend: 'postgres' });
    } finally {
      await world.sql('ALTER TABLE bullmq.job_away RENAME TO job');
    }
    expect((await http('GET', '/readyz')).status).toBe(200);
  });
});
