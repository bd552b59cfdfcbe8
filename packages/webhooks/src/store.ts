/**
 * Webhook deliveries in Postgres: one `WebhookDelivery` row per (source job, event,
 * URL) with a summary of where it stands, and one `WebhookAttempt` row per try.
 */
import { randomUUID } from 'node:crypto';
import { type Db, storableValue } from '@vcq/db';
import { ValidationError } from '@vcq/errors';
import { type WebhookEvent, type WebhookPayload, WebhookPayloadSchema } from './events.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRecord {
  id: string;
  /** The job whose outcome this event reports. */
  sourceJobId: string;
  /** The `webhooks/deliver` job that carries it, once queued. */
  jobId: string | null;
  url: string;
  event: WebhookEvent;
  payload: WebhookPayload;
  status: DeliveryStatus;
  /** The highest attempt number recorded. */
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** When the next retry is due; null once delivered or failed for good. */
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  /** The organization of the job it reports. */
  organizationId: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface AttemptRecord {
  id: string;
  deliveryId: string;
  attempt: number;
  /** Null when no HTTP answer came back (timeout, network error, refused URL). */
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** When the retry after this attempt is due; null when there is none. */
  nextAttemptAt: Date | null;
  createdAt: Date;
}

export interface NewDelivery {
  sourceJobId: string;
  url: string;
  event: WebhookEvent;
  payload: WebhookPayload;
  /** The organization of the source job; the default one when not given. */
  organizationId?: string;
}

export interface WebhookStore {
  /** Commits a pending delivery; for a (sourceJobId, event, url) that exists, returns that row unchanged. */
  createDelivery(input: NewDelivery): Promise<DeliveryRecord>;
  get(id: string): Promise<DeliveryRecord | null>;
  /** Every attempt of a delivery, oldest first. */
  attempts(deliveryId: string): Promise<AttemptRecord[]>;
  /** Links the delivery to the job that carries it. */
  setJobId(id: string, jobId: string): Promise<void>;
}

/** The outcome of one attempt, as the deliverer hands it to `recordAttempt`. */
export interface AttemptOutcome {
  deliveryId: string;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** delivered: 2xx. retry: a later attempt is due at `nextAttemptAt`. failed: no more attempts. */
  result: 'delivered' | 'retry' | 'failed';
  nextAttemptAt: Date | null;
  at: Date;
}

type DeliveryRow = NonNullable<Awaited<ReturnType<Db['webhookDelivery']['findUnique']>>>;
type AttemptRow = NonNullable<Awaited<ReturnType<Db['webhookAttempt']['findUnique']>>>;

/** The webhook delivery store over a Prisma client. */
export function createWebhookStore(db: Db): WebhookStore {
  return {
    async createDelivery(input) {
      const payload = WebhookPayloadSchema.safeParse(input.payload);
      if (!payload.success) {
        throw ValidationError.fromZod(payload.error, 'Invalid webhook payload', { prefix: 'payload', detail: true });
      }
      // The body says what happened; the row is found by the same facts, so they must agree.
      if (payload.data.event !== input.event || payload.data.jobId !== input.sourceJobId) {
        throw new ValidationError('Webhook payload event and jobId must match the delivery', [
          { field: 'payload', message: `expected event ${input.event} and jobId ${input.sourceJobId}` },
        ]);
      }
      const url = normaliseUrl(input.url);
      const key = { sourceJobId: input.sourceJobId, event: input.event, url };
      // ON CONFLICT DO NOTHING, so two callers racing on the same outcome both end up with the one row.
      // JSON has no undefined: a missing `data` would vanish from the body instead of reading null.
      // Written storably: `data` is a job's result, which may carry text jsonb refuses (signed claims).
      const body = storableValue({ ...payload.data, data: payload.data.data ?? null });
      await db.webhookDelivery.createMany({
        data: [{ id: randomUUID(), ...key, payload: body as object, ...(input.organizationId ? { organizationId: input.organizationId } : {}) }],
        skipDuplicates: true,
      });
      const row = await db.webhookDelivery.findUnique({ where: { sourceJobId_event_url: key } });
      if (!row) throw new Error(`Webhook delivery for ${input.sourceJobId}/${input.event} vanished right after it was written`);
      return toDelivery(row);
    },

    async get(id) {
      const row = await db.webhookDelivery.findUnique({ where: { id } });
      return row ? toDelivery(row) : null;
    },

    async attempts(deliveryId) {
      const rows = await db.webhookAttempt.findMany({ where: { deliveryId }, orderBy: { attempt: 'asc' } });
      return rows.map(toAttempt);
    },

    async setJobId(id, jobId) {
      await db.webhookDelivery.update({ where: { id }, data: { jobId, updatedAt: new Date() } });
    },
  };
}

/**
 * Writes an attempt row and the delivery's summary in one transaction. Returns false,
 * writing nothing, when that attempt number is already recorded (a duplicate run).
 */
export async function recordAttempt(db: Db, outcome: AttemptOutcome): Promise<boolean> {
  return db.$transaction(async (tx) => {
    // Duplicates of one delivery queue up here, so the check below sees the winner's row.
    await tx.$queryRaw`SELECT 1 FROM webhook_deliveries WHERE id = ${outcome.deliveryId}::uuid FOR UPDATE`;
    const current = await tx.webhookDelivery.findUnique({ where: { id: outcome.deliveryId } });
    if (!current) throw new Error(`Webhook delivery ${outcome.deliveryId} does not exist`);
    const existing = await tx.webhookAttempt.findUnique({
      where: { deliveryId_attempt: { deliveryId: outcome.deliveryId, attempt: outcome.attempt } },
    });
    if (existing) return false;

    await tx.webhookAttempt.create({
      data: {
        id: randomUUID(),
        deliveryId: outcome.deliveryId,
        attempt: outcome.attempt,
        statusCode: outcome.statusCode,
        durationMs: outcome.durationMs,
        error: outcome.error,
        nextAttemptAt: outcome.nextAttemptAt,
        createdAt: outcome.at,
      },
    });
    await tx.webhookDelivery.update({ where: { id: outcome.deliveryId }, data: summaryAfter(current, outcome) });
    return true;
  });
}

/** The attempt row for (delivery, attempt), if it was recorded. */
export async function findAttempt(db: Db, deliveryId: string, attempt: number): Promise<AttemptRecord | null> {
  const row = await db.webhookAttempt.findUnique({ where: { deliveryId_attempt: { deliveryId, attempt } } });
  return row ? toAttempt(row) : null;
}

/** The most recent successful attempt of a delivery. */
export async function findDeliveredAttempt(db: Db, deliveryId: string): Promise<AttemptRecord | null> {
  const row = await db.webhookAttempt.findFirst({
    where: { deliveryId, statusCode: { gte: 200, lt: 300 } },
    orderBy: { attempt: 'desc' },
  });
  return row ? toAttempt(row) : null;
}

function summaryAfter(current: DeliveryRow, outcome: AttemptOutcome) {
  const base = { attemptCount: Math.max(current.attemptCount, outcome.attempt), updatedAt: outcome.at };
  // Once the receiver has the event, a late failure of some other attempt changes nothing.
  if (current.status === 'delivered') return base;
  if (outcome.result === 'delivered') {
    return { ...base, status: 'delivered' as const, deliveredAt: outcome.at, lastStatusCode: outcome.statusCode, lastError: null, nextAttemptAt: null };
  }
  // A stalled duplicate of an older attempt must not overwrite a newer outcome.
  if (outcome.attempt < current.attemptCount) return base;
  return {
    ...base,
    status: outcome.result === 'failed' ? ('failed' as const) : ('pending' as const),
    lastStatusCode: outcome.statusCode,
    lastError: outcome.error,
    nextAttemptAt: outcome.nextAttemptAt,
  };
}

function normaliseUrl(url: string): string {
  try {
    // One spelling per URL, so the (sourceJobId, event, url) key cannot be dodged by case or a missing "/".
    return new URL(url).href;
  } catch (error) {
    throw new ValidationError('callbackUrl must be an absolute URL', [{ field: 'callbackUrl', message: 'must be an absolute URL' }], { cause: error });
  }
}

function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    sourceJobId: row.sourceJobId,
    jobId: row.jobId,
    url: row.url,
    event: row.event as WebhookEvent,
    payload: row.payload as WebhookPayload,
    status: row.status,
    attemptCount: row.attemptCount,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    nextAttemptAt: row.nextAttemptAt,
    deliveredAt: row.deliveredAt,
    organizationId: row.organizationId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toAttempt(row: AttemptRow): AttemptRecord {
  return {
    id: row.id,
    deliveryId: row.deliveryId,
    attempt: row.attempt,
    statusCode: row.statusCode,
    durationMs: row.durationMs,
    error: row.error,
    nextAttemptAt: row.nextAttemptAt,
    createdAt: row.createdAt,
  };
}
