import type { JobRecord, JobStatus } from '@vcq/db';

/**
 * BullMQ's name for where a row's job is (`waiting`, `active`, `completed`, `failed`),
 * as Internet ID's job record had it from `job.getState()`. Read from the row, which
 * stays when Redis has dropped a finished job; a cancelled job BullMQ no longer runs
 * is `failed` to BullMQ's vocabulary.
 */
const bullState: Record<JobStatus, string> = { queued: 'waiting', processing: 'active', completed: 'completed', failed: 'failed', cancelled: 'failed' };

/** The public JSON of a job row (camelCase, no internals). */
export function jobView(job: JobRecord) {
  const data = (job.data ?? {}) as Record<string, unknown>;
  return {
    id: job.id,
    jobId: job.id,
    queue: job.queue,
    type: job.name,
    status: job.status,
    state: bullState[job.status],
    mode: job.mode,
    progress: job.progress,
    contentHash: typeof data.contentHash === 'string' ? data.contentHash : null,
    manifestUri: typeof data.manifestUri === 'string' ? data.manifestUri : null,
    registryAddress: typeof data.registryAddress === 'string' ? data.registryAddress : null,
    result: job.result ?? null,
    error: job.error?.message ?? null,
    errorCode: job.error?.code ?? null,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    retryCount: Math.max(job.attempt - 1, 0),
    parentId: job.parentId,
    batchIndex: job.batchIndex,
    priority: job.priority,
    runAt: job.runAt?.toISOString() ?? null,
    organizationId: job.organizationId,
    userId: job.userId,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    completedAt: job.completedAt?.toISOString() ?? null,
  };
}
