/**
 * Waiting on jobs: the one primitive for everything that waits until a job changes
 * (`Prefer: wait`, live event streams, the VC API routes, tests, the bench).
 *
 * It is event-based and the same on both queue backends, because every job's row is
 * in Postgres: a trigger on `jobs` notifies `vcq_job_changes` with the ids each
 * statement changed (migration 20261203110000), and the waiter reads only the watched
 * rows among them, all in one query. A listener is told the row once when it joins
 * (read after LISTEN is in place, so no change can slip between the two), then
 * whenever its status, progress or attempt changes.
 *
 * Without a LISTEN connection (none configured, the database unreachable, or a
 * transaction-pooling proxy in front of Postgres that cannot LISTEN) it reads the
 * watched rows every `fallbackPollMs` until it can listen again; waits keep working,
 * a little later.
 */
import pg from 'pg';
import { JOB_PROGRESS_CHANNEL, type JobRecord, type JobStatus, type JobStore } from '@vcq/db';
import type { Logger } from '@vcq/logger';

/** The channel the `jobs` trigger notifies. */
export const JOB_CHANGES_CHANNEL = 'vcq_job_changes';

/** The states a job does not leave by itself (only an explicit retry moves it on). */
export const ENDED: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

type Listener = (job: JobRecord) => void;
/** A progress step of one attempt, as the flush that wrote it notified it. */
type ProgressListener = (step: { attempt: number; progress: number }) => void;

export interface JobWaiterOptions {
  store: Pick<JobStore, 'getMany'>;
  /** Postgres to LISTEN on (vcq's database); without it the waiter polls. */
  connectionString?: string;
  /** How often watched rows are read while there is no LISTEN connection. */
  fallbackPollMs?: number;
  /** How long to wait before listening again after the connection was lost. */
  reconnectMs?: number;
  logger?: Logger;
}

export class JobWaiter {
  /** Per watched id, each listener with the fingerprint of the row it was last told. */
  private readonly listeners = new Map<string, Map<Listener, string | undefined>>();
  private readonly enders = new Set<() => void>();
  private readonly progressListeners = new Map<string, Set<ProgressListener>>();
  /** Ids whose rows are to be read; `all` when every watched row is. */
  private dirty = new Set<string>();
  private dirtyAll = false;
  private reading: Promise<void> | undefined;
  /** A failed read waits a little before the next one. */
  private retrying = false;
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private listening = false;
  private poll: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly fallbackPollMs: number;
  private readonly reconnectMs: number;

  constructor(private readonly options: JobWaiterOptions) {
    this.fallbackPollMs = options.fallbackPollMs ?? 250;
    this.reconnectMs = options.reconnectMs ?? 1000;
  }

  /** Whether changes arrive as notifications (false: polling meanwhile). */
  get isListening(): boolean {
    return this.listening;
  }

  /** Calls `listener` with the row as it is now, and again whenever it changes; returns unwatch. */
  watch(id: string, listener: Listener): () => void {
    let seen = this.listeners.get(id);
    if (!seen) {
      seen = new Map();
      this.listeners.set(id, seen);
    }
    seen.set(listener, undefined);
    this.ensureListening();
    // Read now only if LISTEN is in place; otherwise the read follows the LISTEN.
    if (this.listening) this.markDirty([id]);
    return () => {
      const current = this.listeners.get(id);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(id);
    };
  }

  /**
   * Calls `listener` with every progress step the job's writes notify (JOB_PROGRESS_CHANNEL),
   * in order, including the steps a flush coalesced into one row write; only while the
   * waiter listens (a polling waiter sees rows alone). Returns the unsubscribe.
   */
  watchProgress(id: string, listener: ProgressListener): () => void {
    let set = this.progressListeners.get(id);
    if (!set) {
      set = new Set();
      this.progressListeners.set(id, set);
    }
    set.add(listener);
    this.ensureListening();
    return () => {
      const current = this.progressListeners.get(id);
      current?.delete(listener);
      if (current?.size === 0) this.progressListeners.delete(id);
    };
  }

  /** Tells the progress listeners of one notification (`<id>:<attempt>:<step>,…`). */
  private progressed(payload: string): void {
    const [id, attempt, steps] = payload.split(':');
    const listeners = id ? this.progressListeners.get(id) : undefined;
    if (!listeners || !steps) return;
    for (const step of steps.split(',')) {
      const event = { attempt: Number(attempt), progress: Number(step) };
      if (!Number.isFinite(event.attempt) || !Number.isFinite(event.progress)) continue;
      for (const listener of [...listeners]) listener(event);
    }
  }

  /**
   * Resolves with the row once its status is one of `states`, or with null after
   * `timeoutMs` (or at once when the waiter closes, so a shutdown is not held up).
   */
  wait(id: string, states: readonly JobStatus[], timeoutMs: number): Promise<JobRecord | null> {
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

  /** Every job of `ids` once each is in one of `states`; null if not all are within `timeoutMs`. */
  async waitAll(ids: readonly string[], states: readonly JobStatus[], timeoutMs: number): Promise<JobRecord[] | null> {
    const rows = await Promise.all(ids.map((id) => this.wait(id, states, timeoutMs)));
    return rows.every((row): row is JobRecord => row !== null) ? rows : null;
  }

  /** Registers how to end one open stream at shutdown; returns the unregister function. */
  onShutdown(end: () => void): () => void {
    this.enders.add(end);
    return () => this.enders.delete(end);
  }

  /** Ends every open stream and wait (clients reconnect to another instance) and stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    for (const end of [...this.enders]) end();
    this.enders.clear();
    this.listeners.clear();
    this.progressListeners.clear();
    clearInterval(this.poll);
    clearTimeout(this.reconnect);
    this.poll = undefined;
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await this.connecting?.catch(() => {});
    await client?.end().catch(() => {});
    await this.reading;
  }

  private ensureListening(): void {
    if (this.closed || this.listening || this.connecting) return;
    if (!this.options.connectionString) {
      this.startPolling();
      return;
    }
    this.connecting = this.listen().finally(() => {
      this.connecting = undefined;
    });
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.connectionString, connectionTimeoutMillis: 5000 });
    // A connection that breaks later is told here; the first connect's failure below.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel === JOB_CHANGES_CHANNEL && message.payload) this.markDirty(message.payload.split(','));
      else if (message.channel === JOB_PROGRESS_CHANNEL && message.payload) this.progressed(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${JOB_CHANGES_CHANNEL}; LISTEN ${JOB_PROGRESS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => {});
      this.lost(client, error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.listening = true;
    clearInterval(this.poll);
    this.poll = undefined;
    // Whatever changed before LISTEN was in place (or while it was down) is read now.
    this.markAllDirty();
  }

  /** The LISTEN connection is gone: poll meanwhile, and listen again a little later. */
  private lost(client: pg.Client, error?: unknown): void {
    if (this.client && this.client !== client) return;
    const wasListening = this.listening;
    this.client = undefined;
    this.listening = false;
    if (this.closed) return;
    if (wasListening || error) this.options.logger?.warn({ err: error }, 'job change notifications unavailable; polling watched jobs meanwhile');
    this.startPolling();
    clearTimeout(this.reconnect);
    this.reconnect = setTimeout(() => this.ensureListening(), this.reconnectMs);
    this.reconnect.unref();
  }

  private startPolling(): void {
    if (this.poll || this.closed) return;
    this.poll = setInterval(() => {
      if (this.listeners.size > 0) this.markAllDirty();
    }, this.fallbackPollMs);
    this.poll.unref();
    this.markAllDirty();
  }

  private markDirty(ids: string[]): void {
    let any = false;
    for (const id of ids) {
      if (!this.listeners.has(id)) continue;
      this.dirty.add(id);
      any = true;
    }
    if (any) this.scheduleRead();
  }

  private markAllDirty(): void {
    if (this.listeners.size === 0) return;
    this.dirtyAll = true;
    this.scheduleRead();
  }

  /**
   * One read at a time; changes that arrive meanwhile are read right after it,
   * together. The first read waits for the current I/O to be handled, so the waiters
   * of a burst of requests, and the ids of a burst of notifications, share it.
   */
  private scheduleRead(): void {
    if (this.reading || this.retrying) return;
    this.reading = (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      while (!this.closed && (this.dirtyAll || this.dirty.size > 0)) {
        const ids = this.dirtyAll ? [...this.listeners.keys()] : [...this.dirty].filter((id) => this.listeners.has(id));
        this.dirty = new Set();
        this.dirtyAll = false;
        if (ids.length === 0) continue;
        try {
          this.dispatch(await this.options.store.getMany(ids));
        } catch {
          // Waits stay open meanwhile; the read is tried again shortly.
          for (const id of ids) this.dirty.add(id);
          this.retrying = true;
          setTimeout(() => {
            this.retrying = false;
            this.scheduleRead();
          }, this.fallbackPollMs).unref();
          break;
        }
      }
    })().finally(() => {
      this.reading = undefined;
      // Marked between the loop's last check and here: read it now.
      if (!this.closed && (this.dirtyAll || this.dirty.size > 0) && !this.retrying) this.scheduleRead();
    });
  }

  private dispatch(rows: JobRecord[]): void {
    for (const row of rows) {
      const fingerprint = `${row.status}:${row.progress}:${row.attempt}`;
      const seen = this.listeners.get(row.id);
      if (!seen) continue;
      for (const [listener, last] of [...seen]) {
        if (last === fingerprint) continue;
        seen.set(listener, fingerprint);
        listener(row);
      }
    }
  }
}
