/**
 * Terminology:
 * - record: one VC summary record from the analytics API (`VcSummaryRecord`): an event
 *   (`type`) that happened to a credential (`vc_public_id`) at `timestamp`.
 * - window: a half-open time range `[from, to)`; a record belongs to the window its
 *   timestamp falls in.
 * - run: one pass of the processor, from `CronState.lastProcessedTo` up to
 *   `now - VC_EVENTS_LOOKBACK`, in windows of at most `VC_EVENTS_MAX_WINDOW`.
 * - outcome: what processing a record came to (`success`, `failed`, `skipped`), kept
 *   in `VcEventProcessingLog`.
 */

/** The credential statuses a record type can map to (the `CredentialStatus` enum). */
export type CredentialStatusName = 'issued' | 'revoked';

/** The small part of a pino logger the processor uses. */
export interface VcEventsLogger {
  info(obj: object, msg?: string): unknown;
  warn(obj: object, msg?: string): unknown;
  error(obj: object, msg?: string): unknown;
}
