-- A job's priority and the time it may start, as its caller asked (or its catalog
-- entry's defaults), so the reconciler re-adds a lost job with both.
ALTER TABLE "jobs" ADD COLUMN "priority" INTEGER NOT NULL DEFAULT 5;
ALTER TABLE "jobs" ADD COLUMN "run_at" TIMESTAMPTZ(3);
