/**
 * Credentials and DIDs: job-creating routes (queued like verification jobs), reads,
 * revocation, the VC API shape (`/credentials/issue`, `/credentials/verify`), and the
 * public documents vcq hosts (did:web DID documents, status-list credentials).
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError, shortError, ValidationError } from '@vcq/errors';
import { assertDidKeys, assertVerifyInput, type CredentialsService, DidCreateInputSchema, vcApi } from '@vcq/credentials';
import { DidDeactivateJobSchema, DidUpdateJobSchema, IssueCredentialJobSchema, type JobName, VerifyCredentialJobSchema } from '@vcq/app';
import { ENDED, type JobOptions } from '@vcq/jobs';
import { idempotentJobId } from '../idempotency.js';
import * as s from '../openapi/schemas.js';
import { RouteGroup } from '../routing.js';
import { parseInput } from '../validation.js';
import { sendBatch, sendSubmission, type Responder } from '../submission.js';
import { canSee, ownerFor, OwnerFieldsSchema, tenantOf, visibleOr404 } from '../tenancy.js';

export interface CredentialRouteDeps extends Responder {
  credentials: CredentialsService;
}

const messages: Partial<Record<JobName, string>> = {
  'issue-credential': 'Credential issuance queued',
  'verify-credential': 'Credential verification queued',
  'did-create': 'DID creation queued',
  'did-update': 'DID update queued',
  'did-deactivate': 'DID deactivation queued',
};

/** One item of an issuance batch: an issuance request, without what belongs to the batch. */
const IssueBatchItemSchema = IssueCredentialJobSchema.omit({ credential: true, callbackUrl: true, batchId: true, organizationId: true, userId: true });

/** The batch envelope: its items, and the webhook and owner of the whole batch. */
const IssueBatchEnvelopeSchema = z.object({
  items: z.array(z.unknown()).describe('The issuance requests.'),
  callbackUrl: IssueCredentialJobSchema.shape.callbackUrl.describe('POSTed one signed `batch.completed` webhook when every child has ended.'),
  ...OwnerFieldsSchema.shape,
});

/** `POST /api/credentials/issue/batch` body, as documented: an array of requests, or the envelope. */
const IssueBatchRequestSchema = z.union([
  z.array(IssueBatchItemSchema),
  IssueBatchEnvelopeSchema.extend({ items: z.array(IssueBatchItemSchema) }),
]);

/** Reads the envelope only: each item is checked by the batch itself, so its faults name `items.<index>.<field>`. */
function parseIssueBatch(raw: unknown) {
  return parseInput(IssueBatchEnvelopeSchema, Array.isArray(raw) ? { items: raw } : raw, 'body');
}

/** `POST /api/dids` body: a DID to create (imported keys are handled in the request). */
export const DidCreateRequestSchema = DidCreateInputSchema.extend({ callbackUrl: z.string().optional(), ...OwnerFieldsSchema.shape }).describe(
  '`{"method":"key"}` queues a fresh did:key; `{"method":"web","path":[…]}` a did:web under PUBLIC_BASE_URL. With `seedHex` or `privateKeyJwk` the key is imported and stored in the request (201), never queued.',
);
// The DID comes from the path, not the body; the job's own schema checks it with the rest when it is submitted.
const DidUpdateBody = DidUpdateJobSchema.omit({ did: true });
const DidDeactivateBody = DidDeactivateJobSchema.omit({ did: true });

const DidParams = z.object({ did: z.string().describe('The DID, URL-encoded (`did%3Akey%3Az6Mk…`).') });
const CredentialParams = z.object({ id: z.string().describe('The credential id: a UUID or its `urn:uuid:` public id.') });
const jobsPoll = { pollPath: '/api/jobs/{jobId}' };

/** Submits a job owned by `owner` (by default: the request's own organization, or the one an admin key names). */
async function submit(
  req: Request,
  res: Response,
  deps: CredentialRouteDeps,
  name: JobName,
  input: object,
  job: JobOptions,
  owner = ownerFor(req, input),
): Promise<void> {
  const id = idempotentJobId(req);
  const submission = await deps.platform.submit(name, input, { owner, job, ...(id ? { id } : {}) });
  await sendSubmission(req, res, deps, submission, { pollUrl: `/api/jobs/${submission.job.id}`, message: messages[name] ?? 'Job queued' });
}

/**
 * The owner of a change to `did`: another organization's DID is answered as one vcq
 * does not hold; a platform-wide key acts for the DID's own organization.
 */
async function didOwner(req: Request, deps: CredentialRouteDeps, did: string, input: object) {
  const controller = await deps.credentials.dids.ownerOf(did);
  if (controller === null) return ownerFor(req, input);
  if (!canSee(req, controller)) throw new NotFoundError(`vcq has no DID ${did}`);
  return tenantOf(req).platformWide ? { ...ownerFor(req, input), organizationId: controller } : ownerFor(req, input);
}

/** DIDs and credentials under /api (job-creating routes, reads, revocation). */
export const credentialRoutes = new RouteGroup<CredentialRouteDeps>()
  .post(
    {
      path: '/api/dids',
      operationId: 'createDid',
      summary: 'Create a DID (did:key or did:web)',
      tag: 'DIDs',
      auth: 'submit',
      body: { json: DidCreateRequestSchema, required: true },
      createsJob: jobsPoll,
      responses: { 201: { description: 'An imported key, stored in the request.', schema: s.DidImportedSchema } },
    },
    async ({ body, jobOptions, req, res, deps }) => {
      if (body.seedHex || body.privateKeyJwk) {
        // An imported key is encrypted and stored here, in the request, so that no
        // private key ever sits in a job payload (Redis or the jobs table).
        const { callbackUrl: _, organizationId: __, userId: ___, ...create } = body;
        res.status(201).json({ mode: 'sync', result: await deps.credentials.dids.create(create, ownerFor(req, body)) });
        return;
      }
      await submit(req, res, deps, 'did-create', body, jobOptions);
    },
  )
  .get(
    {
      path: '/api/dids/{did}',
      operationId: 'resolveDid',
      summary: 'Resolve a DID',
      tag: 'DIDs',
      auth: 'read',
      params: DidParams,
      responses: { 200: { description: 'The DID resolution result.', schema: s.DidResolutionSchema } },
      problems: [400, 404, 502],
    },
    async ({ params, res, deps }) => {
      res.json(await deps.credentials.dids.resolve(params.did));
    },
  )
  .post(
    {
      path: '/api/dids/{did}/update',
      operationId: 'updateDid',
      summary: 'Rotate the key and/or change the services of a did:web DID',
      description: 'did:key cannot be updated: such a job fails at once, without retries.',
      tag: 'DIDs',
      auth: 'submit',
      params: DidParams,
      body: { json: DidUpdateBody, required: true },
      createsJob: jobsPoll,
      responses: {},
    },
    async ({ params: { did }, body, jobOptions, req, res, deps }) => {
      await submit(req, res, deps, 'did-update', { ...body, did }, jobOptions, await didOwner(req, deps, did, body));
    },
  )
  .post(
    {
      path: '/api/dids/{did}/deactivate',
      operationId: 'deactivateDid',
      summary: 'Deactivate a did:web DID',
      description: 'did:key cannot be deactivated: such a job fails at once, without retries.',
      tag: 'DIDs',
      auth: 'submit',
      params: DidParams,
      body: { json: DidDeactivateBody, required: false },
      createsJob: jobsPoll,
      responses: {},
    },
    async ({ params: { did }, body, jobOptions, req, res, deps }) => {
      await submit(req, res, deps, 'did-deactivate', { ...body, did }, jobOptions, await didOwner(req, deps, did, body));
    },
  )
  .post(
    {
      path: '/api/credentials/issue',
      operationId: 'issueCredential',
      summary: 'Queue the issuance of a VC-JWT',
      description: 'The job’s result is an IssueResult.',
      tag: 'Credentials',
      auth: 'submit',
      // A credential document comes only through the VC API, which checks it (vc-api.ts).
      body: { json: IssueCredentialJobSchema.omit({ credential: true }), required: true },
      createsJob: jobsPoll,
      responses: {},
    },
    async ({ body, jobOptions, req, res, deps }) => {
      // A did:key naming no usable key is the caller's 400 now, not a job that fails later.
      assertDidKeys({ issuerDid: body.issuerDid, subjectDid: body.subjectDid });
      await submit(req, res, deps, 'issue-credential', body, jobOptions);
    },
  )
  .post(
    {
      path: '/api/credentials/issue/batch',
      operationId: 'issueCredentialBatch',
      summary: 'Queue a batch of issuances: one parent job, a child per credential',
      description:
        'A JSON array of issuance requests (each as for `POST /api/credentials/issue`, at most `BATCH_MAX_ITEMS`), or `{items, callbackUrl, organizationId, userId}` to give the batch a webhook (one `batch.completed` when every child has ended) or an owner. The whole batch is checked first: a fault is a 400 naming `items.<index>.<field>`, and nothing is queued. Poll the parent at `pollUrl`: its progress is the share of children that have ended, and its result summarises them; each child is an ordinary `issue-credential` job.',
      tag: 'Credentials',
      auth: 'submit',
      body: { json: IssueBatchRequestSchema, required: true, parse: parseIssueBatch },
      idempotent: true,
      responses: { 202: { description: 'Queued; poll the parent at `pollUrl` (also in `Location`).', schema: s.BatchAcceptedSchema, headers: ['Location'] } },
      problems: [400, 503],
    },
    async ({ body, jobOptions, req, res, deps }) => {
      const pollBase = '/api/jobs/';
      const id = idempotentJobId(req);
      const batch = await deps.platform.submitBatch('issue-credential', body.items, {
        ...(id ? { id } : {}),
        job: jobOptions,
        maxItems: deps.batchMaxItems,
        pollBase,
        owner: ownerFor(req, body),
        // A did:key naming no usable key is the caller's 400 now, as for a single issuance.
        checkItem: (item) => {
          // A credential document comes only through the VC API, which checks it (vc-api.ts).
          if (item.credential !== undefined) throw new ValidationError('not here', [{ field: 'credential', message: 'is not taken here; issue credential documents through POST /credentials/issue' }]);
          assertDidKeys({ issuerDid: item.issuerDid, subjectDid: item.subjectDid });
        },
        ...(body.callbackUrl ? { callbackUrl: body.callbackUrl } : {}),
      });
      sendBatch(res, batch, { pollBase, message: 'Credential issuance batch queued successfully' });
    },
  )
  .post(
    {
      path: '/api/credentials/verify',
      operationId: 'verifyCredential',
      summary: 'Queue the verification of a credential',
      description: 'A VC-JWT as `vcJwt`, or a Data Integrity credential (with its `proof`) as `verifiableCredential`. The job’s result is a CredentialVerifyResult.',
      tag: 'Credentials',
      auth: 'submit',
      body: { json: VerifyCredentialJobSchema, required: true },
      createsJob: jobsPoll,
      responses: {},
    },
    async ({ body, jobOptions, req, res, deps }) => {
      // Which of vcJwt / verifiableCredential, and unknown contexts: the caller's 400 now, not a failed job.
      assertVerifyInput(body);
      await submit(req, res, deps, 'verify-credential', body, jobOptions);
    },
  )
  .get(
    {
      path: '/api/credentials/{id}',
      operationId: 'getCredential',
      summary: 'A credential vcq issued',
      tag: 'Credentials',
      auth: 'read',
      params: CredentialParams,
      responses: { 200: { description: 'The credential.', schema: s.CredentialViewSchema } },
      problems: [404],
    },
    async ({ params: { id }, req, res, deps }) => {
      res.json(visibleOr404(req, await deps.credentials.credentials.get(id), `no credential ${id}`));
    },
  )
  .post(
    {
      path: '/api/credentials/{id}/revoke',
      operationId: 'revokeCredential',
      summary: 'Revoke a credential (idempotent)',
      tag: 'Credentials',
      auth: 'submit',
      params: CredentialParams,
      responses: { 200: { description: 'The revoked credential.', schema: s.CredentialViewSchema } },
      problems: [404],
    },
    async ({ params: { id }, req, res, deps }) => {
      const credential = visibleOr404(req, await deps.credentials.credentials.get(id), `No credential ${id}`);
      res.json(await deps.credentials.credentials.revoke(credential.id));
    },
  );

// Job failures a VC API caller is answered as its own bad request (the VC API says
// 400 for an issuer that is not the expected one) or as a conflict.
const VC_API_FAILURES: Record<string, { status: number; field?: string }> = {
  unknown_issuer: { status: 400, field: 'credential.issuer' },
  issuer_deactivated: { status: 400, field: 'credential.issuer' },
  credential_id_conflict: { status: 409, field: 'credential.id' },
};

/**
 * Submits and waits; the job's own error (e.g. unknown issuer) becomes the answer. The
 * job id is the `Idempotency-Key`'s, as on /api, else `jobId` (one per caller's
 * credential id and request, vcApi.credentialJobId): the same request again answers
 * with the same job; another one under that credential id runs, and the credential
 * stored under it answers (a 409 when it was made from another request).
 */
async function runToEnd(req: Request, res: Response, deps: CredentialRouteDeps, name: JobName, input: object, jobOptions: JobOptions, jobId?: string): Promise<unknown> {
  const keyed = idempotentJobId(req);
  const id = keyed ?? jobId;
  let submission: Awaited<ReturnType<typeof deps.platform.submit>>;
  try {
    submission = await deps.platform.submit(name, input, { owner: ownerFor(req), job: jobOptions, ...(id ? { id } : {}) });
  } catch (error) {
    if (!keyed && jobId && error instanceof AppError && error.code === 'idempotency_conflict') {
      throw new AppError('credential_id_conflict', 409, 'this credential id was already issued with a different credential', {
        errors: [{ field: 'credential.id', message: 'names a credential issued from another request' }],
      });
    }
    // Run in the request (no queue): the handler's own error, answered as a failed job's.
    if (error instanceof AppError && error.code in VC_API_FAILURES) throw vcApiFailure(error.code, error.message, error);
    throw error;
  }
  if (submission.mode === 'sync') return submission.result;
  if (submission.replayed) res.setHeader('Idempotent-Replayed', 'true');
  const job = await deps.watcher.wait(submission.job.id, ENDED, deps.preferWaitMaxSeconds * 1000);
  if (!job) throw new AppError('timeout', 504, `job ${submission.job.id} did not finish in time; poll /api/jobs/${submission.job.id}`);
  if (job.status === 'cancelled') throw new AppError('job_cancelled', 409, `job ${submission.job.id} was cancelled before it finished`);
  if (job.status === 'failed') throw vcApiFailure(job.error?.code ?? 'job_failed', job.error?.message ?? 'the job failed');
  return job.result;
}

/** A failed issuance or verification as the VC API caller's answer (422 unless VC_API_FAILURES says otherwise). */
function vcApiFailure(code: string, message: string, cause?: unknown): AppError {
  const known = VC_API_FAILURES[code];
  return new AppError(code, known?.status ?? 422, message, { ...(known?.field ? { errors: [{ field: known.field, message }] } : {}), ...(cause ? { cause } : {}) });
}

/**
 * The W3C VC API shape, for clients (and remote vcq issuer backends) that speak it.
 * It answers with the finished credential, so it runs the job and waits for it. Its
 * bodies are read by the VC API mapping (packages/credentials), which owns their rules.
 */
export const vcApiRoutes = new RouteGroup<CredentialRouteDeps>()
  .post(
    {
      path: '/credentials/issue',
      operationId: 'vcApiIssue',
      summary: 'Issue a credential (W3C VC API)',
      description:
        'Runs the issuance job and waits for it (up to `PREFER_WAIT_MAX_SECONDS`). Without `options.format`, a VCDM 2.0 credential is issued as `vc+jwt` (VC-JOSE-COSE) and a VCDM 1.1 one as a VC-JWT (`jwt_vc_json`), answered as an EnvelopedVerifiableCredential; with `options.format` `di-eddsa-rdfc-2022` or `di-eddsa-jcs-2022` the credential (either version) gets a Data Integrity proof and is answered as it is. Takes `Idempotency-Key`; the same `credential.id` again returns the same credential.',
      tag: 'VC API',
      auth: 'submit',
      idempotent: true,
      body: { json: s.VcApiIssueRequestSchema, required: true, parse: (raw: unknown) => vcApi.issueRequestToInput(raw) },
      responses: { 201: { description: 'The credential: an EnvelopedVerifiableCredential holding the JWT, or the credential with its Data Integrity proof.', schema: s.VcApiIssueResponseSchema } },
      problems: [400, 409, 413, 422, 503, 504],
    },
    async ({ body, jobOptions, req, res, deps }) => {
      await vcApi.assertIssuable(body);
      const jobId = vcApi.credentialJobId(ownerFor(req).organizationId, body);
      const result = await runToEnd(req, res, deps, 'issue-credential', body, jobOptions, jobId);
      res.status(201).json(vcApi.issueResponse(result as never));
    },
  )
  .post(
    {
      path: '/credentials/verify',
      operationId: 'vcApiVerify',
      summary: 'Verify a credential (W3C VC API)',
      description:
        'Runs the verification job and waits for it (up to `PREFER_WAIT_MAX_SECONDS`). Takes `Idempotency-Key`. A credential that verifies is a 200 with `verified: true`; one that does not is a 400 problem document carrying `verified: false` and its problem details, as the W3C VC API test suites expect of a failed verification.',
      tag: 'VC API',
      auth: 'submit',
      idempotent: true,
      body: { json: s.VcApiVerifyRequestSchema, required: true, parse: (raw: unknown) => vcApi.verifyRequestToInput(raw) },
      responses: {
        200: { description: 'The credential verifies.', schema: s.VcApiVerifyResponseSchema },
        400: {
          description: 'The request is malformed, or the credential does not verify: then `verified: false` and `problemDetails` say why.',
          mediaType: 'application/problem+json',
          schema: s.VcApiVerifyFailureSchema,
        },
      },
      problems: [409, 413, 422, 503, 504],
    },
    async ({ body, jobOptions, req, res, deps }) => {
      const result = await runToEnd(req, res, deps, 'verify-credential', body, jobOptions);
      const answer = vcApi.verifyResponse(result as never);
      if (answer.verified) {
        res.status(200).json(answer);
        return;
      }
      const [first] = answer.problemDetails;
      res
        .status(400)
        .type('application/problem+json')
        .json({
          type: first?.type ?? 'urn:vcq:problem:not_verified',
          title: 'Bad Request',
          status: 400,
          detail: `The credential does not verify: ${first?.detail ?? 'no reason given'}`,
          error: shortError('not_verified', 400),
          ...answer,
        });
    },
  );

/** Public documents: did:web DID documents and status-list credentials. */
export const publicDocumentRoutes = new RouteGroup<CredentialsService>()
  .get(
    {
      path: '/.well-known/did.json',
      operationId: 'getHostDidDocument',
      summary: 'The did:web document of this host',
      tag: 'Public documents',
      auth: 'none',
      responses: { 200: { description: 'The DID document of `did:web:<host>`.', mediaType: 'application/did+json', schema: s.DidDocumentSchema } },
      problems: [404, 410],
    },
    async ({ res, deps: credentials }) => {
      const doc = await credentials.dids.webDocument([]);
      if (!doc) throw new NotFoundError('no DID document for this host');
      res.type('application/did+json').json(doc);
    },
  )
  .get(
    {
      path: '/status-lists/{id}',
      operationId: 'getStatusListCredential',
      summary: 'A signed Bitstring Status List credential',
      tag: 'Public documents',
      auth: 'none',
      params: z.object({ id: z.string().describe('The status list id.') }),
      responses: {
        200: {
          description:
            "The BitstringStatusListCredential in the format of the credentials it serves: a VC-JWT (`application/jwt`) for VCDM 1.1 VC-JWTs, a VCDM 2.0 credential secured with VC-JOSE-COSE (`application/vc+jwt`) for `vc+jwt` ones, a JSON-LD credential with the same cryptosuite's proof (`application/vc`) for Data Integrity ones; signed when a status changes or half its validity has passed, not per request. Cacheable for `STATUS_LIST_TTL`; the credential's `exp` is `STATUS_LIST_VALIDITY` after signing.",
          mediaType: 'application/jwt',
          schema: z.string(),
          headers: ['ETag', 'LastModified', 'CacheControl', 'Expires'],
        },
        304: { description: 'Not modified: the `If-None-Match` or `If-Modified-Since` sent still names the current list.', headers: ['ETag', 'CacheControl'] },
      },
      problems: [404],
    },
    async ({ params: { id }, req, res, deps: credentials }) => {
      const list = await credentials.credentials.statusListCredential(id);
      if (!list) throw new NotFoundError(`no status list ${id}`);
      // Caches may keep it for its ttl, never past its validUntil; the same bytes keep the same ETag.
      const maxAge = Math.max(0, Math.floor(Math.min(list.ttlMs, list.validUntil.getTime() - Date.now()) / 1000));
      res.setHeader('Cache-Control', `public, max-age=${maxAge}`);
      res.setHeader('ETag', list.etag);
      res.setHeader('Last-Modified', list.signedAt.toUTCString());
      res.setHeader('Expires', list.validUntil.toUTCString());
      if (notModified(req, list.etag, list.signedAt)) {
        res.status(304).end();
        return;
      }
      res.type(list.mediaType).send(list.credential);
    },
  )
  // did:web:<host>:<a>:<b> lives at /a/b/did.json (after every other route). Path
  // segments are plain unreserved characters, so the raw (undecoded) path is compared
  // as it is: anything percent-encoded names no DID and gets a 404, never a decode error.
  .get(
    {
      path: '/{path}/did.json',
      expressPath: /^\/.+\/did\.json$/,
      operationId: 'getPathDidDocument',
      summary: 'A did:web document hosted by vcq',
      description: '`did:web:<host>:a:b` lives at `/a/b/did.json`.',
      tag: 'Public documents',
      auth: 'none',
      params: z.object({ path: z.string().describe('The DID’s path segments joined with `/` (e.g. `issuers/acme`).') }),
      responses: { 200: { description: 'The DID document.', mediaType: 'application/did+json', schema: s.DidDocumentSchema } },
      problems: [404, 410],
    },
    async ({ req, res, deps: credentials }) => {
      const path = req.path.slice(1, -'/did.json'.length);
      const doc = await credentials.dids.webDocument(path.split('/'));
      if (!doc) throw new NotFoundError(`no DID document at ${req.path}`);
      res.type('application/did+json').json(doc);
    },
  );

/**
 * RFC 9110 §13.1: whether a conditional GET already holds this representation. The
 * origin evaluates If-None-Match (weak comparison) and, only without it,
 * If-Modified-Since; a client's `Cache-Control: no-cache` (fetch sends one with any
 * conditional request) is for caches, not for the origin's own comparison.
 */
function notModified(req: Request, etag: string, lastModified: Date): boolean {
  const tags = req.header('if-none-match');
  if (tags !== undefined) {
    const bare = (tag: string) => tag.trim().replace(/^W\//, '');
    return tags.trim() === '*' || tags.split(',').some((tag) => bare(tag) === bare(etag));
  }
  const since = Date.parse(req.header('if-modified-since') ?? '');
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}
