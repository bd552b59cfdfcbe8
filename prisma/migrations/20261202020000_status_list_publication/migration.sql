-- A status list is signed when it changes, not on every fetch: the signed credential
-- is kept with the bits `version` it was made from, and served until the bits change,
-- the issuer's key changes, or half of its validity has passed.
ALTER TABLE "status_lists" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "status_lists" ADD COLUMN "credential" TEXT;
ALTER TABLE "status_lists" ADD COLUMN "credential_version" INTEGER;
ALTER TABLE "status_lists" ADD COLUMN "credential_key_id" TEXT;
ALTER TABLE "status_lists" ADD COLUMN "credential_signed_at" TIMESTAMPTZ(3);
ALTER TABLE "status_lists" ADD COLUMN "credential_valid_until" TIMESTAMPTZ(3);
