-- A VC API caller names its credential's id (any URL): it is unique within the
-- caller's organization, not across organizations. public_id leads, so lookups by
-- public id alone (GET /api/credentials/urn:uuid:…, VC events) still use the index.
DROP INDEX "credentials_public_id_key";
CREATE UNIQUE INDEX "credentials_public_id_organization_id_key" ON "credentials"("public_id", "organization_id");

-- What the caller asked for (a digest of its credential document), so the same id asked
-- for again with another body is told apart from a replay. Null for credentials issued
-- from vcq's own fields.
ALTER TABLE "credentials" ADD COLUMN "request_digest" TEXT;
