/**
 * `pnpm drill`: a failure drill. A steady load of credential issuances (each with a
 * webhook to a slow receiver, so webhook jobs are running at any moment) goes through
 * the API and the worker as separate processes while, in turn:
 *
 *   worker-sigkill   the worker is killed with SIGKILL and started again
 *   redis-restart    Redis (the drill's own) is stopped and started empty
 *   postgres-cut     the apps' Postgres connections are cut for 10 s (a TCP proxy)
 *   worker-sigterm   the worker gets SIGTERM with jobs active, and is started again
 *
 * It prints one JSON line per scenario and a table: accepted (2xx), completed, failed,
 * lost (accepted, never terminal after the recovery window), double outcomes, 5xx
 * answers, hung requests, time to recover. Exits 1 on any loss or double outcome.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { provisionTestServices, testDatabaseBaseUrl, type VcqProcess } from '@vcq/testing';
import { API_KEY, importIssuer, issueBody, options, percentile, round, sleep, startDeployment } from '../bench/lib.js';
import { type CutMode, startPgProxy } from './pg-proxy.js';

const usage = `pnpm drill [options]   (each also as env DRILL_<NAME>)
  --rate <req/s>           steady load (default 20)
  --steady <s>             load before each fault (default 5)
  --cut-seconds <s>        how long Postgres is cut (default 10)
  --cut-mode <mode>        reset (connections reset, new ones refused) or blackhole (silence) (default reset)
  --redis-down <s>         how long Redis stays down (default 5)
  --recovery <s>           how long jobs get to end after the last fault (default 120)
  --hang-ms <ms>           an answer slower than this counts as a hang (default 10000)
  --webhook-delay-ms <ms>  how long the webhook receiver takes to answer (default 300)
  --log-dir <dir>          where the API's and workers' logs are written (default a temp folder)
  --only <list>            scenarios (default all): worker-sigkill,redis-restart,postgres-cut,worker-sigterm`;

const opt = options('DRILL');
if (opt.has('help')) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const SCENARIOS = ['worker-sigkill', 'redis-restart', 'postgres-cut', 'worker-sigterm'] as const;
type ScenarioName = (typeof SCENARIOS)[number];
const only = new Set(opt.list('only') ?? SCENARIOS);
for (const name of only) if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name}; scenarios: ${SCENARIOS.join(', ')}`);
const cutMode = opt.string('cut-mode', 'reset') as CutMode;
if (cutMode !== 'reset' && cutMode !== 'blackhole') throw new Error('--cut-mode must be reset or blackhole');
const settings = {
  rate: opt.number('rate', 20),
  steadyMs: opt.number('steady', 5) * 1000,
  cutMs: opt.number('cut-seconds', 10) * 1000,
  cutMode,
  redisDownMs: opt.number('redis-down', 5) * 1000,
  recoveryMs: opt.number('recovery', 120) * 1000,
  hangMs: opt.number('hang-ms', 10_000),
  webhookDelayMs: opt.number('webhook-delay-ms', 300),
  logDir: opt.string('log-dir', join(tmpdir(), `vcq-drill-${process.pid}`)),
};

const note = (message: string) => process.stderr.write(`drill: ${new Date().toISOString().slice(11, 23)} ${message}\n`);

interface Answer {
  scenario: ScenarioName;
  sentAt: number;
  ms: number;
  status: number | 'hang' | 'error';
  jobId?: string;
  mode?: string;
}

interface ScenarioWindow {
  name: ScenarioName;
  start: number;
  faultAt: number;
  restoredAt: number;
  end: number;
  recoveredMs: number | null;
  notes: string[];
}

/** A webhook receiver on loopback that answers slowly and keeps every event. */
async function startReceiver(delayMs: number) {
  const events: Array<{ delivery: string; jobId: string; event: string; digest: string }> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event: string; jobId: string; data: unknown };
        events.push({
          delivery: String(req.headers['x-vcq-delivery'] ?? ''),
          jobId: body.jobId,
          event: body.event,
          digest: createHash('sha256').update(JSON.stringify(body.data)).digest('hex'),
        });
      } catch {
        // A body that is not JSON is still answered; the drill only reads what it can.
      }
      setTimeout(() => res.writeHead(204).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main(): Promise<number> {
  note(`settings ${JSON.stringify(settings)}`);
  // The proxy needs the PostgreSQL address first: the local one, or the embedded one started here
  // (stopped as the drill exits; its directory goes with the next run of the tests, bench or drill).
  const services = await provisionTestServices(process.env, { redis: false });
  if (services.summary) note(services.summary);
  const server = new URL(testDatabaseBaseUrl());
  const proxy = await startPgProxy({ host: server.hostname, port: Number(server.port || 5432) });
  const receiver = await startReceiver(settings.webhookDelayMs);
  const d = await startDeployment({
    prefix: 'vcq_drill',
    logLevel: 'info',
    appDatabaseUrl: (real) => {
      const url = new URL(real);
      url.port = String(proxy.port);
      return url.toString();
    },
    env: {
      // The drill's webhook receiver runs on loopback.
      EGRESS_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE_MS: '1000,2000,4000,8000,16000',
      WEBHOOK_TIMEOUT_MS: '5000',
      // Webhooks of jobs run synchronously while Redis was down wait for the sweep.
      WEBHOOK_RETRY_SWEEP_CRON: '*/5 * * * * *',
      WEBHOOK_RETRY_SWEEP_GRACE_MS: '2000',
      // A SIGKILLed worker's jobs come back after their lock expires and a stalled check sees it.
      WORKER_LOCK_MS: '10000',
      WORKER_STALLED_INTERVAL_MS: '5000',
    },
  });
  const workers: VcqProcess[] = [];
  const answers: Answer[] = [];
  const windows: ScenarioWindow[] = [];
  let current: ScenarioName = SCENARIOS[0];
  let loadOn = true;
  let exitCode = 0;
  try {
    const apiProcess = await d.spawn('api');
    const startWorker = async () => {
      // Debug: the worker logs "job started" per attempt, which the drill counts.
      const w = await d.spawn('worker', { LOG_LEVEL: 'debug' });
      workers.push(w);
      return w;
    };
    let worker = await startWorker();
    const issuer = await importIssuer(d.apiUrl);
    note(`api ${d.apiUrl}, worker pid ${worker.child.pid}, postgres through proxy :${proxy.port}, redis ${d.redis.url}`);

    // The steady load: one issuance every 1/rate s, each answer kept with its scenario.
    let n = 0;
    const inFlight = new Set<Promise<void>>();
    const load = (async () => {
      const t0 = Date.now();
      while (loadOn) {
        const i = n++;
        const due = t0 + (i * 1000) / settings.rate;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        const scenario = current;
        const sentAt = Date.now();
        const p = (async () => {
          try {
            const res = await fetch(`${d.apiUrl}/api/credentials/issue`, {
              method: 'POST',
              headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
              body: JSON.stringify({ ...issueBody(issuer, i), callbackUrl: receiver.url }),
              signal: AbortSignal.timeout(settings.hangMs),
            });
            const body = (await res.json().catch(() => ({}))) as { jobId?: string; mode?: string };
            answers.push({ scenario, sentAt, ms: Date.now() - sentAt, status: res.status, ...(body.jobId ? { jobId: body.jobId } : {}), ...(body.mode ? { mode: body.mode } : {}) });
          } catch (error) {
            const hang = (error as Error).name === 'TimeoutError';
            answers.push({ scenario, sentAt, ms: Date.now() - sentAt, status: hang ? 'hang' : 'error' });
          }
        })();
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
    })();

    const openRows = async (ids: string[]) => {
      if (ids.length === 0) return 0;
      const [row] = await d.sql.query<{ open: string }>(`SELECT count(*) AS open FROM jobs WHERE id = ANY($1::uuid[]) AND status IN ('queued', 'processing')`, [ids]);
      return Number(row?.open ?? 0);
    };
    /** Time from `restoredAt` until the jobs accepted before it have ended and one accepted after it has completed. */
    const recovery = async (scenario: ScenarioName, restoredAt: number): Promise<number | null> => {
      const deadline = restoredAt + settings.recoveryMs;
      while (Date.now() < deadline) {
        const mine = answers.filter((a) => a.scenario === scenario && a.jobId && typeof a.status === 'number' && a.status < 300);
        const before = mine.filter((a) => a.sentAt + a.ms <= restoredAt).map((a) => a.jobId as string);
        const after = mine.filter((a) => a.sentAt >= restoredAt).map((a) => a.jobId as string);
        if (after.length > 0 && (await openRows(before)) === 0) {
          const [row] = await d.sql.query<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE id = ANY($1::uuid[]) AND status = 'completed'`, [after]);
          if (Number(row?.n ?? 0) > 0) return Date.now() - restoredAt;
        }
        await sleep(250);
      }
      return null;
    };
    const scenario = async (name: ScenarioName, fault: (w: ScenarioWindow) => Promise<void>) => {
      if (!only.has(name)) return;
      current = name;
      const w: ScenarioWindow = { name, start: Date.now(), faultAt: 0, restoredAt: 0, end: 0, recoveredMs: null, notes: [] };
      windows.push(w);
      note(`${name}: steady load for ${settings.steadyMs} ms`);
      await sleep(settings.steadyMs);
      w.faultAt = Date.now();
      await fault(w);
      w.restoredAt ||= Date.now();
      note(`${name}: restored; waiting for recovery`);
      w.recoveredMs = await recovery(name, w.restoredAt);
      note(`${name}: recovered in ${w.recoveredMs ?? 'never'} ms`);
      w.end = Date.now();
    };

    await scenario('worker-sigkill', async (w) => {
      const active = await activeJobs();
      note(`worker-sigkill: SIGKILL worker pid ${worker.child.pid} (${active} jobs active)`);
      w.notes.push(`${active} jobs active at the kill`);
      worker.kill('SIGKILL');
      await worker.exited;
      worker = await startWorker();
      w.restoredAt = Date.now();
    });

    await scenario('redis-restart', async (w) => {
      note('redis-restart: stopping Redis');
      await d.redis.stop();
      await sleep(settings.redisDownMs);
      await d.redis.start();
      w.notes.push(`down ${settings.redisDownMs} ms, started empty`);
      note('redis-restart: Redis started again, empty');
      w.restoredAt = Date.now();
    });

    await scenario('postgres-cut', async (w) => {
      note(`postgres-cut: cutting (${settings.cutMode}) for ${settings.cutMs} ms`);
      proxy.cut(settings.cutMode);
      await sleep(settings.cutMs);
      proxy.restore();
      w.notes.push(`${settings.cutMode} for ${settings.cutMs} ms`);
      note('postgres-cut: restored');
      w.restoredAt = Date.now();
    });

    await scenario('worker-sigterm', async (w) => {
      const active = await activeJobs();
      note(`worker-sigterm: SIGTERM worker pid ${worker.child.pid} (${active} jobs active)`);
      const t = Date.now();
      worker.kill('SIGTERM');
      const code = await worker.exited;
      w.notes.push(`${active} jobs active at SIGTERM; exit code ${code} after ${Date.now() - t} ms`);
      if (code !== 0) w.notes.push('the worker did not exit 0');
      worker = await startWorker();
      w.restoredAt = Date.now();
    });

    loadOn = false;
    await load;
    await Promise.all([...inFlight]);
    note('load stopped; waiting for every accepted job to end');

    async function activeJobs(): Promise<number> {
      const [row] = await d.sql.query<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE status = 'processing'`);
      return Number(row?.n ?? 0);
    }

    // The recovery window: every accepted job should end, and every webhook arrive.
    const acceptedIds = () => answers.filter((a) => a.jobId && typeof a.status === 'number' && a.status < 300).map((a) => a.jobId as string);
    const deadline = Date.now() + settings.recoveryMs;
    while (Date.now() < deadline && (await openRows(acceptedIds())) > 0) await sleep(500);
    const webhookDeadline = Date.now() + 30_000;
    const pendingDeliveries = async () => Number((await d.sql.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending'`))[0]?.n ?? 0);
    while (Date.now() < webhookDeadline && (await pendingDeliveries()) > 0) await sleep(500);

    // --- The report ------------------------------------------------------------------
    const ids = acceptedIds();
    const rows = await d.sql.query<{ id: string; status: string; result_jwt: string | null; credential_jwt: string | null; attempt: number }>(
      `SELECT j.id, j.status, j.result->>'vcJwt' AS result_jwt, c.jwt AS credential_jwt, j.attempt
       FROM jobs j LEFT JOIN credentials c ON c.id = j.id WHERE j.id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const starts = new Map<string, number>();
    for (const w of workers) {
      for (const line of w.lines) {
        if (!line.includes('"msg":"job started"')) continue;
        const id = line.match(/"jobId":"([0-9a-f-]{36})"/)?.[1];
        if (id) starts.set(id, (starts.get(id) ?? 0) + 1);
      }
    }
    const webhooksByJob = new Map<string, Set<string>>();
    for (const e of receiver.events) {
      const set = webhooksByJob.get(e.jobId) ?? new Set<string>();
      set.add(`${e.event}:${e.digest}`);
      webhooksByJob.set(e.jobId, set);
    }
    const deliveries = await d.sql.query<{ source_job_id: string; status: string }>(`SELECT source_job_id, status FROM webhook_deliveries`);
    const deliveryStatus = new Map(deliveries.map((r) => [r.source_job_id, r.status]));

    // Where a lost job is in BullMQ tells why it is lost.
    const redis = new Redis(d.redis.url, { maxRetriesPerRequest: 1 });
    const issuance = new Queue('vc-issuance', { connection: redis, prefix: d.queuePrefix });
    const queueState = async (id: string) => {
      const job = await issuance.getJob(id).catch(() => undefined);
      if (!job) return 'not in redis';
      return `${await job.getState()} (attemptsMade ${job.attemptsMade}, attemptsStarted ${job.attemptsStarted}${job.failedReason ? `, failedReason ${job.failedReason.slice(0, 200)}` : ''})`;
    };
    const results: Array<Record<string, unknown>> = [];
    for (const w of windows) {
      const mine = answers.filter((a) => a.scenario === w.name);
      const accepted = mine.filter((a) => typeof a.status === 'number' && a.status >= 200 && a.status < 300 && a.jobId);
      const acceptedRows = accepted.map((a) => byId.get(a.jobId as string));
      const completed = acceptedRows.filter((r) => r?.status === 'completed').length;
      const failed = acceptedRows.filter((r) => r?.status === 'failed').length;
      const cancelled = acceptedRows.filter((r) => r?.status === 'cancelled').length;
      const lostIds = accepted.filter((a) => {
        const r = byId.get(a.jobId as string);
        return !r || r.status === 'queued' || r.status === 'processing';
      });
      // Two outcomes: the row says one thing and the stored credential or the webhooks another.
      const doubles = accepted.filter((a) => {
        const r = byId.get(a.jobId as string);
        if (!r) return false;
        if (r.status === 'completed' && r.result_jwt !== r.credential_jwt) return true;
        if (r.status === 'failed' && r.credential_jwt !== null) return true;
        return (webhooksByJob.get(r.id)?.size ?? 0) > 1;
      });
      const reexecuted = accepted.filter((a) => (starts.get(a.jobId as string) ?? 0) > 1).length;
      const undelivered = accepted.filter((a) => {
        const r = byId.get(a.jobId as string);
        return r && (r.status === 'completed' || r.status === 'failed') && deliveryStatus.get(r.id) !== 'delivered';
      }).length;
      const statuses: Record<string, number> = {};
      for (const a of mine) {
        const key = typeof a.status === 'number' ? `${a.status}${a.mode === 'sync' ? ' sync' : ''}` : a.status;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
      const fiveXx = mine.filter((a) => typeof a.status === 'number' && a.status >= 500);
      const during = mine.filter((a) => a.sentAt >= w.faultAt && a.sentAt <= w.restoredAt);
      const result = {
        scenario: w.name,
        requests: mine.length,
        accepted: accepted.length,
        completed,
        failed,
        cancelled,
        lost: lostIds.length,
        double_outcomes: doubles.length,
        reexecuted,
        answers_5xx: fiveXx.length,
        hangs: mine.filter((a) => a.status === 'hang').length,
        errors: mine.filter((a) => a.status === 'error').length,
        answers: statuses,
        slowest_answer_during_fault_ms: during.length ? Math.max(...during.map((a) => a.ms)) : null,
        p99_answer_during_fault_ms: during.length ? percentile(during.map((a) => a.ms), 99) : null,
        fault_ms: w.restoredAt - w.faultAt,
        recovered_ms: w.recoveredMs,
        webhooks_not_delivered: undelivered,
        notes: w.notes,
        ...(lostIds.length
          ? {
              lost_jobs: await Promise.all(
                lostIds.slice(0, 5).map(async (a) => ({ id: a.jobId, row: byId.get(a.jobId as string)?.status ?? 'missing', bullmq: await queueState(a.jobId as string) })),
              ),
            }
          : {}),
      };
      results.push(result);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      if (lostIds.length > 0 || doubles.length > 0) exitCode = 1;
    }
    await issuance.close();
    redis.disconnect();
    printTable(results);
    mkdirSync(settings.logDir, { recursive: true });
    writeFileSync(join(settings.logDir, 'api.log'), `${apiProcess.lines.join('\n')}\n`);
    for (const [i, w] of workers.entries()) writeFileSync(join(settings.logDir, `worker-${i + 1}.log`), `${w.lines.join('\n')}\n`);
    writeFileSync(join(settings.logDir, 'answers.json'), JSON.stringify(answers));
    note(`logs of the API and the ${workers.length} worker processes in ${settings.logDir}`);
  } finally {
    loadOn = false;
    await d.close();
    await receiver.close();
    await proxy.close();
  }
  return exitCode;
}

function printTable(results: Array<Record<string, unknown>>): void {
  const cols = ['scenario', 'accepted', 'completed', 'failed', 'lost', 'double_outcomes', 'answers_5xx', 'hangs', 'recovered_ms'];
  const head = ['scenario', 'accepted', 'completed', 'failed', 'lost', 'double', '5xx', 'hangs', 'recovered'];
  const rows = results.map((r) => cols.map((c) => (c === 'recovered_ms' ? (r[c] === null ? 'never' : `${round(Number(r[c]) / 1000, 1)} s`) : String(r[c]))));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  process.stdout.write(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
}

main().then(
  (code) => {
    process.stderr.write(code === 0 ? 'drill: nothing lost, no double outcomes\n' : 'drill: LOSS OR DOUBLE OUTCOMES (see above)\n');
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`drill failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
