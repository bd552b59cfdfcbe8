-- Batches: one parent row (kind `batch`, no queue job of its own) and a child row per
-- item, each an ordinary job that carries its parent's id and its place in the batch.
-- The parent is completed by one UPDATE when its last child ends (JobStore.settleBatch),
-- guarded on its status, so a redelivered child cannot complete it twice. A parent is
-- deleted by cleanup only once it is finished, and then its children are too; the
-- link is dropped rather than blocking the delete whichever goes first.
ALTER TABLE "jobs" ADD COLUMN "parent_id" UUID;
ALTER TABLE "jobs" ADD COLUMN "batch_index" INTEGER;
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "jobs_parent_id_batch_index_idx" ON "jobs"("parent_id", "batch_index");
