export { type AggregateMetrics, type AggregateMetricsOptions, createAggregateMetrics, type MetricsSnapshot, type MetricsSource } from './aggregate.js';
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
export { type MetricsServer, type MetricsServerLog, type MetricsServerOptions, startMetricsServer } from './metrics-server.js';
export { SCRAPE_CHALLENGE, SCRAPE_REFUSED, scrapeAllowed } from './scrape-auth.js';
