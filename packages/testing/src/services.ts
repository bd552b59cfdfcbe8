/**
 * The PostgreSQL server and Redis the tests talk to, and what vitest's global setup
 * provisions when the machine has neither.
 *
 * Every helper and test reads the addresses here, never a literal: Postgres is
 * TEST_DATABASE_BASE_URL (a server URL, the database part is ignored), else
 * 127.0.0.1:5432 as user postgres without a password; Redis is REDIS_URL, else
 * 127.0.0.1:6379.
 *
 * `provisionTestServices()` (called by the global setup before the template is built)
 * leaves a variable that is set alone, and a default address that answers alone: with
 * the services present nothing changes. When nothing answers on 127.0.0.1:5432 it starts
 * vcq's embedded PostgreSQL (packages/embedded) in a fresh directory under the system's
 * temp dir, on a free port (superuser postgres, its random password in the URL), and when nothing answers on 127.0.0.1:6379 it starts
 * `redis-server` from PATH on a free port; their URLs go into process.env
 * (TEST_DATABASE_BASE_URL, REDIS_URL), which every test worker and every process a test
 * spawns inherits. TEST_SERVICES=external turns provisioning off.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from './processes.js';

export const DEFAULT_TEST_DATABASE_BASE_URL = 'postgresql://postgres@127.0.0.1:5432';
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** The test PostgreSQL server's URL (no database part): TEST_DATABASE_BASE_URL, else the local default. */
export function testDatabaseBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEST_DATABASE_BASE_URL || DEFAULT_TEST_DATABASE_BASE_URL;
}

/** `testDatabaseBaseUrl()` naming `database`. */
export function testDatabaseUrl(database: string, env: NodeJS.ProcessEnv = process.env): string {
  const url = new URL(testDatabaseBaseUrl(env));
  url.pathname = `/${database}`;
  return url.toString();
}

/** The shared test Redis: REDIS_URL, else the local default. */
export function testRedisUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_URL || DEFAULT_TEST_REDIS_URL;
}

export interface ProvisionedServices {
  /** What was provisioned, one line; empty when the services were there. */
  summary: string;
  /** Stops what was started and removes its files. */
  stop(): Promise<void>;
}

/**
 * What one run started lives in `<tmpdir>/vcq-test-services-*`: the embedded cluster in
 * `postgres/`, and `run.json` naming the run's pid and each server's pid with a word its
 * command line holds, so a later run can stop what a killed one left.
 */
const RUN_DIR_PREFIX = 'vcq-test-services-';

interface RunRecord {
  owner: number;
  servers: Array<{ pid: number; marker: string }>;
}

/** Whether something accepts TCP connections at 127.0.0.1:port. */
function answers(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the run directories of earlier runs that died without their teardown (the run
 * that owned one is gone), stopping the servers they left running first.
 */
async function sweepLeftovers(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const entry of entries.filter((name) => name.startsWith(RUN_DIR_PREFIX))) {
    const dir = join(tmpdir(), entry);
    const record = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8').catch(() => '{}')) as Partial<RunRecord>;
    if (typeof record.owner !== 'number' || alive(record.owner)) continue;
    for (const { pid, marker } of record.servers ?? []) {
      if (pid > 0 && alive(pid) && (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(marker)) {
        process.kill(pid, 'SIGQUIT');
      }
    }
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

function hasRedisServer(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return !probe.error && probe.status === 0;
}

/**
 * See the file comment. Never throws: what it cannot provide is said in the summary.
 * `redis: false` leaves Redis alone (the bench and the drill start a private one anyway).
 */
export async function provisionTestServices(env: NodeJS.ProcessEnv = process.env, options: { redis?: boolean } = {}): Promise<ProvisionedServices> {
  const stops: Array<() => Promise<void>> = [];
  const pids: number[] = [];
  const said: string[] = [];
  const onExit = () => {
    // vitest killed without its teardown: take the servers down with it.
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // Already gone.
      }
    }
  };
  const off = env.TEST_SERVICES === 'external';

  const [postgresAnswers, redisAnswers] = await Promise.all([
    off || env.TEST_DATABASE_BASE_URL ? true : answers(5432),
    off || options.redis === false || env.REDIS_URL ? true : answers(6379),
  ]);

  let runDir: string | undefined;
  const record: RunRecord = { owner: process.pid, servers: [] };
  const remember = async (pid: number, marker: string) => {
    pids.push(pid);
    record.servers.push({ pid, marker });
    if (runDir) await writeFile(join(runDir, 'run.json'), `${JSON.stringify(record)}\n`);
  };
  if (!postgresAnswers || !redisAnswers) {
    await sweepLeftovers();
    runDir = await mkdtemp(join(tmpdir(), RUN_DIR_PREFIX)).catch(() => undefined);
    // As root the embedded server runs as `postgres`, which must reach its cluster in here.
    if (runDir) await chmod(runDir, 0o755);
    if (runDir) await writeFile(join(runDir, 'run.json'), `${JSON.stringify(record)}\n`);
    const dir = runDir;
    stops.push(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });
  }

  if (!postgresAnswers) {
    const dataDir = runDir && join(runDir, 'postgres');
    try {
      if (!dataDir) throw new Error(`could not make a directory in ${tmpdir()}`);
      // Imported here: only a machine without PostgreSQL loads the embedded server.
      const { startEmbeddedPostgres } = await import('@vcq/embedded');
      const started = performance.now();
      const server = await startEmbeddedPostgres({
        dataDir,
        database: 'postgres',
        readyTimeoutMs: 60_000,
        // Throwaway data: nothing needs to survive a crash of the machine.
        settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
      });
      await remember(server.pid, dataDir);
      const base = new URL(server.url);
      base.pathname = '';
      env.TEST_DATABASE_BASE_URL = base.toString().replace(/\/$/, '');
      stops.push(() => server.stop());
      said.push(`PostgreSQL: nothing on 127.0.0.1:5432, started the embedded server on 127.0.0.1:${server.port} (${dataDir}, ${Math.round(performance.now() - started)} ms)`);
    } catch (error) {
      said.push(`PostgreSQL: nothing on 127.0.0.1:5432 and the embedded server did not start (${error instanceof Error ? error.message : String(error)}); tests that need a database will fail`);
    }
  }

  if (!redisAnswers) {
    if (hasRedisServer()) {
      try {
        const redis = await startRedisServer();
        if (redis.pid) await remember(redis.pid, `redis-server 127.0.0.1:${redis.port}`);
        env.REDIS_URL = redis.url;
        stops.push(() => redis.stop());
        said.push(`Redis: nothing on 127.0.0.1:6379, started redis-server on 127.0.0.1:${redis.port}`);
      } catch (error) {
        said.push(`Redis: nothing on 127.0.0.1:6379 and redis-server did not start (${error instanceof Error ? error.message : String(error)})`);
      }
    } else {
      said.push('Redis: nothing on 127.0.0.1:6379 and no redis-server on PATH (as root, `bash .ci/run` installs it); tests that need Redis will fail');
    }
  }

  if (pids.length > 0) process.on('exit', onExit);
  return {
    summary: said.length > 0 ? `test services: ${said.join('; ')}` : '',
    async stop() {
      process.removeListener('exit', onExit);
      // Last started first; the run directory (pushed first) goes last.
      for (const stop of stops.reverse()) await stop().catch(() => {});
    },
  };
}
