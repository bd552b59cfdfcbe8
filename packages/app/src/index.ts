export * from './catalog.js';
export { type BatchSummary, chainHooks, createBatchHook } from './batches.js';
export { createCallbackHook } from './callbacks.js';
export { cleanup, sweepWebhookDeliveries, type CleanupOptions, type CleanupReport, type SweepOptions, type SweepReport } from './maintenance.js';
export { publicState, QueueAdmin, type QueueListing, type QueueStats } from './queue-admin.js';
export { Tasks, taskRunOf, type TaskRun, type TaskRunStatus, type TaskScheduleView, type TaskView, type TriggerResult } from './tasks.js';
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
export { type BulkRetry, INLINE_RETRY_MAX, knownQueue, type QueueLimitsView, QueueOperations, queueLimitsFromConfig, type QueueOperationsDeps } from './queue-operations.js';
export { DeadLetterFilterSchema, type DeadLetterFilter, redrive, RedriveJobSchema, type RedriveJob, type RedriveReport } from './redrive.js';
