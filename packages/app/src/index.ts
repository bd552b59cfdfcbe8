export * from './catalog.js';
export { createCallbackHook } from './callbacks.js';
export { cleanup, sweepWebhookDeliveries, type CleanupOptions, type CleanupReport, type SweepOptions, type SweepReport } from './maintenance.js';
export { publicState, QueueAdmin, type QueueListing, type QueueStats } from './queue-admin.js';
export { Tasks, taskRunOf, type TaskRun, type TaskRunStatus, type TaskView, type TriggerResult } from './tasks.js';
export { deliveryAttempt } from './webhook-attempts.js';
export {
  backendFromConfig,
  createServices,
  createStoreFromConfig,
  credentialsFromConfig,
  destinationCheck,
  egressFromConfig,
  emailsFromConfig,
  type Services,
  vcEventsFromConfig,
} from './wiring.js';
