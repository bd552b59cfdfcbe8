/**
 * `node --import tsx bench/worker-env-ab.ts --b '{"QUEUE_CONCURRENCY":"250"}' [--a '{}']
 * [--b-root <checkout>] [--n 10000] [--rounds 4]`: vcq's issuance drain (worker_ratio's
 * vcq contender, every run verified the same way) with two worker environments,
 * alternating A-B, B-A, … on one deployment, so drift on a shared machine hits both
 * alike. For a worker setting or a Node flag (`{"NODE_OPTIONS":"--max-semi-space-size=32"}`),
 * or, with `--b-root`, another checkout's worker (a git worktree with its dependencies
 * installed) against this one's. One line per run with the load average, then each
 * side's median. A measurement: it never fails on figures.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { baseCatalog } from '@vcq/app';
import { publicKeyFromSeed } from '@vcq/credentials';
import { QueueSet } from '@vcq/jobs';
import { importIssuerKey, options, percentile, round, startDeployment } from './lib.js';
import { vcqRun } from './worker-ratio.js';

const opt = options('WORKER_AB');
const n = opt.number('n', 10_000);
const rounds = Math.max(1, opt.number('rounds', 4));
const concurrency = opt.number('concurrency', 100);
const environment = (name: 'a' | 'b'): Record<string, string> => {
  const text = opt.string(name, '{}');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`--${name} must be a JSON object of environment variables (got ${text})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new Error(`--${name} must be a JSON object whose values are strings (got ${text})`);
  }
  return parsed as Record<string, string>;
};
const sides = { A: environment('a'), B: environment('b') };
// Side B's worker from another checkout: its own sources and node_modules, this run's deployment.
const bRoot = opt.string('b-root', '');
if (bRoot && !existsSync(join(bRoot, 'apps/worker/src/main.ts'))) throw new Error(`--b-root ${bRoot} holds no apps/worker/src/main.ts`);

const d = await startDeployment({ prefix: 'vcq_ab', env: { QUEUE_CONCURRENCY: String(concurrency) } });
const producer = new Redis(d.redis.url, { maxRetriesPerRequest: null });
try {
  const queues = new QueueSet({ catalog: baseCatalog, connection: producer, prefix: d.queuePrefix, timeoutMs: 30_000 });
  await d.spawn('api');
  const issuer = await importIssuerKey(d.apiUrl);
  const publicKey = publicKeyFromSeed(Buffer.from(issuer.seedHex, 'hex'));
  const cpu: Record<'A' | 'B', number[]> = { A: [], B: [] };
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
      const batch = `ab${r}${side}${randomUUID().slice(0, 6)}`;
      const workerCheckout = side === 'B' && bRoot ? bRoot : undefined;
      const { run } = await vcqRun(d, queues, issuer, batch, { n, concurrency, rounds: 1, workerEnv: sides[side], workerCheckout }, publicKey, false);
      if (run.invalid === null) cpu[side].push(run.workerCpuUsPerJob);
      const line = {
        round: r + 1,
        side,
        env: sides[side],
        ...(side === 'B' && bRoot ? { root: resolve(bRoot) } : {}),
        worker_cpu_us_per_job: round(run.workerCpuUsPerJob, 0),
        main_thread_cpu_us_per_job: round(run.mainThreadCpuUsPerJob ?? Number.NaN, 0),
        other_threads_cpu_us_per_job: round(run.otherThreadsCpuUsPerJob ?? Number.NaN, 0),
        jobs_per_s: round(run.jobsPerS, 0),
        postgres_cpu_us_per_job: round(run.postgresCpuUsPerJob, 0),
        peak_rss_mib: round(run.peakRssMiB, 0),
        gc_percent: round(run.gcPercent, 1),
        commits_per_job: round(run.commitsPerJob ?? Number.NaN, 3),
        load_avg_1m: round(loadavg()[0] ?? Number.NaN, 2),
        ...(run.invalid ? { invalid: run.invalid } : {}),
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  }
  const median = (values: number[]) => round(percentile(values, 50), 0);
  process.stdout.write(`${JSON.stringify({ a: sides.A, b: sides.B, ...(bRoot ? { b_root: resolve(bRoot) } : {}), jobs: n, rounds, median_cpu_us_per_job: { A: median(cpu.A), B: median(cpu.B) }, runs: { A: cpu.A.map((v) => round(v, 0)), B: cpu.B.map((v) => round(v, 0)) } })}\n`);
} finally {
  await producer.quit().catch(() => producer.disconnect());
  await d.close();
}
