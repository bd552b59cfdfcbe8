export {
  createMetrics,
  JOB_STATES,
  type JobAttemptOutcome,
  type JobCount,
  type MetricsOptions,
  type VcqMetrics,
  type WebhookDeliveryOutcome,
} from './metrics.js';
export { readMetric } from './read-metric.js';
