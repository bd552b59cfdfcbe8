-- A queue's limits as an operator set them over the API (`PUT /queue/{name}/limits`):
-- `{concurrency, limiter: {max, duration}}` as BullMQ reads them. QUEUE_LIMITS (the
-- environment) gives the defaults; a row here wins over them until it is deleted.
-- Every worker reads this table every SETTINGS_POLL_MS and applies it to its Workers.
CREATE TABLE "queue_limits" (
    "queue" TEXT NOT NULL,
    "limits" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),

    CONSTRAINT "queue_limits_pkey" PRIMARY KEY ("queue")
);
