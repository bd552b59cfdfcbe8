/**
 * Periodic work: a catalog entry with a `schedule` gets a BullMQ job scheduler keyed
 * by its catalog key, so each tick is one queue job however many workers are up. A
 * worker that pulls a tick submits the entry's own job under an id derived from the
 * entry and the tick (`tickJobId`): the run is an ordinary job (a row, retries, the
 * reconciler, events, the waiter), and a tick seen twice is one job, as submitting
 * the same id twice returns the first.
 */
import { z } from 'zod';
import { nameBasedUuid } from '@vcq/http';
import type { Logger } from '@vcq/logger';
import { type Catalog, type CatalogEntry, type EntryName, type Schedule, scheduledEntries } from './catalog.js';
import type { JobPlatform, ResultsOf } from './platform.js';
import { type QueueSet, withTimeout } from './queues.js';
import type { ScheduleOverride, ScheduleOverrides } from './schedule-overrides.js';

/** A scheduled entry's payload: who asked for the run and, for a tick, which one. */
export const TickDataSchema = z.object({
  trigger: z.enum(['schedule', 'manual']),
  scheduledFor: z.iso.datetime().optional(),
});

// A tick's queue job only carries the tick: Redis keeps nothing of it once it is submitted.
const TICK_JOB_OPTIONS = { attempts: 1, removeOnComplete: true, removeOnFail: { age: 24 * 3600, count: 100 } };

/** The job id of an entry's run for one tick: a name-based UUID of the entry and the tick's time, the same in every process. */
export function tickJobId(kind: string, scheduledFor: Date): string {
  return nameBasedUuid(`vcq-tick:${kind}:${scheduledFor.getTime()}`);
}

/** What a worker does with a tick: submit the entry's job for it (startWorkers' `onTick`). */
export function tickSubmitter<C extends Catalog, R extends ResultsOf<C>>(platform: JobPlatform<C, R>): (kind: string, scheduledFor: Date) => Promise<void> {
  return async (kind, scheduledFor) => {
    await platform.submit(kind as EntryName<C>, { trigger: 'schedule', scheduledFor: scheduledFor.toISOString() }, { id: tickJobId(kind, scheduledFor), runHereIfDown: true });
  };
}

/** An entry's schedule as it applies: the operator's override, else the catalog's (the environment's). */
export interface EffectiveSchedule extends Schedule {
  source: 'environment' | 'api';
  /** When the override was set; null for the environment's. */
  updatedAt: Date | null;
  /** The environment's schedule, which applies again once the override is dropped. */
  defaults: Schedule;
}

/**
 * The schedule that applies to `entry`: an override wins over the catalog, but never
 * over ENABLE_TASK_SCHEDULING=false (`schedulingEnabled`), which switches every task off.
 */
export function effectiveSchedule(entry: CatalogEntry, override: ScheduleOverride | null | undefined, schedulingEnabled: boolean): EffectiveSchedule {
  const defaults = entry.schedule as Schedule;
  if (!override) return { ...defaults, source: 'environment', updatedAt: null, defaults };
  return { cron: override.cron, timezone: override.timezone, enabled: override.enabled && schedulingEnabled, source: 'api', updatedAt: override.updatedAt, defaults };
}

/** Where a scheduled entry stands on the queue. */
export interface ScheduleState {
  /** Whether the queue holds its scheduler; null when the queue cannot be asked. */
  scheduled: boolean | null;
  nextRunAt: Date | null;
}

/**
 * Keeps the queue's job schedulers in line with the catalog's schedules. Upserting one
 * is idempotent, so every worker syncs them at start; a disabled entry's is removed.
 */
export class Schedules<C extends Catalog = Catalog> {
  constructor(
    private readonly options: {
      queues: QueueSet<C>;
      logger: Logger;
      /** How long a queue call may take before it counts as failed. */
      timeoutMs: number;
      /** Schedules set over the API; without them the catalog's apply. */
      overrides?: ScheduleOverrides;
      /** ENABLE_TASK_SCHEDULING: false keeps every schedule off, overrides included; default true. */
      schedulingEnabled?: boolean;
    },
  ) {}

  /** The overrides last read, for a sync while Postgres does not answer. */
  private lastOverrides = new Map<string, ScheduleOverride>();

  /**
   * Each scheduled entry's schedule as it applies now (the overrides are read once).
   * When they cannot be read, the ones read last apply: a Redis that restarted empty
   * gets its schedulers back even while Postgres is down.
   */
  async effective(): Promise<Map<string, EffectiveSchedule>> {
    let overrides = this.lastOverrides;
    if (this.options.overrides) {
      try {
        overrides = await this.options.overrides.all();
        this.lastOverrides = overrides;
      } catch (error) {
        this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'schedule overrides unreadable; syncing with the ones read last');
      }
    }
    const enabled = this.options.schedulingEnabled ?? true;
    return new Map(scheduledEntries(this.catalog).map((key) => [key, effectiveSchedule(this.catalog[key] as CatalogEntry, overrides.get(key), enabled)]));
  }

  private get catalog(): C {
    return this.options.queues.catalog;
  }

  /** Makes the queue's schedulers match the effective schedules (the catalog and the overrides); returns what changed. */
  async sync(): Promise<{ upserted: string[]; removed: string[] }> {
    const changed = { upserted: [] as string[], removed: [] as string[] };
    const schedules = await this.effective();
    for (const key of scheduledEntries(this.catalog)) {
      const entry = this.catalog[key] as CatalogEntry;
      const schedule = schedules.get(key) as EffectiveSchedule;
      const queue = this.options.queues.queue(entry.queue);
      const existing = await withTimeout(queue.getJobScheduler(key), this.options.timeoutMs, `reading the ${key} schedule`);
      if (!schedule.enabled) {
        if (existing) {
          await withTimeout(queue.removeJobScheduler(key), this.options.timeoutMs, `removing the ${key} schedule`);
          changed.removed.push(key);
        }
        continue;
      }
      if (existing && existing.pattern === schedule.cron && existing.tz === schedule.timezone && existing.name === entry.name) continue;
      await withTimeout(
        queue.upsertJobScheduler(key, { pattern: schedule.cron, tz: schedule.timezone }, { name: entry.name, data: { trigger: 'schedule' }, opts: TICK_JOB_OPTIONS }),
        this.options.timeoutMs,
        `scheduling ${key}`,
      );
      changed.upserted.push(key);
    }
    if (changed.upserted.length + changed.removed.length > 0) this.options.logger.info(changed, 'schedules updated');
    return changed;
  }

  /**
   * Keeps the schedulers in place: Redis may restart empty or be flushed, taking them
   * along. Checks every `intervalMs` (never two checks at once) until stopped; after a
   * failed check (the queue slow to answer while several processes start at once) the
   * next one comes sooner, from 1 s doubling up to `intervalMs`.
   */
  keepInSync(intervalMs: number, options: { failedFirst?: boolean } = {}): { stop(): void } {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    let failures = options.failedFirst ? 1 : 0;
    const next = () => {
      if (stopped) return;
      const delay = failures === 0 ? intervalMs : Math.min(intervalMs, 1000 * 2 ** (failures - 1));
      timer = setTimeout(check, delay);
      timer.unref();
    };
    const check = () => {
      if (!this.options.queues.isAvailable()) return next();
      this.sync().then(
        () => {
          failures = 0;
          next();
        },
        (error: unknown) => {
          failures++;
          this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'schedule check failed');
          next();
        },
      );
    };
    next();
    return {
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }

  /**
   * Follows the overrides: reads them every `pollMs` (one small query) and syncs the
   * queue's schedulers when they changed, so a schedule set over the API applies in
   * every worker within `pollMs`. A failed read or sync is tried again at the next poll.
   */
  followOverrides(pollMs: number): { stop(): void } {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    let applied: string | undefined;
    const poll = async () => {
      const overrides = (await this.options.overrides?.all()) ?? new Map();
      const seen = JSON.stringify([...overrides].sort(([a], [b]) => a.localeCompare(b)));
      if (seen === applied || !this.options.queues.isAvailable()) return;
      await this.sync();
      applied = seen;
    };
    const next = () => {
      if (stopped) return;
      timer = setTimeout(() => {
        poll()
          .catch((error: unknown) => this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'schedule overrides not applied yet'))
          .finally(next);
      }, pollMs);
      timer.unref();
    };
    next();
    return {
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }

  /** Whether the queue holds the entry's scheduler, and its next tick. */
  async state(key: string): Promise<ScheduleState> {
    const entry = this.catalog[key];
    if (!entry?.schedule || !this.options.queues.isAvailable()) return { scheduled: null, nextRunAt: null };
    const scheduler = await withTimeout(this.options.queues.queue(entry.queue).getJobScheduler(key), this.options.timeoutMs, `reading the ${key} schedule`).catch(
      () => null,
    );
    if (scheduler === null) return { scheduled: null, nextRunAt: null };
    return { scheduled: scheduler !== undefined, nextRunAt: scheduler?.next ? new Date(scheduler.next) : null };
  }
}
