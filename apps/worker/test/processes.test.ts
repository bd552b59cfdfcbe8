/**
 * WORKER_PROCESSES=2 as real processes: a supervisor and two worker children against
 * this world's Postgres, Redis, EVM node and manifest host. The children share the
 * jobs, a killed child is restarted, the supervisor's /metrics sums the children, and
 * SIGTERM drains them all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobPlatform } from '@vcq/app';
import { ENDED } from '@vcq/jobs';
import { readMetric } from '@vcq/metrics';
import { freePort, scrapeLikePrometheus, startApp, startWorld, type VcqProcess, waitFor, type World } from '@vcq/testing';
import { type Producer, startProducer } from './producer.js';

const METRICS_TOKEN = 'supervisor-scrape-token-0123456789';
const verification = { queue: 'verification', name: 'verify' };
/** How long each job's manifest fetch is held: long enough that one child (concurrency 1) cannot take two jobs at once. */
const MANIFEST_DELAY_MS = 400;

let world: World;
let producer: Producer;
let supervisor: VcqProcess;
let metricsUrl: string;

beforeAll(async () => {
  world = await startWorld();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  // One job at a time per child: two jobs in flight together must be on both children.
  const env = world.env({ WORKER_PROCESSES: '2', WORKER_METRICS_PORT: String(port), METRICS_TOKEN, QUEUE_CONCURRENCY: '1', LOG_LEVEL: 'info' });
  [producer, supervisor] = await Promise.all([startProducer(world.config()), startApp('worker', env)]);
});

afterAll(async () => {
  await supervisor?.stop();
  await producer?.close();
  await world?.close();
});


type Line = Record<string, unknown> & { msg: string };
const parsed = (proc: VcqProcess): Line[] =>
  proc.lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Line];
    } catch {
      return [];
    }
  });

/** The pid each child slot runs now, from the supervisor's "worker process N started" lines. */
function childPids(): Map<number, number> {
  const pids = new Map<number, number>();
  for (const line of parsed(supervisor)) if (line.role === 'supervisor' && /^worker process \d+ started/.test(line.msg)) pids.set(line.process as number, line.pid as number);
  return pids;
}

/** Submits `count` verify jobs whose manifests are held MANIFEST_DELAY_MS, and waits until every one completed. */
async function runJobs(platform: JobPlatform, count: number): Promise<string[]> {
  const contents = await Promise.all(Array.from({ length: count }, () => world.content()));
  const ids: string[] = [];
  for (const c of contents) {
    world.manifests.put(c.path, c.manifest, { delayMs: MANIFEST_DELAY_MS });
    const submission = await platform.submit('verify', { contentHash: c.hash, registryAddress: world.registry, manifestUri: c.manifestUri });
    expect(submission.mode).toBe('async');
    ids.push(submission.job.id);
  }
  for (const id of ids) expect((await producer.waiter.wait(id, ENDED, 30_000))?.status).toBe('completed');
  return ids;
}

/** The pids in the `runner` column (`<host>:<pid>`) of these jobs. */
async function runnerPids(ids: string[]): Promise<number[]> {
  const rows = await world.sql<{ runner: string }>('SELECT runner FROM jobs WHERE id = ANY($1::uuid[])', [ids]);
  return rows.map((r) => Number(r.runner.split(':').pop()));
}

async function scrape(): Promise<string> {
  const res = await scrapeLikePrometheus(metricsUrl, { token: METRICS_TOKEN });
  expect(res.status).toBe(200);
  expect(res.unparsable).toEqual([]);
  return res.text;
}

/** Scrapes until the verify jobs completed across the children add up to `expected` (counters move just after the rows commit). */
const scrapeCompleted = (expected: number) =>
  waitFor(
    async () => {
      const text = await scrape();
      return readMetric(text, 'vcq_jobs_completed_total', verification) === expected ? text : undefined;
    },
    { what: `vcq_jobs_completed_total = ${expected} on the supervisor`, timeoutMs: 10_000, intervalMs: 100 },
  );

describe('WORKER_PROCESSES=2', () => {
  it('when jobs arrive, then both children run some, each row names its child, and the supervisor /metrics sums their counters', async () => {
    const pids = childPids();
    expect([...pids.keys()].sort()).toEqual([0, 1]);
    expect(new Set(pids.values()).size).toBe(2);
    expect(pids.has(supervisor.child.pid as number)).toBe(false);
    // Only the supervisor listens on the port: the children have no metrics server.
    expect(parsed(supervisor).filter((l) => l.msg === 'metrics listening')).toHaveLength(1);

    const n = 6;
    const ids = await runJobs(producer.platform, n);
    const runners = await runnerPids(ids);
    expect(new Set(runners)).toEqual(new Set(pids.values()));

    const text = await scrapeCompleted(n);
    expect(readMetric(text, 'vcq_job_duration_seconds_count', verification)).toBe(n);
    expect(readMetric(text, 'vcq_job_duration_seconds_sum', verification)).toBeGreaterThan((n * MANIFEST_DELAY_MS) / 1000 / 2);
    expect(readMetric(text, 'vcq_worker_processes')).toBe(2);
    expect(readMetric(text, 'vcq_worker_processes_reporting')).toBe(2);
    expect(readMetric(text, 'vcq_worker_process_restarts_total')).toBe(0);
    // Process metrics are the box's: two children's memory, summed.
    expect(readMetric(text, 'process_resident_memory_bytes')).toBeGreaterThan(2 * 30 * 1024 * 1024);
    expect((await scrapeLikePrometheus(metricsUrl, {})).status).toBe(401);
  });

  it('when a child is SIGKILLed, then the supervisor says so and restarts it, and jobs keep completing on both', async () => {
    const before = childPids();
    const victim = before.get(0) as number;
    const survivor = before.get(1) as number;
    process.kill(victim, 'SIGKILL');
    const exit = JSON.parse(await supervisor.waitForLine(new RegExp(`worker process 0 \\(pid ${victim}\\) killed by SIGKILL`))) as Line;
    expect(exit).toMatchObject({ level: 50, process: 0, pid: victim, signal: 'SIGKILL', restartInMs: 1000 });
    expect(Date.parse(exit.restartAt as string)).toBeGreaterThan(Date.parse(exit.time as string));
    await supervisor.waitForLine(/"restarted":true/, 30_000);
    const replacement = childPids().get(0) as number;
    expect(replacement).not.toBe(victim);
    await supervisor.waitForLine(new RegExp(`"pid":${replacement}.*"msg":"worker process 0 ready"`), 45_000);

    const ids = await runJobs(producer.platform, 2);
    expect(new Set(await runnerPids(ids))).toEqual(new Set([replacement, survivor]));
    // The killed child's counts went with it (a counter reset to Prometheus); the sum is the living children's.
    const rows = await world.sql<{ n: string }>("SELECT count(*) AS n FROM jobs WHERE status = 'completed' AND name = 'verify' AND runner LIKE ANY($1)", [
      [`%:${replacement}`, `%:${survivor}`],
    ]);
    const text = await scrapeCompleted(Number(rows[0]?.n));
    expect(readMetric(text, 'vcq_worker_processes')).toBe(2);
    expect(readMetric(text, 'vcq_worker_process_restarts_total')).toBe(1);
  });

  it('when the supervisor gets SIGTERM with a job in flight, then every child drains, the job completes, and it exits 0', async () => {
    const pids = [...childPids().values()];
    const c = await world.content();
    world.manifests.put(c.path, c.manifest, { delayMs: 1500 });
    const submission = await producer.platform.submit('verify', { contentHash: c.hash, registryAddress: world.registry, manifestUri: c.manifestUri });
    await waitFor(() => world.manifests.hits(c.path) === 1, { what: 'the manifest request in flight' });

    supervisor.kill('SIGTERM');
    expect(await supervisor.exited).toBe(0);
    expect((await producer.waiter.wait(submission.job.id, ENDED, 5000))?.status).toBe('completed');
    const lines = parsed(supervisor);
    // Each child ran its own drain and stopped; the supervisor saw both exit 0.
    for (const pid of pids) expect(lines.some((l) => l.pid === pid && l.msg === 'worker stopped' && l.role === undefined)).toBe(true);
    const done = lines.find((l) => l.msg === 'every worker process has exited');
    expect(done).toMatchObject({ clean: true });
    expect(((done?.exits ?? []) as Array<{ code: number; killed: boolean }>).map((e) => [e.code, e.killed])).toEqual([
      [0, false],
      [0, false],
    ]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
