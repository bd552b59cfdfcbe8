/**
 * What operators expect: the live worker processes on either backend, dead letters
 * and bulk retries, per-queue limits, schedules changed over the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueLimitsFromConfig } from '@vcq/app';
import { ENDED, WorkerRegistry } from '@vcq/jobs';
import { createDb } from '@vcq/db';
import { freePort, jsonClient, startWorld, uploadForm, waitFor, type Json, type World } from '@vcq/testing';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';

let world: World;
let api: ApiServer;
const call = jsonClient(() => api.url);

// Fast heartbeats, so a silent worker is dead within a second.
const HEARTBEATS = { WORKER_HEARTBEAT_MS: '200', WORKER_DEAD_AFTER_MS: '1000', SETTINGS_POLL_MS: '200', JOB_ATTEMPTS: '1' };

beforeAll(async () => {
  world = await startWorld();
  api = await startApi(world.config(HEARTBEATS));
});

afterAll(async () => {
  await api?.close();
  await world?.close();
});

describe('queue limits from the environment', () => {
  it('when QUEUE_LIMITS names a queue vcq does not have, then start-up is refused naming it', () => {
    expect(() => queueLimitsFromConfig({ QUEUE_LIMITS: { invoices: { concurrency: 2 } } })).toThrow(/QUEUE_LIMITS names no queue "invoices"/);
    expect(queueLimitsFromConfig({ QUEUE_LIMITS: { webhooks: { concurrency: 2 } } })).toEqual({ webhooks: { concurrency: 2 } });
  });
});

describe('workers', () => {
  let redisWorker: WorkerProcess;
  let postgresWorker: WorkerProcess;

  beforeAll(async () => {
    // The PostgreSQL-backend worker has no Redis at all: its REDIS_URL is a closed port.
    const postgresEnv = { QUEUE_BACKEND: 'postgres', REDIS_URL: `redis://127.0.0.1:${await freePort()}`, VCQ_VERSION: 'v-pg' };
    [redisWorker, postgresWorker] = await Promise.all([
      startWorker(world.config({ ...HEARTBEATS, VCQ_VERSION: 'v-redis', QUEUE_LIMITS: '{"did-operations":{"concurrency":3}}' })),
      startWorker(world.config({ ...HEARTBEATS, ...postgresEnv })),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled([redisWorker?.close(), postgresWorker?.close()]);
  });

  it('when workers run on both backends, then GET /queue/workers lists each with host, pid, queues, concurrency, version and heartbeat', async () => {
    const listed = await waitFor(async () => {
      const res = await call('GET', '/queue/workers');
      const ids = res.body.data.workers.map((w: Json) => w.id);
      return ids.includes(redisWorker.heartbeat.id) && ids.includes(postgresWorker.heartbeat.id) ? res : undefined;
    }, { what: 'both workers to be listed' });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toMatchObject({ heartbeatMs: 200, deadAfterMs: 1000 });
    const byId = new Map(listed.body.data.workers.map((w: Json) => [w.id, w]));
    const redis = byId.get(redisWorker.heartbeat.id) as Json;
    const postgres = byId.get(postgresWorker.heartbeat.id) as Json;
    expect(redis).toMatchObject({ pid: process.pid, backend: 'redis', version: 'v-redis', active: 0 });
    expect(postgres).toMatchObject({ pid: process.pid, backend: 'postgres', version: 'v-pg' });
    expect(typeof redis.host).toBe('string');
    expect(redis.queues.map((q: Json) => q.name)).toEqual(expect.arrayContaining(['verification', 'webhooks', 'maintenance']));
    // QUEUE_LIMITS sets one queue's concurrency; the others run at QUEUE_CONCURRENCY.
    expect(redis.queues.find((q: Json) => q.name === 'did-operations').concurrency).toBe(3);
    expect(redis.queues.find((q: Json) => q.name === 'verification').concurrency).toBe(100);
    expect(redis.concurrency).toBe(redis.queues.reduce((sum: number, q: Json) => sum + q.concurrency, 0));
    expect(Date.parse(redis.lastHeartbeatAt)).toBeGreaterThanOrEqual(Date.parse(redis.startedAt));

    const verification = await call('GET', '/queue/workers?queue=verification');
    expect(verification.body.data.workers.length).toBeGreaterThanOrEqual(2);
    const unknown = await call('GET', '/queue/workers?queue=nope');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('queue');
  });

  it('when /metrics is scraped, then vcq_workers counts the live workers of each queue', async () => {
    const text = await waitFor(async () => {
      const body = await (await fetch(api.metricsUrl)).text();
      return /vcq_workers\{queue="verification"\} 2\b/.test(body) ? body : undefined;
    }, { what: 'vcq_workers to count both workers' });
    expect(text).toMatch(/# TYPE vcq_workers gauge/);
  });

  it('when a queue\'s limits are set over the API, then /queue/stats shows them and every worker applies them without a restart', async () => {
    const before = await call('GET', '/queue/did-operations/limits');
    expect(before.body.data).toMatchObject({ name: 'did-operations', concurrency: 100, limiter: null, source: 'environment' });

    const set = await call('PUT', '/queue/did-operations/limits', { concurrency: 7, limiter: { max: 5, duration: 1000 } });
    expect(set.status).toBe(200);
    expect(set.body.data).toMatchObject({ concurrency: 7, limiter: { max: 5, duration: 1000 }, source: 'api', defaults: { concurrency: 100, limiter: null } });
    const stats = (await call('GET', '/queue/stats')).body.data.find((q: Json) => q.name === 'did-operations');
    expect(stats.limits).toEqual({ concurrency: 7, limiter: { max: 5, duration: 1000 }, source: 'api' });
    // The running worker reports the new concurrency in its next heartbeats.
    const concurrencyOf = async (id: string) =>
      (await call('GET', '/queue/workers')).body.data.workers.find((w: Json) => w.id === id)?.queues.find((q: Json) => q.name === 'did-operations')?.concurrency;
    await waitFor(async () => (await concurrencyOf(redisWorker.heartbeat.id)) === 7, { what: 'the redis worker to apply concurrency 7', timeoutMs: 10_000 });
    await waitFor(async () => (await concurrencyOf(postgresWorker.heartbeat.id)) === 7, { what: 'the postgres worker to apply concurrency 7', timeoutMs: 10_000 });
    // A field not given keeps its value; a null limiter removes the rate limit.
    const partial = await call('PUT', '/queue/did-operations/limits', { limiter: null });
    expect(partial.body.data).toMatchObject({ concurrency: 7, limiter: null, source: 'api' });

    for (const [body, field] of [
      [{ limiter: { max: 0, duration: 1000 } }, 'limiter.max'],
      [{ limiter: { max: 2 } }, 'limiter.duration'],
      [{ concurrency: 0 }, 'concurrency'],
      [{}, 'concurrency'],
    ] as const) {
      const bad = await call('PUT', '/queue/did-operations/limits', body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.errors.map((e: Json) => e.field), JSON.stringify(body)).toContain(field);
    }
    expect((await call('PUT', '/queue/nope/limits', { concurrency: 2 })).status).toBe(404);
    expect((await call('GET', '/queue/did-operations/limits')).body.data.concurrency).toBe(7);

    // Dropped: each process goes back to its own QUEUE_LIMITS (the redis worker's sets 3).
    const reset = await call('DELETE', '/queue/did-operations/limits');
    expect(reset.body.data).toMatchObject({ concurrency: 100, source: 'environment' });
    await waitFor(async () => (await concurrencyOf(redisWorker.heartbeat.id)) === 3, { what: 'the redis worker to go back to QUEUE_LIMITS', timeoutMs: 10_000 });
  });

  it('when a worker stops beating, then it drops out within WORKER_DEAD_AFTER_MS; a clean shutdown drops out at once', async () => {
    // A process that died: one beat, then silence.
    const db = createDb(world.database.url);
    const registry = new WorkerRegistry(db);
    try {
      await registry.beat({ id: 'dead-host:1:1', host: 'dead-host', pid: 1, version: 'x', backend: 'redis', queues: [{ name: 'verification', concurrency: 1, active: 0 }], concurrency: 1, active: 0, startedAt: new Date() });
      const listed = async () => (await call('GET', '/queue/workers')).body.data.workers.map((w: Json) => w.id) as string[];
      expect(await listed()).toContain('dead-host:1:1');
      const silentSince = Date.now();
      await waitFor(async () => !(await listed()).includes('dead-host:1:1'), { what: 'the silent worker to drop out' });
      // Within the documented time (and a poll's slack).
      expect(Date.now() - silentSince).toBeLessThan(1000 + 1000);

      const id = postgresWorker.heartbeat.id;
      await postgresWorker.close();
      const after = await listed();
      expect(after).not.toContain(id);
      expect(after).toContain(redisWorker.heartbeat.id);
    } finally {
      await db.$disconnect();
    }
  });
});

describe('schedules over the API', () => {
  let workers: WorkerProcess[];

  beforeAll(async () => {
    workers = await Promise.all([startWorker(world.config(HEARTBEATS)), startWorker(world.config(HEARTBEATS))]);
  });

  afterAll(async () => {
    await Promise.allSettled(workers.map((w) => w.close()));
  });

  it('when a schedule is read, then the environment gives it until one is set', async () => {
    const res = await call('GET', '/admin/tasks/cleanup/schedule');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ name: 'cleanup', cron: '0 0 * * *', timezone: 'UTC', enabled: true, source: 'environment', updatedAt: null, defaults: { cron: '0 0 * * *' } });
    expect((await call('GET', '/admin/tasks/nope/schedule')).status).toBe(404);
  });

  it('when the cron, time zone or body is bad, then the answer is a 400 naming the field and nothing is kept', async () => {
    const cases: Array<[unknown, string]> = [
      [{ cron: 'every minute' }, 'cron'],
      [{ cron: '61 * * * *' }, 'cron'],
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ enabled: 'yes' }, 'enabled'],
      [{ cron: '* * * * *', every: 5 }, ''],
      [{}, 'cron'],
    ];
    for (const [body, field] of cases) {
      const res = await call('PUT', '/admin/tasks/cleanup/schedule', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.type).toMatch(/application\/problem\+json/);
      if (field) expect(res.body.errors.map((e: Json) => e.field), JSON.stringify(body)).toContain(field);
    }
    expect((await call('PUT', '/admin/tasks/nope/schedule', { cron: '* * * * *' })).status).toBe(404);
    expect((await world.sql('SELECT name FROM task_schedules')).length).toBe(0);
  });

  it('when a schedule is written to Postgres by another API, then the workers apply it to the queue within seconds', async () => {
    // Straight into the table: only the workers' polling can bring it to the queue.
    await world.sql(`INSERT INTO task_schedules (name, cron, timezone, enabled) VALUES ('cleanup', '0 0 1 1 *', 'UTC', true)`);
    const nextNewYear = Date.UTC(new Date().getUTCFullYear() + 1, 0, 1);
    const applied = await waitFor(async () => {
      const view = (await call('GET', '/admin/tasks/cleanup/schedule')).body.data;
      return Date.parse(view.nextRunAt) === nextNewYear ? view : undefined;
    }, { what: 'the workers to apply the new cleanup schedule', timeoutMs: 10_000 });
    expect(applied).toMatchObject({ source: 'api', cron: '0 0 1 1 *', scheduled: true });
  });

  it('when a schedule is set to every second, then ticks run, each tick once across two workers, and switching it off stops them', async () => {
    const set = await call('PUT', '/admin/tasks/reconcile/schedule', { cron: '* * * * * *', timezone: 'Europe/Berlin' });
    expect(set.status).toBe(200);
    expect(set.body.data).toMatchObject({ cron: '* * * * * *', timezone: 'Europe/Berlin', enabled: true, source: 'api', scheduled: true, defaults: { cron: '* * * * *', timezone: 'UTC' } });
    const listed = (await call('GET', '/admin/tasks')).body.data.tasks.find((t: Json) => t.name === 'reconcile');
    expect(listed).toMatchObject({ cron: '* * * * * *', timezone: 'Europe/Berlin' });

    const runs = await waitFor(async () => {
      const all = (await call('GET', '/admin/tasks/reconcile/runs?limit=50')).body.data.runs.filter((r: Json) => r.trigger === 'schedule');
      return all.length >= 3 ? all : undefined;
    }, { what: 'three ticks of the every-second schedule', timeoutMs: 15_000 });
    const ticks = runs.map((r: Json) => r.scheduledFor);
    expect(new Set(ticks).size).toBe(ticks.length);
    // Each tick is on a whole second, as the cron says.
    for (const tick of ticks) expect(Date.parse(tick) % 1000).toBe(0);

    const off = await call('PUT', '/admin/tasks/reconcile/schedule', { enabled: false });
    expect(off.body.data).toMatchObject({ enabled: false, scheduled: false, cron: '* * * * * *' });
    // Kept off in Postgres, so no worker's sync puts the scheduler back.
    const rows = await world.sql<{ enabled: boolean }>(`SELECT enabled FROM task_schedules WHERE name = 'reconcile'`);
    expect(rows[0]?.enabled).toBe(false);

    const reset = await call('DELETE', '/admin/tasks/reconcile/schedule');
    expect(reset.body.data).toMatchObject({ source: 'environment', cron: '* * * * *', timezone: 'UTC', enabled: true, scheduled: true });
    expect((await world.sql(`SELECT name FROM task_schedules WHERE name = 'reconcile'`)).length).toBe(0);
  });
});

describe('dead letters and bulk retries', () => {
  let worker: WorkerProcess;

  beforeAll(async () => {
    worker = await startWorker(world.config(HEARTBEATS));
  });

  afterAll(async () => {
    await worker?.close();
  });

  const submitVerify = async (c: Awaited<ReturnType<World['content']>>) => {
    const res = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: { 'x-api-key': 'test-key' }, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
    expect(res.status).toBe(202);
    return ((await res.json()) as Json).jobId as string;
  };
  const ended = async (id: string) => {
    const row = await api.waiter.wait(id, ENDED, 30_000);
    if (!row) throw new Error(`job ${id} did not end`);
    return row;
  };

  it('when jobs fail for good, then their dead letters are listed from Postgres by error code, job name and time, a page at a time', async () => {
    const contents = [await world.content(), await world.content()];
    for (const c of contents) world.manifests.put(c.path, 'down', { status: 500 });
    const ids = await Promise.all(contents.map(submitVerify));
    const rows = await Promise.all(ids.map(ended));
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed']);
    const code = rows[0]?.error?.code as string;
    expect(code).toBeTruthy();

    const list = async (query: string) => (await call('GET', `/queue/verification/dead-letters${query}`)).body.data;
    const all = await list('');
    expect(all.total).toBe(2);
    expect(new Set(all.jobs.map((j: Json) => j.id))).toEqual(new Set(ids));
    expect(all.jobs[0]).toMatchObject({ status: 'failed', errorCode: code, type: 'verify' });
    expect((await list(`?code=${code}`)).total).toBe(2);
    expect((await list('?code=no_such_code')).total).toBe(0);
    expect((await list('?jobName=verify')).total).toBe(2);
    expect((await list('?jobName=proof')).total).toBe(0);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    expect((await list(`?since=${hourAgo}&until=${inAnHour}`)).total).toBe(2);
    expect((await list(`?since=${inAnHour}`)).total).toBe(0);
    expect((await list(`?until=${hourAgo}`)).total).toBe(0);
    const page = await list('?limit=1&offset=1');
    expect(page).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(page.jobs).toHaveLength(1);
    expect(page.jobs[0].id).toBe(all.jobs[1].id);

    for (const [query, field] of [
      ['?since=yesterday', 'since'],
      ['?limit=0', 'limit'],
      ['?colour=red', ''],
    ] as const) {
      const bad = await call('GET', `/queue/verification/dead-letters${query}`);
      expect(bad.status, query).toBe(400);
      if (field) expect(bad.body.errors.map((e: Json) => e.field)).toContain(field);
    }
    expect((await call('GET', '/queue/nope/dead-letters')).status).toBe(404);

    // By ids, then by filter: each retried row gets a new attempt and completes.
    for (const c of contents) world.manifests.put(c.path, c.manifest);
    const byId = await call('POST', '/queue/verification/retry', { ids: [ids[0]], max: 10 });
    expect(byId.status).toBe(200);
    expect(byId.body.data).toMatchObject({ mode: 'inline', matched: 1, retried: 1, skipped: 0, retriedIds: [ids[0]] });
    const first = await waitFor(async () => ((await api.platform.store.get(ids[0] as string))?.status === 'completed' ? api.platform.store.get(ids[0] as string) : undefined));
    expect(first?.attempt).toBe(2);
    const byFilter = await call('POST', '/queue/verification/retry', { filter: { code } });
    expect(byFilter.body.data).toMatchObject({ mode: 'inline', matched: 1, retried: 1, retriedIds: [ids[1]] });
    const second = await waitFor(async () => ((await api.platform.store.get(ids[1] as string))?.status === 'completed' ? api.platform.store.get(ids[1] as string) : undefined));
    expect(second?.attempt).toBe(2);
    // Nothing is left to retry.
    expect((await call('POST', '/queue/verification/retry', { filter: {} })).body.data).toMatchObject({ matched: 0, retried: 0 });
  });

  it('when a bulk retry is malformed, then it is a 400 naming the field and nothing is retried', async () => {
    for (const [body, field] of [
      [{}, 'ids'],
      [{ ids: ['00000000-0000-4000-8000-000000000000'], filter: {} }, 'ids'],
      [{ ids: ['not-a-uuid'] }, 'ids.0'],
      [{ filter: { since: 'soon' } }, 'filter.since'],
      [{ filter: {}, max: 0 }, 'max'],
    ] as const) {
      const res = await call('POST', '/queue/verification/retry', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors.map((e: Json) => e.field), JSON.stringify(body)).toContain(field);
    }
    expect((await call('POST', '/queue/nope/retry', { filter: {} })).status).toBe(404);
  });

  it('when more than a hundred dead letters are retried, then a redrive job retries at most max of them with progress', async () => {
    // The retried jobs wait on a paused queue: this test is about the redrive, not their runs.
    await call('POST', '/queue/verification/pause');
    await world.sql(`
      INSERT INTO jobs (id, queue, name, kind, status, data, error, attempt, max_attempts, created_at, updated_at, completed_at)
      SELECT gen_random_uuid(), 'verification', 'verify', 'verify', 'failed',
        jsonb_build_object('contentHash', '0x' || repeat('ab', 32), 'registryAddress', '0x' || repeat('cd', 20), 'manifestUri', 'http://127.0.0.1:9/m.json'),
        '{"code":"bulk_test","message":"made by the test"}'::jsonb, 1, 1, now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour'
      FROM generate_series(1, 150)`);
    const res = await call('POST', '/queue/verification/retry', { filter: { code: 'bulk_test' }, max: 120 });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ mode: 'job', queue: 'verification', matched: 120 });
    expect(res.headers.get('location')).toBe(res.body.data.pollUrl);
    const redrive = await ended(res.body.data.jobId);
    expect(redrive).toMatchObject({ status: 'completed', progress: 100, queue: 'maintenance', kind: 'redrive' });
    expect(redrive.result).toMatchObject({ queue: 'verification', matched: 120, retried: 120, skipped: 0 });
    const counts = await world.sql<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM jobs WHERE data->>'manifestUri' = 'http://127.0.0.1:9/m.json' GROUP BY status ORDER BY status`,
    );
    expect(counts).toEqual([
      { status: 'queued', n: 120 },
      { status: 'failed', n: 30 },
    ]);
    const waiting = (await call('GET', '/queue/verification/stats')).body.data.waiting;
    expect(waiting).toBe(120);
    // The retried jobs would fail again: they are removed before the queue resumes.
    await call('POST', '/queue/verification/clean', { grace: 0, status: 'waiting', limit: 1000 });
    await call('POST', '/queue/verification/resume');
  });
});
