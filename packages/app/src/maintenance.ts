/**
 * The maintenance tasks' work: cleanup of old rows, and the webhook retry sweep. Both
 * are idempotent, so a tick that runs twice, or two sweeps racing the reconciler, do
 * no harm.
 */
import type { Db, JobStore } from '@vcq/db';
import type { JobPlatform as EnginePlatform, QueueSet } from '@vcq/jobs';
import type { Logger } from '@vcq/logger';
import type { WebhookStore } from '@vcq/webhooks';

const DAY = 86_400_000;

export interface CleanupOptions {
  db: Db;
  /** JOB_RETENTION_DAYS: finished jobs (task runs among them) and VC-event logs. */
  jobRetentionDays: number;
  /** WEBHOOK_CLEANUP_RETENTION_DAYS: delivered or failed webhook deliveries (with their attempts). */
  webhookRetentionDays: number;
  /** CLEANUP_BATCH_SIZE: rows per DELETE. */
  batchSize: number;
  /** Catalog entries whose latest row stays however old (the tasks: their last run stays visible). */
  keepLatestOf?: string[];
  logger: Logger;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface CleanupReport {
  /** Rows older than these were eligible. */
  before: { jobs: string; webhookDeliveries: string; vcEventLogs: string; emailMessages: string };
  removed: { jobs: number; webhookDeliveries: number; vcEventLogs: number; emailMessages: number };
  /** DELETE statements run. */
  batches: number;
  /** True when a shutdown stopped it between batches (the next run goes on). */
  interrupted: boolean;
}

/**
 * Deletes what has outlived its retention, one bounded batch at a time so no
 * statement holds locks for long. Only finished things go: open jobs and pending
 * deliveries stay however old they are.
 */
export async function cleanup(options: CleanupOptions): Promise<CleanupReport> {
  const now = (options.now ?? (() => new Date()))().getTime();
  const jobsBefore = new Date(now - options.jobRetentionDays * DAY);
  const webhooksBefore = new Date(now - options.webhookRetentionDays * DAY);
  const { db, batchSize } = options;
  const taskKinds = options.keepLatestOf ?? [];
  const report: CleanupReport = {
    before: { jobs: jobsBefore.toISOString(), webhookDeliveries: webhooksBefore.toISOString(), vcEventLogs: jobsBefore.toISOString(), emailMessages: jobsBefore.toISOString() },
    removed: { jobs: 0, webhookDeliveries: 0, vcEventLogs: 0, emailMessages: 0 },
    batches: 0,
    interrupted: false,
  };

  // Each statement deletes at most `batchSize` rows; a short batch means none are left.
  const statements: Array<[keyof CleanupReport['removed'], () => Promise<number>]> = [
    [
      'jobs',
      // Each task's latest run stays, so GET /admin/tasks still shows when it last ran.
      () => db.$executeRaw`
        DELETE FROM jobs WHERE id IN (
          SELECT id FROM jobs WHERE status IN ('completed', 'failed', 'cancelled') AND updated_at < ${jobsBefore}
            AND id NOT IN (SELECT DISTINCT ON (kind) id FROM jobs WHERE kind = ANY(${taskKinds}::text[]) ORDER BY kind, created_at DESC, id DESC)
          LIMIT ${batchSize})`,
    ],
    [
      'webhookDeliveries',
      () => db.$executeRaw`
        DELETE FROM webhook_deliveries WHERE id IN (
          SELECT id FROM webhook_deliveries WHERE status IN ('delivered', 'failed') AND updated_at < ${webhooksBefore} LIMIT ${batchSize})`,
    ],
    [
      'vcEventLogs',
      () => db.$executeRaw`
        DELETE FROM vc_event_processing_logs WHERE id IN (
          SELECT id FROM vc_event_processing_logs WHERE processed_at < ${jobsBefore} LIMIT ${batchSize})`,
    ],
    [
      // The sent-email records keep a retried email job from sending twice; past the jobs' retention no job is retried.
      'emailMessages',
      () => db.$executeRaw`
        DELETE FROM email_messages WHERE job_id IN (
          SELECT job_id FROM email_messages WHERE sent_at < ${jobsBefore} LIMIT ${batchSize})`,
    ],
  ];
  for (const [what, statement] of statements) {
    for (;;) {
      if (options.signal?.aborted) {
        report.interrupted = true;
        options.logger.warn(report, 'cleanup interrupted; the next run goes on from here');
        return report;
      }
      const removed = await statement();
      report.batches++;
      report.removed[what] += removed;
      if (removed < batchSize) break;
    }
  }
  options.logger.info(report, 'cleanup finished');
  return report;
}

export interface SweepOptions {
  db: Db;
  store: JobStore;
  queues: QueueSet | null;
  platform: Pick<EnginePlatform, 'submit'>;
  webhooks: WebhookStore;
  logger: Logger;
  /** How overdue a delivery must be before it counts as lost (WEBHOOK_RETRY_SWEEP_GRACE_MS; 0 for a manual run). */
  graceMs: number;
  batchSize?: number;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface SweepReport {
  /** Pending deliveries whose next attempt was due. */
  due: number;
  /** ...of which BullMQ still holds a live job (waiting, delayed, active): left alone. */
  onQueue: number;
  /** ...queued again. */
  requeued: number;
  /** ...left alone for a reason (an operator cancelled the job; the queue failed). */
  skipped: number;
  /** False when the queue backend was unavailable and nothing could be checked. */
  checked: boolean;
  /** The re-queued deliveries (the first 100). */
  requeuedIds: string[];
}

const MAX_REPORTED_IDS = 100;

// BullMQ states in which a job will still run by itself.
const LIVE = new Set(['waiting', 'prioritized', 'waiting-children', 'active', 'delayed']);

/**
 * Re-queues webhook deliveries whose next attempt is due but which BullMQ does not
 * hold as a live job: Redis lost it, the enqueue after the delivery's commit failed,
 * or the job gave up while the delivery still had attempts left. The job row is
 * reopened (attempt 0, as a job re-added from scratch counts from 1) and the job added
 * under its own id; the delivery handler then continues the delivery's own attempt
 * numbering instead of replaying old attempts.
 */
export async function sweepWebhookDeliveries(options: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = { due: 0, onQueue: 0, requeued: 0, skipped: 0, checked: false, requeuedIds: [] };
  const { db, queues, logger } = options;
  if (!queues?.isAvailable()) {
    logger.warn('webhook retry sweep skipped: the queue backend is unavailable');
    return report;
  }
  report.checked = true;
  const dueBefore = new Date((options.now ?? (() => new Date()))().getTime() - options.graceMs);
  const queue = queues.queue((queues.catalog['webhook-deliver'] as { queue: string }).queue);
  let afterId: string | undefined;
  for (;;) {
    if (options.signal?.aborted) break;
    const deliveries = await db.webhookDelivery.findMany({
      where: {
        status: 'pending',
        OR: [{ nextAttemptAt: { lte: dueBefore } }, { nextAttemptAt: null, createdAt: { lte: dueBefore } }],
        ...(afterId ? { id: { gt: afterId } } : {}),
      },
      orderBy: { id: 'asc' },
      take: options.batchSize ?? 200,
      select: { id: true, jobId: true, organizationId: true },
    });
    if (deliveries.length === 0) break;
    afterId = deliveries[deliveries.length - 1]?.id;
    for (const delivery of deliveries) {
      report.due++;
      const jobId = delivery.jobId ?? delivery.id;
      try {
        const state = await queue.getJobState(jobId);
        if (LIVE.has(state)) {
          report.onQueue++;
          continue;
        }
        const row = await options.store.get(jobId);
        if (!row) {
          // The delivery was committed but its job never was: submit it now (idempotent by id).
          const submission = await options.platform.submit(
            'webhook-deliver',
            { deliveryId: delivery.id },
            { id: delivery.id, owner: { organizationId: delivery.organizationId } },
          );
          if (!delivery.jobId) await options.webhooks.setJobId(delivery.id, submission.job.id);
        } else if (row.status === 'cancelled' || row.status === 'completed') {
          // Cancelled by an operator, or completed while the delivery says otherwise: not ours to undo.
          logger.warn({ deliveryId: delivery.id, jobId, status: row.status }, 'webhook delivery is due but its job is closed; not re-queued');
          report.skipped++;
          continue;
        } else {
          // A failed or completed leftover in BullMQ would make the add below a no-op.
          if (state !== 'unknown') await (await queue.getJob(jobId))?.remove();
          await db.$executeRaw`
            UPDATE jobs SET status = 'queued', attempt = 0, progress = 0, error = NULL, result = NULL,
              started_at = NULL, completed_at = NULL, updated_at = now()
            WHERE id = ${jobId}::uuid AND status IN ('queued', 'processing', 'failed')`;
          await queues.add('webhook-deliver', jobId, row.data);
        }
        report.requeued++;
        if (report.requeuedIds.length < MAX_REPORTED_IDS) report.requeuedIds.push(delivery.id);
      } catch (error) {
        report.skipped++;
        logger.warn({ deliveryId: delivery.id, jobId, err: error }, 'webhook delivery could not be re-queued; the next sweep tries again');
      }
    }
  }
  if (report.requeued > 0) logger.warn(report, 'webhook retry sweep re-queued deliveries');
  else logger.info(report, 'webhook retry sweep finished');
  return report;
}
