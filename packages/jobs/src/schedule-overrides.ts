/**
 * Schedules operators set at run time (`task_schedules`): one row per scheduled entry
 * whose cron, time zone or switch was changed over the API. The catalog (the
 * environment) gives the defaults; a row wins over them until it is deleted.
 */
import type { Db } from '@vcq/db';
import type { Schedule } from './catalog.js';

/** A persisted schedule, with when it was set. */
export interface ScheduleOverride extends Schedule {
  updatedAt: Date;
}

export class ScheduleOverrides {
  constructor(private readonly db: Db) {}

  /** Every override, by entry key. */
  async all(): Promise<Map<string, ScheduleOverride>> {
    const rows = await this.db.taskSchedule.findMany();
    return new Map(rows.map((r) => [r.name, { cron: r.cron, timezone: r.timezone, enabled: r.enabled, updatedAt: r.updatedAt }]));
  }

  async get(name: string): Promise<ScheduleOverride | null> {
    const row = await this.db.taskSchedule.findUnique({ where: { name } });
    return row ? { cron: row.cron, timezone: row.timezone, enabled: row.enabled, updatedAt: row.updatedAt } : null;
  }

  /** Sets an entry's schedule (wins over the environment's). */
  async put(name: string, schedule: Schedule): Promise<ScheduleOverride> {
    const data = { cron: schedule.cron, timezone: schedule.timezone, enabled: schedule.enabled, updatedAt: new Date() };
    const row = await this.db.taskSchedule.upsert({ where: { name }, create: { name, ...data }, update: data });
    return { cron: row.cron, timezone: row.timezone, enabled: row.enabled, updatedAt: row.updatedAt };
  }

  /** Drops an entry's override: the environment's schedule applies again. Returns whether there was one. */
  async remove(name: string): Promise<boolean> {
    return (await this.db.taskSchedule.deleteMany({ where: { name } })).count === 1;
  }
}
