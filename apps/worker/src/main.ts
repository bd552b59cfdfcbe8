import { loadConfigOrExit } from '@vcq/config';
import { runService } from '@vcq/runtime';
import { runWorkerSupervisor } from './supervisor.js';
import { startWorker } from './worker.js';

// One process is the worker itself, as it always was; more run under a supervisor (supervisor.ts).
const config = loadConfigOrExit();
if (config.WORKER_PROCESSES > 1) await runWorkerSupervisor(config);
else await runService('vcq-worker', startWorker);
