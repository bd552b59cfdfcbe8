/**
 * Coalesces job status/progress writes from many concurrent jobs and flushes them
 * as one UPDATE statement (invariant 5), so Postgres commits don't cap throughput.
 *
 * Every write carries the attempt number; the statement only applies a write to a
 * row that is still open (queued/processing) and whose attempt is not newer, so a
 * stalled duplicate of an old attempt can never overwrite a newer outcome
 * (invariant 3).
 */
import { Prisma } from './generated/client.js';
import type { Db } from './client.js';

export type WriteStatus = 'processing' | 'completed' | 'failed';

export interface JobError {
  code: string;
  message: string;
}

export interface StatusWrite {
  id: string;
  attempt: number;
  status: WriteStatus;
  progress?: number;
  result?: unknown;
  /** Set on a failure; a non-final failure keeps status `processing` but records it. */
  error?: JobError;
  at?: Date;
}

interface Pending {
  id: string;
  attempt: number;
  status: WriteStatus;
  progress: number;
  result: unknown;
  error: JobError | undefined;
  startedAt: Date | undefined;
  completedAt: Date | undefined;
  waiters: Array<{ resolve(applied: boolean): void; reject(error: unknown): void }>;
}

export interface WriteBufferOptions {
  /** How long a write may wait for companions before a flush (ms). */
  flushMs: number;
  /** The most rows one statement carries; a full buffer flushes at once. */
  maxBatch: number;
  onError?: (error: unknown, count: number) => void;
}

const rank: Record<WriteStatus, number> = { processing: 1, completed: 2, failed: 2 };

export class WriteBuffer {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** Statements executed; read by tests and benchmarks to see the coalescing. */
  flushes = 0;

  constructor(
    private readonly db: Db,
    private readonly options: WriteBufferOptions,
  ) {}

  /** Queues a write; resolves after its flush with whether the row accepted it. */
  write(w: StatusWrite): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const at = w.at ?? new Date();
      const incoming: Pending = {
        id: w.id,
        attempt: w.attempt,
        status: w.status,
        progress: w.progress ?? (w.status === 'completed' ? 100 : 0),
        result: w.result,
        error: w.error,
        startedAt: at,
        completedAt: w.status === 'processing' ? undefined : at,
        waiters: [{ resolve, reject }],
      };
      const existing = this.pending.get(w.id);
      this.pending.set(w.id, existing ? merge(existing, incoming) : incoming);
      this.schedule();
    });
  }

  get size(): number {
    return this.pending.size;
  }

  /** Writes everything pending now; resolves when the buffer is empty. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.inFlight || this.pending.size > 0) {
      if (this.inFlight) await this.inFlight;
      else this.startFlush();
    }
  }

  private schedule(): void {
    if (this.inFlight) return; // the running flush reschedules when it ends
    if (this.pending.size >= this.options.maxBatch) {
      this.startFlush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.startFlush();
      }, this.options.flushMs);
    }
  }

  private startFlush(): void {
    if (this.inFlight || this.pending.size === 0) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch: Pending[] = [];
    for (const [id, p] of this.pending) {
      batch.push(p);
      this.pending.delete(id);
      if (batch.length >= this.options.maxBatch) break;
    }
    this.inFlight = this.execute(batch).finally(() => {
      this.inFlight = undefined;
      if (this.pending.size > 0) this.schedule();
    });
  }

  private async execute(batch: Pending[]): Promise<void> {
    this.flushes++;
    let applied: Set<string>;
    try {
      applied = await applyWrites(this.db, batch);
    } catch (error) {
      this.options.onError?.(error, batch.length);
      for (const p of batch) for (const w of p.waiters) w.reject(error);
      return;
    }
    for (const p of batch) for (const w of p.waiters) w.resolve(applied.has(p.id));
  }
}

function merge(a: Pending, b: Pending): Pending {
  const waiters = [...a.waiters, ...b.waiters];
  if (b.attempt > a.attempt) return { ...b, waiters };
  if (b.attempt < a.attempt) return { ...a, waiters };
  const later = rank[b.status] >= rank[a.status] ? b : a;
  return {
    id: a.id,
    attempt: a.attempt,
    status: later.status,
    progress: Math.max(a.progress, b.progress),
    result: b.result ?? a.result,
    error: b.error ?? a.error,
    startedAt: a.startedAt ?? b.startedAt,
    completedAt: later.completedAt,
    waiters,
  };
}

/** One statement for the whole batch; returns the ids whose rows took the write. */
async function applyWrites(db: Db, batch: Pending[]): Promise<Set<string>> {
  const rows = batch.map(
    (p) =>
      Prisma.sql`(${p.id}::uuid, ${p.attempt}::int, ${p.status}::"JobStatus", ${p.progress}::int, ${
        p.result === undefined ? null : JSON.stringify(p.result)
      }::jsonb, ${p.error ? JSON.stringify(p.error) : null}::jsonb, ${p.startedAt ?? null}::timestamptz, ${
        p.completedAt ?? null
      }::timestamptz)`,
  );
  const updated = await db.$queryRaw<Array<{ id: string }>>`
    UPDATE "jobs" AS j SET
      status = v.status,
      attempt = v.attempt,
      progress = CASE WHEN v.attempt > j.attempt THEN v.progress ELSE GREATEST(j.progress, v.progress) END,
      result = COALESCE(v.result, j.result),
      error = CASE WHEN v.status = 'completed' THEN NULL ELSE COALESCE(v.error, j.error) END,
      started_at = CASE WHEN v.attempt > j.attempt OR j.started_at IS NULL THEN v.started_at ELSE j.started_at END,
      completed_at = v.completed_at,
      updated_at = now()
    FROM (VALUES ${Prisma.join(rows)}) AS v(id, attempt, status, progress, result, error, started_at, completed_at)
    WHERE j.id = v.id
      AND j.status IN ('queued', 'processing')
      AND v.attempt >= j.attempt
    RETURNING j.id`;
  return new Set(updated.map((r) => r.id));
}
