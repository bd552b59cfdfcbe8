import { runService } from '@vcq/runtime';
import { startApi } from './server.js';

await runService('vcq-api', startApi);
