/**
 * Zod schemas for what the API answers. Requests are validated by the schemas their
 * routes declare (beside each handler, see routing.ts); responses are built by
 * plain functions (`jobView`, the credentials service, ...), so their shapes are
 * described here, and `keyChecks` at the bottom fails to compile when a documented
 * shape and the type the code sends stop having the same fields.
 */
import { z } from 'zod';
import { CREDENTIAL_FORMATS, type CredentialView, type DidResolution, type DidView, type IssueResult, type vcApi, type VerifyResult as CredentialVerifyResult } from '@vcq/credentials';
import type { FieldError } from '@vcq/errors';
import { VerificationJobSchema } from '@vcq/app';
import type { ProofResult, VerifyResult } from '@vcq/verification';
import type { jobView } from '../job-view.js';
import { OwnerFieldsSchema } from '../tenancy.js';

const dateTime = z.string().meta({ format: 'date-time' });
const uuid = z.string().meta({ format: 'uuid' });
const address = z.string().meta({ pattern: '^0x[0-9a-fA-F]{40}$', description: '0x-prefixed 20-byte address' });
const hex32 = z.string().meta({ pattern: '^0x[0-9a-fA-F]{64}$', description: '0x-prefixed SHA-256' });

export const FieldErrorSchema = z.object({
  field: z.string().describe('The request field (or JSON path) the problem is about.'),
  message: z.string(),
});

export const ProblemSchema = z
  .looseObject({
    type: z.string().describe('`urn:vcq:problem:<code>`, e.g. `urn:vcq:problem:validation_failed`.'),
    title: z.string().describe('The HTTP status phrase.'),
    status: z.number().int(),
    detail: z.string().describe('What went wrong, for a human.'),
    error: z.string().describe('The problem type’s short string (`Job not found`, `Validation failed`), as Internet ID clients read it.'),
    errors: z.array(FieldErrorSchema).optional().describe('One entry per invalid field (400).'),
  })
  .describe('An RFC 9457 problem document. Some carry extension members, e.g. `checks` (readiness) or `requestId` (500).');

export const JobStatusSchema = z.enum(['queued', 'processing', 'completed', 'failed', 'cancelled']);

export const JobViewSchema = z
  .object({
    id: uuid,
    jobId: uuid.describe('The same as `id`.'),
    queue: z.string().describe('The BullMQ queue, e.g. `verification`, `vc-issuance`, `did-operations`.'),
    type: z.string().describe('The job name, e.g. `verify`, `proof`, `issue-credential`, `did-create`.'),
    status: JobStatusSchema.describe('`queued` → `processing` → `completed` | `failed` (or `cancelled` by an admin).'),
    state: z.enum(['waiting', 'active', 'completed', 'failed']).describe('The same in BullMQ’s state names (Internet ID’s `state`).'),
    mode: z.enum(['async', 'sync']).describe('`sync` when it ran inside the request because the queue was down.'),
    progress: z.number().int().min(0).max(100),
    contentHash: z.string().nullable().describe('Verification jobs: the SHA-256 of the uploaded file.'),
    manifestUri: z.string().nullable().describe('Verification jobs: the manifest URI.'),
    registryAddress: z.string().nullable().describe('Verification jobs: the content registry read.'),
    result: z
      .unknown()
      .describe(
        'Null until the job completes; then the handler’s result: VerificationResult (verify), ProofResult (proof), IssueResult (issue-credential), CredentialVerifyResult (verify-credential), DidView (did-*), `{messageId, accepted, rejected, response, sentAt}` (emails/send), or for a batch’s parent (type `batch`) `{total, completed, failed, children: [{index, jobId, status, pollUrl, error, errorCode}]}`.',
      ),
    error: z.string().nullable().describe('The last attempt’s error; set between retries, too.'),
    errorCode: z.string().nullable(),
    attempt: z.number().int().min(0),
    maxAttempts: z.number().int().min(1).describe('Attempts in all: the job type’s, or the `attempts` it was submitted with.'),
    retryCount: z.number().int().min(0),
    parentId: uuid.nullable().describe('A batch’s child: its parent job (type `batch`), whose result summarises the batch.'),
    batchIndex: z.number().int().nullable().describe('A batch’s child: its place in the batch, from 0.'),
    priority: z.number().int().min(0).describe('BullMQ priority, lower first: critical 0, high 1, normal 5, low 10 (the job type’s, or the `priority` it was submitted with).'),
    runAt: z.string().meta({ format: 'date-time' }).nullable().describe('Not started before this time (its `delay` or `runAt`); null: as soon as a worker is free.'),
    organizationId: z.string().describe('The organization that owns the job (its submitting key’s).'),
    userId: z.string().nullable().describe('The `userId` the job was submitted for, if any.'),
    createdAt: dateTime,
    updatedAt: dateTime,
    startedAt: dateTime.nullable(),
    completedAt: dateTime.nullable(),
  })
  .describe('A job of any queue.');

export const JobFinishedSchema = JobViewSchema.extend({ pollUrl: z.string() }).describe(
  'The finished job, answered when `Prefer: wait=N` was sent and the job ended within N seconds.',
);

export const JobAcceptedSchema = z
  .object({
    mode: z.literal('async'),
    jobId: uuid,
    status: JobStatusSchema,
    message: z.string(),
    pollUrl: z.string().describe('Where to poll the job (also in `Location`).'),
  })
  .describe('The job is queued.');

export const JobSyncResultSchema = z
  .object({ mode: z.literal('sync'), jobId: uuid, result: z.unknown().describe('The handler’s result, as in JobView.result.') })
  .describe('The queue was unavailable, so the job ran inside the request (sync fallback).');

export const VerificationJobListSchema = z.object({
  jobs: z.array(JobViewSchema).describe('The page (Internet ID’s name); the same as `items`.'),
  count: z.number().int().describe('How many jobs this page holds (Internet ID’s name); `total` counts them all.'),
  items: z.array(JobViewSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const VerificationStatsSchema = z.object({
  available: z.boolean().describe('Whether the queue (Redis) is reachable; false means new jobs run in sync fallback.'),
  waiting: z.number().int(),
  active: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
});

const fields = VerificationJobSchema.shape;

/**
 * The upload form, from the verification job's own field schemas: the API hashes
 * `file` and enqueues the rest as that job's data.
 */
export const VerificationUploadSchema = z
  .object({
    file: z.string().meta({ format: 'binary', contentMediaType: 'application/octet-stream' }).describe('The content; hashed while it streams, never stored.'),
    manifestURI: fields.manifestUri.describe('`ipfs://…`, `https://…` (or `http://…`) URI of the signed manifest.'),
    registryAddress: fields.registryAddress.optional().describe('The content registry contract; optional when the server has `REGISTRY_ADDRESS`.'),
    callbackUrl: fields.callbackUrl.describe('POSTed a signed webhook when the job ends.'),
    ...OwnerFieldsSchema.shape,
  })
  .describe('multipart/form-data with exactly one file in `file`.');

/** The multi-file form of a verification batch. */
export const VerificationBatchUploadSchema = z
  .object({
    file: z
      .array(z.string().meta({ format: 'binary', contentMediaType: 'application/octet-stream' }))
      .describe('The files, one part each (the field repeated); each hashed while it streams, never stored.'),
    manifestURI: z.array(fields.manifestUri).describe('One per file, in the files’ order.'),
    registryAddress: z.array(z.string()).optional().describe('Once for every file, or once per file; optional when the server has `REGISTRY_ADDRESS`.'),
    type: z.enum(['verify', 'proof']).optional().describe('What each child does; `verify` by default.'),
    callbackUrl: fields.callbackUrl.describe('POSTed one signed `batch.completed` webhook when every child has ended.'),
    ...OwnerFieldsSchema.shape,
  })
  .describe('multipart/form-data with `file` and `manifestURI` repeated, paired by order.');

/** The answer to an accepted batch. */
export const BatchAcceptedSchema = z
  .object({
    mode: z.literal('async'),
    jobId: uuid.describe('The parent job’s id.'),
    status: JobStatusSchema,
    message: z.string(),
    pollUrl: z.string().describe('Where to poll the parent (also in `Location`).'),
    total: z.number().int().describe('How many children the batch has.'),
    items: z.array(z.object({ index: z.number().int(), jobId: uuid, pollUrl: z.string() })).describe('Each child, in the items’ order.'),
  })
  .describe('The batch is queued: a parent job, and a child job per item.');

const VerificationStatusSchema = z.enum(['OK', 'WARN', 'FAIL']);
const OnchainEntrySchema = z.object({
  registered: z.boolean(),
  contentHash: hex32.describe('The hash the entry is registered under; the zero hash when unregistered.'),
  creator: address,
  timestamp: z.number().int().describe('Seconds since the epoch; 0 when unregistered.'),
  manifestURI: z.string(),
});
const VerificationChecksSchema = z.object({ manifestHashOk: z.boolean(), creatorOk: z.boolean(), manifestOk: z.boolean() });

export const VerificationResultSchema = z
  .object({
    status: VerificationStatusSchema.describe('`OK` when all checks hold, `WARN` when only the on-chain manifest URI differs, `FAIL` otherwise.'),
    fileHash: hex32,
    recovered: address.nullable().describe('The manifest signer.'),
    onchain: OnchainEntrySchema,
    checks: VerificationChecksSchema,
  })
  .describe('The result of a verification.');

export const ProofResultSchema = z
  .object({
    version: z.literal('1.0'),
    generated_at: dateTime.describe('Internet ID’s name; the same as `generatedAt`.'),
    generatedAt: dateTime,
    network: z.object({ chainId: z.number().int() }),
    registry: address,
    content: z.object({ file: z.string().describe('The uploaded file’s name (`unknown` when none).'), hash: hex32, uri: z.string() }),
    manifest: z.object({
      uri: z.string(),
      creator_did: z.string().describe('Internet ID’s name; the same as `creatorDid`.'),
      signature: z.string().describe('The manifest’s EIP-191 signature.'),
      creatorDid: z.string(),
      createdAt: z.string(),
    }),
    onchain: OnchainEntrySchema,
    signature: z.object({ recovered: address.nullable(), valid: z.boolean() }),
    tx: z
      .object({ txHash: hex32.describe('Internet ID’s name; the same as `hash`.'), hash: hex32, blockNumber: z.number().int() })
      .nullable()
      .describe('From the `ContentRegistered` log.'),
    verification: z
      .object({
        fileHashMatchesManifest: z.boolean(),
        creatorMatchesOnchain: z.boolean(),
        manifestURIMatchesOnchain: z.boolean(),
        status: VerificationStatusSchema,
        checks: VerificationChecksSchema,
      })
      .describe('Internet ID’s three booleans, and the same checks under vcq’s names in `checks`.'),
  })
  .describe('A proof of registration, with Internet ID’s field names beside vcq’s.');

export const HealthSchema = z.object({ status: z.literal('ok') });

export const ReadinessSchema = z.object({
  status: z.literal('ready'),
  checks: z.object({
    database: z.literal('up').describe('`SELECT 1` on vcq’s database pool.'),
    queue: z
      .literal('up')
      .describe('The queue backend’s own check: PING on the Redis producer connection; with `QUEUE_BACKEND=postgres`, a read of BullMQ’s `job` table (schema `bullmq`) through the queue backend’s own pool.'),
    queueBackend: z.enum(['redis', 'postgres', 'none']).describe('Which backend `queue` checked (`QUEUE_BACKEND`).'),
  }),
});

const ServiceSchema = z.looseObject({
  id: z.string(),
  type: z.union([z.string(), z.array(z.string())]),
  serviceEndpoint: z.unknown(),
});

export const DidDocumentSchema = z
  .looseObject({
    '@context': z.union([z.string(), z.array(z.union([z.string(), z.record(z.string(), z.unknown())]))]).optional(),
    id: z.string(),
    verificationMethod: z.array(z.looseObject({ id: z.string(), type: z.string(), controller: z.string() })).optional(),
    authentication: z.array(z.unknown()).optional(),
    assertionMethod: z.array(z.unknown()).optional(),
    service: z.array(ServiceSchema).optional(),
  })
  .describe('A W3C DID document.');

export const DidViewSchema = z
  .object({
    did: z.string(),
    method: z.enum(['key', 'web']),
    status: z.enum(['active', 'deactivated']),
    document: DidDocumentSchema,
    keyId: z.string().describe('The verification method id of the current key; the `kid` of what it signs.'),
    publicKeyJwk: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string() }),
    services: z.array(ServiceSchema),
    organizationId: z.string().describe('The organization that controls it: only its keys may issue with, update or deactivate it.'),
    createdAt: dateTime,
    updatedAt: dateTime,
    deactivatedAt: dateTime.nullable(),
  })
  .describe('A DID vcq controls. Never carries private key material.');

export const DidImportedSchema = z
  .object({ mode: z.literal('sync'), result: DidViewSchema })
  .describe('An imported key (`seedHex` or `privateKeyJwk`) is stored in the request, never queued.');

export const DidResolutionSchema = z
  .object({
    didDocument: DidDocumentSchema,
    didDocumentMetadata: z.object({ deactivated: z.literal(true).optional(), created: z.string().optional(), updated: z.string().optional() }),
    didResolutionMetadata: z.object({ contentType: z.string() }),
  })
  .describe('A W3C DID Resolution result.');

export const IssueResultSchema = z.object({
  vcJwt: z.string(),
  credentialId: uuid.describe('The credential’s id; its VC id is `urn:uuid:<credentialId>`.'),
  issuedAt: dateTime,
}).describe('The result of an issuance in a JWT format; in a Data Integrity format it is `{format, verifiableCredential, credentialId, issuedAt}`, the credential with its `proof`.');

const VerifyErrorSchema = z.enum(['bad_signature', 'expired', 'not_yet_valid', 'revoked', 'unknown_issuer', 'malformed']);

export const CredentialVerifyResultSchema = z.object({
  valid: z.boolean(),
  claims: z.record(z.string(), z.unknown()).nullable().describe('`credentialSubject` without its `id`; null when the credential could not be authenticated.'),
  issuer: z.string().nullable(),
  subject: z.string().nullable(),
  error: VerifyErrorSchema.nullable().describe('Why the credential does not verify.'),
});

export const CredentialViewSchema = z.object({
  id: uuid,
  publicId: z.string().describe('The credential’s own `id`: the one a VC API caller gave it, else `urn:uuid:<id>`.'),
  issuer: z.string(),
  subject: z.string(),
  type: z.string(),
  status: z.enum(['issued', 'revoked']),
  issuedAt: dateTime,
  expiresAt: dateTime.nullable(),
  revokedAt: dateTime.nullable(),
  statusListId: z.string(),
  statusListIndex: z.number().int(),
  statusListCredential: z.string().describe('Where the signed status list is published.'),
  organizationId: z.string().describe('The organization that issued it; only its keys (and platform-wide `admin` keys) see and revoke it.'),
  userId: z.string().nullable(),
  format: z.enum(CREDENTIAL_FORMATS).describe('How the credential is encoded and secured.'),
  vcJwt: z.string().optional().describe('The signed credential (`jwt_vc_json`, `vc+jwt`).'),
  verifiableCredential: z.record(z.string(), z.unknown()).optional().describe('The credential with its Data Integrity `proof` (`di-eddsa-rdfc-2022`, `di-eddsa-jcs-2022`).'),
});

// packages/credentials/src/vc-api.ts validates these bodies with schemas it does not
// export; these describe the same fields.
const JsonLdContextSchema = z
  .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
  .min(1)
  .describe('Starts with `https://www.w3.org/ns/credentials/v2` (VCDM 2.0) or `https://www.w3.org/2018/credentials/v1` (VCDM 1.1); every entry is kept.');

export const VcApiIssueRequestSchema = z
  .object({
    credential: z
      .looseObject({
        '@context': JsonLdContextSchema,
        id: z.string().optional().describe('Any URL. The same id from the same organization returns the same credential; another body under it is a 409.'),
        type: z.union([z.string(), z.array(z.string()).min(1)]).describe('Includes `VerifiableCredential`; any others are kept.'),
        issuer: z.union([z.string(), z.looseObject({ id: z.string() })]).describe('A DID the caller’s organization controls, or an object with it as `id`.'),
        credentialSubject: z
          .union([z.looseObject({ id: z.string().optional() }), z.array(z.looseObject({ id: z.string().optional() })).min(1)])
          .describe('One subject or several; the first one’s `id` is a DID, which vcq records as the subject.'),
        validFrom: dateTime.optional().describe('VCDM 2.0; vcq sets the issuance time when left out.'),
        validUntil: dateTime.optional().describe('VCDM 2.0.'),
        issuanceDate: dateTime.optional().describe('VCDM 1.1; vcq sets the issuance time when left out.'),
        expirationDate: dateTime.optional().describe('VCDM 1.1.'),
      })
      .describe('An unsecured credential: every member is issued as sent; vcq adds `credentialStatus` (and `id` and the issuance date when missing). `proof` and `credentialStatus` must be left out.'),
    options: z
      .looseObject({ format: z.string().optional().describe('`vc+jwt` (the default for VCDM 2.0), `jwt_vc_json` (the default for VCDM 1.1), or `di-eddsa-rdfc-2022` / `di-eddsa-jcs-2022` (a Data Integrity proof, for either version; every `@context` must be one vcq has a copy of).') })
      .optional(),
  })
  .describe('A W3C VC API issue request. Takes `Idempotency-Key`.');

export const VcApiIssueResponseSchema = z.object({
  verifiableCredential: z.union([
    z.object({
      '@context': z.array(z.string()),
      id: z.string().describe('`data:application/vc+jwt,<JWT>` for a VC-JOSE-COSE credential, `data:application/jwt,<VC-JWT>` for a VCDM 1.1 VC-JWT.'),
      type: z.literal('EnvelopedVerifiableCredential'),
    }),
    z.looseObject({ proof: z.unknown() }).describe('A credential secured with a Data Integrity proof, as it is.'),
  ]),
});

export const VcApiVerifyRequestSchema = z
  .object({
    verifiableCredential: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .describe('A credential JWT (VC-JOSE-COSE or VCDM 1.1 VC-JWT), an EnvelopedVerifiableCredential with a `data:application/vc+jwt,` or `data:application/jwt,` id, or a credential with a Data Integrity `proof` (eddsa-rdfc-2022, eddsa-jcs-2022).'),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .describe('A W3C VC API verify request.');

export const VcApiVerifyResponseSchema = z.object({
  verified: z.boolean(),
  problemDetails: z
    .array(z.object({ type: z.string(), code: z.number().int().optional(), title: z.string(), detail: z.string() }))
    .describe('Why the credential does not verify (RFC 9457 problem details; VCDM 2.0 error types where one fits); empty when it does.'),
});

export const VcApiVerifyFailureSchema = ProblemSchema.extend({
  verified: z.literal(false).optional().describe('Present when the credential was read and does not verify.'),
  problemDetails: VcApiVerifyResponseSchema.shape.problemDetails.optional(),
}).describe('A malformed request (field errors), or a credential that does not verify (`verified: false` with its problem details).');

/** The `/queue` routes answer `{success: true, data}`. */
const ok = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data });

export const QueueStatsSchema = z.object({
  name: z.string(),
  paused: z.boolean(),
  waiting: z.number().int(),
  active: z.number().int(),
  completed: z.number().int().describe('From Postgres, which keeps the history Redis drops.'),
  failed: z.number().int().describe('From Postgres.'),
  delayed: z.number().int(),
  total: z.number().int(),
  limits: z
    .object({
      concurrency: z.number().int().describe('Jobs at once per worker process.'),
      limiter: z.object({ max: z.number().int(), duration: z.number().int() }).nullable().describe('At most `max` job starts per `duration` ms across all workers; null for none.'),
      source: z.enum(['environment', 'api']).describe('`environment`: QUEUE_LIMITS / QUEUE_CONCURRENCY; `api`: set with `PUT /queue/{name}/limits`.'),
    })
    .optional(),
});

const QueueStateNameSchema = z.string().describe('The BullMQ state (`waiting`, `active`, `delayed`, `completed`, `failed`, ...).');
const QueueJobSchema = JobViewSchema.extend({
  queueState: QueueStateNameSchema.nullable().describe('The job’s state on the queue; null when the queue no longer holds it (it drops completed jobs at once, failed ones after a day; Postgres keeps the row).'),
});

export const QueueStatsListResponseSchema = ok(z.array(QueueStatsSchema));
export const QueueStatsResponseSchema = ok(QueueStatsSchema);
export const QueueJobListResponseSchema = ok(
  z.object({
    status: z.string(),
    start: z.number().int(),
    end: z.number().int(),
    total: z.number().int().optional().describe('Completed and failed listings (from Postgres) only.'),
    jobs: z.array(
      z.union([
        QueueJobSchema,
        z.object({ id: z.string(), type: z.string(), queueState: QueueStateNameSchema, progress: z.unknown() }).describe('A BullMQ job without a row.'),
      ]),
    ),
  }),
);
export const QueueJobResponseSchema = ok(QueueJobSchema);
export const QueueRetryResponseSchema = ok(JobViewSchema);
export const QueueRemoveResponseSchema = ok(
  z.object({
    id: uuid,
    cancelled: z.boolean().describe('The row was open and is now `cancelled`; false for a job that had already ended, whose row keeps its outcome.'),
    removed: z.boolean().describe('The BullMQ job was removed (false for a running job, which finishes but is not retried).'),
    queueState: QueueStateNameSchema.nullable(),
  }),
);
export const QueuePauseResponseSchema = ok(z.object({ name: z.string(), paused: z.boolean() }));
export const QueueCleanResponseSchema = ok(
  z.object({
    name: z.string(),
    status: z.string(),
    removed: z.number().int(),
    cancelled: z.number().int().describe('Rows of jobs removed before they ran, now `cancelled`.'),
    ids: z.array(z.string()),
  }),
);

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SameKeys<S extends z.ZodType, T> = Same<keyof z.output<S>, keyof T>;

// Each entry is `true` only while the documented shape has exactly the fields the code sends.
const keyChecks: [
  SameKeys<typeof JobViewSchema, ReturnType<typeof jobView>>,
  SameKeys<typeof FieldErrorSchema, FieldError>,
  SameKeys<typeof VerificationResultSchema, VerifyResult>,
  SameKeys<typeof ProofResultSchema, ProofResult>,
  SameKeys<typeof DidViewSchema, DidView>,
  SameKeys<typeof DidResolutionSchema, DidResolution>,
  SameKeys<typeof IssueResultSchema, IssueResult>,
  SameKeys<typeof CredentialVerifyResultSchema, CredentialVerifyResult>,
  SameKeys<typeof CredentialViewSchema, CredentialView>,
  SameKeys<typeof VcApiIssueResponseSchema, ReturnType<(typeof vcApi)['issueResponse']>>,
  SameKeys<typeof VcApiVerifyResponseSchema, ReturnType<(typeof vcApi)['verifyResponse']>>,
] = [true, true, true, true, true, true, true, true, true, true, true];
void keyChecks;
