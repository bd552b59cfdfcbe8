/**
 * The life of a vcq process: load config, start the service, and shut it down once
 * (SIGTERM/SIGINT) through its own `close()`, exiting 0 when that finishes.
 */
import { type Config, loadConfigOrExit } from '@vcq/config';
import { createLogger, type Logger } from '@vcq/logger';

/**
 * What a shutdown may take beyond SHUTDOWN_TIMEOUT_MS: the final write flush and
 * closing connections. Past both the process exits 1 whatever is still open.
 */
export const SHUTDOWN_GRACE_MS = 2000;

export interface Service {
  close(): Promise<void>;
}

export interface RunServiceOptions {
  /** Fields on every log line of the process (a supervised child's `process` index). */
  logFields?: Record<string, unknown>;
}

/** Starts `start(config, logger)` as the process's service and wires its shutdown. */
export async function runService(name: string, start: (config: Config, logger: Logger) => Promise<Service>, options: RunServiceOptions = {}): Promise<void> {
  const config = loadConfigOrExit();
  const root = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name });
  const logger = options.logFields ? root.child(options.logFields) : root;
  let service: Service;
  try {
    service = await start(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  }
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    // A second signal must not start a second shutdown racing the first.
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down: draining work in progress');
    // The last resort: a close step that hangs (a peer that never answers) must not keep the process alive.
    const hardStop = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS, graceMs: SHUTDOWN_GRACE_MS }, 'shutdown did not finish within SHUTDOWN_TIMEOUT_MS plus grace; exiting now');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + SHUTDOWN_GRACE_MS);
    hardStop.unref();
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Started by `pnpm start`'s launcher, which holds the other end of an IPC channel: when
  // the launcher is gone (even killed with SIGKILL) the channel closes and so does this service.
  if (process.channel) process.on('disconnect', () => shutdown('launcher exited'));
}

export {
  DEFAULT_RESTART_BACKOFF,
  exitWithSupervisor,
  type RestartBackoff,
  reportReady,
  restartDelay,
  type StopReport,
  type SupervisedChild,
  type Supervisor,
  type SupervisorOptions,
  superviseProcesses,
} from './supervisor.js';
