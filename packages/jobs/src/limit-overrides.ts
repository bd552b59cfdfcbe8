/**
 * Queue limits operators set at run time (`queue_limits`): one row per queue whose
 * concurrency or rate limit was changed over the API. The environment (QUEUE_LIMITS)
 * gives the defaults; a row wins over them until it is deleted. `followLimits` is how
 * every worker applies them.
 */
import type { Db } from '@vcq/db';
import type { Logger } from '@vcq/logger';
import type { QueueLimits } from './worker-runtime.js';

/** A persisted queue limit, with when it was set. */
export interface LimitOverride {
  limits: QueueLimits;
  updatedAt: Date;
}

export class LimitOverrides {
  constructor(private readonly db: Db) {}

  /** Every override, by queue. */
  async all(): Promise<Map<string, LimitOverride>> {
    const rows = await this.db.queueLimit.findMany();
    return new Map(rows.map((r) => [r.queue, { limits: r.limits as QueueLimits, updatedAt: r.updatedAt }]));
  }

  async get(queue: string): Promise<LimitOverride | null> {
    const row = await this.db.queueLimit.findUnique({ where: { queue } });
    return row ? { limits: row.limits as QueueLimits, updatedAt: row.updatedAt } : null;
  }

  /** Sets a queue's limits (they win over QUEUE_LIMITS). */
  async put(queue: string, limits: QueueLimits): Promise<LimitOverride> {
    const data = { limits: limits as object, updatedAt: new Date() };
    const row = await this.db.queueLimit.upsert({ where: { queue }, create: { queue, ...data }, update: data });
    return { limits: row.limits as QueueLimits, updatedAt: row.updatedAt };
  }

  /** Drops a queue's override: QUEUE_LIMITS applies again. Returns whether there was one. */
  async remove(queue: string): Promise<boolean> {
    return (await this.db.queueLimit.deleteMany({ where: { queue } })).count === 1;
  }
}

/** The limits that apply: per queue, an override replaces the configured limits. */
export function effectiveLimits(configured: Readonly<Record<string, QueueLimits>>, overrides: Map<string, LimitOverride>): Record<string, QueueLimits> {
  const limits: Record<string, QueueLimits> = { ...configured };
  for (const [queue, override] of overrides) limits[queue] = override.limits;
  return limits;
}

/**
 * Reads the overrides every `pollMs` and hands the effective limits to `apply` when
 * they changed (and once at the first read), so a limit set over the API applies in
 * every worker within `pollMs`. A failed read is tried again at the next poll.
 */
export function followLimits(options: {
  overrides: LimitOverrides;
  configured: Readonly<Record<string, QueueLimits>>;
  pollMs: number;
  apply: (limits: Record<string, QueueLimits>) => void;
  logger: Logger;
}): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let applied: string | undefined;
  const poll = async () => {
    const limits = effectiveLimits(options.configured, await options.overrides.all());
    const seen = JSON.stringify(Object.entries(limits).sort(([a], [b]) => a.localeCompare(b)));
    if (seen === applied) return;
    options.apply(limits);
    if (applied !== undefined) options.logger.info({ limits }, 'queue limits changed');
    applied = seen;
  };
  const next = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      poll()
        .catch((error: unknown) => options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'queue limits not read; trying again'))
        .finally(() => next(options.pollMs));
    }, delay);
    timer.unref();
  };
  next(0);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
