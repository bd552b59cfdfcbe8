/**
 * `CronState`: how far a window processor has got. The state only moves by
 * compare-and-set, so two runs racing (a scheduled tick and a manual one, or a run
 * and a reset) cannot move it backwards or skip a window: the loser sees it changed
 * and stops.
 */
import type { Db } from '@vcq/db';

export interface CronStateRecord {
  name: string;
  lastProcessedTo: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface CronStateStore {
  get(name: string): Promise<CronStateRecord | null>;
  /** Creates the state at `at`; returns false (changing nothing) when it already exists. */
  initialise(name: string, at: Date): Promise<boolean>;
  /** Moves `lastProcessedTo` from `from` to `to`; false when it is no longer `from`. */
  advance(name: string, from: Date, to: Date): Promise<boolean>;
  /** Sets `lastProcessedTo` to `at`, creating the state if need be. */
  reset(name: string, at: Date): Promise<CronStateRecord>;
}

export function createCronStateStore(db: Db): CronStateStore {
  return {
    get: (name) => db.cronState.findUnique({ where: { name } }),

    async initialise(name, at) {
      const created = await db.cronState.createMany({ data: [{ name, lastProcessedTo: at }], skipDuplicates: true });
      return created.count === 1;
    },

    async advance(name, from, to) {
      const moved = await db.cronState.updateMany({ where: { name, lastProcessedTo: from }, data: { lastProcessedTo: to, updatedAt: new Date() } });
      return moved.count === 1;
    },

    reset: (name, at) =>
      db.cronState.upsert({
        where: { name },
        create: { name, lastProcessedTo: at },
        update: { lastProcessedTo: at, updatedAt: new Date() },
      }),
  };
}
