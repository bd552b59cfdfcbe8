/**
 * Webhook callbacks: when a job that carries `callbackUrl` ends, a delivery row is
 * committed and a `webhook-deliver` job is queued under the delivery's id. Both steps
 * are idempotent, so a job that reports its outcome twice sends one webhook. With the
 * queue down (sync fallback) only the row is committed: the webhook retry sweep queues
 * it once the queue is back.
 */
import { DEFAULT_ORGANIZATION } from '@vcq/config';
import { BATCH_KIND } from '@vcq/db';
import type { Logger } from '@vcq/logger';
import type { FinishedHook } from '@vcq/jobs';
import type { WebhookEvent, WebhookStore } from '@vcq/webhooks';
import { completionEvents, type JobName, type JobPlatform } from './catalog.js';

/** The finished-hook (an outcome subscriber) that turns outcomes of jobs with a `callbackUrl` into webhook deliveries. */
export function createCallbackHook(deps: { webhooks: WebhookStore; platform: () => JobPlatform; logger: Logger }): FinishedHook {
  return async (job, outcome) => {
    const { callbackUrl: url, organizationId } = job.data as { callbackUrl?: unknown; organizationId?: string };
    if (typeof url !== 'string' || job.name === 'webhook-deliver') return;
    // Jobs queued before organizations carry none: they belong to the default one.
    const owner = { organizationId: organizationId ?? DEFAULT_ORGANIZATION };
    // A batch's parent (kind `batch`) completes once all its children have ended, failed ones included.
    const completed = job.name === BATCH_KIND ? 'batch.completed' : completionEvents[job.name as JobName];
    const event: WebhookEvent | undefined = outcome.status === 'completed' ? completed : 'job.failed';
    if (!event) return;
    const delivery = await deps.webhooks.createDelivery({
      sourceJobId: job.id,
      url,
      event,
      ...owner,
      payload: {
        event,
        jobId: job.id,
        data: outcome.status === 'completed' ? outcome.result : { name: job.name, error: outcome.error },
        createdAt: new Date().toISOString(),
      },
    });
    if (delivery.status !== 'pending') return;
    const platform = deps.platform();
    if (!platform.isQueueAvailable()) {
      // Submitting now would run the delivery synchronously too, inside the request of
      // a sync-fallback job, whose answer would then wait on the receiver. The pending
      // row (no job yet) is what the sweep looks for; it submits under the same id.
      deps.logger.info({ jobId: job.id, deliveryId: delivery.id, event }, 'queue unavailable; webhook left pending for the retry sweep');
      return;
    }
    const submission = await platform.submit('webhook-deliver', { deliveryId: delivery.id }, { id: delivery.id, owner });
    await deps.webhooks.setJobId(delivery.id, submission.job.id);
    deps.logger.debug({ jobId: job.id, deliveryId: delivery.id, event }, 'webhook queued');
  };
}
