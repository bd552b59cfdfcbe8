-- A synchronous run (Redis down) has an owner only while its API process lives: the
-- run renews this lease, and a sync row whose lease has expired belongs to no one, so
-- the reconciler takes it over (re-adds it as an async job) instead of leaving it
-- `processing` forever. Async rows are owned by their queue job and have no lease.
ALTER TABLE "jobs" ADD COLUMN "lease_until" TIMESTAMPTZ(3);
