-- Every resource belongs to one organization (API keys name theirs; see API_KEYS).
-- Rows that existed before organizations move to the default one, "default".

-- Jobs: the owning organization and, when the caller named one, the user.
ALTER TABLE "jobs" ADD COLUMN "organization_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "jobs" ADD COLUMN "user_id" TEXT;
CREATE INDEX "jobs_organization_id_queue_status_created_at_idx" ON "jobs"("organization_id", "queue", "status", "created_at");

-- DIDs: only their organization may issue with, update or deactivate them.
ALTER TABLE "dids" ADD COLUMN "organization_id" TEXT NOT NULL DEFAULT 'default';
CREATE INDEX "dids_organization_id_idx" ON "dids"("organization_id");

-- Credentials: organization_id was a label the caller chose, never checked; it
-- now names the owner, so every existing credential starts in the default one.
UPDATE "credentials" SET "organization_id" = 'default';
ALTER TABLE "credentials" ALTER COLUMN "organization_id" SET DEFAULT 'default';
ALTER TABLE "credentials" ALTER COLUMN "organization_id" SET NOT NULL;
CREATE INDEX "credentials_organization_id_idx" ON "credentials"("organization_id");

-- Status lists belong to their issuer's organization.
ALTER TABLE "status_lists" ADD COLUMN "organization_id" TEXT NOT NULL DEFAULT 'default';

-- Webhook deliveries belong to the organization of the job they report.
ALTER TABLE "webhook_deliveries" ADD COLUMN "organization_id" TEXT NOT NULL DEFAULT 'default';

-- VC-event records belong to the organization of the credential they changed (or
-- of the key that sent them on the legacy route).
ALTER TABLE "vc_event_processing_logs" ADD COLUMN "organization_id" TEXT NOT NULL DEFAULT 'default';
