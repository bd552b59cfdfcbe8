/**
 * One worker process under the supervisor (WORKER_PROCESSES > 1): a full worker
 * (startWorker) without a metrics listener of its own; it answers the supervisor's
 * metrics requests over IPC instead, and shuts down if the supervisor goes away.
 */
import { exitWithSupervisor, reportReady, runService } from '@vcq/runtime';
import { isMetricsRequest, METRICS_REPLY, type MetricsReply } from './metrics-ipc.js';
import { startWorker } from './worker.js';

const index = Number(process.env.VCQ_WORKER_PROCESS_INDEX ?? 0);
exitWithSupervisor();

const reply = (message: MetricsReply) => {
  if (process.connected) process.send?.(message);
};

await runService(
  'vcq-worker',
  async (config, logger) => {
    // The supervisor serves WORKER_METRICS_PORT for the whole box.
    const worker = await startWorker({ ...config, WORKER_METRICS_PORT: undefined }, logger);
    process.on('message', (message: unknown) => {
      if (!isMetricsRequest(message)) return;
      worker.metrics.snapshot().then(
        (metrics) => reply({ type: METRICS_REPLY, id: message.id, metrics }),
        (error: unknown) => reply({ type: METRICS_REPLY, id: message.id, error: error instanceof Error ? error.message : String(error) }),
      );
    });
    reportReady();
    return worker;
  },
  { logFields: { process: index, pid: process.pid } },
);
