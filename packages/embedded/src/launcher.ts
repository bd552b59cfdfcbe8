/**
 * `pnpm start`: picks the database (DATABASE_MODE), starts the embedded PostgreSQL when
 * that is the choice, applies the migrations, then runs the API and the worker as child
 * processes with DATABASE_URL pointing at the database chosen.
 *
 * This process owns the embedded server: it is the last thing stopped on SIGTERM/SIGINT
 * (the API and worker drain first), and when the API or the worker dies the other is
 * stopped too and the launcher exits 1, as `concurrently -k` did. The children hold an
 * IPC channel to the launcher and shut down when it closes, so a launcher killed with
 * SIGKILL leaves no API or worker behind; its database server is stopped by the next start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Config, loadConfigOrExit } from '@vcq/config';
import { createLogger, type Logger } from '@vcq/logger';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './postgres.js';

export type DatabaseMode = 'embedded' | 'external';

/** The host and port that `auto` looks at: where a local PostgreSQL usually listens. */
export const DEFAULT_POSTGRES = { host: '127.0.0.1', port: 5432 };

/** Whether something accepts TCP connections at host:port within timeoutMs. */
export function answers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** DATABASE_MODE resolved to embedded or external, with the reason a person reads in the log. */
export async function chooseDatabaseMode(
  mode: Config['DATABASE_MODE'],
  databaseUrl: string | undefined,
  probe: () => Promise<boolean> = () => answers(DEFAULT_POSTGRES.host, DEFAULT_POSTGRES.port),
): Promise<{ mode: DatabaseMode; reason: string }> {
  if (mode === 'embedded') return { mode, reason: 'DATABASE_MODE=embedded' };
  if (mode === 'external') return { mode, reason: databaseUrl ? 'DATABASE_MODE=external, DATABASE_URL is set' : 'DATABASE_MODE=external, DATABASE_URL unset: the local default' };
  if (databaseUrl) return { mode: 'external', reason: 'DATABASE_MODE=auto and DATABASE_URL is set' };
  const where = `${DEFAULT_POSTGRES.host}:${DEFAULT_POSTGRES.port}`;
  if (await probe()) return { mode: 'external', reason: `DATABASE_MODE=auto, DATABASE_URL is unset and a server answers on ${where}` };
  return { mode: 'embedded', reason: `DATABASE_MODE=auto, DATABASE_URL is unset and nothing answers on ${where}` };
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const SERVICES = [
  { name: 'api', entry: 'apps/api/src/main.ts' },
  { name: 'worker', entry: 'apps/worker/src/main.ts' },
] as const;

/** Passwords stay out of the log. */
const redactUrl = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

export async function runLauncher(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfigOrExit(env);
  const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'vcq-start' });
  const givenUrl = env.DATABASE_URL || undefined;
  const choice = await chooseDatabaseMode(config.DATABASE_MODE, givenUrl);
  const childEnv: NodeJS.ProcessEnv = { ...env };
  let server: EmbeddedPostgres | undefined;
  let databaseUrl = config.DATABASE_URL;
  const started = Date.now();

  if (choice.mode === 'embedded') {
    // Without Redis on this machine either, the queues go to BullMQ's PostgreSQL backend
    // in the same database; an explicit QUEUE_BACKEND still wins.
    const queueBackend = env.QUEUE_BACKEND || 'postgres';
    logger.info(
      { databaseMode: 'embedded', reason: choice.reason, dataDir: config.VCQ_DATA_DIR, queueBackend },
      `database: embedded PostgreSQL in ${config.VCQ_DATA_DIR} (${choice.reason}); queues on ${queueBackend}`,
    );
    try {
      server = await startEmbeddedPostgres({
        dataDir: config.VCQ_DATA_DIR,
        port: config.EMBEDDED_POSTGRES_PORT,
        log: (message, fields) => logger.info(fields ?? {}, message),
      });
    } catch (error) {
      logger.fatal({ err: error }, 'embedded PostgreSQL failed to start');
      process.exit(1);
    }
    databaseUrl = server.url;
    Object.assign(childEnv, { DATABASE_URL: server.url, DATABASE_MODE: 'external', QUEUE_BACKEND: queueBackend });
    logger.info({ port: server.port, pid: server.pid, created: server.created, ms: Date.now() - started }, `embedded PostgreSQL ready on 127.0.0.1:${server.port}`);
  } else {
    logger.info(
      { databaseMode: 'external', reason: choice.reason, database: redactUrl(databaseUrl), queueBackend: config.QUEUE_BACKEND },
      `database: external ${redactUrl(databaseUrl)} (${choice.reason}); queues on ${config.QUEUE_BACKEND}`,
    );
  }

  try {
    await migrateDatabase(databaseUrl, logger);
  } catch (error) {
    logger.fatal({ err: error, database: redactUrl(databaseUrl) }, `migrations failed: ${(error as Error).message}`);
    await server?.stop();
    process.exit(1);
  }

  const children = new Map<string, ChildProcess>();
  const exits: Array<Promise<number>> = [];
  let stopping = false;
  let exitCode = 0;

  const stopAll = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping the API and worker');
    for (const child of children.values()) child.kill('SIGTERM');
    // Past the services' own shutdown limit, they are ended.
    const hard = setTimeout(() => {
      for (const child of children.values()) child.kill('SIGKILL');
    }, config.SHUTDOWN_TIMEOUT_MS + 5000);
    hard.unref();
    await Promise.all(exits);
    clearTimeout(hard);
    if (server) {
      await server.stop();
      logger.info('embedded PostgreSQL stopped');
    }
    process.exit(exitCode);
  };

  process.on('SIGTERM', () => void stopAll('SIGTERM'));
  process.on('SIGINT', () => void stopAll('SIGINT'));
  if (env.npm_lifecycle_event) {
    // Run as a package-manager script (`pnpm start`): if the script's shell goes away
    // without passing a signal on (this process is handed to another parent), stop too,
    // rather than keep the database and the ports with no one left to stop them.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void stopAll('the pnpm script that started vcq exited');
    }, 1000).unref();
  }
  if (server) {
    void server.exited.then(({ code, signal }) => {
      if (stopping) return;
      logger.error({ code, signal }, 'embedded PostgreSQL exited; stopping');
      exitCode = 1;
      void stopAll('embedded PostgreSQL exited');
    });
  }

  for (const service of SERVICES) {
    const child = spawn(process.execPath, ['--import', 'tsx', service.entry], {
      cwd: repoRoot,
      env: childEnv,
      // The IPC channel closes when the launcher dies, however it dies (see runService).
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    children.set(service.name, child);
    exits.push(
      new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          children.delete(service.name);
          if (!stopping) {
            logger.error({ service: service.name, code, signal }, `${service.name} exited; stopping the rest`);
            exitCode = 1;
            void stopAll(`${service.name} exited`);
          } else if (code !== 0) exitCode = 1;
          resolve(code ?? 1);
        });
      }),
    );
  }
  logger.info({ services: SERVICES.map((s) => s.name), ms: Date.now() - started }, 'started the API and worker');
}

/** `pnpm db:migrate`'s work, in this process: create the database if missing, apply what is pending. */
async function migrateDatabase(databaseUrl: string, logger: Logger): Promise<void> {
  const { createDatabaseIfMissing, describeDatabase, migrate } = await import('@vcq/db');
  const target = describeDatabase(databaseUrl);
  if (await createDatabaseIfMissing(databaseUrl)) logger.info({ database: target }, `created database ${target}`);
  const { applied, alreadyApplied } = await migrate({ databaseUrl, log: (msg) => logger.debug(msg) });
  logger.info({ database: target, applied: applied.length, alreadyApplied: alreadyApplied.length }, `database ${target}: ${applied.length === 0 ? 'no pending migrations' : `applied ${applied.length} migrations`}`);
}
