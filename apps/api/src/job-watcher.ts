/**
 * The one watcher of job rows in the API, for everything that waits on a job: live
 * event streams (SSE), `Prefer: wait` and the VC API routes. However many requests
 * wait, one timer reads all watched rows in one query per tick, so waiting costs
 * the watcher's ticks, not a query per request per poll. Each listener is told the
 * row on the first tick after it joins, then whenever the row's status, progress or
 * attempt changes.
 */
import type { JobRecord, JobStatus, JobStore } from '@vcq/db';

type Listener = (job: JobRecord) => void;

/** How often watched rows are read: a finished job is answered within about this long. */
const DEFAULT_INTERVAL_MS = 50;

export class JobWatcher {
  /** Per watched id, each listener with the fingerprint of the row it was last told. */
  private readonly listeners = new Map<string, Map<Listener, string | undefined>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private closed = false;
  private readonly enders = new Set<() => void>();

  constructor(
    private readonly store: Pick<JobStore, 'getMany'>,
    private readonly intervalMs = DEFAULT_INTERVAL_MS,
  ) {}

  /** Calls `listener` with the row on the next tick and whenever it changes; returns unwatch. */
  watch(id: string, listener: Listener): () => void {
    let seen = this.listeners.get(id);
    if (!seen) {
      seen = new Map();
      this.listeners.set(id, seen);
    }
    seen.set(listener, undefined);
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    return () => {
      const current = this.listeners.get(id);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(id);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /**
   * Resolves with the row once its status is one of `states`, or with null after
   * `timeoutMs` (or at once when the watcher closes, so a shutdown is not held up).
   */
  waitFor(id: string, states: readonly JobStatus[], timeoutMs: number): Promise<JobRecord | null> {
    if (this.closed || timeoutMs <= 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      let settled = false;
      const finish = (job: JobRecord | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unwatch();
        forget();
        resolve(job);
      };
      const timer = setTimeout(() => finish(null), timeoutMs);
      const forget = this.onShutdown(() => finish(null));
      const unwatch = this.watch(id, (job) => {
        if (states.includes(job.status)) finish(job);
      });
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Registers how to end one open stream at shutdown; returns the unregister function. */
  onShutdown(end: () => void): () => void {
    this.enders.add(end);
    return () => this.enders.delete(end);
  }

  /** Ends every open stream and wait (clients reconnect to another instance) and stops polling. */
  close(): void {
    this.closed = true;
    for (const end of [...this.enders]) end();
    this.enders.clear();
    this.listeners.clear();
    this.stop();
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.listeners.size === 0) return;
    this.ticking = true;
    try {
      const rows = await this.store.getMany([...this.listeners.keys()]);
      for (const row of rows) {
        const fingerprint = `${row.status}:${row.progress}:${row.attempt}`;
        for (const [listener, seen] of this.listeners.get(row.id) ?? []) {
          if (seen === fingerprint) continue;
          this.listeners.get(row.id)?.set(listener, fingerprint);
          listener(row);
        }
      }
    } catch {
      // A failed read is retried on the next tick; streams and waits stay open meanwhile.
    } finally {
      this.ticking = false;
    }
  }
}
