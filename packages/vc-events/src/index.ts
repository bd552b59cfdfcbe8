export * from './types.js';
export {
  EVENT_TIME_RANGE,
  LegacyVcEventSchema,
  type LegacyVcEvent,
  PaginationSchema,
  parseRecord,
  type ParsedRecord,
  type VcSummaryPage,
  VcSummaryPageSchema,
  type VcSummaryRecord,
  type VcSummaryRecordInput,
  VcSummaryRecordSchema,
} from './record.js';
export { AnalyticsApiError, type AnalyticsClient, type AnalyticsClientOptions, createAnalyticsClient } from './analytics-client.js';
export { type CronStateRecord, type CronStateStore, createCronStateStore } from './state.js';
export { createProcessingLog, type ProcessingLog, type ProcessingLogEntry, type ProcessingLogRecord, type VcEventOutcome } from './processing-log.js';
export { type CredentialDirectory, type CredentialRef, createCredentialDirectory, RevokedCredentialError } from './credential-directory.js';
export {
  processRecord,
  type ProcessorDeps,
  type RecordResult,
  type RunReport,
  runWindows,
  VC_EVENTS_STATE,
  VcEventsRunError,
  type Window,
  type WindowReport,
} from './processor.js';
export { createVcEventsService, type VcEventsService, type VcEventsServiceDeps, type VcEventsStateView } from './service.js';
