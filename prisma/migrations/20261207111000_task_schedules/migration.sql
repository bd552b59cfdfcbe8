-- A task's schedule as an operator set it over the API (`PUT /admin/tasks/{name}/schedule`).
-- The environment gives each task's default (RECONCILE_CRON, TASK_TIMEZONE, ...); a row
-- here wins over it until it is deleted. Every worker reads this table every
-- SETTINGS_POLL_MS and re-syncs the queue's job scheduler when it changed.
CREATE TABLE "task_schedules" (
    "name" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),

    CONSTRAINT "task_schedules_pkey" PRIMARY KEY ("name")
);
