/**
 * What the worker supervisor and its children say to each other about metrics over
 * the fork IPC channel: the supervisor asks each child for its registry at scrape
 * time, the child answers with a snapshot (or the error that stopped it).
 */
import type { MetricsSnapshot } from '@vcq/metrics';

export const METRICS_REQUEST = 'vcq:metrics-request';
export const METRICS_REPLY = 'vcq:metrics-reply';

export interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}

export interface MetricsReply {
  type: typeof METRICS_REPLY;
  id: number;
  metrics?: MetricsSnapshot;
  error?: string;
}

export const isMetricsRequest = (message: unknown): message is MetricsRequest =>
  (message as MetricsRequest | null)?.type === METRICS_REQUEST && typeof (message as MetricsRequest).id === 'number';

export const isMetricsReply = (message: unknown): message is MetricsReply =>
  (message as MetricsReply | null)?.type === METRICS_REPLY && typeof (message as MetricsReply).id === 'number';
