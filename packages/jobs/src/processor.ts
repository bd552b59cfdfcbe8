/**
 * The processor contract. Handlers are plain functions of `(data, ctx)`: they know
 * nothing of BullMQ or Express, so the same function runs in the worker and, when
 * Redis is down, inside an API request.
 */
import type { Logger } from '@vcq/logger';

export interface JobContext {
  jobId: string;
  /** 1 for the first attempt; writes carry it so stale attempts can't overwrite newer ones. */
  attempt: number;
  mode: 'async' | 'sync';
  /** Reports progress 0..100; cheap (batched), never awaited by the handler. */
  progress(percent: number): void;
  /** A logger already bound to queue, job id, job name and attempt. */
  log: Logger;
  /** Aborted when the job should stop (shutdown timeout, client gone in sync mode). */
  signal: AbortSignal;
}
