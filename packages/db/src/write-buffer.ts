/**
 * Coalesces job status/progress writes from many concurrent jobs and flushes them
 * as one UPDATE statement (invariant 5), so Postgres commits don't cap throughput.
 *
 * Every write carries the attempt number; the statement only applies a write to a
 * row that is still open (queued/processing) and whose attempt is not newer, so a
 * stalled duplicate of an old attempt can never overwrite a newer outcome
 * (invariant 3).
 *
 * A `processing` write (a start, or progress) is held for `startDelayMs` before it may
 * go: a job that ends within that time is written once, queued straight to its outcome
 * (with its real start time), instead of twice. Outcomes and an attempt's error never
 * wait for the delay.
 */
import { type Db, type HotStatement, hotQuery } from './client.js';
import { eachAlone } from './coalescer.js';
import { RUNNER } from './runner.js';
import { storableJson } from './storable.js';

export type WriteStatus = 'processing' | 'completed' | 'failed';

/**
 * The channel each flush notifies with the progress steps its rows took, as
 * `<id>:<attempt>:<step>,<step>,…`: writes of one job within a flush become one row
 * write, so the row alone shows only the last step, and a live stream (SSE) would
 * skip the others (JobWaiter.watchProgress listens).
 */
export const JOB_PROGRESS_CHANNEL = 'vcq_job_progress';

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
  /** Every progress step of this attempt the merged writes reported, in order (starts, at 0, are none). */
  steps: number[];
  /** When it may be written (ms since the epoch): later than now only for a held `processing` write. */
  due: number;
  waiters: Array<{ resolve(applied: boolean): void; reject(error: unknown): void }>;
}

export interface WriteBufferOptions {
  /** How long a write may wait for companions before a flush (ms). */
  flushMs: number;
  /** The most rows one statement carries; a full buffer flushes at once. */
  maxBatch: number;
  /**
   * Statements that may run at once (default 2). Each holds rows no other running
   * statement holds, so they never wait on each other's row locks; the attempt and
   * status guards make their order irrelevant.
   */
  maxInFlight?: number;
  /** How long a `processing` write is held for an outcome to merge with (ms; default 0). */
  startDelayMs?: number;
  onError?: (error: unknown, count: number) => void;
}

const rank: Record<WriteStatus, number> = { processing: 1, completed: 2, failed: 2 };

export class WriteBuffer {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (ms since the epoch). */
  private timerAt = 0;
  private readonly running = new Set<Promise<void>>();
  /** Ids some running statement is writing; their newer writes wait for it. */
  private readonly busy = new Set<string>();
  private readonly maxInFlight: number;
  /** Statements executed; read by tests and benchmarks to see the coalescing. */
  flushes = 0;

  constructor(
    private readonly db: Db,
    private readonly options: WriteBufferOptions,
  ) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
  }

  /** Queues a write; resolves after its flush with whether the row accepted it. */
  write(w: StatusWrite): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const at = w.at ?? new Date();
      const now = Date.now();
      const incoming: Pending = {
        id: w.id,
        attempt: w.attempt,
        status: w.status,
        progress: w.progress ?? (w.status === 'completed' ? 100 : 0),
        result: w.result,
        error: w.error,
        startedAt: at,
        completedAt: w.status === 'processing' ? undefined : at,
        steps: w.status === 'processing' && w.progress !== undefined && w.progress > 0 ? [w.progress] : [],
        // Only a plain start or progress is held; an outcome, or an attempt's error, goes now.
        due: w.status === 'processing' && !w.error ? now + (this.options.startDelayMs ?? 0) : now,
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

  /** Writes everything pending now, held writes too; resolves when the buffer is empty. */
  async flush(): Promise<void> {
    this.clearTimer();
    while (this.running.size > 0 || this.pending.size > 0) {
      this.startFlushes(Number.POSITIVE_INFINITY);
      if (this.running.size > 0) await Promise.race(this.running);
    }
  }

  private clearTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private schedule(): void {
    if (this.running.size >= this.maxInFlight) return; // the next starts when one ends
    if (this.pending.size >= this.options.maxBatch) {
      this.startFlushes();
      return;
    }
    // A write waits up to flushMs for companions, also while another statement runs.
    this.armTimer(Date.now() + this.options.flushMs);
  }

  /** Makes sure a flush is attempted by `at`: keeps an earlier timer, replaces a later one. */
  private armTimer(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.startFlushes();
      },
      Math.max(0, at - Date.now()),
    );
  }

  /**
   * Starts statements while there is room, with rows not already being written and due
   * by `now`; then, if held writes remain, arms the timer for the first of them.
   */
  private startFlushes(now = Date.now()): void {
    this.clearTimer();
    let nextDue = Number.POSITIVE_INFINITY;
    while (this.running.size < this.maxInFlight) {
      const batch: Pending[] = [];
      nextDue = Number.POSITIVE_INFINITY;
      for (const [id, p] of this.pending) {
        if (this.busy.has(id)) continue;
        if (p.due > now) {
          nextDue = Math.min(nextDue, p.due);
          continue;
        }
        batch.push(p);
        if (batch.length >= this.options.maxBatch) break;
      }
      if (batch.length === 0) break;
      for (const p of batch) {
        this.pending.delete(p.id);
        this.busy.add(p.id);
      }
      const run: Promise<void> = this.execute(batch).finally(() => {
        for (const p of batch) this.busy.delete(p.id);
        this.running.delete(run);
        // Writes that arrived during the statement have already waited for it: they go
        // at once, so under load the batch size follows the statement's own latency.
        if (this.pending.size > 0) this.startFlushes();
      });
      this.running.add(run);
    }
    // Held writes: a timer for the first one due (a statement ending re-checks sooner).
    if (nextDue !== Number.POSITIVE_INFINITY && this.running.size < this.maxInFlight) this.armTimer(nextDue);
  }

  private async execute(batch: Pending[]): Promise<void> {
    this.flushes++;
    let applied: Set<string>;
    try {
      applied = await applyWrites(this.db, batch);
    } catch (error) {
      this.options.onError?.(error, batch.length);
      // A row the statement refused (a result Postgres cannot store) fails alone.
      const alone = await eachAlone(batch, error, async (p) => (await applyWrites(this.db, [p])).has(p.id));
      batch.forEach((p, i) => {
        const r = alone?.[i];
        for (const w of p.waiters) {
          if (r?.ok) w.resolve(r.value);
          else w.reject(r ? r.error : error);
        }
      });
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
    steps: [...a.steps, ...b.steps.filter((step) => step > (a.steps.at(-1) ?? 0))],
    // The earlier: progress on a held start waits no longer than the start did, and an
    // outcome or error (due when written) takes a held start along at once.
    due: Math.min(a.due, b.due),
    waiters,
  };
}

/**
 * One statement for the whole batch, its rows as a single JSON parameter (the
 * statement costs the same to prepare however many rows it carries); returns the
 * ids whose rows took the write. Results and errors are written storably: a job's
 * outcome may carry text from outside (a credential's claims) that jsonb refuses,
 * and an outcome that cannot be written would leave the job open.
 */
async function applyWrites(db: Db, batch: Pending[]): Promise<Set<string>> {
  const rows = batch.map((p) => ({
    id: p.id,
    attempt: p.attempt,
    status: p.status,
    progress: p.progress,
    result: p.result === undefined ? null : p.result,
    error: p.error ?? null,
    started_at: p.startedAt ?? null,
    completed_at: p.completedAt ?? null,
    steps: p.steps.length > 0 ? p.steps.join(',') : null,
  }));
  const updated = await hotQuery<{ id: string }>(db, APPLY_WRITES, [RUNNER, storableJson(rows), JOB_PROGRESS_CHANNEL]);
  return new Set(updated.map((r) => r.id));
}

// The steps are notified from the same statement, for the rows that took the write
// only; they are delivered at commit, before the trigger's change notification.
const APPLY_WRITES: HotStatement = {
  name: 'vcq_apply_writes',
  text: `
    WITH v AS (
      SELECT * FROM jsonb_to_recordset($2::jsonb)
        AS v(id uuid, attempt int, status text, progress int, result jsonb, error jsonb, started_at timestamptz, completed_at timestamptz, steps text)
    ), u AS (
    UPDATE "jobs" AS j SET
      status = v.status::"JobStatus",
      attempt = v.attempt,
      progress = CASE WHEN v.attempt > j.attempt THEN v.progress ELSE GREATEST(j.progress, v.progress) END,
      result = COALESCE(v.result, j.result),
      error = CASE WHEN v.status = 'completed' THEN NULL ELSE COALESCE(v.error, j.error) END,
      started_at = CASE WHEN v.attempt > j.attempt OR j.started_at IS NULL THEN v.started_at ELSE j.started_at END,
      runner = CASE WHEN v.attempt > j.attempt OR j.runner IS NULL THEN $1 ELSE j.runner END,
      completed_at = v.completed_at,
      updated_at = now()
    FROM v
    WHERE j.id = v.id
      AND j.status IN ('queued', 'processing')
      AND v.attempt >= j.attempt
    RETURNING j.id::text AS id, v.attempt, v.steps
    )
    SELECT id, CASE WHEN steps IS NOT NULL THEN (SELECT 1 FROM pg_notify($3, id || ':' || attempt || ':' || steps)) END AS notified FROM u`,
};
