-- Effects exactly once: a did-create job that runs again (its worker was killed after
-- the DID was stored, before the job's outcome was) returns the DID it made instead of
-- storing a second key; a did-update job that runs again does not rotate twice.
ALTER TABLE "dids" ADD COLUMN "job_id" UUID;
ALTER TABLE "dids" ADD COLUMN "last_job_id" UUID;
CREATE UNIQUE INDEX "dids_job_id_key" ON "dids"("job_id");
