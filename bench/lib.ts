/**
 * Helpers shared by `pnpm bench` and `pnpm drill`: command-line options, process
 * memory, percentiles, SQL, and a vcq deployment (database, private Redis, API and
 * worker as real processes) set up and torn down in one place.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { JOB_CHANGES_CHANNEL } from '@vcq/jobs';
import { createTestDatabase, freePort, provisionTestServices, type RedisServer, spawnApp, spawnNode, startRedisServer, type VcqProcess } from '@vcq/testing';

export type { VcqProcess };

/** `--name value` / `--name=value` flags, falling back to env `BENCH_NAME` (or `DRILL_NAME`), then the default. */
export function options(envPrefix: string, argv = process.argv.slice(2)) {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--')) flags.set(arg.slice(2), argv[++i] as string);
    else flags.set(arg.slice(2), 'true');
  }
  const raw = (name: string): string | undefined => flags.get(name) ?? process.env[`${envPrefix}_${name.toUpperCase().replaceAll('-', '_')}`];
  return {
    has: (name: string) => raw(name) !== undefined,
    number(name: string, fallback: number): number {
      const value = raw(name);
      if (value === undefined) return fallback;
      const n = Number(value.replaceAll('_', ''));
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number (got "${value}")`);
      return n;
    },
    numbers(name: string, fallback: number[]): number[] {
      const value = raw(name);
      if (value === undefined) return fallback;
      return value.split(',').map((v) => {
        const n = Number(v.trim().replaceAll('_', ''));
        if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a comma-separated list of positive whole numbers (got "${value}")`);
        return n;
      });
    },
    string(name: string, fallback: string): string {
      return raw(name) ?? fallback;
    },
    list(name: string): string[] | undefined {
      return raw(name)
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    },
  };
}

/** Resident set size of a process in bytes (Linux /proc), or null when it is gone. */
export async function rssBytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = status.match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the first and the highest sample. */
export function sampleRss(pid: number, everyMs = 10) {
  let first: number | null = null;
  let peak = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const rss = await rssBytes(pid);
      if (rss !== null) {
        first ??= rss;
        peak = Math.max(peak, rss);
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop(): Promise<{ first: number; peak: number }> {
      stopped = true;
      await loop;
      return { first: first ?? 0, peak };
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The p-th percentile (0-100) of `values` by nearest rank; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The user + system CPU time (ms) in a /proc `stat` file: a process's, or one of its threads'. */
function statCpuMs(path: string): number {
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc; NaN where there is no /proc. */
export function processCpuMs(pid: number | undefined): number {
  try {
    return statCpuMs(`/proc/${pid}/stat`);
  } catch {
    return Number.NaN;
  }
}

/**
 * A process's CPU time (ms, user + system) on its main thread, and on all its other
 * threads together (V8's garbage-collection and compiler helpers, libuv's pool), from
 * /proc/<pid>/task. A thread that ended before the reading is not counted.
 */
export function threadCpuMs(pid: number | undefined): { main: number; others: number } {
  const split = { main: 0, others: 0 };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const ms = statCpuMs(`/proc/${pid}/task/${tid}/stat`);
      if (tid === String(pid)) split.main += ms;
      else split.others += ms;
    }
  } catch {
    return { main: Number.NaN, others: Number.NaN };
  }
  return split;
}

/** The machine's CPU time so far (clock ticks, all cores) and how much of it the hypervisor stole. */
export function machineCpuTicks(): { total: number; steal: number } {
  try {
    // The first line of /proc/stat: cpu user nice system idle iowait irq softirq steal ...
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return { total: Number.NaN, steal: Number.NaN };
  }
}

/** The share (%) of the machine's CPU time stolen by the hypervisor since `since`. */
export function stealPercent(since: { total: number; steal: number }): number {
  const now = machineCpuTicks();
  const total = now.total - since.total;
  return total > 0 ? Math.round((1000 * (now.steal - since.steal)) / total) / 10 : Number.NaN;
}

/**
 * CPU time (ms) the PostgreSQL backends connected to `database` have used so far, by
 * pid (their process titles name the database); with `since`, the total used after it
 * (a backend that connected since counts from zero). Linux only; an empty map elsewhere.
 */
export function postgresCpuMs(database: string): Map<number, number>;
export function postgresCpuMs(database: string, since: Map<number, number>): number;
export function postgresCpuMs(database: string, since?: Map<number, number>): Map<number, number> | number {
  const now = new Map<number, number>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    pids = [];
  }
  for (const pid of pids) {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      // `postgres: [<cluster>: ]<user> <database> <client> <state>`
      if (title.startsWith('postgres: ') && title.split(/[ \0]/).includes(database)) now.set(Number(pid), processCpuMs(Number(pid)));
    } catch {
      // gone meanwhile
    }
  }
  if (!since) return now;
  let total = 0;
  for (const [pid, ms] of now) total += ms - (since.get(pid) ?? 0);
  return total;
}

export const round = (n: number, digits = 2) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);
export const MiB = 1024 * 1024;

/** A small pg pool for the harness's own reads (never through the apps' proxy). */
export function sqlClient(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  return {
    async query<R extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
      return (await pool.query(text, params)).rows as R[];
    },
    close: () => pool.end(),
  };
}
export type Sql = ReturnType<typeof sqlClient>;

/**
 * Waits until `check` returns a value: it is asked again when job rows change (the
 * jobs table's NOTIFY on `vcq_job_changes`, the channel the job waiter listens on), at
 * most every `minGapMs`, and every 5 s besides (a change that is not a row's, such as
 * a queue emptying in Redis, still comes with its rows' changes).
 */
export async function untilJobsChange<T>(
  databaseUrl: string,
  check: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs: number,
  minGapMs = 250,
): Promise<T> {
  const listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  let wake: (() => void) | undefined;
  let changed = false;
  listener.on('notification', () => {
    changed = true;
    wake?.();
  });
  await listener.query(`LISTEN ${JOB_CHANGES_CHANNEL}`);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      changed = false;
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(minGapMs);
      if (!changed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(5000, Math.max(0, deadline - Date.now())));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  } finally {
    await listener.end().catch(() => {});
  }
}

// The deployment runs with NODE_ENV=production, where keys are at least 32 characters.
export const API_KEY = 'bench-key-0001-0123456789abcdefghij';

/**
 * A deployment of vcq for a harness: its own database, a private Redis on its own
 * port (nothing kept on disk), and the API and worker as real processes.
 */
export async function startDeployment(options: {
  prefix: string;
  env?: Record<string, string>;
  logLevel?: string;
  /** The DATABASE_URL the apps get, from the real one (the drill puts a proxy between). */
  appDatabaseUrl?: (realUrl: string) => string;
}) {
  // The tests' PostgreSQL: the local one, or (nothing on 127.0.0.1:5432) the embedded one, as in `pnpm test`.
  const services = await provisionTestServices(process.env, { redis: false });
  if (services.summary) console.error(services.summary);
  const database = await createTestDatabase(options.prefix);
  const redis: RedisServer = await startRedisServer();
  const apiPort = await freePort();
  const queuePrefix = `${options.prefix}${randomBytes(3).toString('hex')}`;
  const sql = sqlClient(database.url);
  const children = new Set<VcqProcess>();

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    NODE_ENV: 'production',
    DATABASE_URL: options.appDatabaseUrl ? options.appDatabaseUrl(database.url) : database.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: queuePrefix,
    API_KEYS: API_KEY,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    LOG_LEVEL: options.logLevel ?? 'warn',
    RATE_LIMIT_POINTS: '0',
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    WEBHOOK_SIGNING_SECRET: 'bench-webhook-secret-0123456789',
    PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
    // One worker process unless a figure asks for more: the figures measure one process.
    WORKER_PROCESSES: '1',
    ...options.env,
    ...extra,
  });
  // One key for every process of the deployment, so the worker can decrypt what the API stored.
  const fixed = env();

  /** Spawns `app` from this checkout, or from `checkout`'s sources (another commit's, for an A/B). */
  const spawn = async (app: 'api' | 'worker', extra: Record<string, string> = {}, checkout?: string): Promise<VcqProcess> => {
    // The worker logs nothing per job at info; the API logs every request there, so it
    // keeps the quieter level and is waited for through /healthz instead of its log.
    const appEnv = { ...fixed, ...(app === 'worker' ? { LOG_LEVEL: 'info' } : {}), ...extra };
    const child = checkout
      ? spawnNode(app, ['--import', 'tsx', join(resolve(checkout), `apps/${app}/src/main.ts`)], { LOG_LEVEL: 'debug', ...appEnv })
      : spawnApp(app, appEnv);
    children.add(child);
    void child.exited.then(() => children.delete(child));
    if (app === 'worker') {
      await child.waitForLine(/worker started/, 60_000);
      return child;
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.child.exitCode !== null) throw new Error(`api exited (${child.child.exitCode}): ${child.lines.slice(-10).join('\n')}`);
      const up = await fetch(`http://127.0.0.1:${apiPort}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return child;
      if (Date.now() > deadline) throw new Error(`api did not answer /healthz within 60 s: ${child.lines.slice(-10).join('\n')}`);
      await sleep(100);
    }
  };

  return {
    database,
    redis,
    sql,
    /** Waits until `check` holds, asked again as the deployment's job rows change (see untilJobsChange). */
    until: <T>(check: () => Promise<T | null | undefined | false>, what: string, timeoutMs: number, minGapMs?: number) =>
      untilJobsChange(database.url, check, what, timeoutMs, minGapMs),
    queuePrefix,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    env: (extra: Record<string, string> = {}) => ({ ...fixed, ...extra }),
    spawn,
    /** Stops a child (SIGTERM, then SIGKILL after `graceMs`) and waits for its exit. */
    async stop(child: VcqProcess, graceMs = 30_000): Promise<number | null> {
      if (child.child.exitCode !== null || child.child.signalCode !== null) return child.child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await child.exited;
      clearTimeout(timer);
      return code;
    },
    async close(): Promise<void> {
      for (const child of children) child.kill('SIGKILL');
      await Promise.allSettled([...children].map((c) => c.exited));
      await sql.close().catch(() => {});
      await redis.stop().catch(() => {});
      await database.drop();
      await services.stop();
    },
  };
}
export type Deployment = Awaited<ReturnType<typeof startDeployment>>;

/** JSON request to the deployment's API with its key. */
export async function api(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 30_000) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    json = null;
  }
  return { status: res.status, body: json, text };
}

/** An issuer did:key the harness imported, with its seed (the bench's peers sign with the same key). */
export interface IssuerKey {
  did: string;
  /** Its verification method, the `kid` of what it signs. */
  keyId: string;
  seedHex: string;
}

/** Imports an issuer did:key (stored in the request, no job). */
export async function importIssuerKey(base: string): Promise<IssuerKey> {
  const seedHex = randomBytes(32).toString('hex');
  const res = await api(base, 'POST', '/api/dids', { method: 'key', seedHex });
  const did = (res.body?.result as { did?: string } | undefined)?.did;
  if (res.status !== 201 || !did) throw new Error(`could not import an issuer DID: ${res.status} ${res.text.slice(0, 300)}`);
  // did:key's one verification method is the key's multibase after the '#' (did:key spec, section 3.1.2).
  return { did, keyId: `${did}#${did.slice('did:key:'.length)}`, seedHex };
}

/** Imports an issuer did:key and returns the DID. */
export async function importIssuer(base: string): Promise<string> {
  return (await importIssuerKey(base)).did;
}

/** The body of one `issue-credential` request. */
export function issueBody(issuerDid: string, n: number) {
  return { issuerDid, subjectDid: `did:example:subject-${n}`, credentialType: 'BenchCredential', claims: { n, grade: 'A' } };
}
