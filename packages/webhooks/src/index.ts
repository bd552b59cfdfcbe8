export { checkCallbackUrl } from './callback-url.js';
export {
  createWebhookDeliverer,
  type DeliveryResult,
  USER_AGENT,
  type WebhookDeliverer,
  type WebhookDelivererDeps,
  type WebhookLogger,
} from './deliverer.js';
export { type WebhookEvent, WebhookEventSchema, type WebhookPayload, WebhookPayloadSchema } from './events.js';
export { webhookRetryDelay } from './retry.js';
export { type SignWebhookOptions, signWebhook, type VerifySignatureOptions, verifyWebhookSignature } from './signature.js';
export {
  type AttemptRecord,
  createWebhookStore,
  type DeliveryRecord,
  type DeliveryStatus,
  type NewDelivery,
  type WebhookStore,
} from './store.js';
