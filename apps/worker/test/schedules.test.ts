/**
 * Task schedules across worker processes: BullMQ job schedulers turn each tick into
 * one queue job, which submits the task's run under an id derived from the tick, so
 * with two workers up every tick runs exactly once; the switches in the environment
 * add and remove the schedules.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickJobId } from '@vcq/jobs';
import { freePort, startApp, waitFor, type VcqProcess, startWorld, testRedisUrl, type World } from '@vcq/testing';
import { startWorker } from '../src/worker.js';

let world: World;
let redis: Redis;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  world = await startWorld();
  redis = new Redis(testRedisUrl());
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  redis?.disconnect();
  await world?.close();
});

async function worker(env: Record<string, string>): Promise<VcqProcess> {
  const proc = await startApp('worker', world.env(env));
  cleanup.push(() => proc.stop());
  return proc;
}

/** The schedulers in this world's Redis, by task. */
async function schedulers(): Promise<Map<string, { pattern?: string | null; next?: number }>> {
  const found = new Map<string, { pattern?: string | null; next?: number }>();
  for (const name of ['maintenance', 'vc-events']) {
    const queue = new Queue(name, { connection: redis, prefix: world.prefix });
    for (const s of await queue.getJobSchedulers()) found.set(s.key, s);
    await queue.close();
  }
  return found;
}

type RunRow = {
  job_id: string;
  scheduled_for: Date;
  runner: string;
  status: string;
};

/** The reconcile task's scheduled runs: job rows of kind `reconcile`, by tick. */
const RUNS = `SELECT id::text AS job_id, (data->>'scheduledFor')::timestamptz AS scheduled_for, runner, status::text AS status
  FROM jobs WHERE kind = 'reconcile' AND data->>'trigger' = 'schedule'`;

// On both queue backends; on PostgreSQL, Redis is a closed port.
describe.each(['redis', 'postgres'] as const)('a schedule with two workers running on the %s backend', (backend) => {
  it('when the reconcile task ticks every second, then each tick runs once, on one of the two', async () => {
    const backendEnv: Record<string, string> = backend === 'postgres' ? { QUEUE_BACKEND: 'postgres', REDIS_URL: `redis://127.0.0.1:${await freePort()}` } : {};
    const env = { ...backendEnv, RECONCILE_CRON: '* * * * * *', WEBHOOK_RETRY_SWEEP_ENABLED: 'false', CLEANUP_ENABLED: 'false' };
    // Each backend's runs are told apart by the rows this test run makes.
    await world.sql("DELETE FROM jobs WHERE kind = 'reconcile'");
    const [a, b] = await Promise.all([worker(env), worker(env)]);
    const runs = await waitFor(
      async () => {
        const rows = await world.sql<RunRow>(`${RUNS} AND status IN ('completed', 'failed') ORDER BY scheduled_for`);
        return rows.length >= 5 ? rows : undefined;
      },
      { what: 'five reconcile ticks', timeoutMs: 30_000 },
    );
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);

    // Read again after both stopped: a tick run twice would show up as two rows for one tick.
    const all = await world.sql<RunRow>(`${RUNS} ORDER BY scheduled_for`);
    expect(all.length).toBeGreaterThanOrEqual(runs.length);
    const ticks = all.map((r) => r.scheduled_for.getTime());
    expect(new Set(ticks).size).toBe(all.length);
    expect(new Set(all.map((r) => r.job_id)).size).toBe(all.length);
    for (const r of all) {
      expect(r.status).toBe('completed');
      expect(r.job_id).toBe(tickJobId('reconcile', r.scheduled_for));
      expect(r.scheduled_for.getTime() % 1000).toBe(0);
    }
    // Ticks are whole seconds apart (a busy machine may let one pass, never run one twice).
    for (const [i, t] of ticks.slice(1).entries()) expect((t - (ticks[i] as number)) % 1000).toBe(0);
    const runners = new Set([a, b].map((p) => `:${p.child.pid}`));
    for (const r of all) expect([...runners].some((suffix) => r.runner.endsWith(suffix)), r.runner).toBe(true);
  });
});

describe('the scheduling switches', () => {
  it('when a worker starts, then the enabled tasks are scheduled and a task switched off, or all of them, are unscheduled', async () => {
    const first = await startWorker(world.config({ ENABLE_TASK_SCHEDULING: 'true', CLEANUP_CRON: '30 3 * * *' }));
    let found = await schedulers();
    await first.close();
    expect([...found.keys()].sort()).toEqual(['cleanup', 'reconcile', 'webhook-retry-sweep']);
    expect(found.get('cleanup')?.pattern).toBe('30 3 * * *');
    expect(found.get('webhook-retry-sweep')?.pattern).toBe('*/5 * * * *');

    const second = await startWorker(world.config({ CLEANUP_ENABLED: 'false' }));
    found = await schedulers();
    await second.close();
    expect([...found.keys()].sort()).toEqual(['reconcile', 'webhook-retry-sweep']);

    const third = await startWorker(world.config({ ENABLE_TASK_SCHEDULING: 'false' }));
    found = await schedulers();
    await third.close();
    expect(found.size).toBe(0);
  });
});
