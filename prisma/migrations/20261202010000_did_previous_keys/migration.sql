-- A did:web's earlier keys stay verification methods after a rotation (so what they
-- signed still verifies) until the controller retires them: `[{id, publicKeyMultibase}]`.
ALTER TABLE "dids" ADD COLUMN "previous_keys" JSONB NOT NULL DEFAULT '[]';
