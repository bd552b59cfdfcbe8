/**
 * The producer side of the queues: one BullMQ Queue per catalog queue, either on a
 * shared fail-fast Redis connection or on BullMQ's PostgreSQL backend (no Redis).
 */
import { createPostgresBackend, Queue, type PgPool } from 'bullmq';
import { attemptsOf, type Catalog, type CatalogEntry, queuesOf } from './catalog.js';
import { hasMemoryRoom, isOutOfMemory, type RedisConnection } from './redis.js';

/** How often a Redis that refused an add for want of memory is asked whether it has room again. */
const FULL_PROBE_MS = 1000;

/**
 * BullMQ's PostgreSQL backend: one pg pool per process, shared by every Queue and
 * Worker (each would otherwise open its own pool and LISTEN connection), with its
 * search_path on BullMQ's schema; see `postgresQueuePool` in wiring.ts.
 */
export type PostgresQueueConnection = PgPool;

export interface QueueSetOptions<C extends Catalog = Catalog> {
  /** The entries whose queues this set holds. */
  catalog: C;
  /** The Redis backend's connection (fail-fast for producers). */
  connection?: RedisConnection;
  /** The PostgreSQL backend instead of Redis (QUEUE_BACKEND=postgres). */
  postgres?: PostgresQueueConnection;
  prefix: string;
  /** How long an add may take before it counts as failed (ms). */
  timeoutMs: number;
}

/** BullMQ's name for the custom backoff of an entry with a retry schedule (see startWorkers). */
export const SCHEDULE_BACKOFF = 'vcq-schedule';

/** BullMQ's backoff option for an entry's retry policy. */
export function backoffOf(entry: CatalogEntry): { type: string; delay?: number } {
  return entry.retry.kind === 'schedule' ? { type: SCHEDULE_BACKOFF } : { type: 'exponential', delay: entry.retry.delayMs };
}

export class QueueSet<C extends Catalog = Catalog> {
  private readonly queues = new Map<string, Queue>();
  private fullProbe: NodeJS.Timeout | undefined;
  /** Every queue of the catalog. */
  readonly names: string[];

  constructor(private readonly options: QueueSetOptions<C>) {
    this.names = queuesOf(options.catalog);
  }

  get catalog(): C {
    return this.options.catalog;
  }

  /**
   * Whether Redis refused an add for want of memory (`maxmemory` under `noeviction`)
   * and has not been seen with room since: a full Redis counts as unavailable.
   */
  get full(): boolean {
    return this.fullProbe !== undefined;
  }

  /** Counts Redis as full until an INFO memory probe (every FULL_PROBE_MS) sees room again. */
  private markFull(): void {
    const connection = this.options.connection;
    if (this.fullProbe || !connection) return;
    this.fullProbe = setInterval(() => {
      hasMemoryRoom(connection).then(
        (room) => {
          if (room) this.clearFull();
        },
        // Unreachable is a different unavailability, seen through the connection's status.
        () => {},
      );
    }, FULL_PROBE_MS);
    this.fullProbe.unref();
  }

  private clearFull(): void {
    clearInterval(this.fullProbe);
    this.fullProbe = undefined;
  }
  /**
   * Whether the backend can take work right now; for Redis a cheap status read, no
   * round trip. The PostgreSQL backend lives in vcq's own database: when that is
   * down no job can be accepted at all, so there is nothing to fall back from.
   */
  isAvailable(): boolean {
    if (this.options.postgres) return true;
    return this.options.connection?.status === 'ready' && !this.full;
  }

  /** The Redis connection, or undefined on the PostgreSQL backend. */
  get connection(): RedisConnection | undefined {
    return this.options.connection;
  }

  get backend(): 'redis' | 'postgres' {
    return this.options.postgres ? 'postgres' : 'redis';
  }

  /**
   * One round trip to the backend (readiness probes). On Redis a PING on the producer
   * connection; on PostgreSQL a count read from BullMQ's own `job` table (schema
   * `bullmq`) through the queue backend's own pool, so it fails when that schema is
   * missing or unmigrated or the pool cannot get a connection, which a `SELECT 1` on
   * vcq's Prisma pool would not see.
   */
  async ping(): Promise<void> {
    if (this.options.postgres) {
      await this.queue(this.names[0] as string).getJobCounts('waiting');
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
    if (!this.names.includes(name)) throw new Error(`unknown queue ${name}`);
    let queue = this.queues.get(name);
    if (!queue) {
      queue = this.options.postgres
        ? // The Queue API is the same on both backends; only the connection type parameter differs.
          (new Queue(name, { connection: this.options.postgres }, createPostgresBackend) as unknown as Queue)
        : new Queue(name, { connection: this.options.connection as RedisConnection, prefix: this.options.prefix, skipWaitingForReady: true });
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

  /**
   * Adds a job under the row's id; adding the same id twice is harmless. The overrides
   * are the job's own options (its row's): `attempts` also for a job re-added with some
   * of its attempts spent, `priority` instead of the entry's, `delayMs` before it may start.
   */
  async add(kind: keyof C & string, id: string, data: unknown, override: AddOptions = {}): Promise<void> {
    const def = this.options.catalog[kind] as CatalogEntry;
    const priority = override.priority ?? def.priority;
    const delay = Math.max(0, Math.floor(override.delayMs ?? 0));
    const add = this.queue(def.queue).add(def.name, data, {
      jobId: id,
      attempts: override.attempts ?? attemptsOf(def),
      backoff: backoffOf(def),
      // Priority 0 is BullMQ's "no priority": the plain wait list, which is taken before
      // any prioritized job, so CRITICAL (0) runs first.
      ...(priority > 0 ? { priority } : {}),
      ...(delay > 0 ? { delay } : {}),
      // Postgres keeps the history; Redis only holds what is still in flight.
      removeOnComplete: true,
      removeOnFail: { age: 24 * 3600, count: 1000 },
    });
    try {
      await withTimeout(add, this.options.timeoutMs, () => `adding job ${id} to ${def.queue}`);
    } catch (error) {
      this.drop(def.queue);
      if (isOutOfMemory(error)) this.markFull();
      throw error;
    }
  }

  /**
   * For each (queue, id): whether the backend holds that job and, when it holds it as
   * failed for good, the reason it gave. One command for all of them on Redis (JOB_STATES).
   */
  async states(jobs: Array<{ queue: string; id: string }>): Promise<QueuedJobState[]> {
    if (jobs.length === 0) return [];
    if (this.options.postgres || !this.options.connection) {
      return Promise.all(
        jobs.map(async (j): Promise<QueuedJobState> => {
          const queue = this.queue(j.queue);
          const state = await queue.getJobState(j.id);
          if (state === 'unknown') return { present: false, failedReason: null };
          if (state !== 'failed') return { present: true, failedReason: null };
          return { present: true, failedReason: (await queue.getJob(j.id))?.failedReason || 'failed in the queue' };
        }),
      );
    }
    // BullMQ's keys: the job hash <prefix>:<queue>:<id>, the failed set <prefix>:<queue>:failed.
    // Both are passed as keys, so on a cluster (a hash-tagged prefix) they share one slot.
    const keys = jobs.flatMap((j) => [`${this.options.prefix}:${j.queue}:${j.id}`, `${this.options.prefix}:${j.queue}:failed`]);
    const replies = (await this.options.connection.eval(JOB_STATES, keys.length, ...keys, ...jobs.map((j) => j.id))) as Array<number | string>;
    return replies.map((reply) =>
      reply === 0 ? { present: false, failedReason: null } : reply === 1 ? { present: true, failedReason: null } : { present: true, failedReason: String(reply) || 'failed in the queue' },
    );
  }

  async close(): Promise<void> {
    this.clearFull();
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => {})));
  }
}

/**
 * QueueSet.states in one script run: for each job (KEYS: its hash and its queue's
 * failed set; ARGV: its id), 0 when the hash is gone, 1 when it is there and not failed
 * for good, else its failedReason (possibly empty). One command for a page of a
 * backlog, where a command per key made the reconciler's pass cost more than the jobs.
 */
const JOB_STATES = `
local out = {}
for i = 1, #ARGV do
  local hash = KEYS[2 * i - 1]
  if redis.call('EXISTS', hash) == 0 then
    out[i] = 0
  elseif redis.call('ZSCORE', KEYS[2 * i], ARGV[i]) then
    out[i] = redis.call('HGET', hash, 'failedReason') or ''
  else
    out[i] = 1
  end
end
return out`;

/** A job's own options when it is added (see `QueueSet.add`). */
export interface AddOptions {
  attempts?: number;
  priority?: number;
  /** How long from now before it may start (ms). */
  delayMs?: number;
}

/** A job as the queue backend holds it. */
export interface QueuedJobState {
  present: boolean;
  /** Set when the backend failed the job for good (e.g. it stalled too often): its reason. */
  failedReason: string | null;
}

/** Rejects if `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${typeof what === 'string' ? what : what()} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
