/**
 * Batches' outcome subscriber: when a batch's child ends (completed, or failed for
 * good), its parent is settled in one guarded UPDATE (JobStore.settleBatch): its
 * progress moves on, and the last child's end completes it with the summary of all
 * of them. Once the parent is completed, its own finished-hook runs (the batch's one
 * webhook, `batch.completed`); that hook is idempotent, so a redelivered child, or a
 * child and the reconciler racing, still send one webhook.
 */
import { BATCH_KIND, type JobStore } from '@vcq/db';
import type { FinishedHook } from '@vcq/jobs';

/** What a parent's result is once all its children have ended. */
export interface BatchSummary {
  total: number;
  completed: number;
  failed: number;
  children: Array<{ index: number; jobId: string; status: string; pollUrl: string; error: string | null; errorCode: string | null }>;
}

/** The finished-hook that settles a child's batch, then runs `parentHook` for a completed parent. */
export function createBatchHook(deps: { store: JobStore; parentHook: FinishedHook }): FinishedHook {
  return async (job) => {
    const { batchId } = job.data as { batchId?: unknown };
    if (typeof batchId !== 'string' || job.name === BATCH_KIND) return;
    const current = await deps.store.get(batchId);
    if (!current) return;
    const pollBase = (current.data as { pollBase?: unknown }).pollBase;
    const parent = current.status === 'completed' ? current : await deps.store.settleBatch(batchId, typeof pollBase === 'string' ? pollBase : '/api/jobs/');
    if (parent?.status !== 'completed') return;
    await deps.parentHook({ id: parent.id, name: parent.kind, data: parent.data }, { status: 'completed', result: parent.result });
  };
}

/** Runs each hook in turn (a failure stops the rest and is the caller's, to retry). */
export function chainHooks(...hooks: FinishedHook[]): FinishedHook {
  return async (job, outcome) => {
    for (const hook of hooks) await hook(job, outcome);
  };
}
