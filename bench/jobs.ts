/**
 * What the figures of `pnpm bench` share: helper processes, putting jobs in place the
 * way the API does, and reading a batch's rows back.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { baseCatalog, type VcqCatalog } from '@vcq/app';
import { attemptsOf, type QueueSet } from '@vcq/jobs';
import { type Deployment, issueBody } from './lib.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
export const note = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** Runs a TypeScript helper of this folder as its own process; resolves with its first stdout line as JSON. */
export function child(script: string, args: string[]): { ready: Promise<Record<string, unknown>>; kill(): void; exited: Promise<unknown>; pid: number | undefined } {
  const proc = spawn(process.execPath, ['--import', 'tsx', `bench/${script}`, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(proc, 'exit');
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout });
    lines.once('line', (line) => resolve(JSON.parse(line) as Record<string, unknown>));
    void exited.then(([code]) => reject(new Error(`${script} exited (${String(code)}) before answering`)));
  });
  ready.catch(() => {});
  return { ready, kill: () => proc.kill('SIGTERM'), exited, pid: proc.pid };
}

/**
 * Puts `count` jobs in place the way the API does (row committed first, then the add
 * with the catalog's options), but in bulk, so a large N is ready in seconds.
 */
export async function enqueueJobs(
  d: Deployment,
  queues: QueueSet<VcqCatalog>,
  name: 'issue-credential' | 'verify-credential',
  count: number,
  data: (i: number) => unknown,
  options: { rowsOnly?: boolean } = {},
): Promise<string[]> {
  const def = baseCatalog[name];
  const ids: string[] = [];
  for (let start = 0; start < count; start += 2000) {
    const chunk = Array.from({ length: Math.min(2000, count - start) }, (_, i) => ({ id: randomUUID(), data: data(start + i) }));
    await d.sql.query(
      `INSERT INTO jobs (id, kind, queue, name, data, max_attempts)
       SELECT id, $6, $3, $4, data, $5 FROM unnest($1::uuid[], $2::jsonb[]) AS t(id, data)`,
      [chunk.map((c) => c.id), chunk.map((c) => JSON.stringify(c.data)), def.queue, def.name, attemptsOf(def), name],
    );
    // Bounded parallelism: the adds are pipelined on one connection.
    for (let i = 0; i < chunk.length && !options.rowsOnly; i += 250) {
      await Promise.all(chunk.slice(i, i + 250).map((c) => queues.add(name, c.id, c.data)));
    }
    ids.push(...chunk.map((c) => c.id));
  }
  return ids;
}

/**
 * Issue-credential jobs whose claims carry `batch` and whose subjects are
 * `did:example:<batch>-<i>`, so a figure can find its own rows and credentials.
 * `rowsOnly`: the rows alone, for a peer that reads its work from them.
 */
export const enqueueIssueJobs = (d: Deployment, queues: QueueSet<VcqCatalog>, issuer: string, count: number, batch: string, options: { rowsOnly?: boolean } = {}) =>
  enqueueJobs(d, queues, 'issue-credential', count, (i) => ({ ...issueBody(issuer, i), subjectDid: `did:example:${batch}-${i}`, claims: { n: i, grade: 'A', batch } }), options);

/** Ends of the verify-credential jobs tagged `tag` (their verifierDid): completed count and time span. */
export async function lightState(d: Deployment, tag: string) {
  const [row] = await d.sql.query<{ done: string; seconds: string | null }>(
    `SELECT count(*) FILTER (WHERE status IN ('completed', 'failed')) AS done, extract(epoch FROM max(completed_at) - min(started_at)) AS seconds
     FROM jobs WHERE data->>'verifierDid' = $1`,
    [tag],
  );
  return { done: Number(row?.done ?? 0), seconds: Number(row?.seconds ?? Number.NaN) };
}

/** Counts of a batch's rows by outcome, and how many completed rows carry the credential that is stored. */
export async function batchState(d: Deployment, batch: string) {
  const [row] = await d.sql.query<{ completed: string; failed: string; open: string; verified: string; seconds: string | null }>(
    `SELECT count(*) FILTER (WHERE j.status = 'completed') AS completed,
            count(*) FILTER (WHERE j.status = 'failed') AS failed,
            count(*) FILTER (WHERE j.status IN ('queued', 'processing')) AS open,
            count(c.id) FILTER (WHERE j.status = 'completed' AND j.result->>'vcJwt' = c.jwt) AS verified,
            extract(epoch FROM max(j.completed_at) - min(j.started_at)) AS seconds
     FROM jobs j LEFT JOIN credentials c ON c.id = j.id
     WHERE j.data->'claims'->>'batch' = $1`,
    [batch],
  );
  return {
    completed: Number(row?.completed ?? 0),
    failed: Number(row?.failed ?? 0),
    open: Number(row?.open ?? 0),
    verified: Number(row?.verified ?? 0),
    seconds: row?.seconds === null || row?.seconds === undefined ? Number.NaN : Number(row.seconds),
  };
}

/**
 * Rows of a batch still open. Cheap on purpose: it reads only open rows (the status
 * index), so polling it does not compete with the run it watches.
 */
export async function openInBatch(d: Deployment, field: 'batch' | 'verifier', tag: string): Promise<number> {
  const match = field === 'batch' ? `data->'claims'->>'batch' = $1` : `data->>'verifierDid' = $1`;
  const [row] = await d.sql.query<{ open: string }>(`SELECT count(*) AS open FROM jobs WHERE status IN ('queued', 'processing') AND ${match}`, [tag]);
  return Number(row?.open ?? 0);
}

export async function waitForBatch(d: Deployment, batch: string, count: number, timeoutMs: number) {
  return d.until(
    async () => {
      if ((await openInBatch(d, 'batch', batch)) > 0) return null;
      const state = await batchState(d, batch);
      return state.completed + state.failed >= count ? state : null;
    },
    `${count} jobs of batch ${batch} to end`,
    timeoutMs,
    250,
  );
}

/**
 * Vacuums and analyses the tables a previous figure filled, so Postgres's autovacuum
 * does not wake up in the middle of the next figure and compete for the same cores.
 */
export async function settleDatabase(d: Deployment): Promise<void> {
  const started = Date.now();
  await d.sql.query('VACUUM (ANALYZE) jobs, credentials');
  note(`database vacuumed and analysed in ${Date.now() - started} ms`);
}

/** The raw-BullMQ baseline: N no-op jobs with vcq's job options, drained by one worker process. */
export async function bullmqBaseline(d: Deployment, n: number, concurrency: number): Promise<{ rate: number; seconds: number; cpuUsPerJob: number }> {
  const prefix = `${d.queuePrefix}-baseline`;
  const connection = new Redis(d.redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection, prefix });
  try {
    for (let start = 0; start < n; start += 1000) {
      const jobs = Array.from({ length: Math.min(1000, n - start) }, () => ({
        name: 'noop',
        data: { n: start },
        // The options vcq gives an issue-credential job (catalog: 3 attempts, HIGH priority).
        opts: { jobId: randomUUID(), attempts: 3, backoff: { type: 'exponential', delay: 1000 }, priority: 1, removeOnComplete: true, removeOnFail: { age: 86_400, count: 1000 } },
      }));
      await queue.addBulk(jobs);
    }
    const worker = child('noop-worker.ts', [d.redis.url, prefix, 'noop', String(n), String(concurrency)]);
    const done = (await worker.ready) as { firstStartMs: number; lastDoneMs: number; cpuMs: number };
    await worker.exited;
    const seconds = (done.lastDoneMs - done.firstStartMs) / 1000;
    return { rate: n / seconds, seconds, cpuUsPerJob: (done.cpuMs * 1000) / n };
  } finally {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    connection.disconnect();
  }
}

