-- CreateEnum
CREATE TYPE "VcEventOutcome" AS ENUM ('success', 'failed', 'skipped');

-- CreateEnum
CREATE TYPE "TaskRunStatus" AS ENUM ('running', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "TaskTrigger" AS ENUM ('schedule', 'manual');

-- CreateTable
CREATE TABLE "cron_state" (
    "name" TEXT NOT NULL,
    "last_processed_to" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cron_state_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "vc_event_processing_logs" (
    "id" UUID NOT NULL,
    "record_id" TEXT NOT NULL,
    "vc_public_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "mapped_status" "CredentialStatus",
    "outcome" "VcEventOutcome" NOT NULL,
    "error" TEXT,
    "credential_id" UUID,
    "record_timestamp" TIMESTAMPTZ(3),
    "window_from" TIMESTAMPTZ(3),
    "window_to" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vc_event_processing_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "task_runs" (
    "id" UUID NOT NULL,
    "task" TEXT NOT NULL,
    "trigger" "TaskTrigger" NOT NULL,
    "job_id" TEXT,
    "scheduled_for" TIMESTAMPTZ(3),
    "runner" TEXT NOT NULL,
    "status" "TaskRunStatus" NOT NULL DEFAULT 'running',
    "result" JSONB,
    "error" JSONB,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,

    CONSTRAINT "task_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "vc_event_processing_logs_record_id_key" ON "vc_event_processing_logs"("record_id");

-- CreateIndex
CREATE INDEX "vc_event_processing_logs_vc_public_id_idx" ON "vc_event_processing_logs"("vc_public_id");

-- CreateIndex
CREATE INDEX "vc_event_processing_logs_processed_at_idx" ON "vc_event_processing_logs"("processed_at");

-- CreateIndex
CREATE INDEX "task_runs_task_started_at_idx" ON "task_runs"("task", "started_at");

-- CreateIndex
CREATE INDEX "task_runs_job_id_idx" ON "task_runs"("job_id");
