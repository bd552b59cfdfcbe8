/**
 * The engine with a toy catalog, on both queue backends (random queue names, a Redis
 * prefix and a database of their own): a retry schedule's delays, a permanent error,
 * idempotent submits racing, a scheduled entry run once per tick by two runtimes, and
 * the reconciler re-adding a row the queue never got, from its `kind`.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDb, type Db, JobStore } from '@vcq/db';
import { PermanentJobError } from '@vcq/errors';
import { createLogger } from '@vcq/logger';
import { createTestDatabase, waitFor } from '@vcq/testing';
import { postgresQueuePool } from '../src/backend.js';
import { type Catalog, exponential, type Handlers, Priority, retrySchedule } from '../src/catalog.js';
import { JobPlatform } from '../src/platform.js';
import { type PostgresQueueConnection, QueueSet } from '../src/queues.js';
import { reconcile } from '../src/reconciler.js';
import { Schedules, TickDataSchema, tickJobId, tickSubmitter } from '../src/schedules.js';
import { startWorkers, type WorkerRuntime } from '../src/worker-runtime.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'silent' });
const payload = z.object({ n: z.number() }).loose();

/** A toy catalog on queues of its own. */
function toyCatalog(run: string) {
  return {
    // Fails twice, then succeeds, waiting 40 ms and then 160 ms between attempts.
    patient: { queue: `toy-retry-${run}`, name: 'patient', schema: payload, attempts: 1, retry: retrySchedule([40, 160]), priority: Priority.NORMAL },
    plain: { queue: `toy-retry-${run}`, name: 'plain', schema: payload, attempts: 2, retry: exponential(10), priority: Priority.NORMAL },
    refuse: { queue: `toy-retry-${run}`, name: 'refuse', schema: payload, attempts: 3, retry: exponential(10), priority: Priority.NORMAL },
    // Its first run hangs in a worker that then loses its connection (as a killed process would).
    stuck: { queue: `toy-stall-${run}`, name: 'stuck', schema: payload, attempts: 3, retry: exponential(10), priority: Priority.NORMAL },
    tick: {
      queue: `toy-ticks-${run}`,
      name: 'tick',
      schema: TickDataSchema.loose(),
      attempts: 1,
      retry: exponential(0),
      priority: Priority.NORMAL,
      schedule: { cron: '* * * * * *', timezone: 'UTC', enabled: true },
    },
  } satisfies Catalog;
}
type Toy = ReturnType<typeof toyCatalog>;

describe.each(['redis', 'postgres'] as const)('the engine with a toy catalog on the %s backend', (backend) => {
  const run = randomUUID().slice(0, 8);
  const prefix = `vcq-engine-${run}`;
  const catalog = toyCatalog(run);
  /** Every handler call, by job id. */
  const calls = new Map<string, number[]>();
  const count = (id: string) => {
    const at = calls.get(id) ?? [];
    at.push(Date.now());
    calls.set(id, at);
    return at.length;
  };
  const handlers: Handlers<Toy> = {
    patient: async (_data, ctx) => {
      if (count(ctx.jobId) < 3) throw new Error('not yet');
      return { attempt: ctx.attempt };
    },
    plain: async (_data, ctx) => {
      count(ctx.jobId);
      return { ok: true };
    },
    refuse: async (_data, ctx) => {
      count(ctx.jobId);
      throw new PermanentJobError('this input can never work');
    },
    tick: async (_data, ctx) => {
      count(ctx.jobId);
      return { ticked: true };
    },
    stuck: async (_data, ctx) => {
      // The first run never ends; the run after the stall does.
      if (count(ctx.jobId) === 1) return new Promise<never>(() => {});
      return { attempt: ctx.attempt };
    },
  };

  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let store: JobStore;
  let pool: PostgresQueueConnection | undefined;
  const redis: Redis[] = [];
  const runtimes: WorkerRuntime[] = [];
  let queues: QueueSet<Toy>;
  let platform: JobPlatform<Toy>;

  const connection = () => {
    if (backend === 'postgres') return { postgres: pool as PostgresQueueConnection };
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    redis.push(r);
    return { connection: r };
  };

  beforeAll(async () => {
    database = await createTestDatabase('vcq_engine');
    db = createDb(database.url);
    store = new JobStore(db, { flushMs: 2, maxBatch: 500 });
    if (backend === 'postgres') pool = await postgresQueuePool({ databaseUrl: database.url, listeners: 4, poolSize: 8 });
    queues = new QueueSet({ catalog, ...connection(), prefix, timeoutMs: 5000 });
    platform = new JobPlatform({ catalog, store, queues, handlers, logger, fallbackMode: 'reject' });
    // Two runtimes, as two worker processes would be.
    const queueNames = [catalog.patient.queue, catalog.tick.queue];
    for (let i = 0; i < 2; i++) {
      runtimes.push(startWorkers({ ...connection(), prefix, catalog, store, handlers, logger, concurrency: 2, onTick: tickSubmitter(platform), queues: queueNames }));
    }
    await waitFor(async () => queues.isAvailable());
  });

  afterAll(async () => {
    for (const r of runtimes) await r.close(5000);
    await queues?.close();
    const [first] = redis;
    if (first) {
      const keys = await first.keys(`${prefix}:*`);
      if (keys.length > 0) await first.del(...keys);
    }
    for (const r of redis) r.disconnect();
    await pool?.end();
    await store?.close();
    await db?.$disconnect();
    await database?.drop();
  });

  const ended = (id: string) =>
    waitFor(async () => {
      const r = await store.get(id);
      return r?.status === 'completed' || r?.status === 'failed' ? r : undefined;
    });

  it('when an entry retries on a schedule, then it gets one attempt per delay plus one, each after its delay', async () => {
    const submission = await platform.submit('patient', { n: 1 });
    const id = submission.job.id;
    expect(submission.job).toMatchObject({ kind: 'patient', maxAttempts: 3 });
    expect(await ended(id)).toMatchObject({ status: 'completed', attempt: 3, result: { attempt: 3 } });
    const [a, b, c] = calls.get(id) as number[];
    expect((b as number) - (a as number)).toBeGreaterThanOrEqual(40);
    expect((c as number) - (b as number)).toBeGreaterThanOrEqual(160);
  });

  it('when a handler fails with a permanent error, then it runs once and its row fails with the error', async () => {
    const { job } = await platform.submit('refuse', { n: 2 });
    expect(await ended(job.id)).toMatchObject({ status: 'failed', attempt: 1, error: { code: 'permanent_failure', message: 'this input can never work' } });
    expect(calls.get(job.id)).toHaveLength(1);
  });

  it('when the same id is submitted several times at once, then there is one row and one run, and every submitter gets that job', async () => {
    const id = randomUUID();
    const answers = await Promise.all(Array.from({ length: 5 }, () => platform.submit('plain', { n: 3 }, { id })));
    expect(new Set(answers.map((a) => a.job.id))).toEqual(new Set([id]));
    expect(answers.filter((a) => a.mode === 'async' && a.replayed).length).toBe(4);
    expect(await ended(id)).toMatchObject({ status: 'completed', kind: 'plain' });
    expect(calls.get(id)).toHaveLength(1);
    // The same id with other data is not the same request.
    await expect(platform.submit('plain', { n: 4 }, { id })).rejects.toMatchObject({ status: 409 });
  });

  it('when a scheduled entry ticks every second under two runtimes, then each tick is one job, run once, under the tick’s id', async () => {
    const schedules = new Schedules({ queues, logger, timeoutMs: 5000 });
    expect(await schedules.sync()).toEqual({ upserted: ['tick'], removed: [] });
    // Idempotent: a second worker's sync changes nothing.
    expect(await schedules.sync()).toEqual({ upserted: [], removed: [] });
    const rows = await waitFor(
      async () => {
        const { items } = await store.list({ kind: 'tick', status: 'completed', limit: 100, offset: 0 });
        return items.length >= 3 ? items : undefined;
      },
      { what: 'three ticks', timeoutMs: 20_000 },
    );
    await queues.queue(catalog.tick.queue).removeJobScheduler('tick');
    for (const row of rows) {
      const data = row.data as { trigger: string; scheduledFor: string };
      expect(data.trigger).toBe('schedule');
      expect(row.id).toBe(tickJobId('tick', new Date(data.scheduledFor)));
      expect(new Date(data.scheduledFor).getTime() % 1000).toBe(0);
      expect(calls.get(row.id)).toHaveLength(1);
    }
    expect(new Set(rows.map((r) => (r.data as { scheduledFor: string }).scheduledFor)).size).toBe(rows.length);
    expect(await schedules.state('tick')).toEqual({ scheduled: false, nextRunAt: null });
  });

  // On Redis, where a worker's connection can be cut alone; the PostgreSQL backend's stalls are in tests/e2e/durability.test.ts.
  if (backend === 'redis') {
    it('when the worker running a job loses its connection mid-run, then the job stalls, another worker runs it, and the row completes once', async () => {
      // A worker of its own for the stall queue, with a short lock: it takes the job, then goes silent.
      const doomedConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      const short = { lockDurationMs: 1000, stalledIntervalMs: 500, queues: [catalog.stuck.queue] };
      const doomed = startWorkers({ connection: doomedConnection, prefix, catalog, store, handlers, logger, concurrency: 1, ...short });
      const { job } = await platform.submit('stuck', { n: 6 });
      await waitFor(() => calls.get(job.id)?.length === 1, { what: 'the first run to start' });
      doomedConnection.disconnect();
      const rescuer = startWorkers({ ...connection(), prefix, catalog, store, handlers, logger, concurrency: 1, ...short });
      runtimes.push(rescuer);
      const stalled = rescuer.events.next('job:stalled', (e) => e.id === job.id, 20_000);
      expect(await stalled).toMatchObject({ queue: catalog.stuck.queue, id: job.id });
      expect(await ended(job.id)).toMatchObject({ status: 'completed', attempt: 2, result: { attempt: 2 } });
      expect(calls.get(job.id)).toHaveLength(2);
      await doomed.close(100).catch(() => {});
    });
  }

  it('when an open row never reached the queue, then the reconciler re-adds it from its kind and it runs', async () => {
    const id = randomUUID();
    await store.create({ id, kind: 'plain', queue: catalog.plain.queue, name: 'plain', data: { n: 5 }, mode: 'async', maxAttempts: 2 });
    // Untouched for a minute: past any grace, even when the reconciler reads the clock in the same millisecond.
    await store.db.$executeRawUnsafe(`UPDATE jobs SET updated_at = now() - interval '1 minute' WHERE id = $1::uuid`, id);
    const report = await reconcile({ store, queues, logger, graceMs: 0 });
    expect(report.readded).toBeGreaterThanOrEqual(1);
    expect(await ended(id)).toMatchObject({ status: 'completed', kind: 'plain', result: { ok: true } });
    expect(calls.get(id)).toHaveLength(1);
  });

  it('when the queue is asked the states of jobs (the reconciler asks a page at once), then a held job is present, an unknown one is not, and one failed for good carries its reason', async () => {
    const failed = (await platform.submit('refuse', { n: 3 })).job.id;
    await ended(failed);
    const held = randomUUID();
    // Delayed for a minute: held by the queue, and no worker starts it during the test.
    await queues.add('plain', held, { n: 4 }, { delayMs: 60_000 });
    const unknown = randomUUID();
    const asked = [
      { queue: catalog.refuse.queue, id: failed },
      { queue: catalog.plain.queue, id: held },
      { queue: catalog.plain.queue, id: unknown },
    ];
    // The queue records the failure after the row has it.
    const states = await waitFor(async () => {
      const now = await queues.states(asked);
      return now[0]?.failedReason ? now : undefined;
    });
    expect(states[0]).toEqual({ present: true, failedReason: expect.stringMatching(/never work/) });
    expect(states.slice(1)).toEqual([
      { present: true, failedReason: null },
      { present: false, failedReason: null },
    ]);
  });
});
