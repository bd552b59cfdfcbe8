-- CreateTable
CREATE TABLE "email_messages" (
    "job_id" UUID NOT NULL,
    "message_id" TEXT NOT NULL,
    "organization_id" TEXT NOT NULL DEFAULT 'default',
    "accepted" TEXT[],
    "rejected" TEXT[],
    "response" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "email_messages_pkey" PRIMARY KEY ("job_id")
);

-- CreateIndex
CREATE INDEX "email_messages_sent_at_idx" ON "email_messages"("sent_at");
