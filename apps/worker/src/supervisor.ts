/**
 * WORKER_PROCESSES > 1: this process runs no worker itself. It forks that many worker
 * processes (child.ts, each a full startWorker), restarts one that exits on its own
 * (with a backoff), serves WORKER_METRICS_PORT with every child's registry summed, and
 * on SIGTERM/SIGINT drains them all: SIGTERM to each, SIGKILL to any still running
 * after SHUTDOWN_TIMEOUT_MS plus the grace, exit 0 when every child exited cleanly.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '@vcq/config';
import { createLogger } from '@vcq/logger';
import { createAggregateMetrics, type MetricsServer, type MetricsSnapshot, startMetricsServer } from '@vcq/metrics';
import { SHUTDOWN_GRACE_MS, type SupervisedChild, type Supervisor, superviseProcesses } from '@vcq/runtime';
import { isMetricsReply, METRICS_REQUEST, type MetricsReply } from './metrics-ipc.js';

/** How long a scrape waits for one child's registry before leaving it out. */
const CHILD_METRICS_TIMEOUT_MS = 2000;
/** Past a child's own shutdown bound (it exits 1 then), before the supervisor SIGKILLs it. */
const STOP_MARGIN_MS = 1000;

const childModule = fileURLToPath(new URL(`./child${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** Runs the supervisor until a signal stops it; exits the process. */
export async function runWorkerSupervisor(config: Config): Promise<void> {
  const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'vcq-worker' }).child({ role: 'supervisor' });
  let supervisor: Supervisor | undefined;
  let nextRequest = 0;
  const pending = new Map<number, (reply: MetricsReply | undefined) => void>();

  const ask = (child: SupervisedChild): Promise<MetricsSnapshot | undefined> =>
    new Promise((resolve) => {
      const id = nextRequest++;
      const timer = setTimeout(() => settle(undefined), CHILD_METRICS_TIMEOUT_MS);
      function settle(reply: MetricsReply | undefined) {
        clearTimeout(timer);
        pending.delete(id);
        if (!reply) logger.warn({ process: child.index, pid: child.pid, timeoutMs: CHILD_METRICS_TIMEOUT_MS }, 'worker process did not send its metrics in time; left out of this scrape');
        else if (reply.error) logger.warn({ process: child.index, pid: child.pid, err: reply.error }, 'worker process could not render its metrics');
        resolve(reply?.metrics);
      }
      pending.set(id, settle);
      if (!child.send({ type: METRICS_REQUEST, id })) settle(undefined);
    });

  const metrics = createAggregateMetrics({
    collect: async () => {
      const children = (supervisor?.children() ?? []).filter((c) => c.ready);
      const snapshots = await Promise.all(children.map(ask));
      return snapshots.filter((s): s is MetricsSnapshot => s !== undefined);
    },
    running: () => supervisor?.children().length ?? 0,
  });

  // First, so a taken port fails start-up before any child is forked.
  let metricsServer: MetricsServer | null = null;
  try {
    metricsServer =
      config.WORKER_METRICS_PORT === undefined ? null : await startMetricsServer(metrics, { port: config.WORKER_METRICS_PORT, host: config.HOST, token: config.METRICS_TOKEN, log: logger });
  } catch (error) {
    logger.fatal({ err: error }, 'vcq-worker failed to start');
    process.exit(1);
  }

  const running = superviseProcesses({
    modulePath: childModule,
    count: config.WORKER_PROCESSES,
    env: (index) => ({ VCQ_WORKER_PROCESS_INDEX: String(index) }),
    logger,
    label: 'worker process',
    stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS + SHUTDOWN_GRACE_MS + STOP_MARGIN_MS,
    onMessage: (_child, message) => {
      if (isMetricsReply(message)) pending.get(message.id)?.(message);
    },
    onRestart: () => metrics.restarted(),
  });
  supervisor = running;

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal, processes: running.children().length, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down: draining every worker process');
    void (async () => {
      const report = await running.stop();
      await metricsServer?.close();
      if (report.clean) logger.info('worker stopped');
      else logger.error({ exits: report.exits }, 'worker stopped, but not every worker process exited cleanly');
      process.exit(report.clean ? 0 : 1);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Started with an IPC channel (the embedded launcher): its closing means the launcher is gone.
  if (process.channel) process.on('disconnect', () => shutdown('launcher exited'));

  await running.allReady;
  if (shuttingDown) return;
  logger.info(
    { processes: config.WORKER_PROCESSES, pids: running.children().map((c) => c.pid), metricsUrl: metricsServer?.url ?? null },
    `worker processes started: ${config.WORKER_PROCESSES}`,
  );
}
