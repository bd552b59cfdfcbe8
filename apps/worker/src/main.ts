import { runService } from '@vcq/runtime';
import { startWorker } from './worker.js';

await runService('vcq-worker', startWorker);
