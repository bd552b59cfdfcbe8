import type { JobRecord } from '@vcq/db';

/** The public JSON of a job row (camelCase, no internals). */
export function jobView(job: JobRecord) {
  const data = (job.data ?? {}) as Record<string, unknown>;
  return {
    id: job.id,
    jobId: job.id,
    queue: job.queue,
    type: job.name,
    status: job.status,
    mode: job.mode,
    progress: job.progress,
    contentHash: typeof data.contentHash === 'string' ? data.contentHash : null,
    manifestUri: typeof data.manifestUri === 'string' ? data.manifestUri : null,
    result: job.result ?? null,
    error: job.error?.message ?? null,
    errorCode: job.error?.code ?? null,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    retryCount: Math.max(job.attempt - 1, 0),
    priority: job.priority,
    runAt: job.runAt?.toISOString() ?? null,
    organizationId: job.organizationId,
    userId: job.userId,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    completedAt: job.completedAt?.toISOString() ?? null,
  };
}
