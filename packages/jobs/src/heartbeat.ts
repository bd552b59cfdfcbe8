/**
 * Worker heartbeats: every worker process upserts a row of `workers` on an interval,
 * saying which queues it consumes, how many jobs it may run and runs now. The rows
 * live in Postgres so the list is the same on both queue backends (BullMQ's worker
 * list is Redis only). Times are the database's (`now()`), so hosts with skewed
 * clocks agree on who is alive.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '@vcq/db';
import type { Logger } from '@vcq/logger';

/** What a worker consumes on one queue. */
export interface WorkerQueueInfo {
  name: string;
  concurrency: number;
  active: number;
}

/** One live worker process as its last heartbeat had it. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  version: string;
  backend: string;
  queues: WorkerQueueInfo[];
  concurrency: number;
  active: number;
  startedAt: Date;
  lastHeartbeatAt: Date;
}

/** Rows dead this many times WORKER_DEAD_AFTER_MS are deleted by live workers' heartbeats. */
const PURGE_FACTOR = 10;

/** The `workers` table: heartbeats in, live workers out. */
export class WorkerRegistry {
  constructor(private readonly db: Db) {}

  /** Upserts one process's row with the database's time as its heartbeat. */
  async beat(info: Omit<WorkerInfo, 'lastHeartbeatAt'>): Promise<void> {
    const queues = JSON.stringify(info.queues);
    await this.db.$executeRaw`
      INSERT INTO workers (id, host, pid, version, backend, queues, concurrency, active, started_at, last_heartbeat_at)
      VALUES (${info.id}, ${info.host}, ${info.pid}, ${info.version}, ${info.backend}, ${queues}::jsonb, ${info.concurrency}, ${info.active}, ${info.startedAt}, now())
      ON CONFLICT (id) DO UPDATE SET queues = EXCLUDED.queues, concurrency = EXCLUDED.concurrency, active = EXCLUDED.active, last_heartbeat_at = now()`;
  }

  /** Deletes a process's row (a clean shutdown: it drops out at once). */
  async remove(id: string): Promise<void> {
    await this.db.workerProcess.deleteMany({ where: { id } });
  }

  /** Deletes rows whose heartbeat is older than `ms`. */
  async purge(ms: number): Promise<number> {
    return this.db.$executeRaw`DELETE FROM workers WHERE last_heartbeat_at < now() - make_interval(secs => ${ms / 1000}::double precision)`;
  }

  /** Processes that beat within `deadAfterMs`, oldest first; `queue` narrows to its consumers. */
  async live(deadAfterMs: number, options: { queue?: string } = {}): Promise<WorkerInfo[]> {
    const rows = await this.db.$queryRaw<WorkerInfo[]>`
      SELECT id, host, pid, version, backend, queues, concurrency, active, started_at AS "startedAt", last_heartbeat_at AS "lastHeartbeatAt"
      FROM workers WHERE last_heartbeat_at >= now() - make_interval(secs => ${deadAfterMs / 1000}::double precision) ORDER BY started_at, id`;
    return rows
      .filter((w) => options.queue === undefined || w.queues.some((q) => q.name === options.queue));
  }

  /** Live processes per queue they consume (the `vcq_workers` gauge). */
  async countByQueue(deadAfterMs: number): Promise<Array<{ queue: string; count: number }>> {
    const counts = new Map<string, number>();
    for (const worker of await this.live(deadAfterMs)) for (const q of worker.queues) counts.set(q.name, (counts.get(q.name) ?? 0) + 1);
    return [...counts].map(([queue, count]) => ({ queue, count }));
  }
}

export interface HeartbeatOptions {
  registry: WorkerRegistry;
  intervalMs: number;
  /** WORKER_DEAD_AFTER_MS: rows dead ten times that long are purged by the beat. */
  deadAfterMs: number;
  version: string;
  backend: string;
  /** The queues with their concurrency and active jobs now. */
  queues: () => WorkerQueueInfo[];
  logger: Logger;
}

export interface Heartbeat {
  /** This process's row id. */
  id: string;
  /** Beats now (the first beat, and tests). */
  beat(): Promise<void>;
  /** Stops beating and deletes the row, so the process drops out at once. */
  stop(): Promise<void>;
}

/** Beats every `intervalMs` until stopped; a failed beat is logged and the next one tries again. */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const startedAt = new Date();
  const host = hostname();
  // The random part tells apart two workers of one process (tests run several).
  const id = `${host}:${process.pid}:${startedAt.getTime()}-${randomUUID().slice(0, 8)}`;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const beat = async () => {
    const queues = options.queues();
    await options.registry.beat({
      id,
      host,
      pid: process.pid,
      version: options.version,
      backend: options.backend,
      queues,
      concurrency: queues.reduce((sum, q) => sum + q.concurrency, 0),
      active: queues.reduce((sum, q) => sum + q.active, 0),
      startedAt,
    });
    await options.registry.purge(options.deadAfterMs * PURGE_FACTOR);
  };
  const tick = () => {
    if (stopped) return;
    running = beat()
      .catch((error: unknown) => options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'worker heartbeat failed'))
      .finally(() => {
        running = undefined;
        if (stopped) return;
        timer = setTimeout(tick, options.intervalMs);
        timer.unref();
      });
  };
  tick();
  return {
    id,
    beat,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await options.registry.remove(id);
    },
  };
}
