export * from './catalog.js';
export type { JobContext } from './processor.js';
export { createJobContext } from './context.js';
export { postgresQueuePool, producerConnectionFromConfig, queueBackendFromConfig, type QueueBackend, workerConnectionFromConfig } from './backend.js';
export { EngineEvents, type EngineEventMap, type EngineEventName, type JobEventBase } from './events.js';
export { ENDED, JOB_CHANGES_CHANNEL, JobWaiter, type JobWaiterOptions } from './job-waiter.js';
export {
  type BatchData,
  type BatchOptions,
  BatchSizeError,
  type BatchSubmission,
  DEFAULT_SYNC_LEASE_MS,
  JobPlatform,
  reportOf,
  type FinishedHook,
  type JobOutcome,
  type JobOwner,
  type JobOptions,
  type JobPlatformOptions,
  type ResultsOf,
  type SubmitOptions,
  type Submission,
} from './platform.js';
export { backoffOf, QueueSet, SCHEDULE_BACKOFF, withTimeout, type PostgresQueueConnection, type QueueSetOptions } from './queues.js';
export {
  createClusterProducerConnection,
  createClusterWorkerConnection,
  createProducerConnection,
  createSentinelConnection,
  createWorkerConnection,
  closeRedis,
  mastersOf,
  type RedisClusterNode,
  type RedisConnection,
  type RedisSentinelTarget,
  waitForReady,
} from './redis.js';
export { reconcile, runnerGone, startReconciler, type ReconcileObserver, type ReconcileOptions, type ReconcileReport } from './reconciler.js';
export { type Heartbeat, type HeartbeatOptions, startHeartbeat, type WorkerInfo, type WorkerQueueInfo, WorkerRegistry } from './heartbeat.js';
export { type EffectiveSchedule, effectiveSchedule, Schedules, type ScheduleState, TickDataSchema, tickJobId, tickSubmitter } from './schedules.js';
export { type ScheduleOverride, ScheduleOverrides } from './schedule-overrides.js';
export { effectiveLimits, followLimits, type LimitOverride, LimitOverrides } from './limit-overrides.js';
export { closeWorkers, createProcessor, type JobObserver, type QueueLimits, startWorkers, type WorkerRuntime, type WorkerRuntimeOptions } from './worker-runtime.js';
