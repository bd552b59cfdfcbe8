/**
 * The producer side of the queues: one BullMQ Queue per catalog queue, either on a
 * shared fail-fast Redis connection or on BullMQ's PostgreSQL backend (no Redis).
 */
import { createPostgresBackend, Queue, type PgPool } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobCatalog, queueNames, type JobName, type JobOptions } from './catalog.js';

/**
 * BullMQ's PostgreSQL backend: one pg pool per process, shared by every Queue and
 * Worker (each would otherwise open its own pool and LISTEN connection), with its
 * search_path on BullMQ's schema; see `postgresQueuePool` in wiring.ts.
 */
export type PostgresQueueConnection = PgPool;

export interface QueueSetOptions {
  /** The Redis backend's connection (fail-fast for producers). */
  connection?: Redis;
  /** The PostgreSQL backend instead of Redis (QUEUE_BACKEND=postgres). */
  postgres?: PostgresQueueConnection;
  prefix: string;
  /** How long an add may take before it counts as failed (ms). */
  timeoutMs: number;
  /** Overrides for every job's catalog options (tests use short backoffs). */
  overrides?: Partial<JobOptions>;
  /** Overrides for single job types, applied last (webhook attempts from the schedule). */
  perJob?: Partial<Record<JobName, Partial<JobOptions>>>;
}

/** BullMQ's name for the custom backoff that follows WEBHOOK_RETRY_SCHEDULE_MS. */
export const WEBHOOK_BACKOFF = 'webhook-schedule';

export class QueueSet {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly options: QueueSetOptions) {}
  /**
   * Whether the backend can take work right now; for Redis a cheap status read, no
   * round trip. The PostgreSQL backend lives in vcq's own database: when that is
   * down no job can be accepted at all, so there is nothing to fall back from.
   */
  isAvailable(): boolean {
    if (this.options.postgres) return true;
    return this.options.connection?.status === 'ready';
  }

  /** The Redis connection, or undefined on the PostgreSQL backend. */
  get connection(): Redis | undefined {
    return this.options.connection;
  }

  get backend(): 'redis' | 'postgres' {
    return this.options.postgres ? 'postgres' : 'redis';
  }

  /** One round trip to the backend (readiness probes). */
  async ping(): Promise<void> {
    if (this.options.postgres) {
      await this.queue(queueNames[0] as string).getJobCounts('waiting');
      return;
    }
    await this.options.connection?.ping();
  }

  get prefix(): string {
    return this.options.prefix;
  }

  /**
   * The BullMQ Queue for `name`, created on first use. BullMQ initialises a Queue
   * (version check) once, at construction; on a fail-fast connection that is not
   * ready yet that init fails for good, so Queues are only made while Redis is up,
   * and one whose add failed is dropped and made again next time.
   */
  queue(name: string): Queue {
    if (!queueNames.includes(name)) throw new Error(`unknown queue ${name}`);
    let queue = this.queues.get(name);
    if (!queue) {
      queue = this.options.postgres
        ? // The Queue API is the same on both backends; only the connection type parameter differs.
          (new Queue(name, { connection: this.options.postgres }, createPostgresBackend) as unknown as Queue)
        : new Queue(name, { connection: this.options.connection as Redis, prefix: this.options.prefix, skipWaitingForReady: true });
      // A down Redis is expected here (the API falls back to sync); the connection logs it.
      queue.on('error', () => {});
      this.queues.set(name, queue);
    }
    return queue;
  }

  private drop(name: string): void {
    const queue = this.queues.get(name);
    this.queues.delete(name);
    // The connection is shared and stays open; closing the Queue only detaches it.
    void queue?.close().catch(() => {});
  }

  /** The effective options of a job (catalog, then overrides). */
  jobOptions(name: JobName): JobOptions {
    const catalog: JobOptions = jobCatalog[name].options;
    // A schedule-driven job keeps its own retry plan whatever the global overrides say.
    const global = catalog.backoff === 'webhook-schedule' ? {} : this.options.overrides;
    return { ...catalog, ...global, ...this.options.perJob?.[name] };
  }

  /** Adds a job under the row's id; adding the same id twice is harmless. */
  async add(name: JobName, id: string, data: unknown): Promise<void> {
    const def = jobCatalog[name];
    const opts = this.jobOptions(name);
    const add = this.queue(def.queue).add(def.name, data, {
      jobId: id,
      attempts: opts.attempts,
      backoff: opts.backoff === 'webhook-schedule' ? { type: WEBHOOK_BACKOFF } : { type: 'exponential', delay: opts.backoffMs },
      ...(opts.priority > 0 ? { priority: opts.priority } : {}),
      // Postgres keeps the history; Redis only holds what is still in flight.
      removeOnComplete: true,
      removeOnFail: { age: 24 * 3600, count: 1000 },
    });
    try {
      await withTimeout(add, this.options.timeoutMs, `adding job ${id} to ${def.queue}`);
    } catch (error) {
      this.drop(def.queue);
      throw error;
    }
  }

  /** For each (queue, id): does Redis hold that job? One round trip for all of them. */
  async exists(jobs: Array<{ queue: string; id: string }>): Promise<boolean[]> {
    if (jobs.length === 0) return [];
    if (this.options.postgres || !this.options.connection) {
      const states = await Promise.all(jobs.map((j) => this.queue(j.queue).getJobState(j.id)));
      return states.map((state) => state !== 'unknown');
    }
    const pipeline = this.options.connection.pipeline();
    // BullMQ's job hash key: <prefix>:<queue>:<id>.
    for (const j of jobs) pipeline.exists(`${this.options.prefix}:${j.queue}:${j.id}`);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, count]) => {
      if (error) throw error;
      return count === 1;
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => {})));
  }
}

/** Rejects if `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
