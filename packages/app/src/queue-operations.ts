/**
 * What operators run a deployment with, beside QueueAdmin's per-job actions: the live
 * worker processes (heartbeat rows, on either queue backend). Its HTTP face is
 * apps/api's queue-operations routes.
 */
import { type Config, ConfigError } from '@vcq/config';
import type { JobRecord } from '@vcq/db';
import type { LimitOverrides, QueueLimits, WorkerInfo, WorkerRegistry } from '@vcq/jobs';
import { NotFoundError, UnavailableError } from '@vcq/errors';
import { type JobPlatform, queueNames } from './catalog.js';
import type { QueueAdmin } from './queue-admin.js';
import { countRedrive, type DeadLetterFilter, listDeadLetters, type RedriveReport, redrive } from './redrive.js';

export interface QueueOperationsDeps {
  platform: JobPlatform;
  /** Single retries: a bulk retry is many of them. */
  admin: QueueAdmin;
  workers: WorkerRegistry;
  /** WORKER_DEAD_AFTER_MS: a process whose last heartbeat is older is not listed. */
  deadAfterMs: number;
  /** Limits set over the API (queue_limits). */
  limitOverrides: LimitOverrides;
  /** QUEUE_LIMITS, checked (queueLimitsFromConfig). */
  configuredLimits: Readonly<Record<string, QueueLimits>>;
  /** QUEUE_CONCURRENCY: a queue's concurrency when nothing else sets it. */
  defaultConcurrency: number;
}

/** A bulk retry up to this many rows runs in the request; a larger one is a `redrive` job. */
export const INLINE_RETRY_MAX = 100;

/** What `POST /queue/{name}/retry` did: retried in the request, or queued as a `redrive` job. */
export type BulkRetry = ({ mode: 'inline' } & RedriveReport) | { mode: 'job'; queue: string; matched: number; jobId: string };

/** A queue's limits as they apply, with where they come from. */
export interface QueueLimitsView {
  name: string;
  /** Jobs at once per worker process. */
  concurrency: number;
  /** At most `max` job starts per `duration` ms across all workers; null for none. */
  limiter: { max: number; duration: number } | null;
  source: 'environment' | 'api';
  /** When they were set over the API; null for the environment's. */
  updatedAt: Date | null;
  /** QUEUE_LIMITS / QUEUE_CONCURRENCY: what applies again once the override is dropped. */
  defaults: { concurrency: number; limiter: { max: number; duration: number } | null };
}

export class QueueOperations {
  constructor(private readonly deps: QueueOperationsDeps) {}

  get deadAfterMs(): number {
    return this.deps.deadAfterMs;
  }

  /** A page of a queue's dead letters (rows failed for good), newest failure first. */
  async deadLetters(name: string, filter: DeadLetterFilter, page: { limit: number; offset: number }): Promise<{ total: number; items: JobRecord[] }> {
    knownQueue(name);
    const { store } = this.deps.platform;
    return listDeadLetters(store.db, name, filter, page, (ids) => store.getMany(ids));
  }

  /**
   * Retries at most `max` failed rows of a queue, named by `ids` or by a filter, each
   * with a new attempt as a single retry. Up to INLINE_RETRY_MAX rows it is done in the
   * request; more run as a `redrive` job with progress. A filter without `until` is
   * bounded by now, so rows failing again while the redrive runs are not picked up twice.
   */
  async retryMany(name: string, selection: { ids?: string[]; filter?: DeadLetterFilter; max: number }): Promise<BulkRetry> {
    knownQueue(name);
    const { platform } = this.deps;
    const job = {
      queue: name,
      max: selection.max,
      ...(selection.ids ? { ids: selection.ids } : { filter: { ...selection.filter, until: selection.filter?.until ?? new Date().toISOString() } }),
    };
    if (!platform.isQueueAvailable()) throw new UnavailableError('the queue backend (Redis) is unavailable; retrying jobs needs it');
    const matched = await countRedrive(platform.store.db, job);
    if (matched <= INLINE_RETRY_MAX) return { mode: 'inline', ...(await redrive({ db: platform.store.db, admin: this.deps.admin }, job)) };
    const submission = await platform.submit('redrive', job);
    return { mode: 'job', queue: name, matched, jobId: submission.job.id };
  }

  /** A queue's limits as they apply (404 for an unknown queue). */
  async limits(name: string): Promise<QueueLimitsView> {
    knownQueue(name);
    return this.limitsView(name, await this.deps.limitOverrides.get(name));
  }

  /** Every queue's limits, in one read. */
  async allLimits(): Promise<Map<string, QueueLimitsView>> {
    const overrides = await this.deps.limitOverrides.all();
    return new Map(queueNames.map((name) => [name, this.limitsView(name, overrides.get(name) ?? null)]));
  }

  /**
   * Sets a queue's limits (kept in Postgres, winning over QUEUE_LIMITS); every worker
   * applies them within SETTINGS_POLL_MS. `null` drops them: QUEUE_LIMITS applies again.
   */
  async setLimits(name: string, limits: QueueLimits | null): Promise<QueueLimitsView> {
    knownQueue(name);
    if (limits) await this.deps.limitOverrides.put(name, limits);
    else await this.deps.limitOverrides.remove(name);
    return this.limits(name);
  }

  private limitsView(name: string, override: { limits: QueueLimits; updatedAt: Date } | null): QueueLimitsView {
    const configured = this.deps.configuredLimits[name] ?? {};
    const defaults = { concurrency: configured.concurrency ?? this.deps.defaultConcurrency, limiter: configured.limiter ?? null };
    if (!override) return { name, ...defaults, source: 'environment', updatedAt: null, defaults };
    return {
      name,
      concurrency: override.limits.concurrency ?? this.deps.defaultConcurrency,
      limiter: override.limits.limiter ?? null,
      source: 'api',
      updatedAt: override.updatedAt,
      defaults,
    };
  }

  /** Live worker processes, oldest first; `queue` narrows to the ones consuming it (404 for an unknown queue). */
  async workers(queue?: string): Promise<WorkerInfo[]> {
    if (queue !== undefined) knownQueue(queue);
    return this.deps.workers.live(this.deps.deadAfterMs, queue === undefined ? {} : { queue });
  }
}

/** `name` when it is one of vcq's queues; a 404 naming them otherwise. */
export function knownQueue(name: string): string {
  if (!queueNames.includes(name)) throw new NotFoundError(`no queue ${name} (queues: ${queueNames.join(', ')})`);
  return name;
}

/** QUEUE_LIMITS, refused at start-up when it names a queue vcq does not have (a typo would silently limit nothing). */
export function queueLimitsFromConfig(config: Pick<Config, 'QUEUE_LIMITS'>): Record<string, QueueLimits> {
  const unknown = Object.keys(config.QUEUE_LIMITS).filter((name) => !queueNames.includes(name));
  if (unknown.length > 0) throw new ConfigError(unknown.map((name) => `QUEUE_LIMITS names no queue "${name}" (queues: ${queueNames.join(', ')})`));
  return config.QUEUE_LIMITS as Record<string, QueueLimits>;
}
