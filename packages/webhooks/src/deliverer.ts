/**
 * Webhook delivery: one attempt per call, recorded in Postgres, with the outcome told
 * to the caller as the error class the job runtime understands. The worker wraps
 * `deliver` as the `webhooks/deliver` handler; BullMQ supplies the retries and their
 * delays (webhookRetryDelay), this module only says whether another try makes sense.
 */
import { performance } from 'node:perf_hooks';
import type { Db } from '@vcq/db';
import { type EgressClient, EgressUnreachableError } from '@vcq/egress';
import { PermanentJobError, UpstreamError } from '@vcq/errors';
import { webhookRetryDelay } from './retry.js';
import { signWebhook } from './signature.js';
import { type AttemptOutcome, type AttemptRecord, findAttempt, findDeliveredAttempt, recordAttempt } from './store.js';
import type { WebhookPayload } from './events.js';

export interface WebhookLogger {
  info(obj: object, msg?: string): unknown;
  warn(obj: object, msg?: string): unknown;
  debug?(obj: object, msg?: string): unknown;
}

export interface WebhookDelivererDeps {
  db: Db;
  /** WEBHOOK_SIGNING_SECRET. */
  secret: string;
  /** WEBHOOK_TIMEOUT_MS: how long a receiver has to answer (status line and headers). */
  timeoutMs: number;
  /** The process's egress client: it checks the callback URL again and sends the POST. */
  egress: EgressClient;
  /** WEBHOOK_RETRY_SCHEDULE_MS: delays before retries 1, 2, ... */
  schedule: number[];
  now?: () => Date;
  log?: WebhookLogger;
  /** Told each recorded attempt's outcome (metrics); default: nothing. */
  observer?: DeliveryObserver;
}

/** What the deliverer reports; `VcqMetrics['webhooks']` is one. */
export interface DeliveryObserver {
  attempted(attempt: { outcome: 'delivered' | 'retry' | 'failed' }): void;
}

export interface DeliveryResult {
  statusCode: number;
  durationMs: number;
}

export interface WebhookDeliverer {
  /**
   * One delivery attempt; the BullMQ-free handler the worker wraps. Resolves on a 2xx
   * (or when the delivery was already delivered); throws UpstreamError when a retry is
   * due and PermanentJobError when none is.
   */
  deliver(deliveryId: string, attempt: number): Promise<DeliveryResult>;
}

export const USER_AGENT = 'vcq-webhooks/1';

/** What one attempt came to, before it is recorded. */
interface Attempt {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** permanent: retrying cannot help. transient: it might. */
  kind: 'delivered' | 'transient' | 'permanent';
  code: string;
  cause?: unknown;
}

/** Builds the deliverer from the webhook settings and a database. */
export function createWebhookDeliverer(deps: WebhookDelivererDeps): WebhookDeliverer {
  const now = deps.now ?? (() => new Date());
  const { db, log } = deps;

  return {
    async deliver(deliveryId, attempt) {
      if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
      const delivery = await db.webhookDelivery.findUnique({ where: { id: deliveryId } });
      if (!delivery) {
        throw new PermanentJobError(`Webhook delivery ${deliveryId} does not exist`, { code: 'webhook_delivery_not_found' });
      }
      const context = { deliveryId, attempt, event: delivery.event, url: delivery.url };

      // A job that runs again after the receiver already has the event (a stalled
      // duplicate, a manual retry) must not send it twice.
      if (delivery.status === 'delivered') {
        const done = await findDeliveredAttempt(db, deliveryId);
        log?.info({ ...context }, 'webhook already delivered; not sending again');
        return { statusCode: done?.statusCode ?? delivery.lastStatusCode ?? 200, durationMs: done?.durationMs ?? 0 };
      }
      // This attempt number already ran to the end once (the worker died before
      // BullMQ heard); its recorded outcome stands, and the retry it asked for follows.
      const recorded = await findAttempt(db, deliveryId, attempt);
      if (recorded) {
        log?.info({ ...context, statusCode: recorded.statusCode }, 'webhook attempt already recorded; replaying its outcome');
        return replay(recorded, deliveryId);
      }

      const outcome = await attemptOnce(deps, deliveryId, delivery.url, delivery.payload as WebhookPayload, now);
      const at = now();
      let result: AttemptOutcome['result'] = outcome.kind === 'delivered' ? 'delivered' : 'failed';
      let nextAttemptAt: Date | null = null;
      let exhausted = false;
      if (outcome.kind === 'transient') {
        const delay = webhookRetryDelay(attempt, deps.schedule);
        exhausted = delay < 0;
        if (!exhausted) {
          result = 'retry';
          nextAttemptAt = new Date(at.getTime() + delay);
        }
      }

      const written = await recordAttempt(db, {
        deliveryId,
        attempt,
        statusCode: outcome.statusCode,
        durationMs: outcome.durationMs,
        error: outcome.error,
        result,
        nextAttemptAt,
        at,
      });
      const fields = { ...context, statusCode: outcome.statusCode, durationMs: outcome.durationMs, nextAttemptAt, recorded: written };
      // A duplicate that lost the race to record this attempt number is not a second attempt.
      if (written) {
        try {
          deps.observer?.attempted({ outcome: result });
        } catch (error) {
          // Metrics must not turn a recorded outcome into a different one.
          log?.warn({ ...context, err: error instanceof Error ? error.message : String(error) }, 'webhook observer failed');
        }
      }

      if (outcome.kind === 'delivered') {
        log?.info(fields, 'webhook delivered');
        return { statusCode: outcome.statusCode ?? 0, durationMs: outcome.durationMs };
      }
      log?.warn({ ...fields, error: outcome.error }, result === 'retry' ? 'webhook attempt failed; will retry' : 'webhook failed');
      const message = `Webhook ${deliveryId} attempt ${attempt} to ${delivery.url}: ${outcome.error}`;
      const extensions = { deliveryId, attempt, statusCode: outcome.statusCode };
      if (outcome.kind === 'transient' && !exhausted) {
        throw new UpstreamError(message, { cause: outcome.cause, extensions: { ...extensions, nextAttemptAt: nextAttemptAt?.toISOString() } });
      }
      if (exhausted) {
        // Said here rather than left to BullMQ's attempt count, so the job and the
        // delivery row agree that this was the last try.
        throw new PermanentJobError(`${message}; no retries left`, {
          code: 'webhook_retries_exhausted',
          cause: new UpstreamError(message, { cause: outcome.cause }),
          extensions,
        });
      }
      throw new PermanentJobError(message, { code: outcome.code, cause: outcome.cause, extensions });
    },
  };
}

async function attemptOnce(
  deps: WebhookDelivererDeps,
  deliveryId: string,
  url: string,
  payload: WebhookPayload,
  now: () => Date,
): Promise<Attempt> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);

  // Fixed key order, so the body reads as documented whatever order jsonb stored it in.
  const body = JSON.stringify({ event: payload.event, jobId: payload.jobId, data: payload.data, createdAt: payload.createdAt });
  try {
    const response = await deps.egress.request(url, {
      method: 'POST',
      body,
      // Following a redirect would send the event to a URL nobody registered.
      followRedirects: false,
      // The status is the whole answer: a receiver's body is never read, stored or shown.
      readBody: false,
      timeoutMs: deps.timeoutMs,
      what: `the receiver at ${url}`,
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        // Signed per attempt: a retry hours later must still pass the receiver's freshness check.
        'x-vcq-signature': signWebhook(body, deps.secret, { deliveryId, timestampSeconds: Math.floor(now().getTime() / 1000) }),
        'x-vcq-event': payload.event,
        'x-vcq-delivery': deliveryId,
      },
    });
    if (response.status >= 300 && response.status < 400) {
      deps.log?.debug?.({ deliveryId, url, statusCode: response.status, location: response.headers.location }, 'webhook receiver redirected');
    }
    return classify(response.status, elapsed());
  } catch (error) {
    const durationMs = elapsed();
    if (error instanceof EgressUnreachableError) {
      const message = error.reason === 'timeout' ? `timed out after ${deps.timeoutMs} ms waiting for the receiver` : error.message;
      return { statusCode: null, durationMs, error: message, kind: 'transient', code: 'upstream_failed', cause: error };
    }
    // A refused destination (the name now resolves private, a bad URL): retrying cannot help.
    if (error instanceof PermanentJobError) return { statusCode: null, durationMs, error: error.message, kind: 'permanent', code: error.code, cause: error };
    throw error;
  }
}

/** Sorts a receiver's answer into delivered, worth retrying, or not. */
function classify(statusCode: number, durationMs: number): Attempt {
  const said = `receiver answered ${statusCode}`;
  if (isSuccess(statusCode)) return { statusCode, durationMs, error: null, kind: 'delivered', code: 'delivered' };
  if (statusCode >= 300 && statusCode < 400) {
    // Permanent: following the redirect would send the event to a URL nobody checked
    // (a public host may redirect to 169.254.169.254), and the same request to the
    // same URL will be redirected again, so retrying only delays the failure.
    return {
      statusCode,
      durationMs,
      error: `${said} (a redirect); redirects are not followed, so register the final URL as callbackUrl`,
      kind: 'permanent',
      code: 'webhook_redirected',
    };
  }
  if (statusCode >= 400 && statusCode < 500) return { statusCode, durationMs, error: said, kind: 'permanent', code: 'webhook_rejected' };
  return { statusCode, durationMs, error: said, kind: 'transient', code: 'upstream_failed' };
}

/** The result or error a recorded attempt stood for. */
function replay(recorded: AttemptRecord, deliveryId: string): DeliveryResult {
  const { statusCode, durationMs } = recorded;
  if (statusCode !== null && isSuccess(statusCode)) return { statusCode, durationMs };
  const message = `Webhook ${deliveryId} attempt ${recorded.attempt} (already recorded): ${recorded.error ?? `receiver answered ${statusCode}`}`;
  const extensions = { deliveryId, attempt: recorded.attempt, statusCode };
  if (recorded.nextAttemptAt) throw new UpstreamError(message, { extensions });
  throw new PermanentJobError(message, { code: 'webhook_failed', extensions });
}


function isSuccess(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}
