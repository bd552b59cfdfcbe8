/**
 * The built-in issuer backend: signs with a DID vcq controls, gives the credential
 * its place in the issuer's status list and stores it (`credentials`).
 */
import { createHash } from 'node:crypto';
import { Coalescer, DEFAULT_ORGANIZATION, type Db, type HotStatement, hotQuery, type Settled, settle } from '@vcq/db';
import { PermanentJobError, ValidationError } from '@vcq/errors';
import type { DidRegistry, LoadedSigner } from './did-service.js';
import { signJwt } from './jwt.js';
import type { IssueCredentialInput } from './schemas.js';
import { allocateStatusIndexes, STATUS_PURPOSE, type StatusListFormat, statusListFormatFor } from './status-list.js';
import type { AnyIssueResult, IssuerBackend } from './types.js';
import { decodeJwt } from './jwt.js';
import { cryptosuiteOf, DATA_INTEGRITY_CONTEXT_V2, type DataIntegrityFormat, isDataIntegrityFormat, signDataIntegrity } from './data-integrity.js';
import { fieldError } from './validation.js';
import type { CredentialFormat } from './schemas.js';
import type { IssuedCredentialFields } from './vc-jwt.js';
import { credentialV2, isVcJoseHeader, VC_JOSE_TYP } from './vc-jose.js';
import { credentialPayload, credentialUrl, credentialV1, UNDEFINED_TERMS_CONTEXT_V2, VC_CONTEXT_V1, VC_CONTEXT_V2 } from './vc-jwt.js';

export interface BuiltinIssuerDeps {
  db: Db;
  registry: DidRegistry;
  statusListUrl: (listId: string) => string;
}

type CredentialRow = NonNullable<Awaited<ReturnType<Db['credential']['findUnique']>>>;

type IssueRequest = IssueCredentialInput & { id: string; now: Date };

/**
 * An IssuerBackend that signs locally with the issuer DID's stored key.
 *
 * Issuances from concurrent jobs are group-committed: one batch reads its issuers'
 * DIDs in one query, takes its status-list indexes with one UPDATE per issuer, signs
 * each credential, and stores them all with one INSERT. A batch's statement failing
 * fails each of its issuances; a bad issuer fails only its own.
 */
export function createBuiltinIssuer(deps: BuiltinIssuerDeps): IssuerBackend {
  const batches = new Coalescer<IssueRequest, AnyIssueResult>((requests) => issueBatch(deps, requests), { windowMs: 0, maxBatch: 200, maxInFlight: 2 });
  return {
    issue: (input, ctx) => batches.submit({ ...input, now: ctx.now }),
  };
}

async function issueBatch(deps: BuiltinIssuerDeps, requests: IssueRequest[]): Promise<Array<Settled<AnyIssueResult>>> {
  const results: Array<Settled<AnyIssueResult> | undefined> = new Array(requests.length);
  const signers = await deps.registry.loadSigners(requests.map((r) => r.issuerDid));
  // Which requests can be signed, grouped by issuer and status list format for the index allocation.
  const byList = new Map<string, { issuer: string; format: StatusListFormat; members: number[] }>();
  // A second request for an id already in this batch is answered from the first.
  const leaders = new Map<string, number>();
  const followers: Array<[follower: number, leader: number]> = [];
  requests.forEach((request, i) => {
    const candidate = signers.get(request.issuerDid);
    // A DID of another organization is one this request's organization does not control:
    // it is refused in the same words as a DID vcq does not hold at all.
    const loaded = candidate?.organizationId === ownerOf(request) ? candidate : undefined;
    const leader = leaders.get(request.id);
    if (leader !== undefined) {
      followers.push([i, leader]);
    } else if (!loaded) {
      results[i] = failure(new PermanentJobError(`vcq does not control the issuer DID ${request.issuerDid}; create it first`, { code: 'unknown_issuer' }));
    } else if (loaded.status === 'deactivated') {
      results[i] = failure(new PermanentJobError(`The issuer DID ${request.issuerDid} is deactivated`, { code: 'issuer_deactivated' }));
    } else {
      leaders.set(request.id, i);
      const format = statusListFormatFor(request.format);
      const key = `${format} ${request.issuerDid}`;
      const group = byList.get(key);
      if (group) group.members.push(i);
      else byList.set(key, { issuer: request.issuerDid, format, members: [i] });
    }
  });
  // An index whose issuance then fails stays unused (bit 0), which harms no one.
  const rows: Array<NewCredentialRow & { i: number }> = [];
  for (const { issuer, format, members } of byList.values()) {
    const loaded = signers.get(issuer) as LoadedSigner;
    const indexes = await allocateStatusIndexes(deps.db, issuer, members.length, loaded.organizationId, format);
    for (const [k, i] of members.entries()) {
      const request = requests[i] as IssueRequest;
      const { listId, index } = indexes[k] as { listId: string; index: number };
      try {
        rows.push({ i, ...(await signCredential(deps, request, loaded, listId, index)) });
      } catch (error) {
        results[i] = failure(error);
      }
    }
  }
  if (rows.length > 0) {
    // The same id issued concurrently (a stalled job's duplicate): theirs stands.
    const inserted = await insertCredentials(deps.db, rows);
    const stored = new Set(inserted.map((r) => r.id));
    const lost = rows.filter((r) => !stored.has(r.id));
    const earlier = lost.length > 0 ? await deps.db.credential.findMany({ where: { id: { in: lost.map((r) => r.id) } } }) : [];
    const earlierById = new Map(earlier.map((r) => [r.id, r]));
    for (const row of rows) {
      const request = requests[row.i] as IssueRequest;
      if (stored.has(row.id)) {
        results[row.i] = { ok: true, value: issueResultOf(row) };
        continue;
      }
      const existing = earlierById.get(row.id);
      results[row.i] = existing
        ? await settle(() => existingIssueResult(existing, request))
        : // Not this id but its public id: the organization holds another credential under that name.
          failure(new PermanentJobError(`The credential id ${row.publicId} is already taken by another credential`, { code: 'credential_id_conflict', status: 409 }));
    }
  }
  for (const [follower, leader] of followers) {
    const first = results[leader] as Settled<AnyIssueResult>;
    const made = requests[leader] as IssueRequest;
    results[follower] = first.ok
      ? await settle(() =>
          existingIssueResult(
            {
              id: made.id,
              issuer: made.issuerDid,
              subject: made.subjectDid,
              type: made.credentialType,
              organizationId: ownerOf(made),
              requestDigest: requestDigest(made),
              jwt: 'vcJwt' in first.value ? first.value.vcJwt : JSON.stringify(first.value.verifiableCredential),
              issuedAt: new Date(first.value.issuedAt),
            },
            requests[follower] as IssueRequest,
          ),
        )
      : first;
  }
  return results.map((r) => r ?? failure(new Error('issuance request left unanswered')));
}

/**
 * One INSERT for the batch, its rows as a single JSON parameter: the statement costs
 * the same to prepare however many rows it carries. An id that exists already (the
 * same job issued concurrently), or a public id the organization already gave another
 * credential, is skipped and left out of the answer.
 */
function insertCredentials(db: Db, rows: NewCredentialRow[]): Promise<Array<{ id: string }>> {
  const records = rows.map((r) => ({
    id: r.id,
    public_id: r.publicId,
    issuer: r.issuer,
    subject: r.subject,
    type: r.type,
    issued_at: r.issuedAt,
    expires_at: r.expiresAt,
    jwt: r.jwt,
    status_list_id: r.statusListId,
    status_list_index: r.statusListIndex,
    organization_id: r.organizationId,
    user_id: r.userId,
    request_digest: r.requestDigest,
  }));
  return hotQuery<{ id: string }>(db, INSERT_CREDENTIALS, [JSON.stringify(records)]);
}

const INSERT_CREDENTIALS: HotStatement = {
  name: 'vcq_insert_credentials',
  text: `
    INSERT INTO credentials (id, public_id, issuer, subject, type, issued_at, expires_at, jwt, status_list_id, status_list_index, organization_id, user_id, request_digest)
    SELECT id, public_id, issuer, subject, type, issued_at, expires_at, jwt, status_list_id, status_list_index, organization_id, user_id, request_digest
    FROM jsonb_to_recordset($1::jsonb) AS r(
      id uuid, public_id text, issuer text, subject text, type text, issued_at timestamptz, expires_at timestamptz,
      jwt text, status_list_id text, status_list_index int, organization_id text, user_id text, request_digest text)
    ON CONFLICT DO NOTHING
    RETURNING id::text AS id`,
};

type NewCredentialRow = Omit<CredentialRow, 'status' | 'revokedAt' | 'createdAt'>;

/**
 * The signed credential of one request, as the row that stores it: `jwt` holds the
 * compact JWS of a JWT format, or the JSON text of a Data Integrity credential.
 */
async function signCredential(deps: BuiltinIssuerDeps, input: IssueRequest, loaded: LoadedSigner, listId: string, index: number): Promise<NewCredentialRow> {
  const statusListCredential = deps.statusListUrl(listId);
  // Whole seconds, so the stored dates equal the credential's nbf and exp.
  const issuedAt = wholeSeconds(input.now);
  const expiresAt = input.expirationDate ? wholeSeconds(new Date(input.expirationDate)) : null;
  const fields = {
    id: input.id,
    issuer: input.issuerDid,
    subject: input.subjectDid,
    type: input.credentialType,
    claims: input.claims,
    issuedAt,
    expiresAt,
    status: {
      id: `${statusListCredential}#${index}`,
      type: 'BitstringStatusListEntry' as const,
      statusPurpose: STATUS_PURPOSE,
      statusListIndex: String(index),
      statusListCredential,
    },
    ...(input.credential ? { requested: input.credential } : {}),
  };
  let jwt: string;
  if (isDataIntegrityFormat(input.format)) {
    const secured = await signDataIntegrity(dataIntegrityDocument(fields), { cryptosuite: cryptosuiteOf(input.format), keyId: loaded.keyId, signer: loaded.signer, created: issuedAt }).catch(
      (error: unknown) => {
        // A VC API caller's credential: what JSON-LD processing refused is in `credential`.
        if (!fields.requested || !(error instanceof ValidationError)) throw error;
        const field = error.errors?.[0]?.field === '@context' ? 'credential.@context' : 'credential';
        throw fieldError(field, error.errors?.[0]?.message ?? error.message, error);
      },
    );
    jwt = JSON.stringify(secured);
  } else if (input.format === 'vc+jwt') {
    // VC-JOSE-COSE §3.1.1: typ vc+jwt, cty vc; the payload is the credential itself.
    jwt = signJwt({ typ: VC_JOSE_TYP, cty: 'vc', kid: loaded.keyId }, credentialV2(fields), loaded.signer);
  } else {
    jwt = signJwt({ typ: 'JWT', kid: loaded.keyId }, credentialPayload(fields), loaded.signer);
  }
  return {
    id: input.id,
    publicId: credentialUrl(fields),
    requestDigest: requestDigest(input),
    issuer: input.issuerDid,
    subject: input.subjectDid,
    type: input.credentialType,
    issuedAt,
    expiresAt,
    jwt,
    statusListId: listId,
    statusListIndex: index,
    organizationId: ownerOf(input),
    userId: input.userId ?? null,
  };
}

/**
 * The credential a Data Integrity proof is made over. vcq's own (an /api issuance) is
 * VCDM 2.0 with the undefined-terms context, which maps claims and types no context
 * defines (VCDM 2.0 §5.2) that JSON-LD processing would otherwise refuse. A VC API
 * caller's is issued as it was sent, in its own data model version: its contexts
 * stay as they are, but for a 1.1 one, which also needs the terms of what vcq adds
 * (the status entry, the proof).
 */
function dataIntegrityDocument(fields: IssuedCredentialFields): Record<string, unknown> {
  const { requested } = fields;
  if (!requested) return { ...credentialV2(fields), '@context': [VC_CONTEXT_V2, UNDEFINED_TERMS_CONTEXT_V2] };
  const context = requested['@context'];
  return Array.isArray(context) && context[0] === VC_CONTEXT_V1 ? credentialV1({ ...fields, requested }, [DATA_INTEGRITY_CONTEXT_V2]) : credentialV2(fields);
}

/** The format a stored credential (`credentials.jwt`) was issued in. */
export function formatOf(stored: string): CredentialFormat {
  if (stored.startsWith('{')) return dataIntegrityFormatOf(stored);
  return isVcJoseHeader(decodeJwt(stored).header) ? 'vc+jwt' : 'jwt_vc_json';
}

function dataIntegrityFormatOf(stored: string): DataIntegrityFormat {
  const proof = (JSON.parse(stored) as { proof?: { cryptosuite?: unknown } }).proof;
  const format = `di-${String(proof?.cryptosuite)}`;
  if (!isDataIntegrityFormat(format)) throw new Error(`a stored credential has a proof of an unknown cryptosuite ${String(proof?.cryptosuite)}`);
  return format;
}

/** What an issuance answers for a stored credential, in its own format. */
export function issueResultOf(row: Pick<CredentialRow, 'id' | 'jwt' | 'issuedAt'>): AnyIssueResult {
  const issuedAt = row.issuedAt.toISOString();
  if (!row.jwt.startsWith('{')) return { vcJwt: row.jwt, credentialId: row.id, issuedAt };
  return { format: dataIntegrityFormatOf(row.jwt), verifiableCredential: JSON.parse(row.jwt) as Record<string, unknown>, credentialId: row.id, issuedAt };
}

/** The organization an issuance is for (the default one for requests made without). */
function ownerOf(input: IssueCredentialInput): string {
  return input.organizationId ?? DEFAULT_ORGANIZATION;
}

const failure = (error: unknown): Settled<never> => ({ ok: false, error });

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/**
 * The result of an earlier issuance with the same id, provided it was the same
 * request; an id reused for a different credential is a conflict, not a replay.
 */
export function existingIssueResult(
  existing: Pick<CredentialRow, 'id' | 'issuer' | 'subject' | 'type' | 'organizationId' | 'requestDigest' | 'jwt' | 'issuedAt'> & { publicId?: string },
  input: IssueCredentialInput,
): AnyIssueResult {
  if (
    existing.issuer !== input.issuerDid ||
    existing.subject !== input.subjectDid ||
    existing.type !== input.credentialType ||
    existing.organizationId !== ownerOf(input) ||
    existing.requestDigest !== requestDigest(input) ||
    (input.format !== undefined && formatOf(existing.jwt) !== input.format)
  ) {
    throw new PermanentJobError(`Credential ${existing.publicId ?? existing.id} already exists for a different issuer, subject, type, content or format`, {
      code: 'credential_id_conflict',
      status: 409,
    });
  }
  return issueResultOf(existing);
}

/**
 * What a VC API caller asked for, as a SHA-256 of its canonical JSON (members sorted)
 * and format: the same credential id asked for again with another body is a conflict.
 * Null for an issuance that named no credential document.
 */
export function requestDigest(input: IssueCredentialInput): string | null {
  if (!input.credential) return null;
  return createHash('sha256').update(`${input.format ?? ''}\n${canonicalJson(input.credential)}`).digest('base64url');
}

// Written out by hand: an object rebuilt key by key would lose a `__proto__` member.
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.keys(value).sort();
    return `{${members.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
