/**
 * `pnpm bench`: vcq measured against its own baselines in the same run, on this
 * machine. Prints one JSON line per figure, then a table. Benchmarks never pass or
 * fail on time; the goals are printed beside the figures.
 *
 * Figures (each can be picked with --only=a,b):
 *   worker_ratio   N issue-credential jobs drained by one worker process vs the limit, pg-boss and raw BullMQ (bench/worker-ratio.ts)
 *   api_ratio      POST /api/credentials/issue vs a bare Express 5 JSON endpoint (autocannon)
 *   start_latency  the API's 202 -> the job's start in the worker, at a steady rate
 *   worker_rss     worker RSS after 10k and 100k jobs; Redis memory afterwards
 *   upload_ratio   100 MiB upload to /api/verification-jobs/verify vs a bare HTTP server draining and hashing it
 *   sync_fallback  Redis unreachable: first answer, then p50 over 200 requests
 *   worker_processes  N issue-credential jobs drained by WORKER_PROCESSES=1 and =2, interleaved rounds
 *
 * Options (flag or env BENCH_<NAME>): see `usage` below.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { baseCatalog, type VcqCatalog } from '@vcq/app';
import { attemptsOf, QueueSet } from '@vcq/jobs';
import type { VcqProcess } from '@vcq/testing';
import {
  API_KEY,
  api,
  type Deployment,
  importIssuerKey,
  issueBody,
  machineCpuTicks,
  MiB,
  options,
  percentile,
  processCpuMs,
  round,
  rssBytes,
  sampleRss,
  sleep,
  startDeployment,
  stealPercent,
} from './lib.js';
import { batchState, child, enqueueIssueJobs, note, settleDatabase, waitForBatch } from './jobs.js';
import { workerRatio } from './worker-ratio.js';

const usage = `pnpm bench [options]   (each also as env BENCH_<NAME>, e.g. BENCH_N=5000)
  --only <list>            figures to run (default: all): worker_ratio,api_ratio,start_latency,worker_rss,upload_ratio,sync_fallback,worker_processes
  --n <jobs>               worker_ratio jobs per contender and round (default 20000)
  --rounds <n>             worker_ratio rounds, each one run of vcq, the limit, pg-boss and raw BullMQ (default 3)
  --concurrency <n>        worker concurrency, vcq and baseline alike (default 100, vcq's QUEUE_CONCURRENCY default)
  --duration <s>           api_ratio seconds per target (default 10)
  --connections <n>        api_ratio connections (default 50)
  --api-rounds <n>         api_ratio rounds, baseline and vcq alternating; the median is reported (default 3)
  --start-rate <req/s>     start_latency steady rate (default 50)
  --start-duration <s>     start_latency seconds (default 10)
  --rss-jobs <a,b>         worker_rss checkpoints in jobs (default 10000,50000; the issue's 100k: --rss-jobs 10000,100000)
  --rss-batch <n>          worker_rss jobs enqueued per batch (default 10000)
  --upload-mib <n>         upload_ratio size (default 100)
  --upload-runs <n>        upload_ratio repetitions, median reported (default 3)
  --fallback-requests <n>  sync_fallback requests after the first (default 200)
  --wp-n <jobs>            worker_processes jobs per run (default 5000)
  --wp-rounds <n>          worker_processes rounds, each one run with 1 and one with 2 processes (default 2)
  --profile-worker <dir>   write a CPU profile of worker_ratio's worker process into <dir>
  --profile-api <dir>      write a CPU profile of the API process into <dir>
  --app-node-options <s>   extra Node flags for vcq's API and worker processes (e.g. "--max-semi-space-size=32")`;

const opt = options('BENCH');
if (opt.has('help')) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const ALL = ['worker_ratio', 'api_ratio', 'start_latency', 'worker_rss', 'upload_ratio', 'sync_fallback', 'worker_processes'] as const;
type FigureName = (typeof ALL)[number];
const only = new Set(opt.list('only') ?? ALL);
for (const name of only) if (!(ALL as readonly string[]).includes(name)) throw new Error(`unknown figure ${name}; figures: ${ALL.join(', ')}`);
const settings = {
  n: opt.number('n', 20_000),
  rounds: opt.number('rounds', 3),
  concurrency: opt.number('concurrency', 100),
  duration: opt.number('duration', 10),
  connections: opt.number('connections', 50),
  apiRounds: opt.number('api-rounds', 3),
  startRate: opt.number('start-rate', 50),
  startDuration: opt.number('start-duration', 10),
  rssJobs: opt.numbers('rss-jobs', [10_000, 50_000]),
  rssBatch: opt.number('rss-batch', 10_000),
  uploadMiB: opt.number('upload-mib', 100),
  uploadRuns: opt.number('upload-runs', 3),
  fallbackRequests: opt.number('fallback-requests', 200),
  wpN: opt.number('wp-n', 5000),
  wpRounds: opt.number('wp-rounds', 2),
};

// `--profile-worker <dir>`: the worker of worker_ratio writes a V8 CPU profile there when it exits.
// `--profile-api <dir>`: the API process writes one when it exits.
// `--app-node-options <flags>`: extra Node flags for vcq's API and worker processes only.
const appNodeOptions = opt.string('app-node-options', '');
const appEnv = (profileDir: string): Record<string, string> => {
  const nodeOptions = [profileDir ? `--import ${fileURLToPath(new URL('./cpu-profile.mjs', import.meta.url))}` : '', appNodeOptions].filter(Boolean).join(' ');
  return { ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}), ...(profileDir ? { BENCH_PROFILE_DIR: profileDir } : {}) };
};
const workerExtraEnv = appEnv(opt.string('profile-worker', ''));
const apiExtraEnv = appEnv(opt.string('profile-api', ''));
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const ISSUANCE_QUEUE = 'vc-issuance';

interface Figure {
  figure: FigureName;
  [key: string]: unknown;
}
const figures: Figure[] = [];
const table: Array<[string, string, string, string]> = [];

/** Where the current figure's steal share is counted from (the previous figure's end). */
let cpuSince = machineCpuTicks();

function report(figure: Figure, row: [string, string, string]): void {
  // Other work on the machine skews every figure; the load says how much there was, and
  // on a virtual machine the steal share how much of the CPU its host took meanwhile.
  figure.load_avg_1m = round(loadavg()[0] ?? Number.NaN, 2);
  figure.cpu_steal_pct = stealPercent(cpuSince);
  cpuSince = machineCpuTicks();
  figures.push(figure);
  table.push([figure.figure, ...row]);
  process.stdout.write(`${JSON.stringify(figure)}\n`);
}


async function main(): Promise<void> {
  const started = Date.now();
  note(`settings ${JSON.stringify(settings)}`);
  note(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${round(totalmem() / 1024 ** 3, 1)} GiB, node ${process.version}, load ${loadavg().map((l) => round(l, 2)).join(' ')}`);
  const d = await startDeployment({ prefix: 'vcq_bench', env: { QUEUE_CONCURRENCY: String(settings.concurrency) } });
  const producer = new Redis(d.redis.url, { maxRetriesPerRequest: null });
  const queues = new QueueSet({ catalog: baseCatalog, connection: producer, prefix: d.queuePrefix, timeoutMs: 30_000 });
  let apiProcess: VcqProcess | undefined;
  let worker: VcqProcess | undefined;
  try {
    apiProcess = await d.spawn('api', apiExtraEnv);
    const issuerKey = await importIssuerKey(d.apiUrl);
    const issuer = issuerKey.did;
    note(`api up at ${d.apiUrl}; issuer ${issuer}`);

    if (only.has('worker_ratio')) {
      const { summary, ratios, light, rounds } = await workerRatio(d, queues, issuerKey, { n: settings.n, concurrency: settings.concurrency, rounds: settings.rounds, workerEnv: workerExtraEnv });
      const { vcq, limit, pgboss, bullmq } = summary;
      // The goals (issue 14): at least the pg-boss batch peer, at least 0.6 of the limit, on the worker's CPU per job.
      const met = ratios.vs_pgboss_cpu >= 1 && ratios.vs_limit_cpu >= 0.6 && vcq.peak_rss_mib < 160 && vcq.gc_percent < 5;
      report(
        {
          figure: 'worker_ratio',
          jobs: settings.n,
          concurrency: settings.concurrency,
          rounds,
          vcq,
          limit,
          pgboss,
          bullmq_noop: bullmq,
          ...ratios,
          vcq_light_jobs_per_s: light ? round(light.jobsPerS, 1) : null,
          vcq_worker_cpu_us_per_light_job: light ? round(light.cpuUsPerJob, 0) : null,
          goal: 'vs_pgboss_cpu >= 1.0, vs_limit_cpu >= 0.6 (about 170 us of worker CPU per job), vcq peak RSS < 160 MiB at N = 20,000, GC < 5 % of worker CPU',
        },
        [
          `CPU/job: vcq ${vcq.worker_cpu_us_per_job} us, pg-boss ${pgboss.worker_cpu_us_per_job}, limit ${limit.worker_cpu_us_per_job} (x${ratios.vs_pgboss_cpu}, x${ratios.vs_limit_cpu}); jobs/s ${round(vcq.jobs_per_s, 0)} vs ${round(pgboss.jobs_per_s, 0)} vs ${round(limit.jobs_per_s, 0)}; RSS ${vcq.peak_rss_mib} MiB; GC ${vcq.gc_percent} %`,
          '>= 1.0 pg-boss, >= 0.6 limit, < 160 MiB, GC < 5 %',
          met ? 'met' : 'missed',
        ],
      );
    }

    if (only.has('api_ratio')) {
      // The queue is paused so the worker (if any) does not compete for the 2 cores: this measures the API.
      await queues.queue(ISSUANCE_QUEUE).pause();
      await settleDatabase(d);
      const loadFor = async (url: string, body: unknown, headers: Record<string, string>, durationSeconds: number) => {
        const gen = child('load.ts', [JSON.stringify({ url, connections: settings.connections, durationSeconds, body, headers })]);
        const result = (await gen.ready) as { rate: number; p50Ms: number; p99Ms: number; ok: number; non2xx: number; errors: number };
        await gen.exited;
        return result;
      };
      /** One measured run, with the CPU the serving process (`pid`) spent per answered request. */
      const load = async (url: string, body: unknown, headers: Record<string, string>, pid: number | undefined) => {
        const cpuBefore = processCpuMs(pid);
        const result = await loadFor(url, body, headers, settings.duration);
        return { ...result, cpuUsPerRequest: ((processCpuMs(pid) - cpuBefore) * 1000) / Math.max(1, result.ok + result.non2xx) };
      };
      // Rounds alternate baseline and vcq, so drift on a shared machine (other tenants,
      // CPU boost) hits both alike; the figure is the median round.
      const bare = child('bare-express.ts', []);
      const { port } = (await bare.ready) as { port: number };
      const body = issueBody(issuer, 0);
      // A short unmeasured run of each first: both processes are fresh, and JIT warm-up belongs to neither figure.
      note('api_ratio: warming up both targets (3 s each, not measured)');
      await loadFor(`http://127.0.0.1:${port}/json`, body, {}, 3);
      await loadFor(`${d.apiUrl}/api/credentials/issue`, body, { 'x-api-key': API_KEY }, 3);
      const rounds: Array<{ vcq: Awaited<ReturnType<typeof load>>; baseline: Awaited<ReturnType<typeof load>>; ratio: number }> = [];
      for (let i = 1; i <= settings.apiRounds; i++) {
        note(`api_ratio round ${i}/${settings.apiRounds}: bare Express 5, then POST /api/credentials/issue; ${settings.connections} connections, ${settings.duration} s each`);
        const baseline = await load(`http://127.0.0.1:${port}/json`, body, {}, bare.pid);
        const vcq = await load(`${d.apiUrl}/api/credentials/issue`, body, { 'x-api-key': API_KEY }, apiProcess?.child.pid);
        rounds.push({ vcq, baseline, ratio: vcq.rate / baseline.rate });
      }
      bare.kill();
      await bare.exited;
      await queues.queue(ISSUANCE_QUEUE).resume();
      const median = (values: number[]) => percentile(values, 50);
      const ratio = median(rounds.map((r) => r.ratio));
      const p50 = median(rounds.map((r) => r.vcq.p50Ms));
      const p99 = median(rounds.map((r) => r.vcq.p99Ms));
      const vcqRate = median(rounds.map((r) => r.vcq.rate));
      const baselineRate = median(rounds.map((r) => r.baseline.rate));
      report(
        {
          figure: 'api_ratio',
          connections: settings.connections,
          seconds: settings.duration,
          rounds: settings.apiRounds,
          vcq_req_per_s: round(vcqRate, 1),
          vcq_p50_ms: p50,
          vcq_p99_ms: p99,
          vcq_2xx: rounds.reduce((n, r) => n + r.vcq.ok, 0),
          vcq_non2xx: rounds.reduce((n, r) => n + r.vcq.non2xx, 0),
          vcq_errors: rounds.reduce((n, r) => n + r.vcq.errors, 0),
          express_req_per_s: round(baselineRate, 1),
          express_p50_ms: median(rounds.map((r) => r.baseline.p50Ms)),
          express_p99_ms: median(rounds.map((r) => r.baseline.p99Ms)),
          ratio: round(ratio, 3),
          round_ratios: rounds.map((r) => round(r.ratio, 3)),
          // CPU of the serving process per answered request moves far less with the machine's load than rates do.
          vcq_api_cpu_us_per_req: round(median(rounds.map((r) => r.vcq.cpuUsPerRequest)), 0),
          express_cpu_us_per_req: round(median(rounds.map((r) => r.baseline.cpuUsPerRequest)), 0),
          round_vcq_p99_ms: rounds.map((r) => r.vcq.p99Ms),
          goal: 'ratio >= 0.6, p99 < 50 ms',
        },
        [
          `${round(ratio, 3)} (${round(vcqRate, 0)} vs ${round(baselineRate, 0)} req/s), p50 ${p50} ms, p99 ${p99} ms; median of ${settings.apiRounds} rounds`,
          '>= 0.6, p99 < 50 ms',
          ratio >= 0.6 && p99 < 50 ? 'met' : 'missed',
        ],
      );
      if (worker) {
        // Let the worker drain what the load left behind before timing anything else.
        note('api_ratio: draining the queued backlog');
        await d.until(async () => (await queues.queue(ISSUANCE_QUEUE).count()) === 0, 'the backlog to drain', 30 * 60_000, 500);
      } else {
        await queues.queue(ISSUANCE_QUEUE).obliterate({ force: true });
        await d.sql.query(`UPDATE jobs SET status = 'cancelled' WHERE status = 'queued'`);
      }
    }

    if (only.has('start_latency')) {
      worker ??= await d.spawn('worker', appEnv(''));
      // Quiet first: the latency of a steady load, not of a backlog.
      await d.until(async () => (await queues.queue(ISSUANCE_QUEUE).count()) === 0, 'an empty queue', 30 * 60_000, 250);
      const total = Math.round(settings.startRate * settings.startDuration);
      note(`start_latency: ${settings.startRate} req/s for ${settings.startDuration} s (${total} requests)`);
      const accepted: Array<{ id: string; at: number }> = [];
      let refused = 0;
      const sends: Promise<void>[] = [];
      const t0 = Date.now();
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / settings.startRate;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        sends.push(
          (async () => {
            const res = await fetch(`${d.apiUrl}/api/credentials/issue`, {
              method: 'POST',
              headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
              body: JSON.stringify({ ...issueBody(issuer, i), claims: { n: i, batch: 'start_latency' } }),
            });
            const at = Date.now();
            const json = (await res.json()) as { jobId?: string };
            if (res.status === 202 && json.jobId) accepted.push({ id: json.jobId, at });
            else refused++;
          })(),
        );
      }
      await Promise.all(sends);
      await waitForBatch(d, 'start_latency', accepted.length, 5 * 60_000);
      const rows = await d.sql.query<{ id: string; started: string }>(
        `SELECT id, (extract(epoch FROM started_at) * 1000)::float8 AS started FROM jobs WHERE data->'claims'->>'batch' = 'start_latency'`,
      );
      const startedAt = new Map(rows.map((r) => [r.id, Number(r.started)]));
      const latencies = accepted.map((a) => (startedAt.get(a.id) ?? Number.NaN) - a.at).filter(Number.isFinite);
      const p50 = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      report(
        {
          figure: 'start_latency',
          rate_per_s: settings.startRate,
          requests: total,
          accepted: accepted.length,
          refused,
          p50_ms: round(p50, 1),
          p99_ms: round(p99, 1),
          max_ms: round(Math.max(...latencies), 1),
          resolution: 'ms (Postgres started_at minus the client-side arrival of the 202, same clock)',
          goal: 'p50 < 5 ms, p99 < 25 ms',
        },
        [`p50 ${round(p50, 1)} ms, p99 ${round(p99, 1)} ms`, 'p50 < 5 ms, p99 < 25 ms', p50 < 5 && p99 < 25 ? 'met' : 'missed'],
      );
    }

    if (worker) {
      await d.stop(worker);
      worker = undefined;
    }

    if (only.has('worker_rss')) {
      // A fresh worker, so "after 10k" and "after 100k" are counted from its start.
      const checkpoints = [...settings.rssJobs].sort((a, b) => a - b);
      const target = checkpoints[checkpoints.length - 1] as number;
      note(`worker_rss: a fresh worker through ${target} jobs, ${settings.rssBatch} enqueued at a time`);
      worker = await d.spawn('worker', appEnv(''));
      const pid = worker.child.pid as number;
      const startRss = (await rssBytes(pid)) ?? 0;
      const samples: Array<{ jobs: number; rss_mib: number }> = [];
      const atCheckpoint = new Map<number, number>();
      let done = 0;
      let batchNo = 0;
      const rssStart = Date.now();
      while (done < target) {
        const size = Math.min(settings.rssBatch, target - done);
        const batch = `rss-${batchNo++}`;
        await enqueueIssueJobs(d, queues, issuer, size, batch);
        await waitForBatch(d, batch, size, 30 * 60_000);
        done += size;
        const rss = (await rssBytes(pid)) ?? 0;
        samples.push({ jobs: done, rss_mib: round(rss / MiB, 1) });
        for (const c of checkpoints) if (done >= c && !atCheckpoint.has(c)) atCheckpoint.set(c, rss);
        note(`worker_rss: ${done} jobs, RSS ${round(rss / MiB, 1)} MiB`);
      }
      const rssSeconds = (Date.now() - rssStart) / 1000;
      const info = await producer.info('memory');
      const usedMemory = Number(info.match(/^used_memory:(\d+)/m)?.[1] ?? Number.NaN);
      const completedSet = await producer.zcard(`${d.queuePrefix}:${ISSUANCE_QUEUE}:completed`);
      let jobHashes = 0;
      let cursor = '0';
      do {
        const [next, keys] = await producer.scan(cursor, 'MATCH', `${d.queuePrefix}:${ISSUANCE_QUEUE}:*`, 'COUNT', 1000);
        cursor = next;
        jobHashes += keys.filter((k) => /:[0-9a-f-]{36}$/.test(k)).length;
      } while (cursor !== '0');
      const first = atCheckpoint.get(checkpoints[0] as number) ?? 0;
      const last = atCheckpoint.get(target) ?? 0;
      const growth = first > 0 ? (last - first) / first : Number.NaN;
      report(
        {
          figure: 'worker_rss',
          start_rss_mib: round(startRss / MiB, 1),
          ...Object.fromEntries(checkpoints.map((c) => [`rss_after_${c}_mib`, round((atCheckpoint.get(c) ?? 0) / MiB, 1)])),
          growth_pct: round(growth * 100, 1),
          seconds: round(rssSeconds, 1),
          samples,
          redis_used_memory_mib: round(usedMemory / MiB, 2),
          redis_completed_set: completedSet,
          redis_job_hashes: jobHashes,
          goal: 'growth < 10 %, Redis holds no completed jobs',
        },
        [
          `${checkpoints.map((c) => `${round((atCheckpoint.get(c) ?? 0) / MiB, 0)} MiB @${c / 1000}k`).join(', ')} (${round(growth * 100, 1)} %); Redis ${round(usedMemory / MiB, 1)} MiB, ${completedSet + jobHashes} job keys`,
          '< 10 %, no completed jobs',
          growth < 0.1 && completedSet === 0 && jobHashes === 0 ? 'met' : 'missed',
        ],
      );
      await d.stop(worker);
      worker = undefined;
    }

    if (only.has('worker_processes')) {
      // The same drain by one worker process and by a supervisor of two, alternating
      // within each round (1 then 2, then 2 then 1) so drift on a shared machine hits
      // both alike. Jobs wait on a paused queue until every process is up, so start-up
      // is not part of the figure.
      await settleDatabase(d);
      const runs: Array<{ processes: number; round: number; seconds: number; jobs_per_s: number; completed: number; failed: number; load_avg_1m: number }> = [];
      for (let r = 1; r <= settings.wpRounds; r++) {
        for (const processes of r % 2 === 1 ? [1, 2] : [2, 1]) {
          const batch = `wp-${processes}-${r}`;
          await queues.queue(ISSUANCE_QUEUE).pause();
          await enqueueIssueJobs(d, queues, issuer, settings.wpN, batch);
          const w = await d.spawn('worker', { WORKER_PROCESSES: String(processes) });
          if (processes > 1) await w.waitForLine(/worker processes started/, 60_000);
          note(`worker_processes round ${r}/${settings.wpRounds}: ${settings.wpN} jobs, WORKER_PROCESSES=${processes}`);
          await queues.queue(ISSUANCE_QUEUE).resume();
          const state = await waitForBatch(d, batch, settings.wpN, 30 * 60_000);
          const load = round(loadavg()[0] ?? Number.NaN, 2);
          await d.stop(w);
          runs.push({ processes, round: r, seconds: round(state.seconds, 2), jobs_per_s: round(state.completed / state.seconds, 1), completed: state.completed, failed: state.failed, load_avg_1m: load });
          note(`worker_processes: ${processes} process(es): ${round(state.completed / state.seconds, 0)} jobs/s in ${round(state.seconds, 1)} s, load ${load}`);
        }
      }
      const median = (processes: number) => percentile(runs.filter((x) => x.processes === processes).map((x) => x.jobs_per_s), 50);
      const one = median(1);
      const two = median(2);
      report(
        {
          figure: 'worker_processes',
          jobs: settings.wpN,
          rounds: settings.wpRounds,
          concurrency_per_process: settings.concurrency,
          cores: availableParallelism(),
          one_process_jobs_per_s: one,
          two_processes_jobs_per_s: two,
          speedup: round(two / one, 3),
          runs,
          goal: 'none (a measurement): 2 processes on 2 cores vs 1',
        },
        [`1 process ${round(one, 0)} jobs/s, 2 processes ${round(two, 0)} jobs/s (x${round(two / one, 2)}); median of ${settings.wpRounds} rounds`, 'none', ''],
      );
    }

    if (only.has('upload_ratio')) {
      const bytes = randomBytes(settings.uploadMiB * MiB);
      const hashRuns: number[] = [];
      for (let i = 0; i < settings.uploadRuns; i++) {
        const t = performance.now();
        createHash('sha256').update(bytes).digest();
        hashRuns.push(performance.now() - t);
      }
      // The baseline: the same upload from the same client to a bare HTTP server that
      // drains it and hashes every byte, in rounds alternating with vcq's.
      const bare = child('bare-express.ts', []);
      const { port } = (await bare.ready) as { port: number };
      const upload = (url: string, headers: Record<string, string>) => {
        const form = new FormData();
        form.set('manifestURI', 'https://example.org/manifest.json');
        form.set('registryAddress', `0x${'ab'.repeat(20)}`);
        form.set('file', new Blob([bytes]), 'big.bin');
        return fetch(url, { method: 'POST', headers, body: form });
      };
      const uploadRuns: number[] = [];
      const baselineRuns: number[] = [];
      const growths: number[] = [];
      const loads: number[] = [];
      const pid = apiProcess.child.pid as number;
      for (let i = 0; i < settings.uploadRuns; i++) {
        let t = performance.now();
        const base = await upload(`http://127.0.0.1:${port}/hash`, {});
        await base.text();
        baselineRuns.push(performance.now() - t);
        const sampler = sampleRss(pid, 5);
        await sleep(20);
        t = performance.now();
        const res = await upload(`${d.apiUrl}/api/verification-jobs/verify`, { 'x-api-key': API_KEY });
        const ms = performance.now() - t;
        await res.text();
        const rss = await sampler.stop();
        if (res.status !== 202) throw new Error(`upload answered ${res.status}`);
        uploadRuns.push(ms);
        growths.push(rss.peak - rss.first);
        loads.push(round(loadavg()[0] ?? Number.NaN, 2));
        note(`upload_ratio: round ${i + 1}: bare HTTP drain+hash ${round(baselineRuns[i] as number, 0)} ms, vcq ${round(ms, 0)} ms to the 202, API RSS +${round((rss.peak - rss.first) / MiB, 1)} MiB, load ${loads[i]}`);
      }
      bare.kill();
      await bare.exited;
      const baselineMs = percentile(baselineRuns, 50);
      const hashMs = percentile(hashRuns, 50);
      const uploadMs = percentile(uploadRuns, 50);
      const growth = Math.max(...growths);
      const ratio = baselineMs / uploadMs;
      report(
        {
          figure: 'upload_ratio',
          mib: settings.uploadMiB,
          runs: settings.uploadRuns,
          upload_to_202_ms: round(uploadMs, 1),
          bare_http_drain_and_hash_ms: round(baselineMs, 1),
          ratio: round(ratio, 3),
          round_ms: uploadRuns.map((ms, i) => ({ vcq: round(ms, 0), baseline: round(baselineRuns[i] as number, 0), load: loads[i] })),
          upload_mib_per_s: round(settings.uploadMiB / (uploadMs / 1000), 1),
          hash_in_memory_ms: round(hashMs, 1),
          api_rss_growth_mib: round(growth / MiB, 1),
          goal: 'ratio >= 0.9, RSS growth < 32 MiB',
        },
        [
          `${round(ratio, 3)} (${round(uploadMs, 0)} ms vs ${round(baselineMs, 0)} ms for a bare HTTP drain+hash), RSS +${round(growth / MiB, 1)} MiB`,
          '>= 0.9, < 32 MiB',
          ratio >= 0.9 && growth < 32 * MiB ? 'met' : 'missed',
        ],
      );
    }

    if (only.has('sync_fallback')) {
      note('sync_fallback: stopping Redis');
      await d.redis.stop();
      const issueOnce = async (i: number) => {
        const t = performance.now();
        const res = await api(d.apiUrl, 'POST', '/api/credentials/issue', { ...issueBody(issuer, i), claims: { n: i, batch: 'fallback' } });
        return { ms: performance.now() - t, status: res.status, mode: res.body?.mode };
      };
      const first = await issueOnce(0);
      const rest: number[] = [];
      const statuses = new Map<string, number>();
      for (let i = 1; i <= settings.fallbackRequests; i++) {
        const r = await issueOnce(i);
        rest.push(r.ms);
        const key = `${r.status}${r.mode ? ` ${String(r.mode)}` : ''}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
      await d.redis.start();
      const p50 = percentile(rest, 50);
      report(
        {
          figure: 'sync_fallback',
          first_ms: round(first.ms, 1),
          first_status: first.status,
          first_mode: first.mode ?? null,
          requests: settings.fallbackRequests,
          p50_ms: round(p50, 1),
          p99_ms: round(percentile(rest, 99), 1),
          answers: Object.fromEntries(statuses),
          goal: 'first answer within 1 s',
        },
        [`first ${round(first.ms, 0)} ms (${first.status} ${String(first.mode)}), p50 ${round(p50, 1)} ms`, 'first < 1 s', first.ms < 1000 ? 'met' : 'missed'],
      );
    }
  } finally {
    await queues.close().catch(() => {});
    producer.disconnect();
    // Stopped gracefully (SIGTERM) so a profiled API writes its profile.
    if (apiProcess) await d.stop(apiProcess, 10_000).catch(() => null);
    await d.close();
  }
  printTable();
  note(`done in ${round((Date.now() - started) / 1000, 0)} s`);
}

function printTable(): void {
  const head: [string, string, string, string] = ['figure', 'measured', 'goal', ''];
  const rows = [head, ...table];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  process.stdout.write(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
