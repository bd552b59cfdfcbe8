/**
 * What operators run a deployment with, beside QueueAdmin's per-job actions: the live
 * worker processes (heartbeat rows, on either queue backend). Its HTTP face is
 * apps/api's queue-operations routes.
 */
import { type Config, ConfigError } from '@vcq/config';
import type { LimitOverrides, QueueLimits, WorkerInfo, WorkerRegistry } from '@vcq/jobs';
import { NotFoundError } from '@vcq/errors';
import { queueNames } from './catalog.js';

export interface QueueOperationsDeps {
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
