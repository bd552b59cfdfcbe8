-- CreateEnum
CREATE TYPE "DidStatus" AS ENUM ('active', 'deactivated');

-- CreateEnum
CREATE TYPE "CredentialStatus" AS ENUM ('issued', 'revoked');

-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('pending', 'delivered', 'failed');

-- CreateTable
CREATE TABLE "dids" (
    "did" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "document" JSONB NOT NULL,
    "key_id" TEXT NOT NULL,
    "public_key_jwk" JSONB NOT NULL,
    "encrypted_key" TEXT NOT NULL,
    "services" JSONB NOT NULL DEFAULT '[]',
    "status" "DidStatus" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deactivated_at" TIMESTAMPTZ(3),

    CONSTRAINT "dids_pkey" PRIMARY KEY ("did")
);

-- CreateTable
CREATE TABLE "credentials" (
    "id" UUID NOT NULL,
    "public_id" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "status" "CredentialStatus" NOT NULL DEFAULT 'issued',
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "jwt" TEXT NOT NULL,
    "status_list_id" TEXT NOT NULL,
    "status_list_index" INTEGER NOT NULL,
    "organization_id" TEXT,
    "user_id" TEXT,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "status_lists" (
    "id" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "purpose" TEXT NOT NULL DEFAULT 'revocation',
    "bits" BYTEA NOT NULL,
    "size" INTEGER NOT NULL,
    "next_index" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "status_lists_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "source_job_id" UUID NOT NULL,
    "job_id" UUID,
    "url" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempt_count" INTEGER NOT NULL DEFAULT 0,
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "next_attempt_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_attempts" (
    "id" UUID NOT NULL,
    "delivery_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status_code" INTEGER,
    "duration_ms" INTEGER NOT NULL,
    "error" TEXT,
    "next_attempt_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "credentials_public_id_key" ON "credentials"("public_id");

-- CreateIndex
CREATE INDEX "credentials_issuer_idx" ON "credentials"("issuer");

-- CreateIndex
CREATE INDEX "credentials_subject_idx" ON "credentials"("subject");

-- CreateIndex
CREATE UNIQUE INDEX "credentials_status_list_id_status_list_index_key" ON "credentials"("status_list_id", "status_list_index");

-- CreateIndex
CREATE INDEX "status_lists_issuer_purpose_idx" ON "status_lists"("issuer", "purpose");

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_source_job_id_event_url_key" ON "webhook_deliveries"("source_job_id", "event", "url");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_attempts_delivery_id_attempt_key" ON "webhook_attempts"("delivery_id", "attempt");

-- AddForeignKey
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
