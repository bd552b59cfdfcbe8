-- Every row names its catalog entry (`kind`), so nothing has to map a (queue, BullMQ
-- job name) pair back to one, and says which process last started it (`runner`,
-- `<host>:<pid>`). Scheduled tasks are ordinary catalog entries from now on: their
-- runs are job rows, so the runs recorded in task_runs move into jobs and the table
-- goes.
ALTER TABLE "jobs" ADD COLUMN "kind" TEXT;
ALTER TABLE "jobs" ADD COLUMN "runner" TEXT;

UPDATE "jobs" SET "kind" = CASE
    WHEN "queue" = 'did-operations' AND "name" IN ('create', 'update', 'deactivate') THEN 'did-' || "name"
    WHEN "queue" = 'webhooks' AND "name" = 'deliver' THEN 'webhook-deliver'
    ELSE "name"
  END;

ALTER TABLE "jobs" ALTER COLUMN "kind" SET NOT NULL;
CREATE INDEX "jobs_kind_created_at_idx" ON "jobs"("kind", "created_at");

-- A run still marked running died with its process: it is closed as failed, as the
-- task runner did when the same job ran again.
INSERT INTO "jobs" ("id", "queue", "name", "kind", "status", "mode", "progress", "attempt", "max_attempts", "data", "result", "error",
                    "created_at", "updated_at", "started_at", "completed_at", "runner")
SELECT r."id",
       CASE WHEN r."task" = 'vc-events' THEN 'vc-events' ELSE 'maintenance' END,
       CASE WHEN r."task" = 'vc-events' THEN 'process-window' ELSE r."task" END,
       r."task",
       (CASE WHEN r."status" = 'running' THEN 'failed' ELSE r."status"::text END)::"JobStatus",
       (CASE WHEN r."job_id" IS NULL THEN 'sync' ELSE 'async' END)::"JobMode",
       100, 1, 1,
       jsonb_strip_nulls(jsonb_build_object('trigger', r."trigger"::text, 'scheduledFor', to_char(r."scheduled_for" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))),
       r."result",
       CASE WHEN r."status" = 'running'
            THEN '{"code":"interrupted","message":"the process running it stopped before it finished"}'::jsonb
            ELSE r."error" END,
       r."started_at", COALESCE(r."finished_at", r."started_at"), r."started_at", COALESCE(r."finished_at", r."started_at"), r."runner"
FROM "task_runs" r
ON CONFLICT ("id") DO NOTHING;

DROP TABLE "task_runs";
DROP TYPE "TaskRunStatus";
DROP TYPE "TaskTrigger";
