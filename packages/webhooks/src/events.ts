import { z } from 'zod';

/** Every event vcq POSTs to a callback URL. */
export const WebhookEventSchema = z.enum([
  'vc.issued',
  'vc.verified',
  'did.created',
  'did.updated',
  'did.deactivated',
  'verification.completed',
  'proof.completed',
  'batch.completed',
  'job.failed',
]);
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

/** The JSON body of a webhook: what happened, to which job, and when. */
export const WebhookPayloadSchema = z.object({
  event: WebhookEventSchema,
  /** The job whose outcome this reports (not the delivery job). */
  jobId: z.string().min(1),
  data: z.unknown(),
  createdAt: z.iso.datetime({ offset: true }),
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;
