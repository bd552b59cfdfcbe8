/**
 * What operators run a deployment with, beside QueueAdmin's per-job actions: the live
 * worker processes (heartbeat rows, on either queue backend). Its HTTP face is
 * apps/api's queue-operations routes.
 */
import { type Config, ConfigError } from '@vcq/config';
import type { QueueLimits, WorkerInfo, WorkerRegistry } from '@vcq/jobs';
import { NotFoundError } from '@vcq/errors';
import { queueNames } from './catalog.js';

export interface QueueOperationsDeps {
  workers: WorkerRegistry;
  /** WORKER_DEAD_AFTER_MS: a process whose last heartbeat is older is not listed. */
  deadAfterMs: number;
}

export class QueueOperations {
  constructor(private readonly deps: QueueOperationsDeps) {}

  get deadAfterMs(): number {
    return this.deps.deadAfterMs;
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
