/**
 * Group commit for any per-item database work: items submitted by many concurrent
 * callers are handed to one `run(items)` call, so N jobs cost one statement (or one
 * short sequence of statements) instead of N.
 *
 * Up to `maxInFlight` runs go at once (default 1). While they run, new items gather;
 * when one ends they go at once, so under load the batch size follows the statement's
 * own latency. Otherwise the first item waits up to `windowMs` for companions (0: the
 * next turn of the event loop), so a lone caller pays at most that window.
 */

import { isDatabaseUnavailable } from './errors.js';

/** What `run` says about one item: its value, or the error for that item alone. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface CoalescerOptions {
  /** How long the first item of an idle coalescer waits for companions (ms). */
  windowMs: number;
  /** The most items one run takes; a full batch goes at once. */
  maxBatch: number;
  /** Runs that may be in flight at once (default 1). */
  maxInFlight?: number;
  /**
   * Whether a failed run is retried one item at a time, so one item the statement
   * refuses (bad data) fails alone instead of failing its companions. Default: yes,
   * unless the error says the database is unreachable (then everything fails alike).
   */
  isolate?: (error: unknown) => boolean;
}

interface Waiting<In, Out> {
  item: In;
  resolve(value: Out): void;
  reject(error: unknown): void;
}

export class Coalescer<In, Out> {
  private queue: Array<Waiting<In, Out>> = [];
  /** Cancels the pending window, when one is running. */
  private cancelWindow: (() => void) | undefined;
  private readonly running = new Set<Promise<void>>();
  /** Runs started; read by tests to see the coalescing. */
  runs = 0;

  /**
   * `run` answers every item, in order. If it throws, every item of the batch gets
   * that error (the statement failed as a whole).
   */
  constructor(
    private readonly run: (items: In[]) => Promise<Array<Settled<Out>>>,
    private readonly options: CoalescerOptions,
  ) {
    if (options.maxBatch < 1) throw new RangeError('maxBatch must be at least 1');
  }

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a run (not counting the one in flight). */
  get size(): number {
    return this.queue.length;
  }

  /** Runs everything submitted so far; resolves when nothing is waiting or in flight. */
  async flush(): Promise<void> {
    this.clearTimer();
    while (this.running.size > 0 || this.queue.length > 0) {
      this.start();
      if (this.running.size > 0) await Promise.race(this.running);
    }
  }

  private schedule(): void {
    if (this.running.size >= (this.options.maxInFlight ?? 1)) return; // one ending starts the next
    if (this.queue.length >= this.options.maxBatch) {
      this.start();
      return;
    }
    if (this.cancelWindow) return;
    const fire = () => {
      this.cancelWindow = undefined;
      this.start();
    };
    if (this.options.windowMs > 0) {
      const timer = setTimeout(fire, this.options.windowMs);
      this.cancelWindow = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(fire);
      this.cancelWindow = () => clearImmediate(immediate);
    }
  }

  private clearTimer(): void {
    this.cancelWindow?.();
    this.cancelWindow = undefined;
  }

  private start(): void {
    this.clearTimer();
    while (this.queue.length > 0 && this.running.size < (this.options.maxInFlight ?? 1)) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.runs++;
      const run: Promise<void> = this.execute(batch).finally(() => {
        this.running.delete(run);
        // What gathered meanwhile has already waited a whole run: no further window.
        if (this.queue.length > 0) this.start();
      });
      this.running.add(run);
    }
  }

  private async execute(batch: Array<Waiting<In, Out>>): Promise<void> {
    let results: Array<Settled<Out>>;
    try {
      results = await this.run(batch.map((w) => w.item));
    } catch (error) {
      const alone = await eachAlone(
        batch.map((w) => w.item),
        error,
        async (item) => {
          const [r] = await this.run([item]);
          if (!r) throw new Error('coalesced run answered no item');
          if (!r.ok) throw r.error;
          return r.value;
        },
        this.options.isolate,
      );
      if (!alone) {
        for (const w of batch) w.reject(error);
        // The database is unreachable: what waits for the next run would only wait out
        // the same timeout before failing the same way. It fails now (the API answers 503).
        if (isDatabaseUnavailable(error)) for (const w of this.queue.splice(0)) w.reject(error);
        return;
      }
      results = alone;
    }
    batch.forEach((w, i) => {
      const r = results[i];
      if (!r) w.reject(new Error(`coalesced run answered ${results.length} of ${batch.length} items`));
      else if (r.ok) w.resolve(r.value);
      else w.reject(r.error);
    });
  }
}

/** Runs `fn` for one item, turning a throw into that item's error. */
export async function settle<T>(fn: () => T | Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * After a batch statement failed with `error`: runs each item alone, so the one the
 * statement refused (bad data) is the only one to fail. Null when the items should
 * all fail alike: a batch of one, or an error `isolate` declines (by default, the
 * database being unreachable, where retrying item by item would only wait longer).
 */
export async function eachAlone<T, R>(
  items: T[],
  error: unknown,
  runOne: (item: T) => Promise<R>,
  isolate: (error: unknown) => boolean = (e) => !isDatabaseUnavailable(e),
): Promise<Array<Settled<R>> | null> {
  if (items.length === 1 || !isolate(error)) return null;
  const results: Array<Settled<R>> = [];
  for (const item of items) results.push(await settle(() => runOne(item)));
  return results;
}
