/**
 * Putting a job back on the queue from its row, and running one whose queue copy
 * lost its contents. Both keep the row's attempt count: rows only take writes of the
 * attempt they hold or a newer one (invariant 3), and a job added again from scratch
 * would start BullMQ's count at 1 again, below the row's, so every write of its run,
 * its outcome too, would be refused and the row would stay open for good.
 */
import type { Job } from 'bullmq';
import type { JobRecord, JobStore } from '@vcq/db';
import type { Catalog } from './catalog.js';
import { backoffOf, type QueueSet } from './queues.js';

/**
 * Where a re-added job carries the attempts its row had made before: the job's own
 * attempt numbers count on from there. Not part of any payload schema (stripped
 * before validation).
 */
export const ATTEMPT_BASE_KEY = '_vcqAttemptBase';

/** The attempts made before this queue job existed (0 for a job added once). */
export function attemptBaseOf(data: unknown): number {
  const base = data && typeof data === 'object' ? (data as Record<string, unknown>)[ATTEMPT_BASE_KEY] : undefined;
  return typeof base === 'number' && Number.isInteger(base) && base > 0 ? base : 0;
}

/** The job's data as its handler sees it: without the attempt base. */
export function payloadOf(data: unknown): unknown {
  if (!data || typeof data !== 'object' || !(ATTEMPT_BASE_KEY in data)) return data;
  const { [ATTEMPT_BASE_KEY]: _, ...rest } = data as Record<string, unknown>;
  return rest;
}

/**
 * Adds an open row's job to the queue again: numbered on from the row's attempts,
 * with the attempts it has left (at least one; a row that used them all up but is
 * still open never got its outcome written, so its last attempt runs again), its own
 * priority, and what is left of its delay (a row whose `runAt` has passed runs now).
 */
export async function addFromRow(queues: QueueSet, row: JobRecord, now = Date.now()): Promise<void> {
  const data = row.attempt > 0 ? { ...(row.data as Record<string, unknown>), [ATTEMPT_BASE_KEY]: row.attempt } : row.data;
  await queues.add(row.kind, row.id, data, {
    attempts: Math.max(1, row.maxAttempts - row.attempt),
    priority: row.priority,
    ...(row.runAt ? { delayMs: row.runAt.getTime() - now } : {}),
  });
}

/** A job as the worker runs it: what to call, with what, and which attempt this is. */
export interface RunnableJob {
  /** Its catalog entry; undefined when there is none to run. */
  kind: string | undefined;
  data: unknown;
  attempt: number;
  /** Whether a failure of this attempt is the last (no retry follows). */
  finalIfFails: boolean;
}

/**
 * What to run for `job`. A job whose hash Redis lost (evicted, deleted) still comes
 * out of its list, but with no name, data or options: it is run from its row instead
 * (numbered on from the row's attempts), and BullMQ is given the row's retry plan so a
 * transient failure still retries. Without a row, there is nothing to run.
 */
export async function runnableJob(job: Job, store: JobStore, catalog: Catalog, byName: ReadonlyMap<string, string> | undefined): Promise<RunnableJob> {
  if (job.name) {
    // attemptsStarted also counts restarts after a stall, so a stalled duplicate
    // carries an older number than the attempt that replaced it.
    return {
      kind: byName?.get(job.name),
      data: payloadOf(job.data),
      attempt: attemptBaseOf(job.data) + Math.max(job.attemptsStarted, 1),
      finalIfFails: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
    };
  }
  const row = job.id ? await store.get(job.id) : null;
  const entry = row && row.queue === job.queueName ? catalog[row.kind] : undefined;
  if (!row || !entry) return { kind: undefined, data: job.data, attempt: Math.max(job.attemptsStarted, 1), finalIfFails: true };
  const attempt = row.attempt + 1;
  const left = Math.max(0, row.maxAttempts - attempt);
  // BullMQ decides a retry from the in-memory options when the attempt fails, and the
  // retry schedule's backoff from the job's name.
  job.name = entry.name;
  job.opts = { ...job.opts, attempts: job.attemptsMade + 1 + left, backoff: backoffOf(entry), removeOnComplete: true };
  return { kind: row.kind, data: row.data, attempt, finalIfFails: left === 0 };
}
