import type { DeliveryRecord } from '@vcq/webhooks';

/**
 * The delivery attempt number a `webhook-deliver` run stands for. Normally BullMQ's
 * attempt. A job added again from scratch (Redis lost it and the retry sweep or the
 * reconciler re-queued it) counts from 1 again, though the delivery has already made
 * attempts; when the delivery's next attempt is due, such a run continues the
 * delivery's own numbering rather than replaying outcomes it already recorded (which
 * would wait out the whole retry schedule again before sending anything).
 */
export function deliveryAttempt(delivery: Pick<DeliveryRecord, 'status' | 'attemptCount' | 'nextAttemptAt'> | null, attempt: number, now: Date): number {
  if (delivery?.status !== 'pending' || !delivery.nextAttemptAt) return attempt;
  if (attempt > delivery.attemptCount || delivery.nextAttemptAt.getTime() > now.getTime()) return attempt;
  return delivery.attemptCount + 1;
}
