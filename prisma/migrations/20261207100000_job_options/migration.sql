-- A job's priority and the time it may start, as its caller asked (or its catalog
-- entry's defaults), so the reconciler re-adds a lost job with both.
ALTER TABLE "jobs" ADD COLUMN "priority" INTEGER NOT NULL DEFAULT 5;
ALTER TABLE "jobs" ADD COLUMN "run_at" TIMESTAMPTZ(3);

-- Rows already open keep the priority their catalog entry gave them when they were
-- added (credentials and DIDs HIGH, 1), so a reconciler re-add from the row does not
-- move them behind the queue.
UPDATE "jobs" SET "priority" = 1
WHERE "status" IN ('queued', 'processing')
  AND "kind" IN ('issue-credential', 'verify-credential', 'did-create', 'did-update', 'did-deactivate');
