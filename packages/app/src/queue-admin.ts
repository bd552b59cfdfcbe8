/**
 * Queue administration: counts, listings and actions on the queues that keep the
 * Postgres rows true (a retried row gets a new attempt, a removed or cleaned job's row
 * is cancelled). The `/queue/...` routes are its HTTP face.
 */
import type { Queue } from 'bullmq';
import type { JobRecord } from '@vcq/db';
import { AppError, NotFoundError, UnavailableError } from '@vcq/errors';
import type { QueueSet } from '@vcq/jobs';
import type { JobPlatform, VcqCatalog } from './catalog.js';

const LIVE_STATES = ['waiting', 'prioritized', 'waiting-children', 'active', 'delayed'] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** BullMQ's state in the admin API's words: prioritized and waiting-children jobs are waiting. */
export function publicState(state: string): string | null {
  if (state === 'unknown') return null;
  return state === 'prioritized' || state === 'waiting-children' ? 'waiting' : state;
}

export interface QueueStats {
  name: string;
  paused: boolean;
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
  total: number;
  /** Its concurrency and rate limit as they apply (QUEUE_LIMITS, or set over the API). */
  limits?: { concurrency: number; limiter: { max: number; duration: number } | null; source: 'environment' | 'api' };
}

export type QueueListing =
  | { source: 'rows'; total: number; rows: Array<{ row: JobRecord; queueState: string | null }> }
  | { source: 'queue'; jobs: Array<{ id: string; name: string; progress: unknown; row: JobRecord | undefined }> };

export class QueueAdmin {
  constructor(
    private readonly deps: {
      platform: JobPlatform;
      queues: QueueSet<VcqCatalog> | null;
      /** A queue's limits for its stats (QueueOperations.limits). */
      limits?: (name: string) => Promise<{ concurrency: number; limiter: { max: number; duration: number } | null; source: 'environment' | 'api' }>;
    },
  ) {}

  /** The queue, when the queue backend answers (503 otherwise: queue administration needs it). */
  private queue(name: string): Queue {
    if (!this.deps.queues?.isAvailable()) throw new UnavailableError('the queue backend (Redis) is unavailable; queue administration needs it');
    return this.deps.queues.queue(name);
  }

  /** The row of job `id` in queue `name` (404 otherwise). */
  async row(name: string, id: string): Promise<JobRecord> {
    const row = UUID.test(id) ? await this.deps.platform.store.get(id) : null;
    if (!row || row.queue !== name) throw new NotFoundError(`no job ${id} in queue ${name}`);
    return row;
  }

  /**
   * Counts of one queue: what is waiting, running or delayed comes from the queue
   * (live); completed and failed come from Postgres, which keeps the history Redis drops.
   */
  async stats(name: string): Promise<QueueStats> {
    const queue = this.queue(name);
    const [live, rows, paused, limits] = await Promise.all([
      queue.getJobCounts(...LIVE_STATES),
      this.deps.platform.store.countByStatus(name),
      queue.isPaused(),
      this.deps.limits?.(name),
    ]);
    const waiting = (live.waiting ?? 0) + (live.prioritized ?? 0) + (live['waiting-children'] ?? 0);
    const active = live.active ?? 0;
    const delayed = live.delayed ?? 0;
    const counts = { name, paused, waiting, active, completed: rows.completed, failed: rows.failed, delayed, total: waiting + active + delayed + rows.completed + rows.failed };
    return limits ? { ...counts, limits: { concurrency: limits.concurrency, limiter: limits.limiter, source: limits.source } } : counts;
  }

  /** Jobs of a queue in one state, newest first: finished ones from Postgres (Redis forgets them), the others from the queue. */
  async jobs(name: string, status: 'waiting' | 'active' | 'completed' | 'failed' | 'delayed', start: number, end: number): Promise<QueueListing> {
    const queue = this.queue(name);
    const { store } = this.deps.platform;
    if (status === 'completed' || status === 'failed') {
      const { items, total } = await store.list({ queue: name, status, limit: end - start + 1, offset: start });
      // The queue's own copy, when it still holds one (it drops completed jobs at once
      // and failed ones after a day); one round trip for the page on Redis.
      const held = await (this.deps.queues as QueueSet<VcqCatalog>).states(items.map((r) => ({ queue: r.queue, id: r.id })));
      return { source: 'rows', total, rows: items.map((row, i) => ({ row, queueState: held[i]?.present ? status : null })) };
    }
    const states = status === 'waiting' ? ['waiting', 'prioritized'] : [status];
    const jobs = await queue.getJobs(states as never, start, end, false);
    const rows = new Map((await store.getMany(jobs.map((j) => j.id as string))).map((r) => [r.id, r]));
    return { source: 'queue', jobs: jobs.map((j) => ({ id: j.id as string, name: j.name, progress: j.progress, row: rows.get(j.id as string) })) };
  }

  /** A job's row with its state on the queue. */
  async job(name: string, id: string): Promise<{ row: JobRecord; queueState: string | null }> {
    const queue = this.queue(name);
    const row = await this.row(name, id);
    return { row, queueState: publicState(await queue.getJobState(row.id)) };
  }

  /** Puts a failed or cancelled job back on its queue with a new attempt (409 for any other). */
  async retry(name: string, id: string): Promise<JobRecord> {
    const queue = this.queue(name);
    const row = await this.row(name, id);
    if (row.status !== 'failed' && row.status !== 'cancelled') {
      throw new AppError('not_retryable', 409, `job ${row.id} is ${row.status}; only failed or cancelled jobs can be retried`);
    }
    const job = await queue.getJob(row.id);
    const inFailedSet = job ? (await job.getState()) === 'failed' : false;
    // Retried in place, BullMQ keeps counting attempts upwards; re-added from scratch
    // (Redis no longer has it), it counts from 1 again, and so must the row.
    const requeued = await this.deps.platform.store.requeue(row.id, { resetAttempt: !inFailedSet });
    if (!requeued) throw new AppError('not_retryable', 409, `job ${row.id} changed state; try again`);
    if (inFailedSet && job) await job.retry('failed', { resetAttemptsMade: true });
    else {
      await job?.remove().catch(() => undefined);
      // Its own priority and attempts again (a caller's options are on the row); no delay: a retry runs now.
      await (this.deps.queues as QueueSet<VcqCatalog>).add(row.kind as keyof VcqCatalog & string, row.id, row.data, {
        priority: row.priority,
        ...(row.mode === 'async' ? { attempts: row.maxAttempts } : {}),
      });
    }
    return requeued;
  }

  /**
   * Removes a job and cancels its row. A running attempt is not torn from its worker:
   * the row is closed now, its outcome will be refused, and it is not retried.
   */
  async remove(name: string, id: string): Promise<{ id: string; cancelled: boolean; removed: boolean; queueState: string | null; running: boolean }> {
    const queue = this.queue(name);
    const row = await this.row(name, id);
    const job = await queue.getJob(row.id);
    const state = job ? await job.getState() : 'unknown';
    if (state === 'active') {
      await this.deps.platform.store.cancel([row.id]);
      return { id: row.id, cancelled: true, removed: false, queueState: state, running: true };
    }
    if (job) await job.remove();
    const cancelled = await this.deps.platform.store.cancel([row.id]);
    return { id: row.id, cancelled: cancelled.length === 1, removed: Boolean(job), queueState: publicState(state), running: false };
  }

  async pause(name: string): Promise<void> {
    await this.queue(name).pause();
  }

  async resume(name: string): Promise<void> {
    await this.queue(name).resume();
  }

  /** Removes jobs in one state older than `grace` ms; waiting or delayed ones never run, so their rows are cancelled. */
  async clean(
    name: string,
    options: { grace: number; limit: number; status: 'completed' | 'failed' | 'delayed' | 'waiting' },
  ): Promise<{ removed: number; cancelled: number; ids: string[] }> {
    const queue = this.queue(name);
    // A job with a priority waits in BullMQ's `prioritized` set, not in `wait` (on both
    // backends), and every vcq job but a critical one has a priority: waiting is both.
    const sets = options.status === 'waiting' ? (['wait', 'prioritized'] as const) : ([options.status] as const);
    const ids: string[] = [];
    for (const set of sets) {
      const left = options.limit - ids.length;
      if (left <= 0) break;
      ids.push(...(await queue.clean(options.grace, left, set)));
    }
    const cancelled = options.status === 'completed' || options.status === 'failed' ? [] : await this.deps.platform.store.cancel(ids);
    return { removed: ids.length, cancelled: cancelled.length, ids };
  }
}
