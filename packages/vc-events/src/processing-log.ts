/**
 * `VcEventProcessingLog`: one row per analytics record with its latest outcome. A
 * `success` is final: later writes for the same record change nothing, so a record
 * processed twice at once (overlapping runs, the legacy route) is logged once.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '@vcq/db';
import type { CredentialStatusName } from './types.js';

export type VcEventOutcome = 'success' | 'failed' | 'skipped';

export interface ProcessingLogEntry {
  recordId: string;
  vcPublicId: string;
  type: string;
  mappedStatus: CredentialStatusName | null;
  outcome: VcEventOutcome;
  error: string | null;
  credentialId: string | null;
  recordTimestamp: Date | null;
  window: { from: Date; to: Date } | null;
  /** The organization of the credential it changed, or of the key that sent it. */
  organizationId: string;
}

export interface ProcessingLogRecord extends Omit<ProcessingLogEntry, 'window'> {
  id: string;
  windowFrom: Date | null;
  windowTo: Date | null;
  attempts: number;
  processedAt: Date;
}

export interface ProcessingLog {
  /** Which of `recordIds` are already logged as success. */
  succeeded(recordIds: string[]): Promise<Set<string>>;
  /** Writes the outcome; a record already logged as success keeps that row untouched. */
  record(entry: ProcessingLogEntry): Promise<void>;
  get(recordId: string): Promise<ProcessingLogRecord | null>;
  /** Rows per outcome (the state route). */
  counts(): Promise<Record<VcEventOutcome, number>>;
}

export function createProcessingLog(db: Db): ProcessingLog {
  return {
    async succeeded(recordIds) {
      if (recordIds.length === 0) return new Set();
      const rows = await db.vcEventProcessingLog.findMany({ where: { recordId: { in: recordIds }, outcome: 'success' }, select: { recordId: true } });
      return new Set(rows.map((r) => r.recordId));
    },

    async record(entry) {
      // One statement, so the "success is final" rule holds under concurrency too.
      await db.$executeRaw`
        INSERT INTO vc_event_processing_logs
          (id, record_id, vc_public_id, type, mapped_status, outcome, error, credential_id, record_timestamp, window_from, window_to,
           organization_id, attempts, processed_at)
        VALUES (${randomUUID()}::uuid, ${entry.recordId}, ${entry.vcPublicId}, ${entry.type}, ${entry.mappedStatus}::"CredentialStatus",
          ${entry.outcome}::"VcEventOutcome", ${entry.error}, ${entry.credentialId}::uuid, ${entry.recordTimestamp}::timestamptz,
          ${entry.window?.from ?? null}::timestamptz, ${entry.window?.to ?? null}::timestamptz, ${entry.organizationId}, 1, now())
        ON CONFLICT (record_id) DO UPDATE SET
          vc_public_id = EXCLUDED.vc_public_id,
          type = EXCLUDED.type,
          mapped_status = EXCLUDED.mapped_status,
          outcome = EXCLUDED.outcome,
          error = EXCLUDED.error,
          credential_id = EXCLUDED.credential_id,
          record_timestamp = EXCLUDED.record_timestamp,
          window_from = EXCLUDED.window_from,
          window_to = EXCLUDED.window_to,
          organization_id = EXCLUDED.organization_id,
          attempts = vc_event_processing_logs.attempts + 1,
          processed_at = now()
        WHERE vc_event_processing_logs.outcome <> 'success'`;
    },

    async get(recordId) {
      const row = await db.vcEventProcessingLog.findUnique({ where: { recordId } });
      return row ? { ...row, mappedStatus: row.mappedStatus as CredentialStatusName | null } : null;
    },

    async counts() {
      const groups = await db.vcEventProcessingLog.groupBy({ by: ['outcome'], _count: { _all: true } });
      const counts: Record<VcEventOutcome, number> = { success: 0, failed: 0, skipped: 0 };
      for (const g of groups) counts[g.outcome] = g._count._all;
      return counts;
    },
  };
}
