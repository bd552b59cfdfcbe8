/**
 * `node --import tsx bench/lock-expiry.ts [--n 3000] [--lock-ms 1000] [--stalled-ms 500]
 * [--workers 2] [--concurrency 100]`: live workers under load with a short job lock.
 * A busy event loop can outlive a lock's renewal; the stalled check then hands the job
 * to a second run. Counts, from the workers' own logs, how many jobs had their handler
 * entered more than once, and checks that every job stored one credential. Prints one
 * JSON line. A measurement, not a test: it never fails on its figures.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { baseCatalog } from '@vcq/app';
import { attemptsOf, QueueSet } from '@vcq/jobs';
import { importIssuer, issueBody, options, startDeployment } from './lib.js';

const opt = options('LOCKX');
const n = opt.number('n', 3000);
const lockMs = opt.number('lock-ms', 1000);
const stalledMs = opt.number('stalled-ms', 500);
const workerCount = opt.number('workers', 2);
const concurrency = opt.number('concurrency', 100);

const d = await startDeployment({
  prefix: 'lockx',
  env: { WORKER_LOCK_MS: String(lockMs), WORKER_STALLED_INTERVAL_MS: String(stalledMs), QUEUE_CONCURRENCY: String(concurrency) },
});
try {
  const api = await d.spawn('api');
  const issuer = await importIssuer(d.apiUrl);
  const producer = new Redis(d.redis.url, { maxRetriesPerRequest: null });
  const queues = new QueueSet({ catalog: baseCatalog, connection: producer, prefix: d.queuePrefix, timeoutMs: 30_000 });
  const def = baseCatalog['issue-credential'];
  const jobs = Array.from({ length: n }, (_, i) => ({ id: randomUUID(), data: issueBody(issuer, i) }));
  await d.sql.query(`INSERT INTO jobs (id, kind, queue, name, data, max_attempts) SELECT id, 'issue-credential', $3, $4, data, $5 FROM unnest($1::uuid[], $2::jsonb[]) AS t(id, data)`, [
    jobs.map((j) => j.id),
    jobs.map((j) => JSON.stringify(j.data)),
    def.queue,
    def.name,
    attemptsOf(def),
  ]);
  for (let i = 0; i < jobs.length; i += 250) await Promise.all(jobs.slice(i, i + 250).map((j) => queues.add('issue-credential', j.id, j.data)));
  const started = Date.now();
  const workers = await Promise.all(Array.from({ length: workerCount }, () => d.spawn('worker', { LOG_LEVEL: 'debug' })));
  await d.until(
    async () => {
      const [row] = await d.sql.query<{ open: string }>("SELECT count(*) AS open FROM jobs WHERE status IN ('queued', 'processing')");
      return Number(row?.open) === 0;
    },
    'every job to finish',
    30 * 60_000,
    250,
  );
  const seconds = (Date.now() - started) / 1000;
  const lines = workers.flatMap((w) => w.lines);
  const entries = new Map<string, number>();
  for (const line of lines) {
    if (!line.includes('"msg":"job started"')) continue;
    const id = (JSON.parse(line) as { jobId: string }).jobId;
    entries.set(id, (entries.get(id) ?? 0) + 1);
  }
  const count = (pattern: RegExp) => lines.filter((l) => pattern.test(l)).length;
  const [stored] = await d.sql.query<{ n: string }>('SELECT count(*) AS n FROM credentials');
  const [states] = await d.sql.query<{ completed: string; failed: string }>(
    "SELECT count(*) FILTER (WHERE status = 'completed') AS completed, count(*) FILTER (WHERE status = 'failed') AS failed FROM jobs",
  );
  process.stdout.write(
    `${JSON.stringify({
      figure: 'lock_expiry',
      jobs: n,
      workers: workerCount,
      concurrency,
      lockMs,
      stalledMs,
      seconds,
      completed: Number(states?.completed),
      failed: Number(states?.failed),
      credentials_stored: Number(stored?.n),
      handler_entries: [...entries.values()].reduce((a, b) => a + b, 0),
      jobs_run_twice_or_more: [...entries.values()].filter((c) => c > 1).length,
      stalled_warnings: count(/job stalled; it will run again/),
      lock_renewal_errors: count(/could not renew lock/),
      skipped_finished: count(/finished already; not running it again/),
      dropped_superseded: count(/another run of it/),
    })}\n`,
  );
  await queues.close();
  producer.disconnect();
  for (const w of workers) await d.stop(w);
  await d.stop(api);
} finally {
  await d.close();
}
