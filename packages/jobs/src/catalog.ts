/**
 * What the engine runs: a catalog of entries, each a job type with its queue, payload
 * schema, retry policy and, for periodic work, a schedule. The engine is generic over
 * it (`JobPlatform<C>`, `startWorkers`, `QueueSet`); vcq's own catalog is in
 * packages/app.
 *
 * Terminology:
 * - entry (catalog key, the row's `kind`): a job type, `did-create`, `cleanup`.
 * - job: one unit of work, a row in Postgres (`jobs`) and, while it waits or runs, a
 *   BullMQ job with the same id.
 * - queue: a named BullMQ queue; several entries may share one, told apart by `name`,
 *   the BullMQ job name.
 * - handler: a plain function `(data, ctx) => result`, one per entry.
 * - schedule: a cron expression; each tick submits one job of the entry, under an id
 *   derived from the entry and the tick, so a tick is one job however many workers see it.
 */
import type { z } from 'zod';
import type { JobContext } from './processor.js';

/** BullMQ priorities: lower runs first. */
export const Priority = { CRITICAL: 0, HIGH: 1, NORMAL: 5, LOW: 10 } as const;

/**
 * When a failed attempt runs again: `exponential` doubles `delayMs` per retry; a
 * `schedule` waits each delay in turn and has one attempt more than it has delays.
 */
export type RetryPolicy = { kind: 'exponential'; delayMs: number } | { kind: 'schedule'; delaysMs: readonly number[] };

export const exponential = (delayMs: number): RetryPolicy => ({ kind: 'exponential', delayMs });
export const retrySchedule = (delaysMs: readonly number[]): RetryPolicy => ({ kind: 'schedule', delaysMs });

/** A periodic entry's schedule. */
export interface Schedule {
  /** Cron expression (5 fields, or 6 with seconds first). */
  cron: string;
  timezone: string;
  /** Whether it is scheduled now (a switched-off entry can still be submitted by hand). */
  enabled: boolean;
}

export interface CatalogEntry<S extends z.ZodType = z.ZodType> {
  queue: string;
  /** The BullMQ job name. */
  name: string;
  schema: S;
  /** Attempts in all (a retry schedule's length decides instead). */
  attempts: number;
  retry: RetryPolicy;
  priority: number;
  /** Periodic work: each tick submits one job with `{trigger: 'schedule', scheduledFor}`. */
  schedule?: Schedule;
  description?: string;
}

export type Catalog = Record<string, CatalogEntry>;
export type EntryName<C extends Catalog> = Extract<keyof C, string>;
export type EntryData<C extends Catalog, N extends keyof C> = z.infer<C[N]['schema']>;

/** One handler per entry: a missing one is a compile error. `R` says what each returns. */
export type Handlers<C extends Catalog, R extends { [N in keyof C]: unknown } = { [N in keyof C]: unknown }> = {
  [N in EntryName<C>]: (data: EntryData<C, N>, ctx: JobContext) => Promise<R[N]>;
};

/** The attempts an entry's jobs get. */
export function attemptsOf(entry: CatalogEntry): number {
  return entry.retry.kind === 'schedule' ? entry.retry.delaysMs.length + 1 : entry.attempts;
}

/** Every queue the catalog uses, each once. */
export function queuesOf(catalog: Catalog): string[] {
  return [...new Set(Object.values(catalog).map((e) => e.queue))];
}

/**
 * Each queue's entries by BullMQ job name: how a worker dispatches what it pulls from
 * a queue, as a BullMQ processor switches on `job.name`.
 */
export function dispatchTable(catalog: Catalog): Map<string, Map<string, string>> {
  const table = new Map<string, Map<string, string>>();
  for (const [key, entry] of Object.entries(catalog)) {
    const byName = table.get(entry.queue) ?? new Map<string, string>();
    if (byName.has(entry.name)) throw new Error(`catalog entries ${byName.get(entry.name)} and ${key} share ${entry.queue}/${entry.name}`);
    byName.set(entry.name, key);
    table.set(entry.queue, byName);
  }
  return table;
}

/** The entries with a schedule. */
export function scheduledEntries(catalog: Catalog): string[] {
  return Object.keys(catalog).filter((key) => catalog[key]?.schedule !== undefined);
}

/** What a scheduled entry's job carries: who asked for it, and for a tick, which one. */
export interface TickData {
  trigger: 'schedule' | 'manual';
  /** The tick's time (ISO 8601), for a scheduled run. */
  scheduledFor?: string;
}
