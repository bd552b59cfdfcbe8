/**
 * Dead letters and bulk retries. A job that failed for good keeps its row in Postgres
 * until JOB_RETENTION_DAYS (Redis forgets it sooner): those rows are the dead letters,
 * filtered by error code, job name and failure time. A bulk retry puts many of them
 * back, each through QueueAdmin.retry as a single retry would (a new attempt); a large
 * one runs as a `redrive` job on the maintenance queue, reporting its progress.
 */
import { z } from 'zod';
import type { Db, JobRecord } from '@vcq/db';
import { AppError } from '@vcq/errors';
import type { JobContext } from '@vcq/jobs';
import type { QueueAdmin } from './queue-admin.js';

/** Which dead letters: all of a queue's failed rows, narrowed by any of these. */
export const DeadLetterFilterSchema = z
  .object({
    code: z.string().min(1).max(200).optional().describe('The error code (`upstream_unavailable`, `invalid_job_data`, ...).'),
    jobName: z.string().min(1).max(200).optional().describe('The BullMQ job name (`verify`, `deliver`, ...).'),
    since: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional().describe('Failed at or after this time.'),
    until: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional().describe('Failed before this time.'),
  })
  .strict();
export type DeadLetterFilter = z.infer<typeof DeadLetterFilterSchema>;

/** A `redrive` job's payload: the queue, the rows (ids, or a filter), and how many at most. */
export const RedriveJobSchema = z.object({
  queue: z.string().min(1).max(100),
  ids: z.array(z.uuid()).max(10_000).optional(),
  filter: DeadLetterFilterSchema.optional(),
  max: z.number().int().min(1).max(100_000),
  organizationId: z.string().min(1).max(64).optional(),
  userId: z.string().min(1).max(200).optional(),
});
export type RedriveJob = z.infer<typeof RedriveJobSchema>;

/** What a bulk retry did. */
export interface RedriveReport {
  queue: string;
  /** Rows selected (at most `max`). */
  matched: number;
  retried: number;
  /** Rows that were no longer retryable (retried meanwhile, or not failed), or could not be retried. */
  skipped: number;
  /** The retried ids (the first 100). */
  retriedIds: string[];
  /** Why rows were skipped (the first 100). */
  skippedIds: Array<{ id: string; reason: string }>;
}

const MAX_REPORTED = 100;
/** Rows read per page while redriving. */
const PAGE = 200;

/** The dead letters of `queue` matching `filter`, as a Prisma `where`. */
function deadLetterWhere(queue: string, filter: DeadLetterFilter = {}, ids?: string[]) {
  return {
    queue,
    // Explicit ids may name cancelled jobs too, as a single retry may; a filter means the failed ones.
    status: ids ? { in: ['failed' as const, 'cancelled' as const] } : ('failed' as const),
    ...(ids ? { id: { in: ids } } : {}),
    ...(filter.code ? { error: { path: ['code'], equals: filter.code } } : {}),
    ...(filter.jobName ? { name: filter.jobName } : {}),
    ...(filter.since || filter.until
      ? { completedAt: { ...(filter.since ? { gte: new Date(filter.since) } : {}), ...(filter.until ? { lt: new Date(filter.until) } : {}) } }
      : {}),
  };
}

/** A page of a queue's dead letters, newest failure first, with the total that match. */
export async function listDeadLetters(
  db: Db,
  queue: string,
  filter: DeadLetterFilter,
  page: { limit: number; offset: number },
  toRecord: (ids: string[]) => Promise<JobRecord[]>,
): Promise<{ total: number; items: JobRecord[] }> {
  const where = deadLetterWhere(queue, filter);
  const [rows, total] = await db.$transaction([
    db.job.findMany({ where, orderBy: [{ completedAt: 'desc' }, { id: 'desc' }], take: page.limit, skip: page.offset, select: { id: true } }),
    db.job.count({ where }),
  ]);
  const records = new Map((await toRecord(rows.map((r) => r.id))).map((r) => [r.id, r]));
  return { total, items: rows.map((r) => records.get(r.id)).filter((r): r is JobRecord => r !== undefined) };
}

/** How many rows a bulk retry of this selection would take (at most `max`). */
export async function countRedrive(db: Db, job: Pick<RedriveJob, 'queue' | 'ids' | 'filter' | 'max'>): Promise<number> {
  return Math.min(await db.job.count({ where: deadLetterWhere(job.queue, job.filter, job.ids) }), job.max);
}

/**
 * Retries the selected rows, oldest failure first, each with QueueAdmin.retry (a new
 * attempt, as a single retry). Rows are read in pages; a retried row is queued, so it
 * is not read again, and a re-run of the same redrive picks up where this one stopped.
 */
export async function redrive(
  deps: { db: Db; admin: QueueAdmin },
  job: Pick<RedriveJob, 'queue' | 'ids' | 'filter' | 'max'>,
  ctx?: Pick<JobContext, 'progress' | 'signal'>,
): Promise<RedriveReport> {
  const report: RedriveReport = { queue: job.queue, matched: await countRedrive(deps.db, job), retried: 0, skipped: 0, retriedIds: [], skippedIds: [] };
  const where = deadLetterWhere(job.queue, job.filter, job.ids);
  let seen = 0;
  let after: { completedAt: Date | null; id: string } | undefined;
  while (seen < report.matched && !ctx?.signal.aborted) {
    const rows = await deps.db.job.findMany({
      where: after
        ? { AND: [where, { OR: [{ completedAt: { gt: after.completedAt ?? new Date(0) } }, { completedAt: after.completedAt, id: { gt: after.id } }] }] }
        : where,
      orderBy: [{ completedAt: 'asc' }, { id: 'asc' }],
      take: Math.min(PAGE, report.matched - seen),
      select: { id: true, completedAt: true },
    });
    if (rows.length === 0) break;
    after = rows[rows.length - 1];
    for (const row of rows) {
      seen++;
      try {
        await deps.admin.retry(job.queue, row.id);
        report.retried++;
        if (report.retriedIds.length < MAX_REPORTED) report.retriedIds.push(row.id);
      } catch (error) {
        // The queue going away is the whole redrive's failure; one row changing state is not.
        if (error instanceof AppError && error.status === 503) throw error;
        report.skipped++;
        if (report.skippedIds.length < MAX_REPORTED) report.skippedIds.push({ id: row.id, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    ctx?.progress(Math.floor((seen / Math.max(report.matched, 1)) * 100));
  }
  return report;
}
