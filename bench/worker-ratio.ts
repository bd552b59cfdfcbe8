/**
 * `worker_ratio`: N issue-credential jobs drained by one vcq worker process, against
 * peers doing the same work for the same N jobs, in the same interleaved rounds:
 *
 *   limit    one process doing only what an issuance cannot avoid (bench/issuance-peer.ts)
 *   pg-boss  pg-boss 12 draining the same jobs in batches, with vcq's signer
 *   BullMQ   raw BullMQ draining N no-op jobs: an information line (no work at all)
 *
 * Every run is verified (N completed job rows, N credentials, no duplicates, a sample
 * of signatures checked with the issuer's key); a run that fails the check does not
 * count. Each figure is the median of the rounds, with the load average beside it.
 */
import { loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import { PgBoss } from 'pg-boss';
import type { VcqCatalog } from '@vcq/app';
import { decodeJwt, publicKeyFromSeed, verifyEd25519 } from '@vcq/credentials';
import type { QueueSet } from '@vcq/jobs';
import { freePort } from '@vcq/testing';
import { bullmqBaseline, child, enqueueIssueJobs, enqueueJobs, lightState, note, openInBatch, waitForBatch } from './jobs.js';
import { type Deployment, type IssuerKey, percentile, postgresCpuMs, processCpuMs, round, sampleRss, threadCpuMs, type VcqProcess } from './lib.js';

export interface WorkerRatioSettings {
  n: number;
  concurrency: number;
  rounds: number;
  /** Extra environment of vcq's worker (profiles, Node flags). */
  workerEnv: Record<string, string>;
  /** Another checkout to run vcq's worker from (bench/worker-env-ab.ts --b-root); this one when absent. */
  workerCheckout?: string;
}

/** One drain of N jobs by one contender. */
interface Run {
  jobsPerS: number;
  seconds: number;
  workerCpuUsPerJob: number;
  postgresCpuUsPerJob: number;
  peakRssMiB: number;
  /** Share of the worker's CPU spent in garbage collection (%), where the process reports it. */
  gcPercent: number;
  load: number;
  /** Why the run does not count; null when it was verified. */
  invalid: string | null;
  /** Row writes Postgres made per job (pg_stat_database: inserted + updated + deleted tuples); counts, not times. */
  rowWritesPerJob?: number;
  /** Transactions committed per job (pg_stat_database.xact_commit). */
  commitsPerJob?: number;
  /** vcq only: the worker CPU per job on its main thread, and on its other threads (V8's GC and compiler helpers). */
  mainThreadCpuUsPerJob?: number;
  otherThreadsCpuUsPerJob?: number;
}

type Contender = 'vcq' | 'limit' | 'pgboss' | 'bullmq';
const CONTENDERS: Contender[] = ['vcq', 'limit', 'pgboss', 'bullmq'];
const SAMPLE = 50;
const PGBOSS_SCHEMA = 'pgboss_bench';

export async function workerRatio(d: Deployment, queues: QueueSet<VcqCatalog>, issuer: IssuerKey, settings: WorkerRatioSettings) {
  const runs = new Map<Contender, Run[]>(CONTENDERS.map((c) => [c, []]));
  const publicKey = publicKeyFromSeed(Buffer.from(issuer.seedHex, 'hex'));
  let light: { jobsPerS: number; cpuUsPerJob: number } | undefined;
  for (let r = 0; r < settings.rounds; r++) {
    // Each round starts with another contender, so drift on a shared machine hits all alike.
    const order = CONTENDERS.map((_, k) => CONTENDERS[(k + r) % CONTENDERS.length] as Contender);
    for (const who of order) {
      const batch = `wr${r}${who}${randomUUID().slice(0, 6)}`;
      note(`worker_ratio round ${r + 1}/${settings.rounds}: ${who}, ${settings.n} jobs`);
      let run: Run;
      if (who === 'bullmq') run = await bullmqRun(d, settings);
      else if (who === 'vcq') {
        const result = await vcqRun(d, queues, issuer, batch, settings, publicKey, r === 0);
        run = result.run;
        light ??= result.light;
      } else run = await peerRun(d, queues, who, issuer, batch, settings, publicKey);
      note(`worker_ratio: ${who}: ${round(run.jobsPerS, 0)} jobs/s, ${round(run.workerCpuUsPerJob, 0)} µs worker CPU/job${run.mainThreadCpuUsPerJob !== undefined ? ` (main thread ${round(run.mainThreadCpuUsPerJob, 0)}, other threads ${round(run.otherThreadsCpuUsPerJob ?? Number.NaN, 0)})` : ''}, load ${run.load}${run.invalid ? `; NOT COUNTED: ${run.invalid}` : ''}`);
      runs.get(who)?.push(run);
    }
  }
  const median = (who: Contender, pick: (run: Run) => number) => {
    const valid = (runs.get(who) ?? []).filter((run) => run.invalid === null).map(pick);
    return percentile(valid, 50);
  };
  const summary = Object.fromEntries(
    CONTENDERS.map((who) => [
      who,
      {
        jobs_per_s: round(median(who, (x) => x.jobsPerS), 1),
        worker_cpu_us_per_job: round(median(who, (x) => x.workerCpuUsPerJob), 0),
        postgres_cpu_us_per_job: round(median(who, (x) => x.postgresCpuUsPerJob), 0),
        peak_rss_mib: round(median(who, (x) => x.peakRssMiB), 0),
        gc_percent: round(median(who, (x) => x.gcPercent), 1),
        row_writes_per_job: round(median(who, (x) => x.rowWritesPerJob ?? Number.NaN), 2),
        commits_per_job: round(median(who, (x) => x.commitsPerJob ?? Number.NaN), 3),
        ...(who === 'vcq'
          ? {
              main_thread_cpu_us_per_job: round(median(who, (x) => x.mainThreadCpuUsPerJob ?? Number.NaN), 0),
              other_threads_cpu_us_per_job: round(median(who, (x) => x.otherThreadsCpuUsPerJob ?? Number.NaN), 0),
            }
          : {}),
        rounds: (runs.get(who) ?? []).map((x) => ({ jobs_per_s: round(x.jobsPerS, 0), worker_cpu_us_per_job: round(x.workerCpuUsPerJob, 0), load: x.load, ...(x.invalid ? { invalid: x.invalid } : {}) })),
      },
    ]),
  ) as unknown as Record<Contender, { jobs_per_s: number; worker_cpu_us_per_job: number; postgres_cpu_us_per_job: number; peak_rss_mib: number; gc_percent: number }>;
  const { vcq, limit, pgboss, bullmq } = summary;
  // Throughput ratios move with the machine's other load; CPU per job much less.
  const ratios = {
    vs_pgboss_rate: round(vcq.jobs_per_s / pgboss.jobs_per_s, 3),
    vs_pgboss_cpu: round(pgboss.worker_cpu_us_per_job / vcq.worker_cpu_us_per_job, 3),
    vs_limit_rate: round(vcq.jobs_per_s / limit.jobs_per_s, 3),
    vs_limit_cpu: round(limit.worker_cpu_us_per_job / vcq.worker_cpu_us_per_job, 3),
    vs_bullmq_noop_rate: round(vcq.jobs_per_s / bullmq.jobs_per_s, 3),
  };
  return { summary, ratios, light, rounds: settings.rounds };
}

/** The raw-BullMQ information line, in the shape of the others (it stores and signs nothing to verify). */
async function bullmqRun(d: Deployment, settings: WorkerRatioSettings): Promise<Run> {
  const result = await bullmqBaseline(d, settings.n, settings.concurrency);
  return { jobsPerS: result.rate, seconds: result.seconds, workerCpuUsPerJob: result.cpuUsPerJob, postgresCpuUsPerJob: 0, peakRssMiB: Number.NaN, gcPercent: Number.NaN, load: load(), invalid: null };
}

/** vcq: the jobs put in place as the API does, then one fresh worker process drains them. */
export async function vcqRun(d: Deployment, queues: QueueSet<VcqCatalog>, issuer: IssuerKey, batch: string, settings: WorkerRatioSettings, publicKey: Buffer, withLight: boolean) {
  await enqueueIssueJobs(d, queues, issuer.did, settings.n, batch);
  const writesAtStart = await databaseCounters(d);
  const metricsPort = await freePort();
  const worker: VcqProcess = await d.spawn('worker', { ...settings.workerEnv, WORKER_METRICS_PORT: String(metricsPort) }, settings.workerCheckout);
  let measured: Omit<Run, 'rowWritesPerJob' | 'commitsPerJob' | 'invalid'> & { problems: string[] };
  try {
    const pid = worker.child.pid;
    const rss = sampleRss(pid as number, 20);
    const gcAtStart = await gcSeconds(metricsPort);
    const cpuAtStart = processCpuMs(pid);
    const threadsAtStart = threadCpuMs(pid);
    const pgAtStart = postgresCpuMs(d.database.name);
    const state = await waitForBatch(d, batch, settings.n, 30 * 60_000);
    const cpuMs = processCpuMs(pid) - cpuAtStart;
    const threads = threadCpuMs(pid);
    const pgMs = postgresCpuMs(d.database.name, pgAtStart);
    const gcMs = ((await gcSeconds(metricsPort)) - gcAtStart) * 1000;
    const memory = await rss.stop();
    measured = {
      jobsPerS: state.completed / state.seconds,
      seconds: state.seconds,
      workerCpuUsPerJob: (cpuMs * 1000) / settings.n,
      mainThreadCpuUsPerJob: ((threads.main - threadsAtStart.main) * 1000) / settings.n,
      otherThreadsCpuUsPerJob: ((threads.others - threadsAtStart.others) * 1000) / settings.n,
      postgresCpuUsPerJob: (pgMs * 1000) / settings.n,
      peakRssMiB: memory.peak / 1024 ** 2,
      gcPercent: (gcMs / cpuMs) * 100,
      load: load(),
      problems: [
        state.completed !== settings.n ? `${state.completed} of ${settings.n} rows completed` : '',
        state.verified !== settings.n ? `${state.verified} completed rows carry their stored credential` : '',
      ],
    };
  } finally {
    await d.stop(worker);
  }
  // After the worker's exit, which reports its connections' statistics.
  const writes = await databaseCounters(d);
  const problems = [...measured.problems, await credentialProblems(d, batch, settings.n, publicKey)].filter(Boolean);
  const { problems: _, ...figures } = measured;
  const run: Run = {
    ...figures,
    invalid: problems.length > 0 ? problems.join('; ') : null,
    rowWritesPerJob: (writes.rows - writesAtStart.rows) / settings.n,
    commitsPerJob: (writes.commits - writesAtStart.commits) / settings.n,
  };
  return { run, light: withLight ? await lightRun(d, queues, settings) : undefined };
}

/**
 * The same drain with a job whose handler does no I/O (verifying a malformed VC-JWT
 * answers "malformed" at once), on a fresh worker: what the platform itself costs per job.
 */
async function lightRun(d: Deployment, queues: QueueSet<VcqCatalog>, settings: WorkerRatioSettings): Promise<{ jobsPerS: number; cpuUsPerJob: number }> {
  const tag = `did:example:light-${randomUUID().slice(0, 8)}`;
  await enqueueJobs(d, queues, 'verify-credential', settings.n, () => ({ vcJwt: 'not-a-jwt', verifierDid: tag }));
  const worker = await d.spawn('worker', settings.workerEnv, settings.workerCheckout);
  try {
    const cpuBefore = processCpuMs(worker.child.pid);
    const ended = await d.until(
      async () => {
        if ((await openInBatch(d, 'verifier', tag)) > 0) return null;
        const s = await lightState(d, tag);
        return s.done >= settings.n ? s : null;
      },
      'the light jobs to end',
      30 * 60_000,
      250,
    );
    return { jobsPerS: ended.done / ended.seconds, cpuUsPerJob: ((processCpuMs(worker.child.pid) - cpuBefore) * 1000) / settings.n };
  } finally {
    await d.stop(worker);
  }
}

/** The limit or pg-boss: the same jobs put in place for it, then its own process drains them. */
async function peerRun(d: Deployment, queues: QueueSet<VcqCatalog>, who: 'limit' | 'pgboss', issuer: IssuerKey, batch: string, settings: WorkerRatioSettings, publicKey: Buffer): Promise<Run> {
  const queue = `issue-${batch}`;
  if (who === 'limit') await enqueueIssueJobs(d, queues, issuer.did, settings.n, batch, { rowsOnly: true });
  else await enqueuePgBoss(d, queue, issuer.did, settings.n, batch);
  const pgAtStart = postgresCpuMs(d.database.name);
  const writesAtStart = await databaseCounters(d);
  const peer = child('issuance-peer.ts', [who, JSON.stringify({ databaseUrl: d.database.url, batch, queue, n: settings.n, issuerDid: issuer.did, keyId: issuer.keyId, seedHex: issuer.seedHex, schema: PGBOSS_SCHEMA })]);
  try {
    const done = (await peer.ready) as { firstStartMs: number; lastDoneMs: number; count: number; cpuMs: number; gcMs: number; peakRssBytes: number };
    // Read while the peer still holds its connections: a backend that has exited takes its CPU time with it.
    const pgMs = postgresCpuMs(d.database.name, pgAtStart);
    const seconds = (done.lastDoneMs - done.firstStartMs) / 1000;
    const completed =
      who === 'limit'
        ? Number((await d.sql.query<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE status = 'completed' AND data->'claims'->>'batch' = $1`, [batch]))[0]?.n)
        : Number((await d.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${PGBOSS_SCHEMA}.job WHERE name = $1 AND state = 'completed'`, [queue]))[0]?.n);
    const problems = [completed !== settings.n ? `${completed} of ${settings.n} jobs completed` : '', await credentialProblems(d, batch, settings.n, publicKey)].filter(Boolean);
    // After the peer's exit, which reports its connections' statistics.
    peer.kill();
    await peer.exited;
    const writes = await databaseCounters(d);
    return {
      jobsPerS: done.count / seconds,
      seconds,
      workerCpuUsPerJob: (done.cpuMs * 1000) / settings.n,
      postgresCpuUsPerJob: (pgMs * 1000) / settings.n,
      peakRssMiB: done.peakRssBytes / 1024 ** 2,
      gcPercent: (done.gcMs / done.cpuMs) * 100,
      load: load(),
      invalid: problems.length > 0 ? problems.join('; ') : null,
      rowWritesPerJob: (writes.rows - writesAtStart.rows) / settings.n,
      commitsPerJob: (writes.commits - writesAtStart.commits) / settings.n,
    };
  } finally {
    peer.kill();
    await peer.exited;
  }
}

/** The pg-boss peer's jobs, sent in bulk by the harness (as vcq's are), so its drain measures the drain alone. */
async function enqueuePgBoss(d: Deployment, queue: string, issuerDid: string, n: number, batch: string): Promise<void> {
  const boss = new PgBoss({ connectionString: d.database.url, schema: PGBOSS_SCHEMA, supervise: false, schedule: false, max: 2 });
  boss.on('error', (error: Error) => note(`pg-boss (enqueue) error: ${error.message}`));
  await boss.start();
  try {
    await boss.createQueue(queue);
    for (let start = 0; start < n; start += 1000) {
      const jobs = Array.from({ length: Math.min(1000, n - start) }, (_, k) => ({
        id: randomUUID(),
        data: { issuerDid, subjectDid: `did:example:${batch}-${start + k}`, credentialType: 'BenchCredential', claims: { n: start + k, grade: 'A', batch } },
        // The retry budget vcq gives an issuance (catalog: 3 attempts).
        retryLimit: 2,
      }));
      await boss.insert(queue, jobs);
    }
  } finally {
    await boss.stop({ graceful: false });
  }
}

/**
 * What is wrong with a run's credentials, or '': N of them (one per job: subjects are
 * `did:example:<batch>-<i>`), none twice, and a sample whose signatures verify.
 */
async function credentialProblems(d: Deployment, batch: string, n: number, publicKey: Buffer): Promise<string> {
  const pattern = `did:example:${batch}-%`;
  const [counts] = await d.sql.query<{ total: string; distinct: string }>(
    `SELECT count(*) AS total, count(DISTINCT subject) AS distinct FROM credentials WHERE subject LIKE $1`,
    [pattern],
  );
  const sample = await d.sql.query<{ jwt: string }>(`SELECT jwt FROM credentials WHERE subject LIKE $1 ORDER BY random() LIMIT ${SAMPLE}`, [pattern]);
  const bad = sample.filter(({ jwt }) => {
    const decoded = decodeJwt(jwt);
    return !verifyEd25519(publicKey, decoded.signingInput, decoded.signature);
  }).length;
  const problems = [
    Number(counts?.total) !== n ? `${counts?.total} credentials for ${n} jobs` : '',
    Number(counts?.distinct) !== Number(counts?.total) ? `${Number(counts?.total) - Number(counts?.distinct)} duplicate credentials` : '',
    sample.length === 0 || bad > 0 ? `${bad} of ${sample.length} sampled signatures do not verify` : '',
  ];
  return problems.filter(Boolean).join('; ');
}

/**
 * The database's committed transactions and written rows so far (pg_stat_database; the
 * figures read it before a run and after its processes exit, which makes them report).
 * The harness's own polling adds a few commits and no row writes.
 */
async function databaseCounters(d: Deployment): Promise<{ commits: number; rows: number }> {
  // The harness's own connections (it wrote the jobs) report when idle, within up to 10 s;
  // two at once reach both of its pool's connections, which then report at once.
  await Promise.all([0, 1].map(() => d.sql.query('SELECT pg_stat_force_next_flush(), pg_sleep(0.02)')));
  await d.sql.query('SELECT pg_stat_clear_snapshot()');
  const [row] = await d.sql.query<{ commits: string; rows: string }>(
    'SELECT xact_commit AS commits, tup_inserted + tup_updated + tup_deleted AS rows FROM pg_stat_database WHERE datname = current_database()',
  );
  return { commits: Number(row?.commits ?? 0), rows: Number(row?.rows ?? 0) };
}

/** Seconds of garbage collection the worker has reported on /metrics (prom-client's nodejs_gc_duration_seconds). */
async function gcSeconds(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith('nodejs_gc_duration_seconds_sum')) total += Number(line.split(' ').pop());
  return total;
}

const load = () => round(loadavg()[0] ?? Number.NaN, 2);
