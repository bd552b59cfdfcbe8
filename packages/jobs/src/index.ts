export * from './catalog.js';
export * from './processor.js';
export { createHandlers, type HandlerDeps } from './handlers.js';
export { createJobContext } from './context.js';
export { EngineEvents, type EngineEventMap, type EngineEventName, type JobEventBase } from './events.js';
export { ENDED, JOB_CHANGES_CHANNEL, JobWaiter, type JobWaiterOptions } from './job-waiter.js';
export { JobPlatform, type JobPlatformOptions, type Submission } from './platform.js';
export { QueueSet, withTimeout, type PostgresQueueConnection, type QueueSetOptions } from './queues.js';
export { createProducerConnection, createWorkerConnection, closeRedis, waitForReady } from './redis.js';
export { reconcile, startReconciler, type ReconcileOptions, type ReconcileReport } from './reconciler.js';
export { createProcessor, startWorkers, type WorkerRuntime, type WorkerRuntimeOptions } from './worker-runtime.js';
export { queueBackendFromConfig, type QueueBackend } from './wiring.js';
export {
  createServices,
  createStoreFromConfig,
  credentialsFromConfig,
  destinationCheck,
  egressFromConfig,
  queueOverridesFromConfig,
  type Services,
} from './wiring.js';
export { createCallbackHook } from './callbacks.js';
export { WEBHOOK_BACKOFF } from './queues.js';
export type { FinishedHook, JobOutcome, JobOwner, SubmitOptions } from './platform.js';
export * from './tasks.js';
export { cleanup, sweepWebhookDeliveries, type CleanupOptions, type CleanupReport, type SweepOptions, type SweepReport } from './maintenance.js';
export { ANALYTICS_NOT_CONFIGURED, createTaskHandlers, NotConfiguredError, type TaskHandlerDeps } from './task-handlers.js';
export { createTaskRunStore, RUNNER, type TaskRunRecord, type TaskRunStatus, type TaskRunStore } from './task-runs.js';
export {
  createTaskProcessor,
  executeTask,
  postgresTaskBackend,
  redisTaskBackend,
  startTaskWorkers,
  TaskControl,
  type TaskControlOptions,
  type TaskQueueBackend,
  type TaskView,
  type TaskWorkers,
  type TriggerResult,
} from './task-runtime.js';
export { deliveryAttempt } from './webhook-attempts.js';
export { vcEventsFromConfig } from './wiring.js';
