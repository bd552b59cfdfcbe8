/**
 * Watches job rows for Server-Sent Events. However many streams are open, one timer
 * reads all watched rows in one query per tick, and each stream is told only when
 * its row's status or progress changed.
 */
import type { JobRecord, JobStore } from '@vcq/db';

type Listener = (job: JobRecord) => void;

export class JobWatcher {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly last = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly enders = new Set<() => void>();

  constructor(
    private readonly store: JobStore,
    private readonly intervalMs = 100,
  ) {}

  /** Calls `listener` with the row whenever its status or progress changes; returns unwatch. */
  watch(id: string, listener: Listener): () => void {
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    return () => {
      const current = this.listeners.get(id);
      current?.delete(listener);
      if (current?.size === 0) {
        this.listeners.delete(id);
        this.last.delete(id);
      }
      if (this.listeners.size === 0) this.stop();
    };
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

  /** Ends every open stream (clients reconnect to another instance) and stops polling. */
  close(): void {
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
        if (this.last.get(row.id) === fingerprint) continue;
        this.last.set(row.id, fingerprint);
        for (const listener of this.listeners.get(row.id) ?? []) listener(row);
      }
    } catch {
      // A failed read is retried on the next tick; streams stay open meanwhile.
    } finally {
      this.ticking = false;
    }
  }
}
