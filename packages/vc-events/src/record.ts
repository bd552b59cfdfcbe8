/**
 * The analytics API's VC summary record and its paginated answer, defined once: the
 * client validates pages with these schemas, the legacy route validates its body with
 * the same record schema, and the fake API in the tests builds its answers from them.
 */
import { fieldErrorsFromZod, formatFieldErrors } from '@vcq/errors';
import { z } from 'zod';

/**
 * One VC summary record. Field names are the analytics API's (snake_case); fields
 * vcq does not use are kept (`looseObject`) but not relied on.
 */
/** Postgres text cannot hold NUL; such a value could never be logged. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !v.includes('\u0000'), { message: 'must not contain NUL characters' });

/** Timestamps Postgres stores and a 1970-or-later event can have. */
export const EVENT_TIME_RANGE = { min: Date.UTC(1970, 0, 1), max: Date.UTC(10000, 0, 1) };
// Not a date at all is the datetime check's to report, once.
const inRange = (v: string) => {
  const t = Date.parse(v);
  return Number.isNaN(t) || (t >= EVENT_TIME_RANGE.min && t < EVENT_TIME_RANGE.max);
};

export const VcSummaryRecordSchema = z.looseObject({
  /** The record's id in the analytics API; numeric ids are read as their decimal string. */
  id: z.union([text(200), z.number().int().nonnegative()]).transform(String),
  /** The credential's public id (vcq's `Credential.publicId`, `urn:uuid:...`). */
  vc_public_id: text(500),
  /** What happened, e.g. `record_anchored`; mapped to a status through VC_EVENTS_TYPE_MAP. */
  type: text(100),
  /** When it happened (ISO 8601 with an offset); the window a record belongs to is chosen by it. */
  timestamp: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
    .refine(inRange, { message: 'must be between 1970 and 9999' }),
});
export type VcSummaryRecord = z.infer<typeof VcSummaryRecordSchema>;
/** What the API sends (before `id` is normalised to a string). */
export type VcSummaryRecordInput = z.input<typeof VcSummaryRecordSchema>;

export const PaginationSchema = z.object({
  page: z.number().int().min(1),
  limit: z.number().int().min(1),
  total: z.number().int().min(0),
  hasNext: z.boolean(),
});

/**
 * `GET <ANALYTICS_API_URL>/api/v1/vc-summary?from=&to=&page=&limit=` answers this.
 * Records stay `unknown` here: one malformed record is that record's failure, not
 * the page's (see `parseRecord`).
 */
export const VcSummaryPageSchema = z.object({
  data: z.array(z.unknown()),
  pagination: PaginationSchema,
});
export type VcSummaryPage = z.infer<typeof VcSummaryPageSchema>;

/** A record as read from a page: valid, or malformed with what could be salvaged for the log. */
export type ParsedRecord =
  | { ok: true; record: VcSummaryRecord }
  | { ok: false; recordId: string; vcPublicId: string; type: string; error: string };

/** Validates one record of a page. */
export function parseRecord(raw: unknown): ParsedRecord {
  const parsed = VcSummaryRecordSchema.safeParse(raw);
  if (parsed.success) return { ok: true, record: parsed.data };
  const fields = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const salvage = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).replaceAll('\u0000', '').slice(0, 500) : '');
  return {
    ok: false,
    recordId: salvage(fields.id),
    vcPublicId: salvage(fields.vc_public_id),
    type: salvage(fields.type),
    error: `malformed record: ${formatFieldErrors(fieldErrorsFromZod(parsed.error, { fallbackField: '(record)' }))}`,
  };
}

/**
 * The body of the legacy `POST /users/vc/process-event`: one record as the analytics
 * API would send it, where `id` and `timestamp` may be left out (older callers sent
 * neither). Without an id the event is named by its content, so sending the same
 * event twice still processes it once.
 */
export const LegacyVcEventSchema = VcSummaryRecordSchema.extend({
  id: VcSummaryRecordSchema.shape.id.optional(),
  timestamp: VcSummaryRecordSchema.shape.timestamp.optional(),
});
export type LegacyVcEvent = z.infer<typeof LegacyVcEventSchema>;
