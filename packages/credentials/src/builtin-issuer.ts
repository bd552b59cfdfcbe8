/**
 * The built-in issuer backend: signs with a DID vcq controls, gives the credential
 * its place in the issuer's status list and stores it (`credentials`).
 */
import type { Db } from '@vcq/db';
import { PermanentJobError } from '@vcq/errors';
import { isUniqueViolation } from './db-types.js';
import type { DidRegistry } from './did-service.js';
import { signJwt } from './jwt.js';
import type { IssueCredentialInput } from './schemas.js';
import { allocateStatusIndex, STATUS_PURPOSE } from './status-list.js';
import type { IssueResult, IssuerBackend } from './types.js';
import { credentialPayload } from './vc-jwt.js';

export interface BuiltinIssuerDeps {
  db: Db;
  registry: DidRegistry;
  statusListUrl: (listId: string) => string;
}

type CredentialRow = NonNullable<Awaited<ReturnType<Db['credential']['findUnique']>>>;

/** An IssuerBackend that signs locally with the issuer DID's stored key. */
export function createBuiltinIssuer(deps: BuiltinIssuerDeps): IssuerBackend {
  return {
    async issue(input, ctx) {
      const loaded = await deps.registry.loadSigner(input.issuerDid);
      if (!loaded) {
        throw new PermanentJobError(`vcq does not control the issuer DID ${input.issuerDid}; create it first`, { code: 'unknown_issuer' });
      }
      if (loaded.status === 'deactivated') {
        throw new PermanentJobError(`The issuer DID ${input.issuerDid} is deactivated`, { code: 'issuer_deactivated' });
      }
      // Its own statement: the row lock on the list lasts only for the increment, so
      // issuers do not queue behind each other's signing. An index whose issuance then
      // fails stays unused (bit 0), which harms no one.
      const { listId, index } = await allocateStatusIndex(deps.db, input.issuerDid);
      const statusListCredential = deps.statusListUrl(listId);
      // Whole seconds, so the stored dates equal the credential's nbf and exp.
      const issuedAt = wholeSeconds(ctx.now);
      const expiresAt = input.expirationDate ? wholeSeconds(new Date(input.expirationDate)) : null;
      const payload = credentialPayload({
        id: input.id,
        issuer: input.issuerDid,
        subject: input.subjectDid,
        type: input.credentialType,
        claims: input.claims,
        issuedAt,
        expiresAt,
        status: {
          id: `${statusListCredential}#${index}`,
          type: 'BitstringStatusListEntry',
          statusPurpose: STATUS_PURPOSE,
          statusListIndex: String(index),
          statusListCredential,
        },
      });
      const vcJwt = signJwt({ typ: 'JWT', kid: loaded.keyId }, payload, loaded.signer);
      try {
        await deps.db.credential.create({
          data: {
            id: input.id,
            publicId: `urn:uuid:${input.id}`,
            issuer: input.issuerDid,
            subject: input.subjectDid,
            type: input.credentialType,
            issuedAt,
            expiresAt,
            jwt: vcJwt,
            statusListId: listId,
            statusListIndex: index,
            organizationId: input.organizationId ?? null,
            userId: input.userId ?? null,
          },
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // The same id issued concurrently (a stalled job's duplicate): theirs stands.
        const existing = await deps.db.credential.findUnique({ where: { id: input.id } });
        if (!existing) throw error;
        return existingIssueResult(existing, input);
      }
      return { vcJwt, credentialId: input.id, issuedAt: issuedAt.toISOString() };
    },
  };
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/**
 * The result of an earlier issuance with the same id, provided it was the same
 * request; an id reused for a different credential is a conflict, not a replay.
 */
export function existingIssueResult(existing: CredentialRow, input: IssueCredentialInput): IssueResult {
  if (existing.issuer !== input.issuerDid || existing.subject !== input.subjectDid || existing.type !== input.credentialType) {
    throw new PermanentJobError(`Credential ${existing.id} already exists for a different issuer, subject or type`, {
      code: 'credential_id_conflict',
      status: 409,
    });
  }
  return { vcJwt: existing.jwt, credentialId: existing.id, issuedAt: existing.issuedAt.toISOString() };
}
