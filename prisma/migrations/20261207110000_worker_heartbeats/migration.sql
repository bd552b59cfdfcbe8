-- Every worker process upserts its row on an interval (WORKER_HEARTBEAT_MS), so
-- `GET /queue/workers` and the `vcq_workers` gauge see the processes on either queue
-- backend (BullMQ's own worker list lives in Redis only). A row whose heartbeat is
-- older than WORKER_DEAD_AFTER_MS is a dead process: listings skip it, and live
-- workers delete such rows once they are long dead.
CREATE TABLE "workers" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "version" TEXT NOT NULL,
    "backend" TEXT NOT NULL,
    "queues" JSONB NOT NULL,
    "concurrency" INTEGER NOT NULL,
    "active" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "last_heartbeat_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "workers_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "workers_last_heartbeat_at_idx" ON "workers"("last_heartbeat_at");
